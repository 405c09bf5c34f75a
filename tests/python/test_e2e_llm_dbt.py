"""End to end with an LLM provider: `dbt build --vars '{enrichment_provider: openai}'`.

The real dbt CLI, in a subprocess, enriches through the real openai SDK against the fake
OpenAI-compatible server this test starts on 127.0.0.1.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from dbt_helpers import query, run_dbt

from feedback_lakehouse.fakellm import FakeLLM, Reply
from feedback_lakehouse.sample import generate

pytestmark = pytest.mark.e2e

PII = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[a-z]{2,}|ORD-\d{6}|4111[ -]?1111")


@pytest.fixture(scope="module")
def server():
    with FakeLLM() as fake:
        yield fake


def llm_build(work: Path, server: FakeLLM, **variables) -> None:
    run_dbt(
        work,
        "build",
        variables={
            "enrichment_provider": "openai",
            "llm_model": "fake-llm",
            "llm_concurrency": 4,
            "llm_timeout_s": 5,
            "llm_cache_path": str(work / "llm_cache.sqlite"),
            # the fake server labels most texts unknown: the other-rate alarm is not the point
            "other_rate_error": 1.0,
            **variables,
        },
        env={"OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": "test-key-not-real"},
    )


def test_llm_build_enriches_each_text_once_masks_pii_and_reruns_free(
    tmp_path: Path, server: FakeLLM
) -> None:
    generate(tmp_path / "landing", records=400, seed=3)
    server.reset()
    # one distinct text gets a content-filter answer: its rows fail, the run goes on
    filtered = query_first_text(tmp_path)
    server.script_for(filtered[:40], Reply.content_filter())
    llm_build(tmp_path, server)

    distinct = query(tmp_path, "select count(*) from main.int_texts__to_enrich")[0][0]
    enriched = query(
        tmp_path,
        "select count(*), count(distinct text_hash) from main.int_texts__enriched "
        "where provider = 'openai'",
    )[0]
    assert enriched == (distinct, distinct)
    assert server.calls == distinct  # one call per distinct text, none repeated

    statuses = dict(query(tmp_path, "select status, count(*) from main.fct_feedback group by 1"))
    assert set(statuses) <= {"ok", "needs_review", "failed", "deferred"}
    failed = query(
        tmp_path,
        "select error from main.int_texts__enriched where status = 'failed'",
    )
    assert failed and all("content" in (e or "").lower() for (e,) in failed)
    assert query(
        tmp_path, "select sum(prompt_tokens) > 0, sum(cost_usd) > 0 from main.int_texts__enriched"
    )[0] == (True, True)

    assert not PII.search(server.bodies_text())

    # nothing new: the second build makes zero calls
    before = server.calls
    llm_build(tmp_path, server)
    assert server.calls == before


def test_budget_defers_rows_and_the_next_run_picks_them_up(tmp_path: Path, server: FakeLLM) -> None:
    generate(tmp_path / "landing", records=200, seed=4)
    server.reset()
    llm_build(tmp_path, server, llm_max_calls=10, llm_concurrency=1)
    assert server.calls == 10
    deferred = query(
        tmp_path, "select count(*) from main.int_texts__enriched where status = 'deferred'"
    )[0][0]
    distinct = query(tmp_path, "select count(*) from main.int_texts__to_enrich")[0][0]
    assert deferred == distinct - 10
    assert (
        query(tmp_path, "select count(*) from main.fct_feedback where status = 'deferred'")[0][0]
        >= deferred
    )

    llm_build(tmp_path, server)
    assert server.calls == distinct
    assert query(
        tmp_path, "select count(*) from main.int_texts__enriched where status = 'deferred'"
    ) == [(0,)]
    assert query(tmp_path, "select count(*) from main.int_texts__enriched")[0][0] == distinct


def query_first_text(work: Path) -> str:
    """The masked wording of one distinct text, computed without calling any model."""
    run_dbt(work, "build", "--select", "+int_texts__to_enrich", "--exclude", "test_type:unit")
    return query(work, "select text from main.int_texts__to_enrich order by text_hash limit 1")[0][
        0
    ]
