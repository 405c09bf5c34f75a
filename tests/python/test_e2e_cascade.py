"""The cascade's calls saved and accuracy kept, end to end on real dbt builds.

One small sample with held-out gold labels (the helpdesk tickets' hand-set tags) is
enriched three times on one DuckDB file: by the openai provider against the fake
OpenAI-compatible server on 127.0.0.1, by the offline provider, then by the cascade
(offline first, the same fake LLM for the texts it is unsure about). The fake LLM here
knows the gold answers and gives the right one for about three texts in four, so the
LLM-only run is a fair yardstick. rpt_eval_cascade must equal the same numbers
recomputed in Python from int_texts__enriched and the gold labels.
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from dbt_helpers import PROJECT, helpdesk_gold_tags, query, run_dbt, write_helpdesk_gold

from feedback_devtools import fakellm
from feedback_devtools.sample import generate
from feedback_lakehouse.cli import main
from feedback_lakehouse.text.pii import mask_pii

pytestmark = pytest.mark.e2e

MART_COLUMNS = (
    "model",
    "local_model",
    "evaluated_items",
    "local_items",
    "llm_items",
    "calls_saved_share",
    "category_items",
    "cascade_accuracy",
    "local_accuracy",
    "llm_accuracy",
    "llm_only_items",
    "llm_only_accuracy",
    "offline_only_items",
    "offline_only_accuracy",
    "accuracy_kept",
)


def _mapping(version: str) -> dict[str, frozenset[str]]:
    """helpdesk tag -> the categories of `version` it maps to (a tag may cover several:
    v2's `shipping`); a prediction of any of them is right, as in the build."""
    path = PROJECT / "seeds" / "taxonomy" / "gold_label_mapping.csv"
    out: dict[str, set[str]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for r in csv.DictReader(handle):
            if r["label_scheme"] == "helpdesk_tags" and r["taxonomy_version"] == version:
                out.setdefault(r["gold_label"], set()).add(r["category_id"])
    return {tag: frozenset(categories) for tag, categories in out.items()}


def _oracle(gold_by_text: dict[str, str]):
    """The fake LLM's answer: right for about 3 gold texts in 4, a wrong category for the
    rest (deterministic per text); texts outside the gold set get the default answer."""
    texts = sorted(gold_by_text, key=len, reverse=True)
    default = fakellm.classify

    def classify(text: str, categories: list[str], fixed: str | None = None) -> dict[str, Any]:
        match = next((t for t in texts if t in text), None)
        if match is None or fixed is not None:
            return default(text, categories, fixed)
        gold = gold_by_text[match]
        if hashlib.sha256(match.encode("utf-8")).digest()[0] % 4:
            return default(text, categories, gold)
        return default(text, categories, next(c for c in categories if c != gold))

    return classify


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("cascade")
    landing = work / "landing"
    generate(landing, records=400, seed=11)
    write_helpdesk_gold(landing)

    env = {"OPENAI_BASE_URL": "", "OPENAI_API_KEY": "test-key-not-real"}
    llm_vars = {
        "llm_model": "fake-llm",
        "llm_concurrency": 4,
        "llm_timeout_s": 5,
        # the fake LLM labels texts outside the gold set unknown: not the point here
        "other_rate_error": 1.0,
    }
    openai_vars = {
        **llm_vars,
        "enrichment_provider": "openai",
        "llm_cache_path": str(work / "openai_cache.sqlite"),
    }
    calls: dict[str, int] = {}
    with pytest.MonkeyPatch.context() as patch, fakellm.FakeLLM() as server:
        env["OPENAI_BASE_URL"] = server.base_url
        # the texts the LLM will see (the LLM providers mask them once more), with their
        # gold category, before any enrichment; with the LLM-only run's vars and
        # environment, so that run reuses this one's parse (new vars: a full parse)
        run_dbt(
            work,
            "build",
            "--select",
            "+int_texts__to_enrich",
            "+int_gold_labels",
            "--indirect-selection",
            "cautious",
            variables=openai_vars,
            env=env,
        )
        assert server.calls == 0  # nothing upstream of the enrichment calls the LLM
        gold_by_text = {
            mask_pii(text): category
            for text, category in query(
                work,
                "select t.text, g.category_id from main.int_gold_labels g "
                "join main.int_texts__to_enrich t using (text_hash) "
                "where g.split = 'test' and g.category_id is not null",
            )
        }
        patch.setattr(fakellm, "classify", _oracle(gold_by_text))
        # the LLM-only and offline-only runs: only what the cascade mart needs
        only = ("--select", "+rpt_eval_cascade", "--indirect-selection", "cautious")
        run_dbt(work, "build", *only, variables=openai_vars, env=env)
        calls["openai"] = server.calls
        # the offline-only run of the cascade's local model: the rules (self-training is
        # not run inside the cascade yet, dbt_entry.self_training_applies)
        run_dbt(
            work,
            "build",
            *only,
            variables={"enrichment_provider": "offline", "offline_self_training": False},
        )
        server.reset()
        # the whole project with the cascade (its own LLM cache: every LLM answer is a call)
        run_dbt(
            work,
            "build",
            variables={
                **llm_vars,
                "enrichment_provider": "cascade",
                "cascade_llm": "openai",
                "llm_cache_path": str(work / "cascade_cache.sqlite"),
            },
            env=env,
        )
        calls["cascade"] = server.calls
    return {"work": work, "calls": calls}


def _accuracy(pairs: list[tuple[frozenset[str], str]]) -> float | None:
    return sum(pred in gold for gold, pred in pairs) / len(pairs) if pairs else None


def _expected(work: Path) -> dict[str, Any]:
    """rpt_eval_cascade's row, recomputed from int_texts__enriched and the gold labels."""
    version = query(work, "select distinct taxonomy_version from main.int_texts__enriched")
    assert len(version) == 1
    mapping = _mapping(version[0][0])
    tags = helpdesk_gold_tags(work / "landing")
    hashes = dict(query(work, "select feedback_id, text_hash from main.int_gold_labels"))
    gold = [(hashes[fid], mapping.get(tag)) for fid, tag in sorted(tags.items()) if fid in hashes]
    answers: dict[str, dict[str, tuple[str, str, str, str]]] = {}
    for provider, text_hash, model, category, rationale in query(
        work,
        "select provider, text_hash, model, main_category, rationale "
        "from main.int_texts__enriched where status != 'deferred'",
    ):
        answers.setdefault(provider, {})[text_hash] = (
            model,
            category or "unknown",
            (rationale or "").split("]", 1)[0] + "]",
        )
    cascade = answers["cascade"]
    items = [(h, g, *cascade[h]) for h, g in gold if h in cascade]
    labelled = [(h, g, side) for h, g, _, _, side in items if g is not None]
    pred = {h: cascade[h][1] for h, _, _, _, _ in items}
    local = [(g, pred[h]) for h, g, side in labelled if side == "[cascade: local]"]
    llm = [(g, pred[h]) for h, g, side in labelled if side == "[cascade: llm]"]
    openai = answers["openai"]
    offline = answers["offline"]
    cascade_accuracy = _accuracy([(g, pred[h]) for h, g, _ in labelled])
    llm_only_accuracy = _accuracy([(g, openai[h][1]) for h, g, _ in labelled])
    local_items = sum(1 for *_, side in items if side == "[cascade: local]")
    return {
        "model": items[0][2],
        "local_model": next(iter(offline.values()))[0],
        "evaluated_items": len(items),
        "local_items": local_items,
        "llm_items": len(items) - local_items,
        "calls_saved_share": local_items / len(items),
        "category_items": len(labelled),
        "cascade_accuracy": cascade_accuracy,
        "local_accuracy": _accuracy(local),
        "llm_accuracy": _accuracy(llm),
        "llm_only_items": len(labelled),
        "llm_only_accuracy": llm_only_accuracy,
        "offline_only_items": len(labelled),
        "offline_only_accuracy": _accuracy([(g, offline[h][1]) for h, g, _ in labelled]),
        "accuracy_kept": cascade_accuracy / llm_only_accuracy,
        # the cascade's LLM answers are the LLM-only run's on the same texts
        "llm_only_on_llm_side": _accuracy(
            [(g, openai[h][1]) for h, g, side in labelled if side == "[cascade: llm]"]
        ),
    }


def test_mart_equals_the_recomputation_from_enrichments_and_gold(built: dict[str, Any]) -> None:
    work = built["work"]
    rows = query(work, f"select {', '.join(MART_COLUMNS)} from main.rpt_eval_cascade")
    assert len(rows) == 1
    mart = dict(zip(MART_COLUMNS, rows[0], strict=True))
    expected = _expected(work)
    assert mart["category_items"] > 50
    for column in MART_COLUMNS:
        assert mart[column] == pytest.approx(expected[column], abs=1e-12), column
    # calls saved, and the accuracy kept is what the two accuracies give
    assert mart["local_items"] > 0 and 0 < mart["calls_saved_share"] < 1
    assert mart["accuracy_kept"] == pytest.approx(
        mart["cascade_accuracy"] / mart["llm_only_accuracy"], abs=1e-12
    )
    assert mart["llm_accuracy"] == pytest.approx(expected["llm_only_on_llm_side"], abs=1e-12)
    # the LLM-only run is the one rpt_eval_summary lists for openai
    assert query(
        work,
        "select s.category_accuracy from main.rpt_eval_summary s "
        "join main.rpt_eval_cascade c on s.eval_key = c.llm_only_eval_key",
    ) == [(pytest.approx(mart["llm_only_accuracy"], abs=1e-12),)]


def test_the_llm_saw_only_the_texts_the_cascade_sent(built: dict[str, Any]) -> None:
    work, calls = built["work"], built["calls"]
    distinct = query(work, "select count(*) from main.int_texts__to_enrich")[0][0]
    sent, local = query(
        work,
        "select sum(case when rationale like '[cascade: llm]%' then 1 else 0 end), "
        "sum(case when rationale like '[cascade: local]%' then 1 else 0 end) "
        "from main.int_texts__enriched where provider = 'cascade'",
    )[0]
    assert calls["openai"] == distinct  # the LLM-only run: one call per distinct text
    assert calls["cascade"] == sent < distinct and sent + local == distinct


def test_feedback_eval_prints_accuracy_kept_beside_calls_saved(built: dict[str, Any]) -> None:
    work = built["work"]
    kept, cascade, llm_only = query(
        work, "select accuracy_kept, cascade_accuracy, llm_only_accuracy from main.rpt_eval_cascade"
    )[0]
    result = CliRunner().invoke(main, ["eval", "--db", str(work / "warehouse.duckdb")])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("Cascade: "))
    assert "calls saved" in lines[at]
    assert lines[at + 1].startswith(
        f"  accuracy kept {100 * kept:.1f}%: cascade {cascade:.3f} vs LLM-only {llm_only:.3f}"
    )
