"""The README's walk-through, run as written against a real `insightlog serve` (issue 2: "a curl
walk-through … that works verbatim against `make run`"). Only the port and the SDK snippet's
token placeholder are replaced; the demo credentials come from `bootstrap --env-file`, as
`make run` makes them."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from store.config import DatabaseUrl
from tests.databases import DatabaseFactory
from tests.e2e.processes import Server, cli_json, process_env

pytestmark = pytest.mark.e2e

README = Path(__file__).resolve().parents[2] / "README.md"
ERROR_TYPES = {"authentication_error", "invalid_request", "validation_error", "server_error"}


def walkthrough_blocks(language: str) -> list[str]:
    """The README's code blocks in `language` from the walk-through section, in order."""
    text = README.read_text()
    section = text[text.index("## A walk-through with curl") : text.index("## Configuration")]
    return re.findall(rf"```{language}\n(.*?)```", section, flags=re.DOTALL)


@dataclass(frozen=True)
class Demo:
    """What `make run` gives: a server on SQLite, and var/demo.env in the working directory."""

    server: Server
    directory: Path
    url: DatabaseUrl
    token: str


@pytest.fixture(scope="module")
def demo(databases: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    url = databases.create("sqlite")
    directory = tmp_path_factory.mktemp("readme")
    (directory / "var").mkdir()
    created = cli_json(
        url,
        "bootstrap",
        "--email",
        "demo@insightlog.dev",
        "--first-name",
        "Demo",
        "--organization",
        "Demo Organization",
        "--project",
        "Demo Project",
        "--env-file",
        str(directory / "var" / "demo.env"),
    )
    server = Server(url, directory / "logs")
    try:
        server.start()
        yield Demo(server, directory, url, str(created["project_api_key"]))
    finally:
        server.terminate()


def _run(demo: Demo, command: list[str], script: str) -> str:
    completed = subprocess.run(
        command,
        input=script.replace("127.0.0.1:8000", f"127.0.0.1:{demo.server.port}"),
        cwd=demo.directory,
        env=process_env(demo.url),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, (completed.stdout, completed.stderr)
    assert completed.stderr == "", completed.stderr
    return completed.stdout


def test_the_curl_walkthrough_runs_as_written_and_no_answer_is_an_error(demo: Demo) -> None:
    blocks = walkthrough_blocks("sh")
    assert len(blocks) == 3

    output = _run(demo, ["bash", "-euo", "pipefail"], "\n".join(blocks))

    lines = [line for line in output.splitlines() if line]
    assert re.fullmatch(r"created insight \d+", lines[0]), lines[0]
    # The soft delete: the insight answers 404, and DELETE is refused.
    assert lines[6:8] == ["404", "405"], lines[:9]
    # Every other line is one JSON answer (POST viewed answers with no body).
    answers = [json.loads(line) for line in lines[1:] if line not in ("404", "405")]
    assert len(answers) == 16
    errors = [a for a in answers if isinstance(a, dict) and a.get("type") in ERROR_TYPES]
    assert errors == []
    assert {"status": 1} in answers


def test_the_sdk_snippet_delivers_its_event(demo: Demo) -> None:
    (snippet,) = walkthrough_blocks("python")
    assert "phc_…" in snippet

    _run(demo, [sys.executable, "-"], snippet.replace("phc_…", demo.token))

    connection = sqlite3.connect(demo.url.analytics_sqlite_path)
    try:
        events = [row[0] for row in connection.execute("SELECT event FROM analytics_events")]
    finally:
        connection.close()
    assert events.count("$pageview") == 1, (events, demo.server.stderr)
