"""From insight to action, end to end on one real dbt build of the sample:

the planted incidents reach the alerts mart; `feedback alerts send` delivers each alert
once per channel to a real HTTP server on 127.0.0.1 (exact payloads, a 500 retried on
the next run, nothing new on a third); the review loop round-trips (export, edit, import,
dbt build, override visible); `feedback report` renders in headless Chromium.
"""

from __future__ import annotations

import base64
import csv
import html
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner
from dbt_helpers import copy_built, query, run_dbt
from http_helpers import LocalServer

from feedback_lakehouse.activation.alerts import send_alerts
from feedback_lakehouse.cli import main
from feedback_lakehouse.reporting.issue_insight import theme_impact
from feedback_lakehouse.reporting.report import CHART_IDS, write_report

pytestmark = pytest.mark.e2e

SLACK_SECRET = "T0SECRET/B0SECRET/xoxSECRETtoken"
JIRA_TOKEN = "jira-SECRET-token-123"


@pytest.fixture(scope="module")
def built(
    built_sample: tuple[Path, dict], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict]:
    """A copy of the session's build of the sample (conftest.py): these tests land review
    decisions and build again, and the other users of the build (which may run before or
    after, in any pytest-xdist worker) must not see them."""
    source, manifest = built_sample
    return copy_built(source, tmp_path_factory.mktemp("insight_to_action")), manifest


