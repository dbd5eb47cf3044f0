"""The WSGI entry point: the only module-level application, built in each worker after fork."""

from __future__ import annotations

from api.app import create_app
from store.backend import open_backend_when_reachable
from store.config import database_url_from_env

# NOTE: `insightlog serve` checked the database before forking; a worker started later (after
# a crash, say) during an outage waits for the database instead of failing to start.
application = create_app(open_backend_when_reachable(database_url_from_env()))
