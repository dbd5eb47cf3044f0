"""Fixtures of the read-model tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from store.backend import Backend


@pytest.fixture
def opened() -> Iterator[list[Backend]]:
    """Backends a test opens itself; closed at the end even when it fails."""
    backends: list[Backend] = []
    yield backends
    for backend in backends:
        backend.close()
