"""Application service for elements: the only place elements are loaded and saved."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from eventsourcing.application import AggregateNotFoundError

from domain.element import Element, ElementNotFoundError
from store.backend import Backend


class ElementCommands:
    """Creates, changes and deletes elements, retrying on concurrent writes."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend

    def create(
        self, *, project_id: int, environment_id: int, actor_id: int, values: Mapping[str, Any]
    ) -> int:
        """Create an element in the project; returns its id."""
        return self._backend.record_new(
            "element",
            lambda element_id: Element.create(
                element_id=element_id,
                project_id=project_id,
                environment_id=environment_id,
                actor_id=actor_id,
                at=self._backend.clock(),
                values=values,
            ),
        )

    def update(
        self,
        *,
        project_id: int,
        environment_id: int,
        actor_id: int,
        element_id: int,
        values: Mapping[str, Any],
    ) -> None:
        """Apply a partial update."""

        def attempt() -> None:
            element = self._load(project_id, element_id)
            if element.update(
                environment_id=environment_id,
                actor_id=actor_id,
                at=self._backend.clock(),
                values=values,
            ):
                self._backend.record(element)

        self._backend.retrying(attempt)

    def delete(
        self, *, project_id: int, environment_id: int, actor_id: int, element_id: int
    ) -> None:
        """Delete the element."""

        def attempt() -> None:
            element = self._load(project_id, element_id)
            element.delete(
                environment_id=environment_id, actor_id=actor_id, at=self._backend.clock()
            )
            self._backend.record(element)

        self._backend.retrying(attempt)

    def _load(self, project_id: int, element_id: int) -> Element:
        try:
            element: Element = self._backend.events.repository.get(Element.create_id(element_id))
        except AggregateNotFoundError:
            raise ElementNotFoundError() from None
        if element.project_id != project_id:
            raise ElementNotFoundError()
        return element
