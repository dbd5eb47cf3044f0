"""Pydantic validation errors in PostHog's (DRF's) words: the first error, with `attr`."""

from __future__ import annotations

from typing import Any, TypeVar

import falcon
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from api.errors import ApiError, bad_request

M = TypeVar("M", bound=BaseModel)
_JSON_TYPES = {dict: "dict", list: "list", str: "str", int: "int", float: "float", bool: "bool"}


def _type_name(value: Any) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


def _translate(error: ErrorDetails) -> tuple[str, str]:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    if kind == "missing":
        return "required", "This field is required."
    if value is None and kind.endswith("_type"):
        return "null", "This field may not be null."
    if kind == "string_too_long":
        return "max_length", f"Ensure this field has no more than {ctx['max_length']} characters."
    if kind == "too_long":
        return "max_length", f"Ensure this field has no more than {ctx['max_length']} elements."
    if kind == "too_short":
        if ctx.get("min_length") == 1:
            return "empty", "This list may not be empty."
        return "min_length", f"Ensure this field has at least {ctx['min_length']} elements."
    if kind in ("int_parsing", "int_type", "int_from_float", "int_parsing_size"):
        return "invalid_input", "A valid integer is required."
    if kind in ("bool_parsing", "bool_type"):
        return "invalid_input", "Must be a valid boolean."
    if kind == "string_type":
        return "invalid_input", "Not a valid string."
    if kind == "list_type":
        return "not_a_list", f'Expected a list of items but got type "{_type_name(value)}".'
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return (
            "invalid_input",
            f'Expected a dictionary of items but got type "{_type_name(value)}".',
        )
    if kind == "json_invalid":
        return "invalid_input", "Value must be valid JSON."
    if kind == "literal_error":
        return "invalid_choice", f'"{value}" is not a valid choice.'
    if kind in ("greater_than_equal", "greater_than"):
        return (
            "min_value",
            f"Ensure this value is greater than or equal to {ctx.get('ge', ctx.get('gt'))}.",
        )
    if kind in ("less_than_equal", "less_than"):
        return (
            "max_value",
            f"Ensure this value is less than or equal to {ctx.get('le', ctx.get('lt'))}.",
        )
    if kind == "value_error":
        return "invalid_input", str(ctx.get("error", error["msg"]))
    # Our own PydanticCustomError types are DRF codes already.
    return kind, error["msg"]


def first_error(error: ValidationError, *, nested: bool = True) -> ApiError:
    """The envelope of the first error; `nested` joins the location with `__` as DRF does."""
    details = error.errors(include_url=False)[0]
    location = [str(part) for part in details["loc"]]
    attr = "__".join(location) if nested else (location[0] if location else None)
    code, detail = _translate(details)
    return bad_request(detail, attr or None, code)


def pydantic_error(
    req: falcon.Request, resp: falcon.Response, error: ValidationError, params: Any
) -> None:
    """falcon error handler for validation errors that escape a resource."""
    raise first_error(error)


def query_params(model: type[M], req: falcon.Request, context: dict[str, Any] | None = None) -> M:
    """Validate the query string against `model`; the last value of a repeated key wins."""
    raw = {
        key: value[-1] if isinstance(value, list) else value for key, value in req.params.items()
    }
    for key, value in raw.items():
        # NOTE: `search` drops NULs as PostHog does; elsewhere no stored value can hold one.
        if key != "search" and "\x00" in value:
            raise bad_request(
                "Null characters are not allowed.", key, code="null_characters_not_allowed"
            )
    try:
        return model.model_validate(raw, context=context)
    except ValidationError as error:
        raise first_error(error, nested=False) from None