def _alerts(db: Path) -> list[dict[str, Any]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        cursor = con.execute("select * from main.rpt_alerts order by alert_id")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
    finally:
        con.close()


def test_planted_incidents_are_alerts(built: tuple[Path, dict]) -> None:
    work, manifest = built
    alerts = _alerts(work / "warehouse.duckdb")
    rising = {
        (a["main_category"], a["subject"]) for a in alerts if a["alert_type"] == "rising_issue"
    }
    sku = next(i for i in manifest["incidents"] if i["product_sku"])
    assert (sku["category"], sku["product_sku"]) in rising
    # the app incident's version was released 10 days before the end: the weeks before
    # its release are not zero weeks, so it raises no rising-issue alert (the release
    # impact mart shows it); no alert ever comes from an issue without a baseline week
    app = next(i for i in manifest["incidents"] if i["app_version"])
    assert (app["category"], f"app {app['app_version']}") not in rising
    short = query(
        work,
        "select main_category, subject from main.rpt_rising_issues "
        "where baseline_weeks_observed < 1",
    )
    assert rising.isdisjoint(short)
    assert len({a["alert_id"] for a in alerts}) == len(alerts)
    assert any(a["alert_type"] == "critical_item" for a in alerts)


# ---------------------------------------------------------------------------- HTTP server
class Receiver(LocalServer):
    """Slack, the webhook and Jira on one local server; `fail` holds (path prefix, alert
    id) pairs answered with a 500 (an empty id fails every call under that prefix)."""

    def __init__(self) -> None:
        self.fail: set[tuple[str, str]] = set()
        super().__init__(self._answer)

    def _answer(self, request: dict[str, Any]) -> tuple[int, Any]:
        text = json.dumps(request["body"])
        if any(request["path"].startswith(p) and a in text for p, a in self.fail):
            return 500, b"upstream exploded"
        if request["path"].startswith("/jira/"):
            return 201, {"id": "10001", "key": "FB-1"}
        return 200, b"ok"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _env(base: str) -> dict[str, str]:
    return {
        "FEEDBACK_SLACK_WEBHOOK_URL": f"{base}/slack/services/{SLACK_SECRET}",
        "FEEDBACK_WEBHOOK_URL": f"{base}/hook",
        "JIRA_BASE_URL": f"{base}/jira",
        "JIRA_USER_EMAIL": "bot@example.com",
        "JIRA_API_TOKEN": JIRA_TOKEN,
        "JIRA_PROJECT_KEY": "FB",
    }


def _log(db: Path) -> dict[tuple[str, str], tuple]:
    rows = query(
        db.parent,
        "select alert_id, channel, status, attempts, last_error, delivered_at, external_ref "
        "from ops.alert_deliveries",
    )
    return {(r[0], r[1]): r[2:] for r in rows}


def test_alerts_sent_once_exact_payloads_failures_retried(
    built: tuple[Path, dict], receiver: Receiver, tmp_path: Path
) -> None:
    work, _ = built
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(work / "warehouse.duckdb", db)
    alerts = _alerts(db)
    target = next(a for a in alerts if a["subject"] == "LMP-014")
    week = target["week_start_date"].isoformat()
    receiver.fail.add(("/hook", target["alert_id"]))

    report = send_alerts(db, env=_env(receiver.base), timeout=5)
    n = len(alerts)
    assert report.new_alerts == 3 * n
    assert report.sent == {"slack": n, "webhook": n - 1, "jira": n}
    assert report.failed == {"webhook": 1}

    context = f"owner: logistics (#logistics-alerts) | week of {week} | alert {target['alert_id']}"
    slack = [r for r in receiver.of("/slack/") if target["alert_id"] in json.dumps(r["body"])]
    assert len(slack) == 1
    assert slack[0]["path"] == f"/slack/services/{SLACK_SECRET}"
    assert slack[0]["body"] == {
        "text": f"[{target['severity']}] {target['title']}",
        "blocks": [
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": f"*[{target['severity']}] {target['title']}*\n{target['message']}",
                },
            },
            {"type": "context", "elements": [{"type": "mrkdwn", "text": context}]},
        ],
    }
    hook = [r for r in receiver.of("/hook") if target["alert_id"] in json.dumps(r["body"])]
    assert hook[0]["headers"]["Idempotency-Key"] == target["alert_id"]
    assert hook[0]["body"] == {
        "event": "feedback_lakehouse.alert",
        "alert": {
            "alert_id": target["alert_id"],
            "alert_type": "rising_issue",
            "severity": target["severity"],
            "title": target["title"],
            "message": target["message"],
            "main_category": "shipping_delivery",
            "owner_team": "logistics",
            "team_channel": "#logistics-alerts",
            "issue_key": "shipping_delivery / LMP-014",
            "subject": "LMP-014",
            "product_sku": "LMP-014",
            "app_version": None,
            "feedback_id": None,
            "metric_value": target["metric_value"],
            "baseline_value": target["baseline_value"],
            "z_score": target["z_score"],
            "week_start_date": week,
        },
    }
    jira = [r for r in receiver.of("/jira/") if target["alert_id"] in json.dumps(r["body"])]
    assert jira[0]["path"] == "/jira/rest/api/2/issue"
    expected_auth = base64.b64encode(f"bot@example.com:{JIRA_TOKEN}".encode()).decode()
    assert jira[0]["headers"]["Authorization"] == f"Basic {expected_auth}"
    assert jira[0]["body"] == {
        "fields": {
            "project": {"key": "FB"},
            "issuetype": {"name": "Task"},
            "summary": target["title"],
            "description": f"{target['message']}\n\n{context}",
            "labels": ["feedback-lakehouse", "rising-issue", f"alert-{target['alert_id']}"],
        }
    }

    log = _log(db)
    assert len(log) == 3 * n
    status, attempts, error, delivered, _ = log[(target["alert_id"], "webhook")]
    assert (status, attempts, delivered) == ("failed", 1, None)
    assert error.startswith("HTTP 500 from 127.0.0.1:") and "upstream exploded" in error
    assert log[(target["alert_id"], "jira")][4] == "FB-1"
    assert all(v[0] == "sent" for k, v in log.items() if k != (target["alert_id"], "webhook"))

    # next run: only the failed delivery is tried again, and now it goes through
    receiver.fail.clear()
    before = len(receiver.requests)
    report = send_alerts(db, env=_env(receiver.base), timeout=5)
    assert report.new_alerts == 0 and report.sent == {"webhook": 1} and not report.any_failed
    assert [r["path"] for r in receiver.requests[before:]] == ["/hook"]
    assert receiver.requests[-1]["body"] == hook[0]["body"]
    assert _log(db)[(target["alert_id"], "webhook")][:2] == ("sent", 2)

    # a third run has nothing new to send
    before = len(receiver.requests)
    assert send_alerts(db, env=_env(receiver.base), timeout=5).sent == {}
    assert len(receiver.requests) == before


