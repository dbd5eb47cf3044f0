"""Every route and method the falcon router of `create_app` serves, read from the router itself.

The isolation and convention tests walk this list, so a route added later is covered (or
makes them fail, asking for a sample value of a new path parameter) without editing them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import falcon
import falcon.inspect

# The schema is public; the capture endpoints authenticate with the project's public token.
PUBLIC_ROUTES = frozenset({"/api/schema", "/e", "/capture", "/batch", "/i/v0/e"})
_FIELD = re.compile(r"{([A-Za-z_][A-Za-z0-9_]*)}")


@dataclass(frozen=True)
class ServedRoute:
    """A URI template and the methods its resource implements (not falcon's defaults)."""

    template: str
    methods: tuple[str, ...]
    responders: Mapping[str, Callable[..., Any]]

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(_FIELD.findall(self.template))

    @property
    def is_public(self) -> bool:
        return self.template in PUBLIC_ROUTES

    def path(self, values: Mapping[str, object]) -> str:
        """The template with every `{field}` replaced; a field without a value is an error."""
        missing = [name for name in self.fields if name not in values]
        if missing:
            raise AssertionError(
                f"{self.template}: no sample value for {missing}; teach the test this parameter"
            )
        return _FIELD.sub(lambda match: str(values[match.group(1)]), self.template)


def served_routes(app: falcon.App) -> list[ServedRoute]:
    """The app's routes, each with the methods a responder of the resource implements."""
    routes = []
    for info in falcon.inspect.inspect_routes(app):
        methods = tuple(sorted(method.method for method in info.methods if not method.internal))
        sample = _FIELD.sub("1", info.path)
        found = app._router.find(sample)
        assert found is not None, f"{info.path} is listed but {sample} is not routed"
        _, method_map, _, _ = found
        routes.append(
            ServedRoute(
                template=info.path,
                methods=methods,
                responders={method: method_map[method] for method in methods},
            )
        )
    return routes


def object_of(template: str) -> str:
    """The collection a route belongs to: the segment after the project id."""
    parts = template.strip("/").split("/")
    return parts[3] if len(parts) > 3 else ""
