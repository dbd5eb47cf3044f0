"""`insightlog serve` as a real gunicorn process with two workers, over real HTTP, on SQLite
and PostgreSQL."""

from __future__ import annotations

import json
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from store.config import DatabaseUrl
from store.migrate import migrate
from tests.bodies import NOT_FOUND, TRENDS, invalid_key
from tests.databases import BACKENDS, DatabaseFactory
from tests.e2e.processes import Server, cli, cli_json

pytestmark = pytest.mark.e2e

MIB = 1 << 20
KEY_INVALID = invalid_key("Authorization header")
TOO_LARGE = {
    "type": "invalid_request",
    "code": "request_too_large",
    "detail": "Request body is larger than 1 MiB.",
    "attr": None,
}
REVOCATION_DEADLINE_SECONDS = 2.0
SHUTDOWN_DEADLINE_SECONDS = 5.0


# ---------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module", params=BACKENDS)
def server_url(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    databases: DatabaseFactory,
) -> DatabaseUrl:
    """A migrated database of each backend for this module's servers."""
    if request.param == "sqlite":
        url = DatabaseUrl.parse(
            f"sqlite:///{tmp_path_factory.mktemp('serve') / 'insightlog.sqlite3'}"
        )
        migrate(url)
        return url
    return databases.create("postgresql")


