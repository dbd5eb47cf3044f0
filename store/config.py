"""Settings from the environment, and the one place a database URL becomes library settings."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

DATABASE_URL_VARIABLE = "INSIGHTLOG_DATABASE_URL"
DEFAULT_DATABASE_URL = "sqlite:///var/insightlog.sqlite3"
# Every log is hash-chained as it is written (store/hash_chain.py).
CHAINED_RECORDERS = {
    "sqlite": "store.chained_recorders:ChainedSQLiteApplicationRecorder",
    "postgresql": "store.chained_recorders:ChainedPostgresApplicationRecorder",
}
UNCHAINED_RECORDERS = {
    "sqlite": "store.projecting_recorders:ProjectingSQLiteApplicationRecorder",
    "postgresql": "store.projecting_recorders:ProjectingPostgresApplicationRecorder",
}


class ConfigError(Exception):
    """The configuration cannot work; the message says what to fix."""


def _without_password(url: str) -> str:
    """`url` fit for an error message: any password in it masked."""
    # Up to the last "@": a password written unencoded may hold "/" or "@" itself.
    return re.sub(r"(//[^/@:]*):.*@", r"\1:***@", url)


def ensure_directory_of(path: str) -> None:
    """Create the directory a SQLite file goes in, or say why it cannot be."""
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ConfigError(
            f"{DATABASE_URL_VARIABLE}: cannot create the directory of {path}: "
            f"{error.strerror or error}"
        ) from None


@dataclass(frozen=True)
class DatabaseUrl:
    """A parsed `sqlite:///PATH` or `postgresql://USER[:PASSWORD]@HOST[:PORT]/DBNAME`."""

    backend: str
    sqlite_path: str = ""
    user: str = ""
    password: str = ""
    host: str = ""
    port: int = 5432
    dbname: str = ""

    @classmethod
    def parse(cls, url: str) -> DatabaseUrl:
        """Parse a database URL; raise ConfigError with a hint when it is not one."""
        if url.startswith("sqlite:///"):
            path = url[len("sqlite:///") :]
            if not path:
                raise ConfigError(f"{DATABASE_URL_VARIABLE}: sqlite URL has no path: {url!r}")
            return cls(backend="sqlite", sqlite_path=path)
        try:
            parts = urlsplit(url)
        except ValueError as error:  # An unencoded "[" or "]" in it, say.
            raise ConfigError(
                f"{DATABASE_URL_VARIABLE}: {error} in {_without_password(url)!r} "
                "(percent-encode special characters of the password)"
            ) from None
        if parts.scheme not in ("postgresql", "postgres"):
            raise ConfigError(
                f"{DATABASE_URL_VARIABLE} must be sqlite:///PATH or "
                f"postgresql://USER[:PASSWORD]@HOST[:PORT]/DBNAME, not {_without_password(url)!r}"
            )
        dbname = parts.path.lstrip("/")
        if not parts.username or not parts.hostname or not dbname:
            raise ConfigError(
                f"{DATABASE_URL_VARIABLE}: postgresql URL needs USER, HOST and DBNAME"
            )
        try:
            port = parts.port or 5432
        except ValueError as error:
            raise ConfigError(
                f"{DATABASE_URL_VARIABLE}: bad port in {_without_password(url)!r}"
            ) from error
        return cls(
            backend="postgresql",
            user=unquote(parts.username),
            password=unquote(parts.password or ""),
            host=parts.hostname,
            port=port,
            dbname=unquote(dbname),
        )

    def describe(self) -> str:
        """Where the database is, without any password."""
        if self.backend == "sqlite":
            return self.sqlite_path
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.dbname}"

    @property
    def conninfo(self) -> str:
        """A libpq connection string for the PostgreSQL URL."""
        fields = {
            "host": self.host,
            "port": str(self.port),
            "user": self.user,
            "dbname": self.dbname,
        }
        if self.password:
            fields["password"] = self.password
        return " ".join(f"{key}='{_escape(value)}'" for key, value in fields.items())

    @property
    def views_sqlite_path(self) -> str:
        """The SQLite file of the views log, beside the main one."""
        path = Path(self.sqlite_path)
        return str(path.with_name(f"{path.stem}-views{path.suffix}"))

    @property
    def analytics_sqlite_path(self) -> str:
        """The SQLite file of the analytics events, beside the main one."""
        path = Path(self.sqlite_path)
        return str(path.with_name(f"{path.stem}-analytics{path.suffix}"))

    def eventsourcing_env(
        self, *, create_table: bool, views: bool = False, hash_chain: bool = True
    ) -> dict[str, str]:
        """The `eventsourcing` library's settings for this database (or its views log).
        `hash_chain=False` leaves the hashes out: only to measure what chaining costs."""
        recorders = CHAINED_RECORDERS if hash_chain else UNCHAINED_RECORDERS
        env = {
            "CREATE_TABLE": "y" if create_table else "n",
            "APPLICATION_RECORDER_TOPIC": recorders[self.backend],
        }
        if self.backend == "sqlite":
            ensure_directory_of(self.sqlite_path)
            env.update(
                PERSISTENCE_MODULE="store.sqlite_factory:SQLiteFactory",
                SQLITE_DBNAME=self.views_sqlite_path if views else self.sqlite_path,
                SQLITE_LOCK_TIMEOUT="30",
            )
        else:
            env.update(
                PERSISTENCE_MODULE="eventsourcing.postgres",
                POSTGRES_DBNAME=self.dbname,
                POSTGRES_HOST=self.host,
                POSTGRES_PORT=str(self.port),
                POSTGRES_USER=self.user,
                POSTGRES_PASSWORD=self.password,
                POSTGRES_POOL_SIZE="2",
                POSTGRES_MAX_OVERFLOW="8",
                POSTGRES_LOCK_TIMEOUT="10",
                # How long the event store waits for a connection; it tries 10 times.
                POSTGRES_CONNECT_TIMEOUT="2",
                POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT="10",
            )
        return env


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


def database_url_from_env() -> DatabaseUrl:
    """The database named by INSIGHTLOG_DATABASE_URL, or the embedded default."""
    return DatabaseUrl.parse(os.environ.get(DATABASE_URL_VARIABLE) or DEFAULT_DATABASE_URL)
