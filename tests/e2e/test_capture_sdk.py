"""The official `posthog` Python SDK sending to a real `insightlog serve` (gunicorn, two workers)
on SQLite and PostgreSQL (issue 5 "Capture": "The official posthog Python SDK pointed at the
server … must deliver events end to end"): sync mode, the default background consumer with
`flush()`/`shutdown()`, gzip, and retries that never double-count (CONTRACT.md §7 "Capture")."""

from __future__ import annotations

import sqlite3
import sys
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self

import orjson
import psycopg
import pytest
import requests
from posthog import Posthog

from store.backend import Backend, open_backend
from store.config import DatabaseUrl
from store.keys import Keys
from store.tenancy import Tenancy
from tests.databases import BACKENDS, DatabaseFactory
from tests.e2e.processes import Server, cli_json

pytestmark = pytest.mark.e2e

SHOP = "https://hats.example/shop"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# The SDK's clock and the server's are the same machine's; this allows for slow requests.
CLOCK_SLACK = timedelta(seconds=5)


def button(text: str) -> list[dict[str, Any]]:
    """posthog-js' `$elements` of a click on a button labelled `text`."""
    return [
        {"tag_name": "button", "$el_text": text, "attr__class": "buy", "nth_child": 1},
        {"tag_name": "div", "attr__id": "main", "nth_child": 1, "nth_of_type": 1},
    ]


def link(text: str, href: str) -> list[dict[str, Any]]:
    return [{"tag_name": "a", "$el_text": text, "attr__href": href, "nth_child": 2}]


# ---------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module", params=BACKENDS)
def server(
    request: pytest.FixtureRequest,
    databases: DatabaseFactory,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Server]:
    """One server per backend for the module, stopped at the end with its stderr shown."""
    url = databases.create(str(request.param))
    server = Server(url, tmp_path_factory.mktemp("capture-serve-logs"))
    try:
        server.start()
        yield server
    finally:
        exit_code = server.terminate()
        sys.stderr.write(
            f"--- insightlog serve on {url.backend} stopped with exit code {exit_code}; "
            f"its stderr:\n{server.stderr}\n"
        )


@dataclass
class Shop:
    """A project made by `insightlog bootstrap`: its token for the SDK, a personal key for
    reading element stats back over HTTP."""

    server: Server
    project_id: int
    personal_api_key: str
    project_api_key: str
    errors: list[Any] = field(default_factory=list)

    def sdk(self, host: str | None = None, **options: Any) -> Posthog:
        """An SDK client for this project; its delivery errors are collected in `errors`."""
        return Posthog(
            self.project_api_key,
            host=host or self.server.base_url,
            on_error=lambda error, items: self.errors.append(error),
            **options,
        )

    def _get(self, suffix: str, **params: str) -> Any:
        response = self.server.request(
            "GET",
            f"/api/projects/{self.project_id}/{suffix}",
            headers={"Authorization": f"Bearer {self.personal_api_key}"},
            params=params,
        )
        assert response.status_code == 200, response.text
        return response.json()

    def clicks(self) -> list[tuple[str, str, int]]:
        """Element stats as (type, text of the clicked element, count), sorted."""
        rows = self._get("elements/stats")["results"]
        return sorted((row["type"], row["elements"][0]["text"], row["count"]) for row in rows)

    def values(self, key: str) -> list[dict[str, str]]:
        found: list[dict[str, str]] = self._get("elements/values", key=key)
        return found

    def stored(self) -> list[tuple[str, str]]:
        """(event, uuid) of every analytics event of the project, read from the database."""
        rows = analytics_rows(
            self.server.url,
            "SELECT event, uuid FROM analytics_events WHERE project_id = %s",
            (self.project_id,),
        )
        return sorted((str(event), str(event_uuid)) for event, event_uuid in rows)

    def stored_events(self) -> Counter[str]:
        return Counter(event for event, _ in self.stored())

    def stored_timestamps(self) -> dict[str, datetime]:
        """When each stored event happened, by uuid, as the server recorded it."""
        rows = analytics_rows(
            self.server.url,
            "SELECT uuid, timestamp FROM analytics_events WHERE project_id = %s",
            (self.project_id,),
        )
        return {str(event_uuid): EPOCH + timedelta(microseconds=int(at)) for event_uuid, at in rows}


