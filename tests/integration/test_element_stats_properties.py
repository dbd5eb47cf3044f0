"""Element stats against a Python oracle (issue 5 "Stats and values": "serve stats without
`properties` from a read model kept at ingestion time"; capture "Retried batches never
double-count"; CONTRACT.md §7 "Element stats", "Capture"; reference posthog-elements-api.md §5.1):
for random clicks, rage clicks, dead clicks and other events over random days and chains, sent
through `/batch/`,

1. stats without `properties` (the day-grained read model) equal stats with a property filter
   that every event passes (a scan of the events): same rows, counts, hashes, elements, order;
2. both equal what follows from the generated events (count per chain and type within the UTC
   days of the window, ordered by count, then hash (as a number), then type), page by page;
3. the same events split into arbitrary batches, some sent several times and some duplicated
   inside a batch, give exactly the stats of sending them once;
4. stats asked while the events arrive in parts end where stats asked once at the end do.

Through the WSGI app on both backends, with "now" fixed by a test clock."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from urllib.parse import urlencode

import falcon.testing
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.app import create_app
from store.backend import Backend, open_backend
from tests.tenants import Tenant, TenantFactory

NOW = datetime(2026, 3, 10, 15, 0, 0, tzinfo=UTC)
TODAY = NOW.date()
DAY_MICROS = 86_400_000_000
EVENTS_NAMESPACE = uuid.UUID("5b0d6f0e-3c1e-4d59-9a43-1f6a0c2d7e11")
ELEMENT_EVENTS = ("$autocapture", "$rageclick", "$dead_click")
# A filter every event passes: it sends the query down the event-scanning path.
EVERYONE = '[{"key":"$nonexistent_prop","operator":"is_not_set"}]'
WIDE = {"date_from": "2000-01-01", "date_to": "2100-12-31"}

# Chains keyed by the text of their clicked element (as the API parses it back).
CHAINS = {
    "Buy now": (
        'button.btn.btn-primary:attr__class="btn btn-primary"nth-child="2"nth-of-type="1"'
        'text="Buy now";div.pricing-card:nth-child="1"nth-of-type="1";body:nth-child="1"'
        'nth-of-type="1"'
    ),
    "Sign up": (
        'a.nav-link:attr__href="/signup"attr_id="signup-link"href="/signup"nth-child="3"'
        'nth-of-type="2"text="Sign up";nav:nth-child="1"nth-of-type="1"'
    ),
    "Docs": 'a:href="/docs"nth-child="1"nth-of-type="1"text="Docs"',
    "Start free trial": (
        'button.cta:attr__data-attr="hero-cta"href="/trial"nth-child="1"nth-of-type="1"'
        'text="Start free trial";section:attr__data-section="hero"nth-child="1"nth-of-type="1"'
    ),
    # Values keep their backslashes (reference §1.3 step 5).
    r"Say \"hi\"": r'button:nth-child="1"nth-of-type="1"text="Say \"hi\""',
    # A class name holding a colon (reference §1.3 step 3).
    "Menu: open": 'li.menu:item:nth-child="4"nth-of-type="4"text="Menu: open"',
}
LABELS = tuple(CHAINS)
URLS = (None, "https://shop.example.com/pricing", "https://docs.example.com/guide")


@dataclass(frozen=True)
class Click:
    """One generated event; `label` None means no elements chain at all."""

    index: int
    event: str
    label: str | None
    at: datetime
    url: str | None

    @property
    def uuid(self) -> str:
        return str(uuid.uuid5(EVENTS_NAMESPACE, f"event-{self.index}"))

    def raw(self) -> dict[str, Any]:
        properties: dict[str, Any] = {"$browser": "Firefox"}
        if self.url is not None:
            properties["$current_url"] = self.url
        if self.label is not None:
            properties["$elements_chain"] = CHAINS[self.label]
        return {
            "event": self.event,
            "distinct_id": f"visitor-{self.index % 3}",
            "uuid": self.uuid,
            "timestamp": self.at.isoformat(),
            "properties": properties,
        }


@dataclass(frozen=True)
class Query:
    """One stats request: its parameters and the UTC days the oracle counts."""

    params: dict[str, str]
    first_day: date
    last_day: date
    events: tuple[str, ...]


# ---------------------------------------------------------------------------------------------
# Strategies

# Times of day in microseconds: the edges of a day and 03:21 (reference §5.1) are favoured.
time_of_day = st.one_of(
    st.sampled_from([0, 1, (3 * 3600 + 21 * 60) * 10**6, DAY_MICROS // 2, DAY_MICROS - 1]),
    st.integers(0, DAY_MICROS - 1),
)
click_parts = st.tuples(
    st.sampled_from([*ELEMENT_EVENTS, "$autocapture", "$pageview"]),
    st.one_of(st.sampled_from(LABELS), st.sampled_from(LABELS), st.none()),
    st.integers(-10, 1),
    time_of_day,
    st.sampled_from(URLS),
)


@st.composite
def clicks(draw: st.DrawFn) -> list[Click]:
    parts = draw(st.lists(click_parts, max_size=30))
    return [
        Click(
            index=index,
            event=event,
            label=label,
            at=datetime.combine(TODAY + timedelta(days=day), time(), tzinfo=UTC)
            + timedelta(microseconds=micros),
            url=url,
        )
        for index, (event, label, day, micros, url) in enumerate(parts)
    ]


@st.composite
def queries(draw: st.DrawFn) -> Query:
    params: dict[str, str] = {}
    first_day = TODAY - timedelta(days=7)
    last_day = TODAY
    kind = draw(st.sampled_from(["default", "relative", "date", "datetime"]))
    if kind != "default":
        back = draw(st.integers(0, 11))
        first_day = TODAY - timedelta(days=back)
        params["date_from"] = {
            "relative": f"-{back}d",
            "date": first_day.isoformat(),
            "datetime": f"{first_day.isoformat()}T{draw(st.integers(0, 23)):02d}:21:00Z",
        }[kind]
    kind = draw(st.sampled_from(["default", "relative", "date"]))
    if kind != "default":
        back = draw(st.integers(-1, 10))
        last_day = TODAY - timedelta(days=back)
        params["date_to"] = (
            f"-{back}d" if kind == "relative" and back >= 0 else last_day.isoformat()
        )
    events: tuple[str, ...] = ELEMENT_EVENTS
    if draw(st.booleans()):
        events = tuple(
            draw(st.lists(st.sampled_from(ELEMENT_EVENTS), min_size=1, max_size=3, unique=True))
        )
        params["include"] = ",".join(events)
    return Query(params, first_day, last_day, tuple(e for e in ELEMENT_EVENTS if e in events))


# ---------------------------------------------------------------------------------------------
# The oracle


def expected_rows(
    events: list[Click], query: Query, hashes: dict[str, str]
) -> list[tuple[str, str, int]]:
    """(label, type, count) in the order the API must give them."""
    counted = Counter(
        (e.label, e.event)
        for e in events
        if e.label is not None
        and e.event in query.events
        and query.first_day <= e.at.date() <= query.last_day
    )
    ordered = sorted(
        counted.items(),
        key=lambda item: (-item[1], int(hashes.get(item[0][0], "0"), 16), item[0][1]),
    )
    return [(label, event, count) for (label, event), count in ordered]


def as_rows(body: dict[str, Any]) -> list[tuple[str, str, int]]:
    return [(row["elements"][0]["text"], row["type"], row["count"]) for row in body["results"]]


# ---------------------------------------------------------------------------------------------
# Fixtures


@dataclass
class Setting:
    """Tenants on the shared database, served by an app whose clock stands at NOW."""

    tenants: TenantFactory

    def project(self, name: str) -> Tenant:
        return self.tenants.create(name)


@pytest.fixture
def setting(backend: Backend) -> Iterator[Setting]:
    timed = open_backend(backend.url, clock=lambda: NOW)
    yield Setting(TenantFactory(timed, falcon.testing.TestClient(create_app(timed))))
    timed.close()


def capture(tenant: Tenant, events: list[dict[str, Any]]) -> None:
    result = tenant.capture(events)
    assert result.status_code == 200, result.text
    assert result.json == {"status": 1}


def stats(tenant: Tenant, params: dict[str, str]) -> dict[str, Any]:
    result = tenant.client.simulate_get(
        tenant.path("elements/stats"), query_string=urlencode(params), headers=tenant.headers
    )
    assert result.status_code == 200, result.text
    body: dict[str, Any] = result.json
    return body


def both_paths(tenant: Tenant, params: dict[str, str]) -> dict[str, Any]:
    """The stats from the read model, after checking that the event scan gives the same."""
    plain = stats(tenant, params)
    scanned = stats(tenant, {**params, "properties": EVERYONE})
    assert scanned["results"] == plain["results"]
    assert (scanned["next"] is None, scanned["previous"] is None) == (
        plain["next"] is None,
        plain["previous"] is None,
    )
    return plain


def chain_hashes(tenant: Tenant) -> dict[str, str]:
    """Each label's hash, checked to be one per chain whatever the type, distinct per chain."""
    seen: dict[str, set[str]] = {}
    for row in stats(tenant, WIDE)["results"]:
        seen.setdefault(row["elements"][0]["text"], set()).add(row["hash"])
    assert all(len(found) == 1 for found in seen.values()), seen
    hashes = {label: found.pop() for label, found in seen.items()}
    assert len(set(hashes.values())) == len(hashes), hashes
    return hashes


