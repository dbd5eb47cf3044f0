"""An insight's short_id: eight characters from [A-Za-z0-9] that look random but are a
bijection of the insight id, so two insights can never share one, whatever the concurrency."""

from __future__ import annotations

import hashlib
import string

ALPHABET = string.ascii_letters + string.digits
LENGTH = 8
SPACE = len(ALPHABET) ** LENGTH
_HALF_BITS = 24
_HALF_MASK = (1 << _HALF_BITS) - 1
_ROUNDS = 4
# NOTE: not a secret: short_ids only need to look random, and each maps back to one id.
_KEY = b"insightlog short_id v1"


# Keyed once: a copy costs a fraction of absorbing the key again for every round.
_ROUND_HASHES = [
    hashlib.blake2b(key=_KEY, person=bytes([round_number]) * 16, digest_size=3)
    for round_number in range(_ROUNDS)
]


def _round(half: int, round_number: int) -> int:
    hash_ = _ROUND_HASHES[round_number].copy()
    hash_.update(half.to_bytes(3, "big"))
    return int.from_bytes(hash_.digest(), "big")


def _permute(value: int) -> int:
    """A Feistel network: a bijection of [0, 2**48)."""
    left, right = value >> _HALF_BITS, value & _HALF_MASK
    for round_number in range(_ROUNDS):
        left, right = right, left ^ _round(right, round_number)
    return (left << _HALF_BITS) | right


def short_id_for(insight_id: int) -> str:
    """The short_id of an insight id (0 <= id < 62**8)."""
    if not 0 <= insight_id < SPACE:
        raise ValueError(f"insight id {insight_id} has no short_id")
    value = _permute(insight_id)
    while value >= SPACE:  # cycle-walk back into [0, 62**8), keeping the bijection
        value = _permute(value)
    characters = []
    for _ in range(LENGTH):
        value, digit = divmod(value, len(ALPHABET))
        characters.append(ALPHABET[digit])
    return "".join(reversed(characters))
