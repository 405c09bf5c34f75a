"""`feedback alerts sync` reads the state of the Jira issues the alerts created from a
real HTTP server on 127.0.0.1 and adds it to the landing folder as a new file."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner
from http_helpers import LocalServer, local_server

from feedback_lakehouse.activation.alerts import _LOG_DDL, LOG_TABLE
from feedback_lakehouse.cli import main
from feedback_lakehouse.ingest.landing import read_source

TOKEN = "jira-SECRET-token-456"
ISSUES = {
    "FB-1": {"name": "Done", "key": "done", "resolved": "2026-11-25T10:30:00.000+0100"},
    "FB-2": {"name": "In Review", "key": "indeterminate", "resolved": None},
    "FB-3": {"name": "To Do", "key": "new", "resolved": None},
}


def _jira_answer(request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """Answers GET /rest/api/2/issue/{key} like Jira Cloud; FB-404 does not exist."""
    key = request["path"].split("?")[0].rsplit("/", 1)[-1]
    issue = ISSUES.get(key)
    if issue is None:
        return 404, {"errorMessages": ["Issue does not exist or you lack permission."]}
    fields = {
        "status": {
            "name": issue["name"],
            "statusCategory": {"key": issue["key"], "name": issue["name"]},
        },
        "resolutiondate": issue["resolved"],
        "updated": "2026-11-25T10:30:00.000+0100",
        "created": "2026-11-23T08:00:00.000+0000",
    }
    return 200, {"key": key, "fields": fields}


@pytest.fixture
def jira() -> Iterator[LocalServer]:
    with local_server(_jira_answer) as server:
        yield server


def _outbox(db: Path, keys: list[str | None]) -> None:
    """ops.alert_deliveries as `alerts send` leaves it: one sent Jira issue per alert."""
    con = duckdb.connect(str(db))
    con.execute(_LOG_DDL)
    for n, key in enumerate(keys):
        alert = {"alert_id": f"a{n}", "alert_type": "rising_issue", "main_category": "billing"}
        con.execute(
            f"insert into {LOG_TABLE} values (?, 'jira', ?, 1, null, ?, ?, ?, ?, ?)",
            [
                f"a{n}",
                "sent" if key else "failed",
                datetime(2026, 11, 23, 8),
                datetime(2026, 11, 23, 8),
                datetime(2026, 11, 23, 8) if key else None,
                key,
                json.dumps(alert),
            ],
        )
    con.execute(
        f"insert into {LOG_TABLE} values ('s1', 'slack', 'sent', 1, null, "
        "now()::timestamp, null, now()::timestamp, null, '{}')"
    )
    con.close()


def _env(base: str) -> dict[str, str]:
    return {
        "JIRA_BASE_URL": f"{base}/jira",
        "JIRA_USER_EMAIL": "bot@example.com",
        "JIRA_API_TOKEN": TOKEN,
        "JIRA_PROJECT_KEY": "FB",
    }


def test_sync_writes_each_issue_state_and_reports_failures(
    jira: LocalServer, tmp_path: Path
) -> None:
    db = tmp_path / "warehouse.duckdb"
    _outbox(db, ["FB-1", "FB-2", "FB-3", "FB-404", None])
    landing = tmp_path / "landing"
    result = CliRunner().invoke(
        main,
        ["alerts", "sync", "--db", str(db), "--landing-dir", str(landing)],
        env=_env(jira.base),
    )
    # one issue could not be read: loud, non-zero, the others written
    assert result.exit_code == 1, result.output
    assert "jira: 3 of 4 issue(s) read" in result.output
    assert "FB-404: HTTP 404 from 127.0.0.1" in result.output
    assert TOKEN not in result.output
    # the REST calls: only Jira issues that were sent, with the fields asked and Basic auth
    paths = sorted(r["path"] for r in jira.requests)
    fields = "?fields=status%2Cresolutiondate%2Cupdated%2Ccreated"
    assert paths == [f"/jira/rest/api/2/issue/FB-{k}{fields}" for k in ("1", "2", "3", "404")]
    basic = base64.b64encode(f"bot@example.com:{TOKEN}".encode()).decode()
    assert {r["headers"]["Authorization"] for r in jira.requests} == {f"Basic {basic}"}
    files = sorted((landing / "jira").glob("issues_*.jsonl"))
    assert len(files) == 1
    lines = [json.loads(line) for line in files[0].read_text(encoding="utf-8").splitlines()]
    by_key = {line["issue_key"]: line for line in lines}
    assert sorted(by_key) == ["FB-1", "FB-2", "FB-3"]
    assert by_key["FB-1"]["status_category"] == "done"
    assert by_key["FB-1"]["resolution_date"] == "2026-11-25T09:30:00Z"  # +0100 -> UTC
    assert by_key["FB-2"]["status_category"] == "indeterminate"
    assert by_key["FB-3"]["resolution_date"] is None
    assert by_key["FB-1"]["alert_id"] == "a0"
    assert by_key["FB-1"]["main_category"] == "billing"
    # bronze reads the file as the jira source: every line a good row
    bronze = read_source("jira", landing)
    assert len(bronze) == 3 and not bronze["_is_rejected"].any()
    assert sorted(bronze["status_category"]) == ["done", "indeterminate", "new"]
    # the next sync adds a new file; the earlier one is left as it was
    before = files[0].read_bytes()
    CliRunner().invoke(
        main,
        ["alerts", "sync", "--db", str(db), "--landing-dir", str(landing)],
        env=_env(jira.base),
    )
    assert len(list((landing / "jira").glob("issues_*.jsonl"))) == 2
    assert files[0].read_bytes() == before


def test_sync_needs_jira_settings(tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    _outbox(db, ["FB-1"])
    result = CliRunner().invoke(
        main,
        ["alerts", "sync", "--db", str(db), "--landing-dir", str(tmp_path / "landing")],
        env={"JIRA_BASE_URL": "", "JIRA_USER_EMAIL": "", "JIRA_API_TOKEN": ""},
    )
    assert result.exit_code == 1
    assert "set JIRA_BASE_URL, JIRA_USER_EMAIL, JIRA_API_TOKEN" in result.output
    assert not (tmp_path / "landing").exists()
