"""The contract of a read model: the tables it owns and how each event changes them."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar

from store.database import Cursor


class Projection(ABC):
    """A read model kept by the Projector; every write shares the tracking transaction."""

    name: ClassVar[str]
    version: ClassVar[int] = 1
    """Bump it whenever the tables or the processing change: `insightlog migrate` then
    rebuilds the read model from the log."""
    tables: tuple[str, ...]
    topics: ClassVar[tuple[str, ...]]
    """Topics of the events it reacts to; others only advance its position."""

    @abstractmethod
    def ddl(self, dialect: str) -> list[str]:
        """CREATE statements for its tables and indexes (idempotent)."""

    @abstractmethod
    def process_batch(self, cursor: Cursor, events: Sequence[tuple[int, Any]]) -> None:
        """Apply (log position, domain event) pairs, in order, to the tables."""

    @property
    def model_tables(self) -> tuple[str, ...]:
        """The tables whose rows are the read model itself; index structures kept beside
        them may differ between an incremental build and a rebuild."""
        return self.tables


class EventByEventProjection(Projection):
    """A read model that applies events one at a time and needs no positions."""

    @abstractmethod
    def process(self, cursor: Cursor, event: Any) -> None:
        """Apply one domain event to the tables."""

    def process_batch(self, cursor: Cursor, events: Sequence[tuple[int, Any]]) -> None:
        for _, event in events:
            self.process(cursor, event)