@pytest.fixture(scope="module")
def server(server_url: DatabaseUrl, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server per backend for the module: always stopped at the end, its stderr then
    written to the captured output (shown with any failure of the last test)."""
    server = Server(server_url, tmp_path_factory.mktemp("serve-logs"))
    try:
        server.start()
        yield server
    finally:
        exit_code = server.terminate()
        sys.stderr.write(
            f"--- insightlog serve on {server_url.backend} stopped with exit code {exit_code}; "
            f"its stderr:\n{server.stderr}\n"
        )


@dataclass
class Account:
    """A user with a project and a `*` key, made by `insightlog bootstrap`, calling the
    server over a new connection per request."""

    server: Server
    email: str
    user_id: int
    project_id: int
    key: str

    def path(self, suffix: str) -> str:
        return f"/api/projects/{self.project_id}/{suffix.lstrip('/')}"

    def _headers(self, key: str | None, extra: dict[str, str] | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {key or self.key}", **(extra or {})}

    def call(
        self, method: str, suffix: str, *, key: str | None = None, **kwargs: Any
    ) -> tuple[requests.Response, int]:
        """The response and the pid of the worker that answered."""
        headers = self._headers(key, kwargs.pop("headers", None))
        return self.server.request_with_worker(method, self.path(suffix), headers=headers, **kwargs)

    def request(self, method: str, suffix: str, **kwargs: Any) -> requests.Response:
        headers = self._headers(kwargs.pop("key", None), kwargs.pop("headers", None))
        return self.server.request(method, self.path(suffix), headers=headers, **kwargs)

    def get(self, suffix: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", suffix, **kwargs)

    def post(self, suffix: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", suffix, **kwargs)

    def patch(self, suffix: str, **kwargs: Any) -> requests.Response:
        return self.request("PATCH", suffix, **kwargs)

    def delete(self, suffix: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", suffix, **kwargs)

    def create_insight(self, **fields: Any) -> dict[str, Any]:
        response = self.post("insights", json=fields)
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body


def _bootstrap(server: Server, first_name: str) -> Account:
    email = f"{first_name.lower()}-{uuid.uuid4().hex[:8]}@example.com"
    created = cli_json(server.url, "bootstrap", "--email", email, "--first-name", first_name)
    return Account(
        server=server,
        email=email,
        user_id=created["user_id"],
        project_id=created["project_id"],
        key=created["personal_api_key"],
    )


@pytest.fixture
def account(server: Server) -> Account:
    return _bootstrap(server, "Ada")


# ---------------------------------------------------------------------------- the README flow


class TestInsightLifecycle:
    def test_create_answers_201_with_the_new_insight(self, account: Account) -> None:
        response = account.post("insights", json={"name": "Weekly signups", "query": TRENDS})

        assert response.status_code == 201
        body = response.json()
        assert isinstance(body["id"], int)
        assert len(body["short_id"]) == 8
        assert body["short_id"].isalnum()
        assert body["name"] == "Weekly signups"
        assert body["query"] == TRENDS
        assert body["deleted"] is False
        assert body["created_by"]["id"] == account.user_id

    def test_list_shows_the_projects_insights_newest_first(self, account: Account) -> None:
        signups = account.create_insight(name="Weekly signups", query=TRENDS)
        churn = account.create_insight(name="Monthly churn", query=TRENDS)

        response = account.get("insights")

        assert response.status_code == 200
        body = response.json()
        assert body["count"] == 2
        assert [(i["id"], i["name"]) for i in body["results"]] == [
            (churn["id"], "Monthly churn"),
            (signups["id"], "Weekly signups"),
        ]

    def test_patch_renames_the_insight(self, account: Account) -> None:
        created = account.create_insight(name="Weekly signups", query=TRENDS)

        patched = account.patch(f"insights/{created['id']}", json={"name": "Weekly signups (EU)"})

        assert patched.status_code == 200
        assert patched.json()["name"] == "Weekly signups (EU)"
        retrieved = account.get(f"insights/{created['short_id']}")
        assert retrieved.status_code == 200
        assert retrieved.json()["name"] == "Weekly signups (EU)"

    def test_soft_deleted_insight_leaves_the_list_and_is_404(self, account: Account) -> None:
        kept = account.create_insight(name="Retention", query=TRENDS)
        doomed = account.create_insight(name="Doomed funnel", query=TRENDS)

        deleted = account.patch(f"insights/{doomed['id']}", json={"deleted": True})

        assert deleted.status_code == 200
        assert deleted.json()["deleted"] is True
        listed = account.get("insights").json()
        assert (listed["count"], [i["id"] for i in listed["results"]]) == (1, [kept["id"]])
        retrieved = account.get(f"insights/{doomed['id']}")
        assert retrieved.status_code == 404
        assert retrieved.json() == NOT_FOUND

    def test_delete_is_405_without_a_body_and_keeps_the_insight(self, account: Account) -> None:
        created = account.create_insight(name="Kept", query=TRENDS)

        response = account.delete(f"insights/{created['id']}")

        assert response.status_code == 405
        assert response.content == b""
        assert account.get(f"insights/{created['id']}").status_code == 200


# ---------------------------------------------------------------------------- workers


class TestReadYourWrites:
    def test_every_write_is_seen_by_the_next_read_on_whichever_worker_answers(
        self, account: Account
    ) -> None:
        readers: set[int] = set()
        crossings = 0
        for round_number in range(50):
            # Check a create is visible at once.
            created, writer = account.call(
                "POST", "insights", json={"name": f"Signups #{round_number}", "query": TRENDS}
            )
            assert created.status_code == 201, (round_number, created.text)
            insight_id = created.json()["id"]
            read, reader = account.call("GET", f"insights/{insight_id}")
            assert (read.status_code, read.json().get("name")) == (
                200,
                f"Signups #{round_number}",
            ), (
                round_number,
                writer,
                reader,
            )
            readers.add(reader)
            crossings += writer != reader
            # Check an update is visible at once.
            renamed, writer = account.call(
                "PATCH", f"insights/{insight_id}", json={"name": f"Signups #{round_number} (EU)"}
            )
            assert renamed.status_code == 200, (round_number, renamed.text)
            read, reader = account.call("GET", f"insights/{insight_id}")
            assert (read.status_code, read.json().get("name")) == (
                200,
                f"Signups #{round_number} (EU)",
            ), (round_number, writer, reader)
            readers.add(reader)
            crossings += writer != reader

        # Check the reads really were spread over the workers.
        assert readers == set(account.server.worker_pids())
        assert crossings > 0


class TestRevocation:
    def test_a_key_revoked_with_the_cli_fails_on_every_worker_within_2_seconds(
        self, account: Account
    ) -> None:
        server = account.server
        workers = set(server.worker_pids())
        created = cli_json(
            server.url, "keys", "create", "--email", account.email, "--scopes", "insight:read"
        )
        doomed_key = created["personal_api_key"]
        accepted_by: set[int] = set()
        deadline = time.monotonic() + 20
        # Two calls at a time: on a busy machine one caller can meet the same worker
        # hundreds of times in a row.
        with ThreadPoolExecutor(max_workers=2) as pool:
            while accepted_by != workers and time.monotonic() < deadline:
                for response, worker in pool.map(
                    lambda _: account.call("GET", "insights", key=doomed_key), range(2)
                ):
                    assert response.status_code == 200, response.text
                    accepted_by.add(worker)
        assert accepted_by == workers

        revoked = cli(server.url, "keys", "revoke", created["id"])
        assert revoked.returncode == 0, revoked.stderr
        # Every call made once the deadline has passed must be refused, by every worker; calls
        # go on until each worker has answered three of them (how many land on each worker in
        # a given second is up to the kernel).
        revoked_at = time.monotonic()
        answers: dict[int, list[tuple[int, Any]]] = {worker: [] for worker in workers}
        while time.monotonic() < revoked_at + 20:
            sent = time.monotonic()
            response, worker = account.call("GET", "insights", key=doomed_key)
            if sent >= revoked_at + REVOCATION_DEADLINE_SECONDS:
                answers[worker].append((response.status_code, response.json()))
            if all(len(seen) >= 3 for seen in answers.values()):
                break

        first_answers = {worker: seen[:3] for worker, seen in answers.items()}
        assert first_answers == {worker: [(401, KEY_INVALID)] * 3 for worker in workers}
        assert account.get("insights").status_code == 200


# ---------------------------------------------------------------------------- request size


def _padded_json(size: int) -> bytes:
    """A JSON insight body of exactly `size` bytes (padded with trailing spaces)."""
    body = b'{"name": "Padded to the limit"}'
    assert len(body) <= size
    return body + b" " * (size - len(body))


class TestLongUrls:
    def test_a_query_string_of_7_kib_is_answered(self, account: Account) -> None:
        # gunicorn refuses request lines over 4,094 bytes by default, with an HTML page.
        created_by = "[" + ",".join(str(n) for n in range(1, 1300)) + f",{account.user_id}]"
        account.create_insight(name="Found by a long URL")

        response = account.get("insights", params={"created_by": created_by})

        assert len(str(response.request.url)) > 7000
        assert response.status_code == 200, response.text
        assert [row["name"] for row in response.json()["results"]] == ["Found by a long URL"]


class TestRequestBodyLimit:
    def test_a_body_over_1_mib_is_413(self, account: Account) -> None:
        response = account.post(
            "insights",
            data=_padded_json(MIB + 1),
            headers={"Content-Type": "application/json"},
        )

        assert response.status_code == 413
        assert response.json() == TOO_LARGE

    def test_a_chunked_body_over_1_mib_is_413(self, account: Account) -> None:
        body = _padded_json(MIB + 1)
        chunks = (body[start : start + 64 * 1024] for start in range(0, len(body), 64 * 1024))

        response = account.post(
            "insights", data=chunks, headers={"Content-Type": "application/json"}
        )

        assert response.status_code == 413
        assert response.json() == TOO_LARGE

    def test_a_chunked_body_is_read_in_full(self, account: Account) -> None:
        chunks = iter(
            [b'{"name": "Chunky', b' bacon", "query": ', json.dumps(TRENDS).encode(), b"}"]
        )

        response = account.post(
            "insights", data=chunks, headers={"Content-Type": "application/json"}
        )

        assert response.status_code == 201, response.text
        assert (response.json()["name"], response.json()["query"]) == ("Chunky bacon", TRENDS)

    def test_a_body_of_exactly_1_mib_is_accepted(self, account: Account) -> None:
        response = account.post(
            "insights", data=_padded_json(MIB), headers={"Content-Type": "application/json"}
        )

        assert response.status_code == 201, response.text
        assert response.json()["name"] == "Padded to the limit"


# ---------------------------------------------------------------------------- shutdown


class TestShutdown:
    def test_sigterm_stops_the_server_and_its_workers_with_exit_code_0(
        self, server_url: DatabaseUrl, tmp_path: Path
    ) -> None:
        server = Server(server_url, tmp_path)
        try:
            server.start()
            workers = server.worker_pids()
            assert server.request("GET", "/api/projects/0/insights").status_code == 401

            started = time.monotonic()
            exit_code = server.terminate(within=SHUTDOWN_DEADLINE_SECONDS)
            elapsed = time.monotonic() - started
        finally:
            server.terminate()
            sys.stderr.write(f"--- insightlog serve stderr:\n{server.stderr}\n")

        assert exit_code == 0, server.stderr
        assert elapsed < SHUTDOWN_DEADLINE_SECONDS
        assert [w for w in workers if Path(f"/proc/{w}").exists()] == []
        assert "Traceback" not in server.stderr
