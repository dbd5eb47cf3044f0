"""The `insightlog` console script as a real process (CONTRACT.md §6), on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import re
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest

from domain.organization import Organization
from domain.personal_api_key import hash_key
from projections.accounts import Principal
from store.backend import open_backend, projections, view_projections
from store.config import DatabaseUrl
from store.dashboards import DashboardCommands
from store.insights import InsightCommands
from store.keys import Keys
from store.migrate import migrate
from store.tenancy import Tenancy
from tests.databases import BACKENDS, DatabaseFactory, require_postgres
from tests.e2e.processes import (
    INSIGHTLOG,
    EmptyDatabases,
    cli,
    cli_json,
    query,
    read_models,
    single_json_object,
    start_cli,
    stored_bytes,
)

pytestmark = pytest.mark.e2e

BOOTSTRAP_KEYS = {
    "user_id",
    "organization_id",
    "project_id",
    "environment_id",
    "personal_api_key",
    "project_api_key",
}
PROJECTION_NAMES = sorted(
    projection.name for projection in [*projections("sqlite"), *view_projections()]
)
LOGS = {name: "insightlog" for name in PROJECTION_NAMES} | {"insight_views": "insightlog_views"}
# `projections status` lists each log's read models by name, the main log's first.
STATUS_ORDER = [
    *sorted(projection.name for projection in projections("sqlite")),
    *sorted(projection.name for projection in view_projections()),
]


def views_head(url: DatabaseUrl) -> int:
    """The newest notification id of the views log."""
    backend = open_backend(url)
    try:
        return backend.view_projector.head()
    finally:
        backend.close()


def expected_status(url: DatabaseUrl, lag: int = 0) -> list[dict[str, Any]]:
    """Every read model caught up, except a main-log lag of `lag` events."""
    heads = {"insightlog": log_head(url), "insightlog_views": views_head(url)}
    return [
        {
            "name": name,
            "log": LOGS[name],
            "position": heads[LOGS[name]] - (lag if LOGS[name] == "insightlog" else 0),
            "head": heads[LOGS[name]],
            "lag": lag if LOGS[name] == "insightlog" else 0,
        }
        for name in STATUS_ORDER
    ]


BASE57_KEY = re.compile(r"phx_[2-9A-HJ-NP-Za-km-z]{40,}")


# ---------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module", params=BACKENDS)
def url(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    databases: DatabaseFactory,
) -> DatabaseUrl:
    """A migrated database of each backend, shared by the module's tests (they isolate
    themselves by user and project)."""
    if request.param == "sqlite":
        sqlite_url = DatabaseUrl.parse(
            f"sqlite:///{tmp_path_factory.mktemp('cli') / 'insightlog.sqlite3'}"
        )
        migrate(sqlite_url)
        return sqlite_url
    return databases.create("postgresql")


@pytest.fixture(scope="module")
def empty_databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmptyDatabases]:
    factory = EmptyDatabases(tmp_path_factory.mktemp("empty"))
    yield factory
    factory.drop_all()


@pytest.fixture
def empty_url(url: DatabaseUrl, tmp_path: Path, empty_databases: EmptyDatabases) -> DatabaseUrl:
    """A database of the same backend no one has migrated: an empty (zero-byte) SQLite
    file, or an empty PostgreSQL database."""
    if url.backend == "sqlite":
        path = tmp_path / "insightlog.sqlite3"
        path.touch()
        return DatabaseUrl.parse(f"sqlite:///{path}")
    return empty_databases.create("postgresql")


def _email(name: str) -> str:
    return f"{name.lower()}-{uuid.uuid4().hex[:8]}@example.com"


def bootstrapped(url: DatabaseUrl, first_name: str, email: str | None = None) -> dict[str, Any]:
    """An organization, project and `*` key for a (new) user, with the keys `bootstrap`
    prints plus the email; made in-process for speed where the CLI is not under test."""
    email = email or _email(first_name)
    backend = open_backend(url)
    try:
        created = Tenancy(backend).bootstrap(
            email=email,
            first_name=first_name,
            last_name="Tester",
            organization=f"{first_name}'s organization",
            project=f"{first_name}'s project",
        )
        key = Keys(backend).create(email=email, scopes=["*"], label="bootstrap")
    finally:
        backend.close()
    return {
        "user_id": created.user_id,
        "organization_id": created.organization_id,
        "project_id": created.project_id,
        "environment_id": created.environment_id,
        "personal_api_key": key.raw_key,
        "project_api_key": created.project_api_key,
        "email": email,
    }


@pytest.fixture
def owner(url: DatabaseUrl) -> dict[str, Any]:
    """Ada, with her own organization, project and `*` key."""
    return bootstrapped(url, "Ada")


# ---------------------------------------------------------------------------- helpers


def principal(url: DatabaseUrl, raw_key: str) -> Principal | None:
    """Who the key authenticates as, read the way the API reads it (None: not a live key)."""
    backend = open_backend(url)
    try:
        return backend.accounts.principal(hash_key(raw_key))
    finally:
        backend.close()


def is_member(url: DatabaseUrl, project_id: int, user_id: int) -> bool:
    backend = open_backend(url)
    try:
        access = backend.accounts.environment_access(project_id, user_id)
    finally:
        backend.close()
    return access is not None and access.is_member


def log_head(url: DatabaseUrl) -> int:
    """The newest notification id, straight from the event store's table."""
    if url.backend == "sqlite":
        rows = query(url, "SELECT MAX(rowid) FROM stored_events")
    else:
        rows = query(url, "SELECT MAX(notification_id) FROM insightlog_events")
    return int(rows[0][0] or 0)


