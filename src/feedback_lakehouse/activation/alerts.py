"""Send the alerts of `rpt_alerts` to Slack, a generic JSON webhook and/or Jira, once each.

Channels are configured by environment variables only (see `CHANNEL_ENV`); a channel
whose variables are unset is off. Delivery is an outbox kept in the DuckDB file, table
`ops.alert_deliveries`, one row per (alert_id, channel):

1. every alert of the mart not yet in the outbox for a configured channel is added as
   `pending`, with the alert itself as JSON (so a retry sends the same content even when
   the mart has moved on);
2. every row not yet `sent` for a configured channel is tried once; success marks it
   `sent` (with the time and, for Jira, the issue key); failure marks it `failed` with
   the error and the attempt count, and the next run tries it again.

An alert is therefore sent once per channel and never lost. Delivery is at least once: if
the process dies between the HTTP call and the log update, the next run sends it again
(the generic webhook carries an `Idempotency-Key` header, Jira issues a label with the
alert id, so receivers can tell). Secrets (webhook URLs, their `user:password@` and the
Basic credentials made of it, the Jira token) never appear in output or in the log table:
every error goes through `scrub.scrub` with the channel's secrets, and the place named in
an error is the URL's host and port only.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import duckdb
import requests

from feedback_lakehouse.text.scrub import scrub

LOG_TABLE = "ops.alert_deliveries"
ALERT_FIELDS: tuple[str, ...] = (
    "alert_id",
    "alert_type",
    "severity",
    "title",
    "message",
    "main_category",
    "owner_team",
    "team_channel",
    "issue_key",
    "subject",
    "product_sku",
    "app_version",
    "feedback_id",
    "metric_value",
    "baseline_value",
    "z_score",
    "week_start_date",
)
CHANNEL_ENV: dict[str, tuple[str, ...]] = {
    "slack": ("FEEDBACK_SLACK_WEBHOOK_URL",),
    "webhook": ("FEEDBACK_WEBHOOK_URL",),
    "jira": ("JIRA_BASE_URL", "JIRA_USER_EMAIL", "JIRA_API_TOKEN", "JIRA_PROJECT_KEY"),
}
USER_AGENT = "feedback-lakehouse-alerts/1"


class AlertError(RuntimeError):
    """Alerts cannot be sent (no warehouse, no channel); the message says what to do."""


@dataclass
class Outcome:
    ok: bool
    error: str | None = None
    external_ref: str | None = None


@dataclass
class Channel:
    name: str
    send: Callable[[dict[str, Any]], Outcome]
    secrets: tuple[str, ...] = ()


@dataclass
class SendReport:
    channels: list[str]
    new_alerts: int = 0
    sent: dict[str, int] = field(default_factory=dict)
    failed: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def any_failed(self) -> bool:
        return any(self.failed.values())

    def summary(self) -> str:
        lines = [f"alert channels: {', '.join(self.channels)}; new alerts: {self.new_alerts}"]
        for name in self.channels:
            lines.append(
                f"  {name}: sent {self.sent.get(name, 0)}, failed {self.failed.get(name, 0)}"
                + (" (retried on the next run)" if self.failed.get(name) else "")
            )
        lines.extend(f"  error: {e}" for e in self.errors)
        return "\n".join(lines)


# ---------------------------------------------------------------------------- payloads
def _json_ready(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def alert_record(row: Mapping[str, Any]) -> dict[str, Any]:
    """The alert as plain JSON-ready values, in ALERT_FIELDS order."""
    return {name: _json_ready(row.get(name)) for name in ALERT_FIELDS}


def _context_line(alert: Mapping[str, Any]) -> str:
    owner = alert.get("owner_team") or "unrouted"
    channel = f" ({alert['team_channel']})" if alert.get("team_channel") else ""
    return (
        f"owner: {owner}{channel} | week of {alert['week_start_date']} | alert {alert['alert_id']}"
    )


def slack_payload(alert: Mapping[str, Any]) -> dict[str, Any]:
    """Slack incoming-webhook message: fallback text plus two blocks."""
    return {
        "text": f"[{alert['severity']}] {alert['title']}",
        "blocks": [
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": f"*[{alert['severity']}] {alert['title']}*\n{alert['message'] or ''}",
                },
            },
            {"type": "context", "elements": [{"type": "mrkdwn", "text": _context_line(alert)}]},
        ],
    }


def webhook_payload(alert: Mapping[str, Any]) -> dict[str, Any]:
    """Generic JSON webhook body: the event name and the whole alert."""
    return {"event": "feedback_lakehouse.alert", "alert": dict(alert)}


def _jira_description_text(alert: Mapping[str, Any]) -> str:
    return f"{alert['message'] or ''}\n\n{_context_line(alert)}"


def jira_payload(
    alert: Mapping[str, Any], project_key: str, issue_type: str = "Task", api_version: str = "2"
) -> dict[str, Any]:
    """Body of `POST /rest/api/<2|3>/issue` (v3 takes the description as Atlassian
    Document Format, v2 as plain text)."""
    text = _jira_description_text(alert)
    if api_version == "3":
        description: Any = {
            "type": "doc",
            "version": 1,
            "content": [
                {"type": "paragraph", "content": [{"type": "text", "text": line}]}
                for line in text.split("\n")
                if line
            ],
        }
    else:
        description = text
    return {
        "fields": {
            "project": {"key": project_key},
            "issuetype": {"name": issue_type},
            "summary": str(alert["title"])[:255],
            "description": description,
            "labels": [
                "feedback-lakehouse",
                str(alert["alert_type"]).replace("_", "-"),
                f"alert-{alert['alert_id']}",
            ],
        }
    }


# ---------------------------------------------------------------------------- channels
def _redact(text: str, secrets: tuple[str, ...]) -> str:
    return scrub(text, secrets)


def _url_secrets(url: str) -> tuple[str, ...]:
    """A webhook URL is a secret as a whole, by its path and query (Slack's token) and
    by its `user:password@` (requests sends it as an Authorization: Basic header)."""
    parts = urlsplit(url)
    tail = parts.path + (f"?{parts.query}" if parts.query else "")
    return tuple(
        s
        for s in (url, tail if len(tail) > 1 else "", parts.password or "", parts.username or "")
        if s
    )


def _where(url: str) -> str:
    """Host and port of a URL, never its userinfo (which `netloc` includes)."""
    parts = urlsplit(url)
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    return f"{parts.hostname}{port}" if parts.hostname else "the endpoint"


def _post(
    http: requests.Session,
    url: str,
    payload: dict[str, Any],
    timeout: float,
    secrets: tuple[str, ...],
    headers: dict[str, str] | None = None,
    auth: tuple[str, str] | None = None,
) -> tuple[Outcome, requests.Response | None]:
    where = _where(url)
    try:
        response = http.post(
            url,
            data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": USER_AGENT,
                **(headers or {}),
            },
            auth=auth,
            timeout=timeout,
        )
    except requests.RequestException as exc:
        reason = _redact(f"{type(exc).__name__}: {exc}", secrets)
        return Outcome(False, f"request to {where} failed: {reason}"[:500]), None
    if not 200 <= response.status_code < 300:
        body = _redact(response.text.strip().replace("\n", " "), secrets)[:300]
        return Outcome(False, f"HTTP {response.status_code} from {where}: {body}"), response
    return Outcome(True), response


def _slack_channel(http: requests.Session, url: str, timeout: float) -> Channel:
    secrets = _url_secrets(url)

    def send(alert: dict[str, Any]) -> Outcome:
        return _post(http, url, slack_payload(alert), timeout, secrets)[0]

    return Channel("slack", send, secrets)


def _webhook_channel(http: requests.Session, url: str, timeout: float) -> Channel:
    secrets = _url_secrets(url)

    def send(alert: dict[str, Any]) -> Outcome:
        headers = {"Idempotency-Key": str(alert["alert_id"])}
        return _post(http, url, webhook_payload(alert), timeout, secrets, headers)[0]

    return Channel("webhook", send, secrets)


def configured_channels(
    env: Mapping[str, str] | None = None,
    session: requests.Session | None = None,
    timeout: float = 10.0,
) -> list[Channel]:
    """The channels whose environment variables are all set, in a fixed order."""
    env = os.environ if env is None else env
    http = session or requests.Session()
    channels: list[Channel] = []

    slack_url = env.get("FEEDBACK_SLACK_WEBHOOK_URL", "").strip()
    if slack_url:
        channels.append(_slack_channel(http, slack_url, timeout))
    hook_url = env.get("FEEDBACK_WEBHOOK_URL", "").strip()
    if hook_url:
        channels.append(_webhook_channel(http, hook_url, timeout))
    jira = {name: env.get(name, "").strip() for name in CHANNEL_ENV["jira"]}
    if any(jira.values()):
        missing = [name for name, value in jira.items() if not value]
        if missing:
            raise AlertError(
                f"Jira is half configured: set {', '.join(missing)} too "
                "(or unset all JIRA_* variables to turn Jira off)"
            )
        api_version = env.get("JIRA_API_VERSION", "2").strip() or "2"
        if api_version not in ("2", "3"):
            raise AlertError(f"JIRA_API_VERSION must be 2 or 3, not {api_version!r}")
        issue_type = env.get("JIRA_ISSUE_TYPE", "Task").strip() or "Task"
        url = f"{jira['JIRA_BASE_URL'].rstrip('/')}/rest/api/{api_version}/issue"
        token = jira["JIRA_API_TOKEN"]
        auth = (jira["JIRA_USER_EMAIL"], token)
        jira_secrets = (token,)

        def send_jira(alert: dict[str, Any]) -> Outcome:
            payload = jira_payload(alert, jira["JIRA_PROJECT_KEY"], issue_type, api_version)
            outcome, response = _post(http, url, payload, timeout, jira_secrets, auth=auth)
            if outcome.ok and response is not None:
                try:
                    outcome.external_ref = str(response.json().get("key") or "") or None
                except ValueError:
                    outcome.external_ref = None
            return outcome

        channels.append(Channel("jira", send_jira, jira_secrets))
    return channels


# ---------------------------------------------------------------------------- outbox
_LOG_DDL = f"""
create schema if not exists ops;
create table if not exists {LOG_TABLE} (
    alert_id varchar not null,
    channel varchar not null,
    status varchar not null,
    attempts integer not null,
    last_error varchar,
    first_seen_at timestamp not null,
    last_attempt_at timestamp,
    delivered_at timestamp,
    external_ref varchar,
    alert_json varchar not null,
    primary key (alert_id, channel)
);
"""


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _load_alerts(con: duckdb.DuckDBPyConnection, schema: str) -> list[dict[str, Any]]:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", schema):
        raise AlertError(f"schema {schema!r} is not a plain identifier")
    try:
        cursor = con.execute(
            f"select {', '.join(ALERT_FIELDS)} from {schema}.rpt_alerts "
            "order by case severity when 'critical' then 0 else 1 end, alert_type, alert_id"
        )
    except duckdb.CatalogException as err:
        raise AlertError(f"no rpt_alerts in schema '{schema}' ({err}); run dbt build") from err
    names = [d[0] for d in cursor.description]
    return [alert_record(dict(zip(names, row, strict=True))) for row in cursor.fetchall()]


def _queue(
    con: duckdb.DuckDBPyConnection, channel: Channel, alerts: list[dict[str, Any]], now: Any
) -> int:
    """Log the alerts this channel has not seen as pending (first seen `now`); how many."""
    known = {
        r[0]
        for r in con.execute(
            f"select alert_id from {LOG_TABLE} where channel = ?", [channel.name]
        ).fetchall()
    }
    new = 0
    for alert in alerts:
        if alert["alert_id"] in known:
            continue
        con.execute(
            f"insert into {LOG_TABLE} (alert_id, channel, status, attempts, "
            "first_seen_at, alert_json) values (?, ?, 'pending', 0, ?, ?)",
            [alert["alert_id"], channel.name, now, json.dumps(alert, ensure_ascii=False)],
        )
        new += 1
    return new


def _deliver(con: duckdb.DuckDBPyConnection, channel: Channel, report: SendReport) -> None:
    """Try every alert not yet sent on this channel once; log and count each outcome."""
    due = con.execute(
        f"select alert_id, alert_json from {LOG_TABLE} "
        "where channel = ? and status != 'sent' order by first_seen_at, alert_id",
        [channel.name],
    ).fetchall()
    for alert_id, alert_json in due:
        alert = json.loads(alert_json)
        try:
            outcome = channel.send(alert)
        except Exception as exc:  # a bug in a sender must not lose the alert
            reason = _redact(f"{type(exc).__name__}: {exc}", channel.secrets)
            outcome = Outcome(False, reason[:500])
        attempted = _now()
        if outcome.ok:
            con.execute(
                f"update {LOG_TABLE} set status = 'sent', attempts = attempts + 1, "
                "last_error = null, last_attempt_at = ?, delivered_at = ?, "
                "external_ref = ? where alert_id = ? and channel = ?",
                [attempted, attempted, outcome.external_ref, alert_id, channel.name],
            )
            report.sent[channel.name] = report.sent.get(channel.name, 0) + 1
        else:
            con.execute(
                f"update {LOG_TABLE} set status = 'failed', attempts = attempts + 1, "
                "last_error = ?, last_attempt_at = ? where alert_id = ? and channel = ?",
                [outcome.error, attempted, alert_id, channel.name],
            )
            report.failed[channel.name] = report.failed.get(channel.name, 0) + 1
            report.errors.append(f"{channel.name} {alert_id}: {outcome.error}")


def send_alerts(
    db_path: str | Path,
    env: Mapping[str, str] | None = None,
    schema: str = "main",
    session: requests.Session | None = None,
    timeout: float = 10.0,
) -> SendReport:
    """Queue new alerts for every configured channel and try every undelivered one once."""
    db_path = Path(db_path)
    if not db_path.exists():
        raise AlertError(f"{db_path} does not exist: run `make demo` (or dbt build) first")
    channels = configured_channels(env, session=session, timeout=timeout)
    if not channels:
        raise AlertError(
            "no alert channel is configured: set FEEDBACK_SLACK_WEBHOOK_URL (Slack incoming "
            "webhook), FEEDBACK_WEBHOOK_URL (generic JSON webhook) and/or JIRA_BASE_URL, "
            "JIRA_USER_EMAIL, JIRA_API_TOKEN, JIRA_PROJECT_KEY (Jira)"
        )
    report = SendReport([c.name for c in channels])
    con = duckdb.connect(str(db_path))
    try:
        con.execute(_LOG_DDL)
        alerts = _load_alerts(con, schema)
        now = _now()
        for channel in channels:
            report.new_alerts += _queue(con, channel, alerts, now)
        for channel in channels:
            _deliver(con, channel, report)
    finally:
        con.close()
    return report


def preview(db_path: str | Path, schema: str = "main") -> list[dict[str, Any]]:
    """The alerts of the mart (no sending, no log changes)."""
    db_path = Path(db_path)
    if not db_path.exists():
        raise AlertError(f"{db_path} does not exist: run `make demo` (or dbt build) first")
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return _load_alerts(con, schema)
    finally:
        con.close()
