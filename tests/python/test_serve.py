"""`feedback serve`, the workspace, in headless Chromium (Debian's package, as the report's
test uses it) over a copy of the session's built sample (conftest.py `built_sample`):

every page opens with no console error; a number on This week leads to as many texts as
the mart counts; a product filter changes a chart to that product's total; review items
are confirmed and corrected with the keyboard, the decisions land as files and one
rebuild applies them; the planted LMP-014 incident's issue page shows quotes and the
digest section.

Set FEEDBACK_SERVE_SCREENSHOTS to a folder (e.g. docs/workspace) to keep a PNG per page.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dbt_helpers import copy_built, query, run_dbt
from test_insight_to_action import _chromium

from feedback_lakehouse.serve.bench import free_port

pytestmark = pytest.mark.e2e

PAGES = {
    "this_week": "/",
    "issue": "/issue/shipping_delivery?sku=LMP-014",
    "products": "/products",
    "product": "/product/LMP-014",
    "review": "/review",
    "texts": "/texts?complaint_about=shipping_delivery&week=0",
}


@pytest.fixture(scope="module")
def workspace(built_sample: tuple[Path, dict], tmp_path_factory: pytest.TempPathFactory):
    """`feedback serve` on a copy of the built sample: (base URL, work folder, manifest)."""
    source, manifest = built_sample
    work = copy_built(source, tmp_path_factory.mktemp("serve"))
    port = free_port()
    cli = str(Path(sys.executable).with_name("feedback"))
    args = ["serve", "--db", str(work / "warehouse.duckdb"), "--port", str(port)]
    process = subprocess.Popen(
        [cli, *args, "--landing", str(work / "landing")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process)
        yield base, work, manifest
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_until_up(base: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"feedback serve exited: {process.stdout.read() if process.stdout else ''}")
        try:
            with urllib.request.urlopen(base + "/static/app.css", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail("feedback serve did not answer within 30 s")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    executable = _chromium()
    profile = tmp_path_factory.mktemp("chromium")
    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=executable,
            headless=True,
            args=args,
            viewport={"width": 1200, "height": 900},
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A page that records console errors and uncaught exceptions in `page.problems`."""
    page = browser.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.problems = problems
    yield page
    page.close()


def test_every_page_opens_without_console_error(workspace: tuple, page: Any) -> None:
    base, _, _ = workspace
    keep = os.environ.get("FEEDBACK_SERVE_SCREENSHOTS")
    for name, path in PAGES.items():
        response = page.goto(base + path, wait_until="load")
        assert response is not None and response.status == 200, (path, response)
        assert page.locator("main h1").count() == 1, path
        if page.locator(".chart").count():
            page.wait_for_selector(".chart .main-svg")
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(keep) / f"{name}.png"))
    # the products page shows each category's effect on the rating, linked to its issue page
    page.goto(base + "/products", wait_until="load")
    assert page.locator("#impact-table tr a[href^='/issue/']").count() >= 3
    assert page.problems == []


def test_a_number_on_this_week_leads_to_as_many_texts(workspace: tuple, page: Any) -> None:
    base, work, _ = workspace
    page.goto(base + "/", wait_until="load")
    first = page.locator("#top-topics a.num[data-category]").first
    category = first.get_attribute("data-category")
    shown = int(first.inner_text())
    first.click()
    page.wait_for_url("**/texts?*")
    mart = query(
        work,
        "select complaints_this_week from main.rpt_top_issues_this_week "
        f"where main_category = '{category}'",
    )
    assert mart == [(shown,)]
    assert int(page.locator("#total").inner_text()) == shown
    assert page.locator("#texts tr").count() - 1 == min(shown, 200)
    assert page.problems == []


def test_a_product_filter_sets_the_chart_total(workspace: tuple, page: Any) -> None:
    base, work, manifest = workspace
    sku = next(i for i in manifest["incidents"] if i["product_sku"])
    category, product = sku["category"], sku["product_sku"]
    page.goto(f"{base}/issue/{category}", wait_until="load")
    unfiltered = _chart_total(page, "chart-sentiment")
    page.select_option("#filter-product", product)
    page.click("form.filters button[type=submit]")
    page.wait_for_url(f"**product={product}*")
    filtered = _chart_total(page, "chart-sentiment")
    expected = query(
        work,
        "select count(*) from main.fct_feedback_reporting "
        f"where main_category = '{category}' and product_sku = '{product}'",
    )[0][0]
    assert filtered == expected > 0
    assert unfiltered > filtered
    assert page.problems == []


