"""The library's SQLite infrastructure, with connections that keep their compiled statements
(selected with PERSISTENCE_MODULE)."""

from __future__ import annotations

import sqlite3

from eventsourcing.persistence import InterfaceError
from eventsourcing.sqlite import (
    SQLITE3_DEFAULT_LOCK_TIMEOUT,
    SQLiteConnection,
    SQLiteConnectionPool,
)
from eventsourcing.sqlite import SQLiteFactory as LibrarySQLiteFactory
from eventsourcing.utils import Environment, EnvType

STATEMENT_CACHE_SIZE = 128


class StatementCachingPool(SQLiteConnectionPool):
    """eventsourcing 9.5 connects with `cached_statements=True`, which sqlite3 reads as a cache
    of one statement. A write that runs a dozen (events, hash chain, read models) then compiled
    every one of them again each time: a fifth of a create's time."""

    def _create_connection(self) -> SQLiteConnection:
        try:
            connection = sqlite3.connect(
                database=self.db_name,
                uri=True,
                check_same_thread=False,
                isolation_level=None,
                cached_statements=STATEMENT_CACHE_SIZE,
                timeout=self.lock_timeout or SQLITE3_DEFAULT_LOCK_TIMEOUT,
            )
        except (sqlite3.Error, TypeError) as error:
            raise InterfaceError(error) from error
        if not self.is_sqlite_memory_mode:
            connection.execute("PRAGMA journal_mode=WAL")
        connection.row_factory = sqlite3.Row
        return SQLiteConnection(sqlite_conn=connection, max_age=self.max_age)


class SQLiteFactory(LibrarySQLiteFactory):
    """The library's factory, its datastore drawing connections from a StatementCachingPool."""

    def __init__(self, env: Environment | EnvType | None) -> None:
        super().__init__(env)
        library_pool = self.datastore.pool  # Not used yet: it has no connection to close.
        # NOTE: a thread waits for the pool's one writer as long as SQLite waits for the file's
        # lock (the pool's own default is 5 s): the writer may itself be waiting for another
        # process's transaction, and the waiting threads then answered 500s.
        lock_timeout = library_pool.lock_timeout or SQLITE3_DEFAULT_LOCK_TIMEOUT
        self.datastore.pool = StatementCachingPool(
            db_name=library_pool.db_name,
            lock_timeout=library_pool.lock_timeout,
            pool_timeout=float(lock_timeout),
        )