def test_alerts_cli_never_prints_secrets(
    built: tuple[Path, dict], receiver: Receiver, tmp_path: Path
) -> None:
    work, _ = built
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(work / "warehouse.duckdb", db)
    dead = "http://127.0.0.1:9"  # nothing listens on the discard port
    env = {**_env(receiver.base), "FEEDBACK_SLACK_WEBHOOK_URL": f"{dead}/services/{SLACK_SECRET}"}
    receiver.fail.add(("/jira/", ""))  # every Jira call fails
    runner = CliRunner()
    result = runner.invoke(main, ["alerts", "send", "--db", str(db)], env=env)
    assert result.exit_code == 1
    assert "retried on the next run" in result.output
    errors = query(tmp_path, "select string_agg(last_error, ' ') from ops.alert_deliveries")[0][0]
    for text in (result.output, errors):
        assert SLACK_SECRET not in text and "SECRET" not in text and JIRA_TOKEN not in text
    assert "slack: sent 0" in result.output and "webhook: sent" in result.output

    empty = runner.invoke(main, ["alerts", "send", "--db", str(db)], env=dict.fromkeys(env, ""))
    assert empty.exit_code == 1 and "no alert channel is configured" in empty.output


# ---------------------------------------------------------------------------- review loop
def test_review_round_trip_overrides_labels(built: tuple[Path, dict], tmp_path: Path) -> None:
    work, _ = built
    runner = CliRunner()
    queue = tmp_path / "queue.csv"
    result = runner.invoke(
        main,
        ["review", "export", "--db", str(work / "warehouse.duckdb"), "--out", str(queue)],
    )
    assert result.exit_code == 0, result.output
    with queue.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    queued = query(work, "select count(*) from main.rpt_review_queue")[0][0]
    assert len(rows) == queued > 3
    assert "masked_text" in rows[0] and "original_text" not in rows[0]

    # a reviewer corrects the first item, confirms the second, leaves the rest blank
    first, second = rows[0], rows[1]
    new_category = (
        "packaging" if first["model_main_category"] == "product_defect" else ("product_defect")
    )
    first.update(
        reviewer="ana",
        decided_at="2026-11-23 09:00:00",
        corrected_category=new_category,
        corrected_sentiment="negative",
        verdict="incorrect",
    )
    second.update(reviewer="", verdict="useful")
    edited = tmp_path / "decisions.csv"
    with edited.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    result = runner.invoke(
        main,
        [
            "review",
            "import",
            "--file",
            str(edited),
            "--landing",
            str(work / "landing"),
            "--reviewer",
            "ben",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "imported 2 decision(s)" in result.output

    run_dbt(work, "build", "--select", "bronze_reviews__decisions+")
    got = query(
        work,
        "select feedback_id, main_category, model_main_category, sentiment, is_reviewed, "
        "review_verdict, reviewed_by, needs_review from main.fct_feedback where is_reviewed "
        "order by reviewed_by",
    )
    assert got == [
        (
            first["feedback_id"],
            new_category,
            first["model_main_category"],
            "negative",
            True,
            "incorrect",
            "ana",
            False,
        ),
        (
            second["feedback_id"],
            second["model_main_category"],
            second["model_main_category"],
            second["model_sentiment"],
            True,
            "useful",
            "ben",
            False,
        ),
    ]
    in_queue = query(
        work,
        "select count(*) from main.rpt_review_queue where feedback_id in "
        f"('{first['feedback_id']}', '{second['feedback_id']}')",
    )
    assert in_queue == [(0,)]
    agreement = query(
        work,
        "select model_main_category, reviewed_items, category_agreements "
        "from main.rpt_review_agreement order by 1",
    )
    assert sum(r[1] for r in agreement) == 2 and sum(r[2] for r in agreement) == 1


def test_review_import_rejects_bad_rows_and_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "feedback_id,reviewer,decided_at,corrected_category,corrected_sentiment,"
        "corrected_urgency,verdict,note\n"
        "shop:R-1,ana,2026-11-23T10:00:00Z,shipping_delivery,,,incorrect,\n"
        "nope,ana,2026-11-23T10:00:00Z,,,,useful,\n"
        "shop:R-2,,yesterday,,furious,,maybe,\n",
        encoding="utf-8",
    )
    landing = tmp_path / "landing"
    result = CliRunner().invoke(
        main, ["review", "import", "--file", str(bad), "--landing", str(landing)]
    )
    assert result.exit_code == 1
    assert "row 2 (nope): feedback_id 'nope' is not a feedback id" in result.output
    assert "row 3 (shop:R-2): reviewer is missing" in result.output
    assert "decided_at 'yesterday' is not a date-time" in result.output
    assert "corrected_sentiment 'furious' is not one of positive" in result.output
    assert "verdict 'maybe' is not one of useful, incorrect" in result.output
    assert "nothing was imported" in result.output
    assert not (landing / "reviews").exists()
    assert bad.read_text(encoding="utf-8").count("\n") == 4  # the input file is untouched


# ---------------------------------------------------------------------------- report
def _chromium() -> str:
    """Debian's chromium; installed with apt when missing and possible, else skip."""
    for candidate in (os.environ.get("FEEDBACK_CHROMIUM"), "chromium", "chromium-browser"):
        if candidate and shutil.which(candidate):
            return str(shutil.which(candidate))
    apt = shutil.which("apt-get")
    if apt and hasattr(os, "geteuid") and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run([apt, "update", "-qq"], env=env, capture_output=True, timeout=600)
        subprocess.run(
            [apt, "install", "-y", "-qq", "chromium"], env=env, capture_output=True, timeout=900
        )
        if shutil.which("chromium"):
            return str(shutil.which("chromium"))
    pytest.skip(
        "Chromium is not installed and could not be installed (need root and apt-get: "
        "`apt-get install -y chromium`); the report's browser test needs it"
    )


def test_report_renders_every_chart_in_headless_chromium(
    built: tuple[Path, dict], tmp_path: Path
) -> None:
    work, manifest = built
    out = tmp_path / "reports" / "feedback_report.html"
    result = CliRunner().invoke(
        main, ["report", "--db", str(work / "warehouse.duckdb"), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert str(out.resolve()) in result.output
    page_html = out.read_text(encoding="utf-8")
    assert "<script src=" not in page_html  # self-contained: plotly.js is inline
    # the SKU incident's alert (the app incident raises none: see
    # test_planted_incidents_are_alerts)
    sku = next(i for i in manifest["incidents"] if i["product_sku"])
    assert f"Rising issue: {sku['category']} / {sku['product_sku']}" in page_html

    from playwright.sync_api import sync_playwright

    executable = _chromium()
    args = [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ]
    shot = tmp_path / "report.png"
    problems: list[str] = []
    requests_out: list[str] = []
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=executable, headless=True, args=args
        )
        try:
            page = context.new_page()
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.on(
                "request",
                lambda r: (
                    None if r.url.startswith(("file:", "data:")) else requests_out.append(r.url)
                ),
            )
            page.goto(out.as_uri(), wait_until="load")
            page.wait_for_function(
                "n => document.querySelectorAll('.js-plotly-plot .main-svg').length >= n",
                arg=len(CHART_IDS),
                timeout=30_000,
            )
            charts = page.evaluate(
                """ids => ids.map(id => {
                    const el = document.getElementById(id);
                    return {
                        id,
                        svg: el ? el.querySelectorAll('svg.main-svg').length : 0,
                        traces: el && el.data ? el.data.length : 0,
                        marks: el
                            ? el.querySelectorAll('.trace .point, .trace path.js-line').length
                            : 0,
                    };
                })""",
                list(CHART_IDS),
            )
            page.screenshot(path=str(shot), full_page=True)
        finally:
            context.close()
    assert problems == []
    assert requests_out == []
    for chart in charts:
        assert chart["svg"] > 0 and chart["traces"] > 0 and chart["marks"] > 0, chart
    assert _pixels_vary(shot)


def test_report_mails_with_quotes_theme_impact_and_one_review_definition(
    built: tuple[Path, dict], tmp_path: Path
) -> None:
    work, _ = built
    db = work / "warehouse.duckdb"
    page = write_report(db, tmp_path / "report.html").read_text(encoding="utf-8")
    size = len(page.encode("utf-8"))
    assert size < 1_500_000, f"the report is {size:,} bytes: too big to mail (< 1.5 MB)"
    assert len(re.findall(r"^\* plotly\.js", page, flags=re.MULTILINE)) == 1  # once
    assert page.count("Plotly.newPlot(") == len(CHART_IDS)
    con = duckdb.connect(str(db), read_only=True)
    try:
        queue = con.execute("select count(*) from main.rpt_review_queue").fetchone()[0]
        issues = con.execute(
            "select main_category from main.rpt_top_issues_this_week order by topic_rank limit 5"
        ).fetchall()
        texts = dict(
            con.execute(
                "select feedback_id, masked_text from main.fct_feedback_reporting "
                "where weeks_before_as_of = 0 and sentiment in ('negative', 'mixed')"
            ).fetchall()
        )
        categories = dict(
            con.execute("select feedback_id, main_category from main.fct_feedback").fetchall()
        )
        impact = theme_impact(con)
    finally:
        con.close()
    # one definition of "review": the tile and the queue chart count the same items
    assert f"in the review queue<b>{queue:,} (" in page
    assert f"Review queue: {queue:,} items" in page
    assert "needing review" not in page
    # the age of backfilled data is not called time to insight
    assert "hours to insight" not in page and "loaded to labelled" in page
    # each top issue with 2-3 of its own complaints of the week, as masked text
    assert issues
    for (category,) in issues:
        section = re.search(rf'<section class="issue" id="issue-{category}">(.*?)</section>', page)
        assert section, category
        quotes = re.findall(r'<blockquote data-feedback-id="([^"]+)">(.*?)<cite>', section[1])
        assert 2 <= len(quotes) <= 3, (category, quotes)
        for feedback_id, text in quotes:
            feedback_id = html.unescape(feedback_id)
            assert categories[feedback_id] == category
            assert html.unescape(text) == texts[feedback_id]
    # the theme impact table: one row per category theme_impact returns
    table = re.search(r'<table id="theme-impact">(.*?)</table>', page)
    assert table and table[1].count("<tr>") == len(impact) + 1
    assert all(f"<td>{row['category_id']}</td>" in table[1] for row in impact)


def _pixels_vary(png: Path) -> bool:
    """True when the screenshot is not one flat colour: its scanlines differ (stdlib only)."""
    import struct
    import zlib

    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height, colour = 8, b"", 0, 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        chunk = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, _, colour = struct.unpack(">IIBB", chunk[:10])
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * (4 if colour == 6 else 3) + 1
    rows = {raw[y * stride : (y + 1) * stride] for y in range(height)}
    return width > 0 and len(rows) > 50


def test_decisions_on_unenriched_records_never_break_the_build(
    built: tuple[Path, dict], tmp_path: Path
) -> None:
    """Issue 15, item 4: decisions that `feedback review import` accepted on records that
    were never enriched (spam-flagged, empty) made the next build fail `in_taxonomy` on
    fct_feedback.main_category and skip every node after it. Run on a copy of the built
    warehouse, so the other tests keep theirs."""
    source, _ = built
    work = copy_built(source, tmp_path / "work")
    unenriched = query(
        work,
        "select feedback_id, status from main.fct_feedback "
        "where (is_spam or is_empty) and taxonomy_version is null order by feedback_id",
    )
    assert {s for _, s in unenriched} == {"needs_review", "failed"}, unenriched
    decisions = tmp_path / "decisions.csv"
    with decisions.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["feedback_id", "verdict", "corrected_category", "corrected_sentiment"])
        writer.writerows([fid, "incorrect", "packaging", "negative"] for fid, _ in unenriched)
    result = CliRunner().invoke(
        main,
        ["review", "import", "--file", str(decisions), "--landing", str(work / "landing")]
        + ["--reviewer", "carla", "--db", str(work / "warehouse.duckdb")],
    )
    assert result.exit_code == 0, result.output

    build = run_dbt(work, "build", expect_ok=False)
    assert build.returncode == 0, build.stdout[-3000:]
    got = query(
        work,
        "select count(*), count(distinct main_category), count(distinct taxonomy_version), "
        "bool_and(taxonomy_version = (select max(taxonomy_version) from main.fct_feedback "
        "where provider is not null)), bool_and(not needs_review), "
        "bool_and(suggested_owner is not null) "
        "from main.fct_feedback where reviewed_by = 'carla'",
    )
    assert got == [(len(unenriched), 1, 1, True, True, True)]
