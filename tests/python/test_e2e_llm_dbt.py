"""End to end with an LLM provider: `dbt build --vars '{enrichment_provider: openai}'`.

The real dbt CLI, in a subprocess, enriches through the real openai SDK against the fake
OpenAI-compatible server this test starts on 127.0.0.1.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from dbt_helpers import query, run_dbt

from feedback_devtools.fakellm import FakeLLM, Reply
from feedback_devtools.sample import generate

pytestmark = pytest.mark.e2e

# the endpoint echoes request headers in error bodies: this key must be stored nowhere
API_KEY = "sk-test-NOTREAL-0123456789abcdef"
PII = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[a-z]{2,}|ORD-\d{6}|4111[ -]?1111")


# The first test builds every model over the LLM's answers; the budget and retry tests
# are about the enrichment and the records, so they build those and their tests only.
RECORDS_ONLY = ("--select", "+fct_feedback", "--indirect-selection", "cautious")


@pytest.fixture(scope="module")
def server():
    with FakeLLM() as fake:
        yield fake


def llm_vars(work: Path, **variables) -> dict:
    return {
        "enrichment_provider": "openai",
        "llm_model": "fake-llm",
        "llm_concurrency": 4,
        "llm_timeout_s": 5,
        "llm_cache_path": str(work / "llm_cache.sqlite"),
        # the fake server labels most texts unknown: the other-rate alarm is not the point
        "other_rate_error": 1.0,
        **variables,
    }


def llm_env(server: FakeLLM) -> dict:
    return {"OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": API_KEY}


def llm_build(
    work: Path,
    server: FakeLLM,
    *args: str,
    command: str = "build",
    expect_ok: bool = True,
    **variables,
) -> subprocess.CompletedProcess:
    return run_dbt(
        work,
        command,
        *args,
        variables=llm_vars(work, **variables),
        env=llm_env(server),
        expect_ok=expect_ok,
    )


def test_llm_build_enriches_each_text_once_masks_pii_and_reruns_free(
    tmp_path: Path, server: FakeLLM
) -> None:
    generate(tmp_path / "landing", records=400, seed=3)
    server.reset()
    # one distinct text gets a content-filter answer, another an error quoting the
    # request headers (the API key): their rows fail, the run goes on
    filtered, echoed = query_texts(tmp_path, server, 2)
    server.script_for(filtered[:40], Reply.content_filter())
    server.script_for(echoed[:40], Reply.echo_headers(400))
    outputs = [llm_build(tmp_path, server).stdout]

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
    failed = [
        e
        for (e,) in query(
            tmp_path, "select error from main.int_texts__enriched where status = 'failed'"
        )
    ]
    assert len(failed) == 2
    assert any("content" in e.lower() for e in failed)
    assert any(e.startswith("HTTP 400") and "<redacted>" in e for e in failed)
    # a content filter and a 4xx are permanent failures: not sent again by the next run
    assert query(
        tmp_path,
        "select distinct failure_kind from main.int_texts__enriched where status = 'failed'",
    ) == [("permanent",)]
    # the system prefix repeats byte for byte: the endpoint serves it from its cache
    assert query(
        tmp_path,
        "select sum(prompt_tokens) > 0, sum(cost_usd) > 0, "
        "sum(cached_prompt_tokens) > 0 from main.int_texts__enriched",
    )[0] == (True, True, True)

    assert not PII.search(server.bodies_text())

    # nothing new: the second build makes zero calls
    before = server.calls
    outputs.append(llm_build(tmp_path, server).stdout)
    assert server.calls == before

    # a key the endpoint rejects (echoing it) stops the model with a clean error
    server.script(Reply.echo_headers(401))
    stopped = llm_build(
        tmp_path,
        server,
        "--select",
        "int_texts__enriched",
        command="run",
        expect_ok=False,
        llm_model="fake-llm-2",
    )
    assert stopped.returncode != 0 and "rejected the credentials (HTTP 401)" in stopped.stdout
    outputs.append(stopped.stdout + stopped.stderr)
    stored = query(
        tmp_path,
        "select string_agg(coalesce(error, ''), ' ') from main.int_texts__enriched "
        "union all select string_agg(coalesce(status_reason, ''), ' ') from main.fct_feedback "
        "union all select string_agg(status_reason, ' ') from main.rpt_pipeline_status",
    )
    logs = [
        (tmp_path / "logs" / "dbt.log").read_text(encoding="utf-8"),
        (tmp_path / "target" / "run_results.json").read_text(encoding="utf-8"),
    ]
    for where, text in zip(
        ["build stdout", "rerun stdout", "failed run output", "dbt.log", "run_results.json"]
        + ["stored errors", "status_reason", "rpt_pipeline_status"],
        [*outputs, *logs, *(row[0] or "" for row in stored)],
        strict=True,
    ):
        assert API_KEY not in text, f"the API key is in {where}"


def test_budget_defers_rows_and_the_next_run_picks_them_up(tmp_path: Path, server: FakeLLM) -> None:
    generate(tmp_path / "landing", records=200, seed=4)
    server.reset()
    llm_build(tmp_path, server, *RECORDS_ONLY, llm_max_calls=10, llm_concurrency=1)
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

    llm_build(tmp_path, server, *RECORDS_ONLY)
    assert server.calls == distinct
    assert query(
        tmp_path, "select count(*) from main.int_texts__enriched where status = 'deferred'"
    ) == [(0,)]
    assert query(tmp_path, "select count(*) from main.int_texts__enriched")[0][0] == distinct


def test_fault_storm_then_healed_server_ends_with_every_text_ok(tmp_path: Path) -> None:
    generate(tmp_path / "landing", records=200, seed=5)
    with FakeLLM(default_category="shipping_delivery") as server:
        # 429 30% (Retry-After 0.05 s), 5xx 10%, connection resets 5%, timeouts 3%
        server.storm(rate_limit=0.3, server_error=0.1, reset=0.05, timeout=0.03, seed=11)
        stormy = run_dbt(
            tmp_path,
            "build",
            *RECORDS_ONLY,
            variables=llm_vars(tmp_path, llm_max_retries=1, llm_timeout_s=0.5),
            env=llm_env(server),
        )
        distinct = query(tmp_path, "select count(*) from main.int_texts__to_enrich")[0][0]
        failed = query(
            tmp_path,
            "select failure_kind, run_attempts, count(*) from main.int_texts__enriched "
            "where status = 'failed' group by all",
        )
        assert len(failed) == 1 and failed[0][:2] == ("retryable", 1), failed
        retryable = failed[0][2]
        # loud: a console line with the measured share and a warning data test
        share = f"{retryable} of {distinct} texts"
        assert share in stormy.stdout and "dbt build" in stormy.stdout
        assert re.search(r"WARN .*assert_int_texts__enriched_retryable_share_below", stormy.stdout)

        server.heal()
        run_dbt(tmp_path, "build", *RECORDS_ONLY, variables=llm_vars(tmp_path), env=llm_env(server))
        rows = query(
            tmp_path,
            "select status, run_attempts, count(*) from main.int_texts__enriched group by all",
        )
        assert sorted(rows) == sorted([("ok", 1, distinct - retryable), ("ok", 2, retryable)]), rows
        # every text answered once; every other call met an injected fault
        assert server.answered == distinct
        assert server.calls == distinct + server.faults


def query_texts(work: Path, server: FakeLLM, n: int) -> list[str]:
    """The masked wording of n distinct texts, computed without calling any model. With
    the LLM build's vars and environment, so that build reuses this one's parse (dbt
    parses the whole project again when the vars change)."""
    calls = server.calls
    llm_build(work, server, "--select", "+int_texts__to_enrich")
    assert server.calls == calls  # nothing upstream of the enrichment calls the LLM
    rows = query(work, f"select text from main.int_texts__to_enrich order by text_hash limit {n}")
    return [r[0] for r in rows]