def analytics_rows(url: DatabaseUrl, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    """Rows from the analytics store: its own SQLite file, or the PostgreSQL database."""
    if url.backend == "sqlite":
        path = url.analytics_sqlite_path
        assert Path(path).exists(), path
        connection = sqlite3.connect(path)
        try:
            return [tuple(row) for row in connection.execute(sql.replace("%s", "?"), params)]
        finally:
            connection.close()
    with psycopg.connect(url.conninfo, autocommit=True) as postgres:
        return [tuple(row) for row in postgres.execute(sql, params).fetchall()]


@pytest.fixture(scope="module")
def same_database(server: Server) -> Iterator[Backend]:
    """The server's database opened in the test process, to make projects quickly."""
    backend = open_backend(server.url)
    yield backend
    backend.close()


@pytest.fixture
def shop(server: Server, same_database: Backend) -> Shop:
    """A new project (what `insightlog bootstrap` does, without a process per test)."""
    email = f"hatter-{uuid.uuid4().hex[:8]}@example.com"
    created = Tenancy(same_database).bootstrap(
        email=email,
        first_name="Hatter",
        last_name="Tester",
        organization="Hatter's organization",
        project="Hat shop",
    )
    key = Keys(same_database).create(email=email, scopes=["*"]).raw_key
    return Shop(
        server=server,
        project_id=created.project_id,
        personal_api_key=key,
        project_api_key=created.project_api_key,
    )


@pytest.fixture
def bootstrapped_shop(server: Server) -> Shop:
    """A project made by `insightlog bootstrap`, with the keys it printed."""
    email = f"hatter-{uuid.uuid4().hex[:8]}@example.com"
    created = cli_json(server.url, "bootstrap", "--email", email, "--first-name", "Hatter")
    assert created["project_api_key"].startswith("phc_")
    return Shop(
        server=server,
        project_id=created["project_id"],
        personal_api_key=created["personal_api_key"],
        project_api_key=created["project_api_key"],
    )


def capture_the_shop_day(client: Posthog) -> list[str]:
    """Three clicks, a rage click, a page view and a custom event; their uuids."""
    sent = [
        client.capture(
            "$autocapture",
            distinct_id="ada",
            properties={
                "$current_url": SHOP,
                "$event_type": "click",
                "$elements": button("Buy hat"),
            },
        ),
        client.capture(
            "$autocapture",
            distinct_id="grace",
            properties={
                "$current_url": SHOP,
                "$event_type": "click",
                "$elements": button("Buy hat"),
            },
        ),
        client.capture(
            "$autocapture",
            distinct_id="ada",
            properties={"$current_url": SHOP, "$elements": link("Pricing", "/pricing")},
        ),
        client.capture(
            "$rageclick",
            distinct_id="grace",
            properties={"$current_url": SHOP, "$elements": button("Buy hat")},
        ),
        client.capture("$pageview", distinct_id="ada", properties={"$current_url": SHOP}),
        client.capture("hat_bought", distinct_id="ada", properties={"size": "L"}),
    ]
    assert all(isinstance(event_uuid, str) for event_uuid in sent), sent
    return [str(event_uuid) for event_uuid in sent]


THE_SHOP_DAY_CLICKS = [
    ("$autocapture", "Buy hat", 2),
    ("$autocapture", "Pricing", 1),
    ("$rageclick", "Buy hat", 1),
]
THE_SHOP_DAY_EVENTS = Counter({"$autocapture": 3, "$rageclick": 1, "$pageview": 1, "hat_bought": 1})


# ---------------------------------------------------------------------------- delivery


class TestSdkDelivery:
    def test_sync_mode_delivers_every_event_exactly_once(self, bootstrapped_shop: Shop) -> None:
        shop = bootstrapped_shop
        client = shop.sdk(sync_mode=True)

        sent = capture_the_shop_day(client)
        client.shutdown()

        assert shop.errors == []
        assert shop.clicks() == THE_SHOP_DAY_CLICKS
        assert shop.values("text") == [{"name": "Buy hat"}, {"name": "Pricing"}]
        assert shop.values("href") == [{"name": "/pricing"}]
        assert shop.stored_events() == THE_SHOP_DAY_EVENTS
        assert sorted(event_uuid for _, event_uuid in shop.stored()) == sorted(sent)

    def test_sync_mode_with_gzip_delivers_every_event_exactly_once(self, shop: Shop) -> None:
        client = shop.sdk(sync_mode=True, gzip=True)

        sent = capture_the_shop_day(client)
        client.shutdown()

        assert shop.errors == []
        assert shop.clicks() == THE_SHOP_DAY_CLICKS
        assert sorted(event_uuid for _, event_uuid in shop.stored()) == sorted(sent)

    def test_the_background_consumer_delivers_on_flush(self, shop: Shop) -> None:
        client = shop.sdk()
        try:
            sent = capture_the_shop_day(client)
            for _ in range(20):
                client.capture(
                    "$autocapture",
                    distinct_id="ada",
                    properties={"$elements": button("Add scarf")},
                )

            client.flush()

            assert shop.errors == []
            assert shop.clicks() == sorted(
                [*THE_SHOP_DAY_CLICKS, ("$autocapture", "Add scarf", 20)]
            )
            assert set(sent) <= {event_uuid for _, event_uuid in shop.stored()}
        finally:
            client.shutdown()

    def test_the_background_consumer_delivers_small_gzip_batches_on_shutdown(
        self, shop: Shop
    ) -> None:
        client = shop.sdk(gzip=True, flush_at=4)

        sent = capture_the_shop_day(client)
        client.shutdown()

        assert shop.errors == []
        assert shop.clicks() == THE_SHOP_DAY_CLICKS
        assert shop.stored_events() == THE_SHOP_DAY_EVENTS
        assert sorted(event_uuid for _, event_uuid in shop.stored()) == sorted(sent)


# ---------------------------------------------------------------------------- timestamps


class TestSdkTimestamps:
    def test_events_without_a_timestamp_are_stored_at_the_time_of_sending(self, shop: Shop) -> None:
        client = shop.sdk(sync_mode=True)
        before = datetime.now(UTC)

        sent = capture_the_shop_day(client)
        client.shutdown()

        after = datetime.now(UTC)
        stored = shop.stored_timestamps()
        assert sorted(stored) == sorted(sent)
        assert all(before - CLOCK_SLACK <= at <= after + CLOCK_SLACK for at in stored.values())

    def test_a_click_the_sdk_dates_back_is_stored_at_that_time_and_counted_by_its_day(
        self, shop: Shop
    ) -> None:
        client = shop.sdk(sync_mode=True)
        three_days_ago = datetime.now(UTC) - timedelta(days=3)
        ten_days_ago = datetime.now(UTC) - timedelta(days=10)

        recent = client.capture(
            "$autocapture",
            distinct_id="ada",
            properties={"$elements": button("Buy hat")},
            timestamp=three_days_ago,
        )
        old = client.capture(
            "$autocapture",
            distinct_id="ada",
            properties={"$elements": button("Buy scarf")},
            timestamp=ten_days_ago,
        )
        client.shutdown()

        stored = shop.stored_timestamps()
        assert abs(stored[str(recent)] - three_days_ago) <= CLOCK_SLACK
        assert abs(stored[str(old)] - ten_days_ago) <= CLOCK_SLACK
        # Check the default stats (the last 7 days) count only the recent click.
        assert shop.clicks() == [("$autocapture", "Buy hat", 1)]


# ---------------------------------------------------------------------------- no double counts


class ForgetfulProxy:
    """Forwards every request to the server, but answers the first capture request with a
    503 after the server has stored it: the response was lost, so the SDK retries."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.bodies: list[bytes] = []
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {
                    name: value
                    for name, value in self.headers.items()
                    if name.lower() in ("content-type", "content-encoding", "user-agent")
                }
                answer = requests.post(
                    proxy.target + self.path, data=body, headers=headers, timeout=30
                )
                with proxy._lock:
                    proxy.bodies.append(body)
                    lose_it = len(proxy.bodies) == 1
                status = 503 if lose_it and answer.status_code == 200 else answer.status_code
                payload = b'{"error": "lost"}' if status == 503 else answer.content
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                """Silent: a test's output is its assertions."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


class TestNoDoubleCounting:
    def test_capturing_the_same_uuid_twice_counts_once(self, shop: Shop) -> None:
        client = shop.sdk(sync_mode=True)
        hat_click = str(uuid.uuid4())

        for _ in range(2):
            client.capture(
                "$autocapture",
                distinct_id="ada",
                properties={"$elements": button("Buy hat")},
                uuid=hat_click,
            )
        client.capture(
            "$autocapture", distinct_id="ada", properties={"$elements": button("Buy hat")}
        )
        client.shutdown()

        assert shop.errors == []
        assert shop.clicks() == [("$autocapture", "Buy hat", 2)]
        assert [event_uuid for _, event_uuid in shop.stored()].count(hat_click) == 1

    def test_the_sdks_retry_after_a_lost_response_counts_once(self, shop: Shop) -> None:
        with ForgetfulProxy(shop.server.base_url) as proxy:
            client = shop.sdk(host=proxy.url, max_retries=3)
            sent = capture_the_shop_day(client)
            client.shutdown()

        # Check the SDK did retry the very batch whose answer was lost.
        batches = [
            [event["uuid"] for event in orjson.loads(body)["batch"]] for body in proxy.bodies
        ]
        assert len(batches) >= 2
        assert batches[1] == batches[0]
        assert {event_uuid for batch in batches for event_uuid in batch} == set(sent)
        assert shop.errors == []
        # Check each event was stored and counted once.
        assert shop.clicks() == THE_SHOP_DAY_CLICKS
        assert shop.stored_events() == THE_SHOP_DAY_EVENTS

    def test_the_same_events_sent_at_once_by_several_clients_count_once(self, shop: Shop) -> None:
        # Two workers, several connections at once: the dedupe holds under concurrency.
        shared = [str(uuid.uuid4()) for _ in range(10)]
        start = threading.Barrier(4)

        def send_all() -> None:
            client = shop.sdk(sync_mode=True)
            start.wait(timeout=30)
            for event_uuid in shared:
                client.capture(
                    "$autocapture",
                    distinct_id="ada",
                    properties={"$elements": button("Buy hat")},
                    uuid=event_uuid,
                )
            client.shutdown()

        threads = [threading.Thread(target=send_all) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

        assert shop.errors == []
        assert shop.clicks() == [("$autocapture", "Buy hat", 10)]
        assert sorted(event_uuid for _, event_uuid in shop.stored()) == sorted(shared)