def _chart_total(page: Any, chart_id: str) -> int:
    page.wait_for_selector(f"#{chart_id} .main-svg")
    return int(
        page.evaluate(
            "id => document.getElementById(id).data[0].y.reduce((a, b) => a + b, 0)", chart_id
        )
    )


def test_lmp014_issue_page_shows_quotes_and_digest(workspace: tuple, page: Any) -> None:
    base, _, manifest = workspace
    sku = next(i for i in manifest["incidents"] if i["product_sku"])
    page.goto(f"{base}/issue/{sku['category']}?sku={sku['product_sku']}", wait_until="load")
    quotes = page.locator("#quotes blockquote.quote")
    assert quotes.count() >= 3
    for i in range(quotes.count()):
        assert sku["product_sku"] in quotes.nth(i).locator("footer").inner_text()
    # the incident's support tickets and the category's resolution figures
    assert page.locator("#tickets tr").count() >= 2
    assert "solved" in page.locator("#cycle-time").inner_text()
    sentences = page.locator("#digest ul.digest li").all_inner_texts()
    assert 1 <= len(sentences) <= 3
    assert "extractive digest" in page.locator("#digest p.note").inner_text()
    # every digest sentence is quoted from one of the issue's own masked texts
    with duckdb.connect(str(workspace[1] / "warehouse.duckdb"), read_only=True) as con:
        texts = [
            row[0]
            for row in con.execute(
                "select masked_text from fct_feedback_reporting"
                " where main_category = ? and product_sku = ? and masked_text is not null",
                [sku["category"], sku["product_sku"]],
            ).fetchall()
        ]
    for sentence in sentences:
        assert any(sentence.strip() in text for text in texts), sentence
    assert page.problems == []


def test_review_with_the_keyboard_lands_decisions_and_a_rebuild_applies_them(
    workspace: tuple, page: Any
) -> None:
    base, work, _ = workspace
    page.goto(base + "/review", wait_until="load")
    _next_item(page, None)
    page.fill("#reviewer", "dana")
    page.keyboard.press("Escape")
    confirmed = page.get_attribute("#review-form", "data-feedback-id")
    page.keyboard.press("y")  # confirm: verdict useful
    _next_item(page, confirmed)
    corrected = page.get_attribute("#review-form", "data-feedback-id")
    model_category = page.inner_text("#model-category")
    new_category = "packaging" if model_category != "packaging" else "product_defect"
    page.keyboard.press("c")
    page.keyboard.type(new_category)
    page.keyboard.press("Enter")  # a correction: verdict incorrect
    _next_item(page, corrected)
    refined = page.get_attribute("#review-form", "data-feedback-id")
    page.keyboard.press("r")  # needs refinement
    _next_item(page, refined)
    assert page.problems == []
    landed = _landed(work / "landing" / "reviews")
    assert landed == {
        confirmed: ("useful", "", "dana"),
        corrected: ("incorrect", new_category, "dana"),
        refined: ("needs_refinement", "", "dana"),
    }
    run_dbt(work, "build", "--select", "bronze_reviews__decisions+")
    got = query(
        work,
        "select feedback_id, main_category, review_verdict, reviewed_by from main.fct_feedback "
        f"where feedback_id in ('{confirmed}', '{corrected}', '{refined}') order by 1",
    )
    assert {r[0]: r[1:] for r in got}[corrected] == (new_category, "incorrect", "dana")
    assert {r[0]: r[2] for r in got} == {
        confirmed: "useful",
        corrected: "incorrect",
        refined: "needs_refinement",
    }


def _next_item(page: Any, previous: str | None) -> None:
    """Wait until the review page shows another item, its keys ready."""
    page.wait_for_function(
        """id => {
            const form = document.querySelector('#review-form');
            return document.body.dataset.ready === '1' && !!form && form.dataset.feedbackId !== id;
        }""",
        arg=previous,
    )


def _landed(folder: Path) -> dict[str, tuple[str, str, str]]:
    out = {}
    for path in sorted(folder.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                if row["reviewer"] == "dana":
                    out[row["feedback_id"]] = (
                        row["verdict"],
                        row["corrected_category"],
                        row["reviewer"],
                    )
    return out
