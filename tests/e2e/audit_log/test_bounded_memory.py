"""`insightlog audit log` streams 100,000 events in bounded memory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from store.backend import open_backend
from store.tenancy import Tenancy
from tests.databases import DatabaseFactory
from tests.e2e.audit_helpers import run_measuring_peak_rss, write_renamed_insight_streams
from tests.e2e.audit_log.support import _email

pytestmark = pytest.mark.e2e


# ---------------------------------------------------------------------------- bounded memory


MEBIBYTE_KIB = 1024


def line_count(path: Path) -> int:
    with path.open() as lines:
        return sum(1 for _ in lines)


class TestBoundedMemory:
    def test_audit_log_of_100000_events_streams_in_bounded_memory_as_jsonl_and_csv(
        self, backend_kind: str, databases: DatabaseFactory, tmp_path: Path
    ) -> None:
        url = databases.create(backend_kind)
        backend = open_backend(url)
        try:
            owner = Tenancy(backend).bootstrap(
                email=_email("Ada"),
                first_name="Ada",
                last_name="Lovelace",
                organization="Analytical Engines",
                project="Difference Engine",
            )
            where = {
                "project_id": owner.project_id,
                "environment_id": owner.environment_id,
                "actor_id": owner.user_id,
            }
            bootstrap_events = 5
            # 10,000 events (10 insights created and renamed 999 times) ...
            written = write_renamed_insight_streams(
                backend, **where, streams=10, events_per_stream=1_000
            )
            small = run_measuring_peak_rss(url, ["audit", "log"], tmp_path / "10k")
            # ... then 90,000 more: 100,000 in all.
            written += write_renamed_insight_streams(
                backend, **where, streams=90, events_per_stream=1_000
            )
            large = run_measuring_peak_rss(url, ["audit", "log"], tmp_path / "100k")
            large_csv = run_measuring_peak_rss(
                url, ["audit", "log", "--format", "csv"], tmp_path / "100k-csv"
            )
        finally:
            backend.close()

        assert written == 100_000
        assert small.returncode == 0, small.stderr
        assert large.returncode == 0, large.stderr
        expected_count = bootstrap_events + written
        count, last_position, scopes = 0, 0, set()
        with large.stdout_path.open() as lines:
            for line in lines:
                entry = json.loads(line)
                count += 1
                assert entry["position"] == last_position + 1, (entry, last_position)
                last_position = entry["position"]
                scopes.add(entry["scope"])
        assert count == expected_count
        assert scopes == {"user", "organization", "project", "member", "environment", "insight"}
        assert line_count(small.stdout_path) == bootstrap_events + 10_000
        # Holding 100,000 entries would take well over 100 MiB more than holding 10,000.
        assert large.peak_rss_kib < 1.5 * small.peak_rss_kib, (small, large)
        assert large.peak_rss_kib < 100 * MEBIBYTE_KIB, large
        assert large_csv.returncode == 0, large_csv.stderr
        assert line_count(large_csv.stdout_path) == 1 + expected_count
        assert large_csv.peak_rss_kib < 1.5 * small.peak_rss_kib, (small, large_csv)
