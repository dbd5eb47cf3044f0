"""The WSGI entry point: the only module-level application, built in each worker after fork."""

from __future__ import annotations

from api.app import create_app
from store.backend import open_backend
from store.config import database_url_from_env

application = create_app(open_backend(database_url_from_env()))
