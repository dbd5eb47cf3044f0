"""`insightlog audit log` on fresh and unmigrated databases."""

from __future__ import annotations

from pathlib import Path

import pytest

from store.config import DatabaseUrl
from tests.e2e.audit_helpers import audit_log
from tests.e2e.audit_log.support import failed_with_one_line
from tests.e2e.processes import EmptyDatabases

pytestmark = pytest.mark.e2e


class TestEmptyDatabases:
    def test_a_user_email_that_is_not_utf_8_is_one_line_not_a_traceback(
        self, fresh_url: DatabaseUrl
    ) -> None:
        completed = audit_log(fresh_url, "--user", "\udcff@example.com")  # the byte 0xff

        assert completed.returncode == 2, completed
        assert "--user" in completed.stderr and "is not valid UTF-8" in completed.stderr
        assert "Traceback" not in completed.stderr

    def test_a_fresh_database_has_an_empty_audit_log(self, fresh_url: DatabaseUrl) -> None:
        completed = audit_log(fresh_url)

        assert (completed.returncode, completed.stdout, completed.stderr) == (0, "", "")

    def test_an_unmigrated_database_fails_with_a_one_line_message_naming_migrate(
        self, backend_kind: str, tmp_path: Path
    ) -> None:
        empties = EmptyDatabases(tmp_path)
        try:
            url = empties.create(backend_kind)
            if backend_kind == "sqlite":
                Path(url.sqlite_path).touch()

            completed = audit_log(url)

            line = failed_with_one_line(completed)
            assert "insightlog migrate" in line
        finally:
            empties.drop_all()
