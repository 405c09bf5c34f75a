"""Read back the state of the Jira issues the alerts created (`feedback alerts sync`).

`feedback alerts send` records each Jira issue it created in `ops.alert_deliveries`
(channel `jira`, the issue key in `external_ref`). This module asks Jira for each of those
issues (`GET /rest/api/{2|3}/issue/{key}?fields=status,resolutiondate,updated,created`)
and writes what it found as one new JSON Lines file in the landing folder,
`<landing>/jira/issues_<UTC time>.jsonl`, one line per issue: the key, the alert it came
from (id, type, category), Jira's status name and status category (`new`,
`indeterminate`, `done`), resolution date, updated and created times, and when it was
read. dbt loads it like any landing file (bronze_jira__issues, stg_jira__issues) and
rpt_alert_issues shows each issue as open / in progress / done with the complaint volume
after it closed. A file is only ever added, never rewritten; an issue Jira cannot answer
for is reported (HTTP status, scrubbed of secrets) and read again on the next sync.

Credentials come from the same environment variables as `alerts send` (JIRA_BASE_URL,
JIRA_USER_EMAIL, JIRA_API_TOKEN; optional JIRA_API_VERSION) and never appear in output.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

import duckdb
import requests

from feedback_lakehouse.activation.alerts import LOG_TABLE, USER_AGENT, AlertError, _where
from feedback_lakehouse.text.scrub import scrub

JIRA_FIELDS = "status,resolutiondate,updated,created"
REQUIRED_ENV = ("JIRA_BASE_URL", "JIRA_USER_EMAIL", "JIRA_API_TOKEN")
JIRA_FOLDER = "jira"


@dataclass
class SyncReport:
    issues: int = 0
    read: int = 0
    errors: list[str] = field(default_factory=list)
    path: Path | None = None

    @property
    def any_failed(self) -> bool:
        return bool(self.errors)

    def summary(self) -> str:
        where = f" -> {self.path}" if self.path else ""
        lines = [f"jira: {self.read} of {self.issues} issue(s) read{where}"]
        if self.errors:
            lines.append(f"{len(self.errors)} issue(s) could not be read:")
            lines += [f"  {e}" for e in self.errors]
        return "\n".join(lines)


def _alerted_issues(db_path: Path) -> list[dict[str, Any]]:
    """(issue key, alert id, alert type, category) of every Jira issue the alerts created."""
    if not db_path.exists():
        raise AlertError(f"{db_path} does not exist: run `make demo` (or dbt build) first")
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        rows = con.execute(
            f"select external_ref, alert_id, alert_json from {LOG_TABLE} "
            "where channel = 'jira' and status = 'sent' and external_ref is not null "
            "order by delivered_at, alert_id"
        ).fetchall()
    except duckdb.CatalogException:
        return []  # no alert was ever sent: nothing to read
    finally:
        con.close()
    issues = []
    for key, alert_id, alert_json in rows:
        alert = json.loads(alert_json)
        issues.append(
            {
                "issue_key": key,
                "alert_id": alert_id,
                "alert_type": alert.get("alert_type"),
                "main_category": alert.get("main_category"),
            }
        )
    return issues


def _utc(value: Any) -> str | None:
    """Jira's time ("2026-11-25T10:00:00.000+0000") as UTC "YYYY-MM-DDTHH:MM:SSZ"."""
    if not value:
        return None
    text = str(value)
    for pattern in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            moment = datetime.strptime(text, pattern)
            break
        except ValueError:
            continue
    else:
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _issue_line(issue: dict[str, Any], body: dict[str, Any], read_at: str) -> dict[str, Any]:
    fields = body.get("fields") or {}
    status = fields.get("status") or {}
    category = status.get("statusCategory") or {}
    return {
        **issue,
        "status_name": status.get("name"),
        "status_category": category.get("key"),
        "resolution_date": _utc(fields.get("resolutiondate")),
        "updated": _utc(fields.get("updated")),
        "created": _utc(fields.get("created")),
        "synced_at": read_at,
    }


def _read_issue(
    http: requests.Session, base: str, key: str, auth: tuple[str, str], timeout: float
) -> tuple[dict[str, Any] | None, str | None]:
    url = f"{base}/issue/{quote(key, safe='')}"
    try:
        response = http.get(
            url,
            params={"fields": JIRA_FIELDS},
            headers={"Accept": "application/json", "User-Agent": USER_AGENT},
            auth=auth,
            timeout=timeout,
        )
    except requests.RequestException as exc:
        return None, f"request to {_where(url)} failed: {type(exc).__name__}: {exc}"
    if response.status_code != 200:
        body = response.text.strip().replace("\n", " ")[:300]
        return None, f"HTTP {response.status_code} from {_where(url)}: {body}"
    try:
        return response.json(), None
    except ValueError:
        return None, f"{_where(url)} answered with something that is not JSON"


def _write(landing_dir: Path, lines: list[dict[str, Any]], stamp: datetime) -> Path:
    """A new file, written under a temporary name and renamed: never a half file."""
    folder = landing_dir / JIRA_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"issues_{stamp.strftime('%Y%m%dT%H%M%S%fZ')}.jsonl"
    tmp = path.with_name("." + path.name + ".tmp")
    text = "".join(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n" for line in lines)
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


def sync_jira_issues(
    db_path: str | Path,
    landing_dir: str | Path,
    env: Mapping[str, str] | None = None,
    session: requests.Session | None = None,
    timeout: float = 10.0,
) -> SyncReport:
    """Read every alerted Jira issue's state and add them as one landing file."""
    env = os.environ if env is None else env
    values = {name: env.get(name, "").strip() for name in REQUIRED_ENV}
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise AlertError(f"Jira is not configured: set {', '.join(missing)}")
    api_version = env.get("JIRA_API_VERSION", "2").strip() or "2"
    if api_version not in ("2", "3"):
        raise AlertError(f"JIRA_API_VERSION must be 2 or 3, not {api_version!r}")
    base = f"{values['JIRA_BASE_URL'].rstrip('/')}/rest/api/{api_version}"
    auth = (values["JIRA_USER_EMAIL"], values["JIRA_API_TOKEN"])
    secrets = (values["JIRA_API_TOKEN"],)
    issues = _alerted_issues(Path(db_path))
    report = SyncReport(issues=len(issues))
    http = session or requests.Session()
    now = datetime.now(timezone.utc)
    read_at = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    lines = []
    for issue in issues:
        body, error = _read_issue(http, base, issue["issue_key"], auth, timeout)
        if body is None:
            report.errors.append(f"{issue['issue_key']}: {scrub(error or '', secrets)}")
            continue
        lines.append(_issue_line(issue, body, read_at))
    report.read = len(lines)
    if lines:
        report.path = _write(Path(landing_dir), lines, now)
    return report