# ---------------------------------------------------------------------------------------------
# Batches and retries


@st.composite
def deliveries(draw: st.DrawFn, count: int) -> list[list[int]]:
    """Requests (lists of event indexes) that deliver each of `count` events at least once:
    contiguous batches, some events repeated inside their batch, some batches sent again."""
    if count == 0:
        return []
    cuts = sorted(set(draw(st.lists(st.integers(1, max(count - 1, 1)), max_size=6))))
    edges = [0, *(c for c in cuts if c < count), count]
    batches = [list(range(start, end)) for start, end in pairwise(edges)]
    for index in draw(st.lists(st.integers(0, count - 1), max_size=3)):
        batch = next(b for b in batches if index in b)
        batch.insert(draw(st.integers(0, len(batch))), index)
    resent = draw(st.lists(st.integers(0, len(batches) - 1), max_size=5))
    order = [*range(len(batches)), *resent]
    return [batches[i] for i in draw(st.permutations(order))]


class TestElementStatsFollowFromTheEvents:
    @settings(
        max_examples=20,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(events=clicks(), asked=st.lists(queries(), min_size=1, max_size=3), data=st.data())
    def test_read_model_event_scan_oracle_and_retried_batches_agree(
        self, setting: Setting, events: list[Click], asked: list[Query], data: st.DataObject
    ) -> None:
        once = setting.project("Ada")
        retried = setting.project("Rex")
        raw = [event.raw() for event in events]
        # Sent in parts, with the questions asked between them: what the read model keeps
        # in memory per question must follow the clicks that arrive afterwards.
        cuts = sorted(set(data.draw(st.lists(st.integers(1, 30), max_size=3), label="cuts")))
        edges = [0, *(c for c in cuts if c < len(raw)), len(raw)]
        for start, end in pairwise(edges):
            if end > start:
                capture(once, raw[start:end])
            for query in asked:
                stats(once, query.params)
        for request in data.draw(deliveries(len(raw)), label="deliveries"):
            capture(retried, [raw[index] for index in request])

        hashes = chain_hashes(once)
        assert chain_hashes(retried) == hashes
        for query in [
            Query(dict(WIDE), date(2000, 1, 1), date(2100, 12, 31), ELEMENT_EVENTS),
            *asked,
        ]:
            expected = expected_rows(events, query, hashes)

            body = both_paths(once, query.params)

            assert as_rows(body) == expected, query.params
            assert both_paths(retried, query.params)["results"] == body["results"]

        # One page of the last query, on both paths, is the matching slice of the oracle.
        limit = data.draw(st.integers(1, 4), label="limit")
        offset = data.draw(st.integers(0, 6), label="offset")
        paged = both_paths(once, {**query.params, "limit": str(limit), "offset": str(offset)})
        assert as_rows(paged) == expected[offset : offset + limit]
        assert (paged["next"] is not None) == (len(expected) > offset + limit)
        assert (paged["previous"] is not None) == (offset > 0)
