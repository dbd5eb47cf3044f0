"""`insightlog serve`: gunicorn with one application object per worker, built after fork."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication


class Server(BaseApplication):
    """gunicorn driven from code; `load` runs in each worker, never in the master."""

    def __init__(self, options: dict[str, Any]) -> None:
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from api.wsgi import application

        return application


def serve(host: str, port: int, workers: int, threads: int, access_log: bool) -> None:
    """Serve the API until interrupted."""
    options: dict[str, Any] = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "preload_app": False,
        "timeout": 60,
        "graceful_timeout": 10,
        "keepalive": 5,
        # gunicorn's largest request line (its default is 4,094 bytes): list filters with many
        # ids and element-stats property filters travel in the query string.
        "limit_request_line": 8190,
        "proc_name": "insightlog",
        # Several servers may share a machine (tests, benchmarks): no shared control socket.
        "control_socket_disable": True,
    }
    if access_log:
        options["accesslog"] = "-"
    Server(options).run()