def key_rows(url: DatabaseUrl) -> list[tuple[Any, ...]]:
    return query(url, "SELECT id, user_id, label, revoked FROM personal_api_keys ORDER BY id")


def failed(completed: subprocess.CompletedProcess[str]) -> bool:
    """Exited non-zero with a message on stderr and nothing on stdout."""
    return completed.returncode != 0 and completed.stdout == "" and completed.stderr.strip() != ""


# ---------------------------------------------------------------------------- migrate


class TestMigrate:
    def test_migrate_prepares_an_empty_database_for_every_command(
        self, empty_url: DatabaseUrl
    ) -> None:
        migrated = cli(empty_url, "migrate")

        single_json_object(migrated)
        status = cli_json(empty_url, "projections", "status")
        assert status["projections"] == expected_status(empty_url)
        assert all(p["head"] == 0 for p in status["projections"])
        assert [p["name"] for p in status["projections"]] == STATUS_ORDER
        assert all(p["lag"] == 0 for p in status["projections"])

    def test_migrate_again_keeps_everything_recorded(
        self, url: DatabaseUrl, owner: dict[str, Any]
    ) -> None:
        before = read_models(url)
        head = log_head(url)

        again = cli(url, "migrate")

        assert again.returncode == 0, again.stderr
        assert read_models(url) == before
        assert log_head(url) == head
        assert principal(url, owner["personal_api_key"]) is not None

    def test_two_concurrent_migrations_of_an_empty_database_both_succeed(
        self, empty_url: DatabaseUrl
    ) -> None:
        first = start_cli(empty_url, "migrate")
        second = start_cli(empty_url, "migrate")

        outcomes = [
            (*process.communicate(timeout=60), process.returncode) for process in (first, second)
        ]

        assert [rc for _, _, rc in outcomes] == [0, 0], [stderr for _, stderr, _ in outcomes]
        # Check the tables really are complete: a bootstrap works on them.
        grace = bootstrapped(empty_url, "Grace")
        assert principal(empty_url, grace["personal_api_key"]) is not None
        assert [row[:2] for row in read_models(empty_url)["projection_tracking"]] == sorted(
            (entry["name"], entry["position"]) for entry in expected_status(empty_url)
        )


