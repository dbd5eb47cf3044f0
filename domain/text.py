"""Rules every stored piece of free text obeys."""

from __future__ import annotations

from domain.errors import InvalidInputError


def check_text(value: str | None, attr: str, max_length: int | None = None) -> str | None:
    """Refuse NUL characters (no database can store them in text) and over-long values."""
    if value is None:
        return None
    if "\x00" in value:
        raise InvalidInputError(
            "Null characters are not allowed.", attr=attr, code="null_characters_not_allowed"
        )
    if max_length is not None and len(value) > max_length:
        raise InvalidInputError(
            f"Ensure this field has no more than {max_length} characters.",
            attr=attr,
            code="max_length",
        )
    return value