class TestDatabaseProblems:
    def test_a_command_on_a_database_never_migrated_says_to_migrate(self, tmp_path: Path) -> None:
        empty = tmp_path / "empty.sqlite3"
        empty.touch()

        completed = cli(
            DatabaseUrl.parse(f"sqlite:///{empty}"),
            *("keys", "create", "--email", "ada@example.com", "--scopes", "*"),
        )

        assert failed(completed), completed
        assert "has no insightlog tables (run `insightlog migrate`)" in completed.stderr

    def test_a_sqlite_file_that_does_not_exist_is_named_and_not_created(
        self, tmp_path: Path
    ) -> None:
        never = tmp_path / "not" / "there.sqlite3"

        completed = cli(DatabaseUrl.parse(f"sqlite:///{never}"), "projections", "status")

        assert failed(completed), completed
        assert completed.stderr == (
            f"Error: there is no database at {never} (run `insightlog migrate`)\n"
        )
        assert not (tmp_path / "not").exists()

    def test_read_models_built_by_another_version_are_refused_until_migrated(
        self, empty_url: DatabaseUrl
    ) -> None:
        # Its tables lack what this version reads (a 500 on some routes, before).
        assert cli(empty_url, "migrate").returncode == 0
        backend = open_backend(empty_url)
        backend.database.execute_one(
            "UPDATE projection_tracking SET version = version - 1 WHERE name = %s RETURNING name",
            ("dashboards",),
        )
        backend.close()

        refused = cli(empty_url, "serve", "--port", "0")
        migrated = cli(empty_url, "migrate")

        assert failed(refused), refused
        assert "dashboards" in refused.stderr
        assert "(run `insightlog migrate` to rebuild them)" in refused.stderr
        assert migrated.returncode == 0, migrated.stderr
        assert cli_json(empty_url, "projections", "status")["projections"] == expected_status(
            empty_url
        )

    def test_a_postgresql_database_that_does_not_exist_is_one_line_not_a_traceback(self) -> None:
        server = require_postgres()
        missing = replace(server, dbname=f"insightlog_missing_{uuid.uuid4().hex[:8]}")

        completed = cli(missing, "migrate")

        assert failed(completed), completed
        assert completed.stderr.startswith(
            f"Error: cannot use the database at {missing.describe()}"
        )
        assert "does not exist" in completed.stderr
        assert "Traceback" not in completed.stderr

    def test_a_missing_postgresql_database_is_named_at_once_by_any_command(self) -> None:
        server = require_postgres()
        missing = replace(server, dbname=f"insightlog_missing_{uuid.uuid4().hex[:8]}")

        completed = cli(missing, "keys", "create", "--email", "ada@example.com", "--scopes", "*")

        assert failed(completed), completed
        assert "does not exist" in completed.stderr  # Not the pool's timeout, 30 s later.
        assert "Traceback" not in completed.stderr

    def test_a_read_only_postgresql_database_is_one_line_not_a_traceback(
        self, empty_url: DatabaseUrl
    ) -> None:
        if empty_url.backend != "postgresql":
            pytest.skip("read-only databases are PostgreSQL's")
        assert cli(empty_url, "migrate").returncode == 0
        with psycopg.connect(empty_url.conninfo, autocommit=True) as connection:
            connection.execute(
                f'ALTER DATABASE "{empty_url.dbname}" SET default_transaction_read_only = on'
            )

        completed = cli(empty_url, "bootstrap", "--email", _email("Ada"))

        assert failed(completed), completed
        assert completed.stderr.startswith(
            f"Error: cannot use the database at {empty_url.describe()}"
        )
        assert "read-only" in completed.stderr
        assert "Traceback" not in completed.stderr

    @pytest.mark.parametrize("command", [("migrate",), ("projections", "status")])
    def test_a_file_that_is_not_a_database_is_one_line_not_a_traceback(
        self, tmp_path: Path, command: tuple[str, ...]
    ) -> None:
        garbage = tmp_path / "garbage.sqlite3"
        garbage.write_text("not a database\n" * 100)

        completed = cli(DatabaseUrl.parse(f"sqlite:///{garbage}"), *command)

        assert failed(completed), completed
        assert "file is not a database" in completed.stderr
        assert "Traceback" not in completed.stderr

    @pytest.mark.parametrize(
        ("command", "error"),
        [
            (("migrate",), "Error: INSIGHTLOG_DATABASE_URL: cannot create the directory of"),
            (("projections", "status"), "Error: there is no database at"),
        ],
    )
    def test_a_database_path_under_a_file_is_one_line_not_a_traceback(
        self, tmp_path: Path, command: tuple[str, ...], error: str
    ) -> None:
        (tmp_path / "plain").write_text("")
        under = DatabaseUrl.parse(f"sqlite:///{tmp_path / 'plain' / 'x.sqlite3'}")

        completed = cli(under, *command)

        assert failed(completed), completed
        assert completed.stderr.startswith(error)
        assert "Traceback" not in completed.stderr

    @pytest.mark.parametrize(
        ("bad", "error"),
        [
            ("postgresql://ada:s3cret@127.0.0.1:54x32/insightlog", "bad port"),
            ("mysql://ada:s3c/ret@127.0.0.1/insightlog", "must be sqlite:///PATH"),
            ("postgresql://ada:s3c[ret@127.0.0.1/insightlog", "Invalid IPv6 URL"),
        ],
        ids=["bad-port", "slash-in-password", "bracket-in-password"],
    )
    def test_a_bad_url_is_refused_in_one_line_without_showing_its_password(
        self, bad: str, error: str
    ) -> None:
        completed = subprocess.run(
            [INSIGHTLOG, "projections", "status"],
            env={**os.environ, "INSIGHTLOG_DATABASE_URL": bad},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

        assert failed(completed), completed
        assert error in completed.stderr
        assert "ret@" not in completed.stderr
        assert "Traceback" not in completed.stderr


# ---------------------------------------------------------------------------- bootstrap


class TestBootstrap:
    def test_bootstrap_prints_one_object_with_exactly_the_six_keys(self, url: DatabaseUrl) -> None:
        completed = cli(url, "bootstrap", "--email", _email("Ada"))

        created = single_json_object(completed)
        assert set(created) == BOOTSTRAP_KEYS
        assert isinstance(created["user_id"], int)
        assert isinstance(created["project_id"], int)
        assert str(uuid.UUID(created["organization_id"])) == created["organization_id"]
        assert created["environment_id"] == created["project_id"]
        assert BASE57_KEY.fullmatch(created["personal_api_key"]), created["personal_api_key"]
        assert created["project_api_key"].startswith("phc_")
        assert len(created["project_api_key"]) > len("phc_") + 30

    def test_bootstrap_env_file_exports_the_key_the_project_and_the_capture_token(
        self, url: DatabaseUrl, tmp_path: Path
    ) -> None:
        env_file = tmp_path / "demo.env"

        created = cli_json(url, "bootstrap", "--email", _email("Ada"), "--env-file", str(env_file))

        assert env_file.stat().st_mode & 0o777 == 0o600  # It holds the secret key.
        assert env_file.read_text() == (
            f"export KEY={created['personal_api_key']}\n"
            f"export PROJECT={created['project_id']}\n"
            f"export TOKEN={created['project_api_key']}\n"
        )

    def test_bootstrap_key_is_live_and_has_every_scope(self, url: DatabaseUrl) -> None:
        created = cli_json(url, "bootstrap", "--email", _email("Ada"))

        found = principal(url, created["personal_api_key"])

        assert found is not None
        assert found.user_id == created["user_id"]
        assert found.scopes == ("*",)
        assert found.scoped_projects is None
        assert is_member(url, created["project_id"], created["user_id"])

    def test_second_bootstrap_with_the_same_email_reuses_the_user_in_a_new_organization_and_project(
        self, url: DatabaseUrl, owner: dict[str, Any]
    ) -> None:
        again = cli_json(url, "bootstrap", "--email", owner["email"], "--project", "Second")

        assert again["user_id"] == owner["user_id"]
        assert again["organization_id"] != owner["organization_id"]
        assert again["project_id"] != owner["project_id"]
        assert again["personal_api_key"] != owner["personal_api_key"]
        assert again["project_api_key"] != owner["project_api_key"]
        assert query(url, "SELECT COUNT(*) FROM users WHERE email = %s", (owner["email"],)) == [
            (1,)
        ]
        assert is_member(url, again["project_id"], owner["user_id"])

    def test_bootstrap_names_the_user_organization_and_project(self, url: DatabaseUrl) -> None:
        email = _email("Ada")

        created = cli_json(
            url,
            "bootstrap",
            "--email", email,
            "--first-name", "Ada",
            "--last-name", "Lovelace",
            "--organization", "Analytical Engines Ltd",
            "--project", "Difference Engine",
        )  # fmt: skip

        assert query(url, "SELECT first_name, last_name FROM users WHERE email = %s", (email,)) == [
            ("Ada", "Lovelace")
        ]
        assert query(
            url, "SELECT name FROM organizations WHERE id = %s", (created["organization_id"],)
        ) == [("Analytical Engines Ltd",)]
        assert query(url, "SELECT name FROM projects WHERE id = %s", (created["project_id"],)) == [
            ("Difference Engine",)
        ]

    def test_bootstrap_to_an_env_file_that_cannot_be_written_creates_nothing(
        self, url: DatabaseUrl, tmp_path: Path
    ) -> None:
        # The key is shown once: failing after creating it would leave a key nobody has.
        head = log_head(url)

        completed = cli(
            url, "bootstrap", "--email", _email("Ada"), "--env-file", str(tmp_path / "no" / "x")
        )

        assert failed(completed), completed
        assert "--env-file" in completed.stderr
        assert "Traceback" not in completed.stderr
        assert log_head(url) == head

    def test_a_bootstrap_refused_for_its_project_name_registers_no_user(
        self, url: DatabaseUrl
    ) -> None:
        email = _email("Ada")

        completed = cli(url, "bootstrap", "--email", email, "--project", "")

        assert failed(completed), completed
        assert "Project name" in completed.stderr
        assert query(url, "SELECT COUNT(*) FROM users WHERE email = %s", (email,)) == [(0,)]


# ---------------------------------------------------------------------------- members add


class TestMembersAdd:
    def test_members_add_prints_the_new_members_user_id(
        self, url: DatabaseUrl, owner: dict[str, Any]
    ) -> None:
        completed = cli(
            url,
            "members",
            "add",
            "--email",
            _email("Charles"),
            "--project",
            str(owner["project_id"]),
        )

        added = single_json_object(completed)
        assert set(added) == {"user_id"}
        assert isinstance(added["user_id"], int)
        assert added["user_id"] != owner["user_id"]
        assert is_member(url, owner["project_id"], added["user_id"])

    def test_members_add_names_a_new_member(self, url: DatabaseUrl, owner: dict[str, Any]) -> None:
        email = _email("Charles")

        cli_json(
            url,
            "members", "add",
            "--email", email,
            "--project", str(owner["project_id"]),
            "--first-name", "Charles",
            "--last-name", "Babbage",
        )  # fmt: skip

        assert query(url, "SELECT first_name, last_name FROM users WHERE email = %s", (email,)) == [
            ("Charles", "Babbage")
        ]

    def test_members_add_of_a_known_email_reuses_that_user(
        self, url: DatabaseUrl, owner: dict[str, Any]
    ) -> None:
        other = bootstrapped(url, "Grace")

        added = cli_json(
            url, "members", "add", "--email", owner["email"], "--project", str(other["project_id"])
        )

        assert added == {"user_id": owner["user_id"]}
        assert is_member(url, other["project_id"], owner["user_id"])

    def test_members_add_to_an_unknown_project_fails_with_a_message(
        self, url: DatabaseUrl, owner: dict[str, Any]
    ) -> None:
        head = log_head(url)

        completed = cli(url, "members", "add", "--email", _email("Charles"), "--project", "987654")

        assert failed(completed), completed
        assert "Project not found." in completed.stderr
        assert log_head(url) == head


# ---------------------------------------------------------------------------- keys


class TestKeysCreate:
    def test_keys_create_prints_the_id_the_key_and_its_scopes(
        self, url: DatabaseUrl, owner: dict[str, Any]
    ) -> None:
        completed = cli(
            url,
            "keys",
            "create",
            "--email",
            owner["email"],
            "--scopes",
            "insight:read,dashboard:write",
        )

        created = single_json_object(completed)
        assert set(created) == {"id", "personal_api_key", "scopes"}
        assert created["scopes"] == ["insight:read", "dashboard:write"]
        assert BASE57_KEY.fullmatch(created["personal_api_key"]), created["personal_api_key"]
        found = principal(url, created["personal_api_key"])
        assert found is not None
        assert (found.key_id, found.user_id) == (created["id"], owner["user_id"])
        assert found.scopes == ("insight:read", "dashboard:write")
        assert found.scoped_projects is None

    def test_keys_create_limits_the_key_to_the_listed_projects_and_keeps_its_label(
        self, url: DatabaseUrl, owner: dict[str, Any]
    ) -> None:
        second = bootstrapped(url, "Ada", email=owner["email"])
        projects = f"{second['project_id']},{owner['project_id']}"

        created = cli_json(
            url,
            "keys", "create",
            "--email", owner["email"],
            "--scopes", "insight:read",
            "--projects", projects,
            "--label", "Nightly export",
        )  # fmt: skip

        found = principal(url, created["personal_api_key"])
        assert found is not None
        assert found.scoped_projects == tuple(sorted([owner["project_id"], second["project_id"]]))
        assert query(
            url, "SELECT label FROM personal_api_keys WHERE id = %s", (created["id"],)
        ) == [("Nightly export",)]

    def test_keys_create_with_an_unknown_scope_fails_and_creates_no_key(
        self, url: DatabaseUrl, owner: dict[str, Any]
    ) -> None:
        keys_before = key_rows(url)
        head = log_head(url)

        completed = cli(
            url,
            "keys",
            "create",
            "--email",
            owner["email"],
            "--scopes",
            "insight:read,hedgehog:write",
        )

        assert failed(completed), completed
        assert "hedgehog:write" in completed.stderr
        assert key_rows(url) == keys_before
        assert log_head(url) == head

    @pytest.mark.parametrize("projects", ["", ",", " , "])
    def test_keys_create_with_projects_naming_no_id_fails_and_creates_no_key(
        self, url: DatabaseUrl, owner: dict[str, Any], projects: str
    ) -> None:
        # No ids would store no limit: a key for every project instead of the few intended.
        keys_before = key_rows(url)

        completed = cli(
            url, "keys", "create", "--email", owner["email"], "--scopes", "*", "--projects", projects
        )  # fmt: skip

        assert completed.returncode == 2, completed
        assert "--projects" in completed.stderr
        assert key_rows(url) == keys_before

    def test_keys_create_for_an_unknown_email_fails_with_a_message(self, url: DatabaseUrl) -> None:
        head = log_head(url)

        completed = cli(url, "keys", "create", "--email", "nobody@example.com", "--scopes", "*")

        assert failed(completed), completed
        assert "nobody@example.com" in completed.stderr
        assert log_head(url) == head

    def test_keys_create_for_a_project_the_user_is_not_a_member_of_fails(
        self, url: DatabaseUrl, owner: dict[str, Any]
    ) -> None:
        stranger = bootstrapped(url, "Grace")
        head = log_head(url)

        completed = cli(
            url, "keys", "create",
            "--email", owner["email"],
            "--scopes", "insight:read",
            "--projects", str(stranger["project_id"]),
        )  # fmt: skip

        assert failed(completed), completed
        assert "member" in completed.stderr
        assert log_head(url) == head


class TestKeysRevoke:
    def test_revoked_key_no_longer_authenticates(
        self, url: DatabaseUrl, owner: dict[str, Any]
    ) -> None:
        created = cli_json(
            url, "keys", "create", "--email", owner["email"], "--scopes", "insight:read"
        )

        revoked = cli(url, "keys", "revoke", created["id"])

        assert revoked.returncode == 0, revoked.stderr
        assert principal(url, created["personal_api_key"]) is None
        # Check only that key stopped working.
        assert principal(url, owner["personal_api_key"]) is not None

    def test_revoking_an_unknown_key_fails_with_a_message(self, url: DatabaseUrl) -> None:
        unknown = str(uuid.uuid4())

        completed = cli(url, "keys", "revoke", unknown)

        assert failed(completed), completed
        assert unknown in completed.stderr


# ---------------------------------------------------------------------------- projections


def _record_unprojected_event(url: DatabaseUrl, name: str = "Babbage & Co") -> None:
    """Append one event to the log without running the projections (as a crash between
    the save and the catch-up would leave it)."""
    backend = open_backend(url)
    try:
        backend.events.save(Organization.create(name=name, actor_id=None, at=datetime.now(UTC)))
    finally:
        backend.close()


def _populate(url: DatabaseUrl, owner: dict[str, Any]) -> None:
    """Something in every read model: members, keys (one revoked), dashboards, insights
    (tagged, on dashboards, renamed, soft deleted)."""
    backend = open_backend(url)
    try:
        Tenancy(backend).add_member(
            email=_email("Charles"),
            project_id=owner["project_id"],
            first_name="Charles",
            last_name="",
        )
        keys = Keys(backend)
        keys.revoke(keys.create(email=owner["email"], scopes=["insight:read"]).id)
        where = {
            "project_id": owner["project_id"],
            "environment_id": owner["environment_id"],
            "actor_id": owner["user_id"],
        }
        dashboards = DashboardCommands(backend)
        insights = InsightCommands(backend)
        board = dashboards.create(**where, values={"name": "Engine room"})
        kept = insights.create(
            **where, values={"name": "Weekly signups", "tags": ["growth"], "dashboards": [board]}
        )
        insights.update(**where, insight_id=kept, values={"name": "Weekly signups (EU)"})
        doomed = insights.create(**where, values={"name": "Doomed funnel"})
        insights.update(**where, insight_id=doomed, values={"deleted": True})
    finally:
        backend.close()


class TestProjectionsStatus:
    def test_status_shows_position_head_and_lag_of_every_read_model(
        self, url: DatabaseUrl, owner: dict[str, Any]
    ) -> None:
        assert log_head(url) > 0

        status = cli_json(url, "projections", "status")

        assert status["projections"] == expected_status(url)

    def test_status_shows_the_lag_of_events_not_yet_projected(
        self, url: DatabaseUrl, owner: dict[str, Any]
    ) -> None:
        _record_unprojected_event(url)

        status = cli_json(url, "projections", "status")

        assert status["projections"] == expected_status(url, lag=1)


class TestProjectionsRun:
    def test_run_brings_every_read_model_up_to_the_head(
        self, url: DatabaseUrl, owner: dict[str, Any]
    ) -> None:
        _record_unprojected_event(url, "Lovelace Ltd")

        completed = cli(url, "projections", "run", "--once")

        assert completed.returncode == 0, completed.stderr
        status = cli_json(url, "projections", "status")
        assert [p["lag"] for p in status["projections"]] == [0] * len(PROJECTION_NAMES)
        assert query(
            url, "SELECT COUNT(*) FROM organizations WHERE name = %s", ("Lovelace Ltd",)
        ) == [(1,)]


class TestProjectionsRebuild:
    def test_rebuild_of_every_read_model_leaves_them_as_they_were(
        self, url: DatabaseUrl, owner: dict[str, Any]
    ) -> None:
        _populate(url, owner)
        before = read_models(url)

        rebuilt = cli_json(url, "projections", "rebuild")

        assert rebuilt["rebuilt"] == PROJECTION_NAMES
        assert read_models(url) == before

    def test_rebuild_of_one_read_model_leaves_every_read_model_as_it_was(
        self, url: DatabaseUrl, owner: dict[str, Any]
    ) -> None:
        _populate(url, owner)
        before = read_models(url)

        rebuilt = cli_json(url, "projections", "rebuild", "insight_list")

        assert rebuilt["rebuilt"] == ["insight_list"]
        assert read_models(url) == before

    def test_rebuild_of_an_unknown_read_model_fails_with_a_message(
        self, url: DatabaseUrl, owner: dict[str, Any]
    ) -> None:
        before = read_models(url)

        completed = cli(url, "projections", "rebuild", "horoscopes")

        assert failed(completed), completed
        assert "horoscopes" in completed.stderr
        assert read_models(url) == before


# ---------------------------------------------------------------------------- secrets


class TestSecrets:
    def test_no_raw_key_nor_any_part_of_its_secret_is_stored(self, url: DatabaseUrl) -> None:
        email = _email("Ada")
        bootstrapped = cli_json(url, "bootstrap", "--email", email)
        scoped = cli_json(url, "keys", "create", "--email", email, "--scopes", "insight:read")
        revoked = cli_json(url, "keys", "create", "--email", email, "--scopes", "*")
        assert cli(url, "keys", "revoke", revoked["id"]).returncode == 0
        raw_keys = [k["personal_api_key"] for k in (bootstrapped, scoped, revoked)]

        stored = stored_bytes(url)

        for raw_key in raw_keys:
            secret = raw_key.removeprefix("phx_")
            assert raw_key.encode() not in stored
            assert secret.encode() not in stored
            # Not even PostHog's mask, the first and last four characters.
            assert f"{raw_key[:4]}...{raw_key[-4:]}".encode() not in stored
            # Nor any 8 characters of the secret.
            windows = {secret[i : i + 8] for i in range(len(secret) - 7)}
            leaked = sorted(window for window in windows if window.encode() in stored)
            assert leaked == [], leaked
