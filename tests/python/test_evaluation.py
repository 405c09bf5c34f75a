"""`feedback eval`: the accuracy the cascade kept, printed beside its calls saved."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from feedback_lakehouse.cli import main
from feedback_lakehouse.reporting import evaluation
from feedback_lakehouse.reporting.evaluation import EvalError, accuracy_kept_line, load, render

CASCADE = "off-1>openai:gpt@0.6"


def cascade_row(**values: object) -> dict[str, object]:
    row: dict[str, object] = {
        "taxonomy_version": "v2",
        "model": CASCADE,
        "category_items": 8,
        "calls_saved_share": 0.625,
        "cascade_accuracy": 0.75,
        "llm_only_eval_key": "k",
        "llm_only_items": 8,
        "llm_only_accuracy": 0.8,
        "accuracy_kept": 0.9375,
    }
    row.update(values)
    return row


def test_accuracy_kept_line_gives_the_ratio_and_both_accuracies() -> None:
    line = accuracy_kept_line(cascade_row())
    assert line.startswith("accuracy kept 93.8%: cascade 0.750 vs LLM-only 0.800 on 8 held-out")
    assert "62.5% of them answered locally" in line and CASCADE in line and "[v2]" in line


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        (
            {"llm_only_eval_key": None, "llm_only_items": 0, "llm_only_accuracy": None},
            "no LLM-only run of this LLM",
        ),
        ({"llm_only_items": 5, "llm_only_accuracy": 0.6}, "has only 5 of the 8 gold texts"),
        ({"llm_only_accuracy": 0.0}, "got none of the gold texts right"),
        ({"category_items": 0, "cascade_accuracy": None}, "no held-out gold categories"),
    ],
)
def test_accuracy_kept_line_says_why_there_is_none(values: dict, reason: str) -> None:
    line = accuracy_kept_line(cascade_row(accuracy_kept=None, **values))
    assert line.startswith("accuracy kept: -") and reason in line


def test_render_prints_accuracy_kept_under_calls_saved() -> None:
    data = {
        "summary": [],
        "kappa": [],
        "cascade": {"texts": 10, "llm_calls": 4},
        "cascade_quality": [cascade_row()],
    }
    lines = render(data).splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("Cascade: 10 texts"))
    assert "calls saved 60.0%" in lines[at]
    assert lines[at + 1].startswith("  accuracy kept 93.8%")
    no_gold = render({**data, "cascade_quality": []})
    assert "accuracy kept: - (needs held-out gold labels" in no_gold
    assert "accuracy kept" not in render({**data, "cascade": {"texts": 0, "llm_calls": 0}})


def _warehouse(path: Path, with_cascade_mart: bool = True) -> None:
    con = duckdb.connect(str(path))
    try:
        con.execute(
            "create table rpt_eval_summary as select 'cascade' as provider, "
            "'m' as model, 'p' as prompt_version, 'v2' as taxonomy_version"
        )
        con.execute(
            "create table rpt_review_kappa as select 'cascade' as provider, 'm' as model, "
            "'p' as prompt_version, 'category' as label_kind"
        )
        con.execute(
            "create table int_texts__enriched as select * from (values "
            "('cascade', '[cascade: local] x'), ('cascade', '[cascade: llm] y'), "
            "('cascade', '[cascade: local] z'), ('offline', 'w')) as t(provider, rationale)"
        )
        if with_cascade_mart:
            con.execute(
                "create table rpt_eval_cascade as select 'v2' as taxonomy_version, "
                f"'{CASCADE}' as model, 'p' as prompt_version, 3::bigint as category_items, "
                "0.6666666666666666::double as calls_saved_share, "
                "0.6666666666666666::double as cascade_accuracy, 'k' as llm_only_eval_key, "
                "3::bigint as llm_only_items, 1.0::double as llm_only_accuracy, "
                "0.6666666666666666::double as accuracy_kept"
            )
    finally:
        con.close()


def test_feedback_eval_reads_the_cascade_mart(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    _warehouse(db)
    assert load(db)["cascade_quality"][0]["accuracy_kept"] == pytest.approx(2 / 3)
    result = CliRunner().invoke(main, ["eval", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "Cascade: 3 texts, 1 sent to the LLM, 2 answered locally (calls saved 66.7%)" in (
        result.output
    )
    assert "  accuracy kept 66.7%: cascade 0.667 vs LLM-only 1.000 on 3 held-out" in result.output


def test_feedback_eval_without_the_cascade_mart_says_to_rebuild(tmp_path: Path) -> None:
    db = tmp_path / "old.duckdb"
    _warehouse(db, with_cascade_mart=False)
    with pytest.raises(EvalError, match="run dbt build"):
        load(db)


def _unmapped_warehouse(path: Path) -> None:
    _warehouse(path)
    con = duckdb.connect(str(path))
    try:
        con.execute(
            "create table rpt_eval_unmapped_gold_labels as select * from (values "
            "('zendesk', 'customer service issue', 'v2', 8632::bigint, 8785::bigint), "
            "('zendesk', 'late  order', 'v2', 10::bigint, 8785::bigint)) "
            "as t(label_scheme, gold_label, taxonomy_version, labels, gold_category_labels)"
        )
    finally:
        con.close()


def test_feedback_eval_counts_and_names_unmapped_gold_labels(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    _unmapped_warehouse(db)
    result = CliRunner().invoke(main, ["eval", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert (
        "Unmapped gold labels: 8642 of 8785 gold category labels (98.4%) map to no category "
        "of taxonomy v2" in result.output
    )
    assert '  "customer service issue" (scheme zendesk): 8632' in result.output
    assert '  "late  order" (scheme zendesk): 10' in result.output


def _gate(gate: str, value: float, passed: bool, source: str = "var x") -> dict[str, object]:
    return {
        "gate": gate,
        "measured_value": value,
        "is_passed": passed,
        "threshold_source": source,
        "message": f"{gate} {value}",
        "provider": "offline",
        "model": "m",
        "prompt_version": "p",
        "taxonomy_version": "v2",
    }


def test_baseline_rounds_outwards_so_the_values_measured_now_pass() -> None:
    gates = [
        _gate("category_accuracy", 0.7571, True),
        _gate("expected_calibration_error", 0.2234, True),
    ]
    baseline = evaluation.baseline_from(gates, other_rate=0.1681, tolerance=0.02)
    assert baseline["eval_min_category_accuracy"] == pytest.approx(0.737)
    assert baseline["eval_max_calibration_error"] == pytest.approx(0.244)
    assert baseline["other_rate_error"] == pytest.approx(0.189)
    assert "eval_min_sentiment_macro_f1" not in baseline  # not measured: the var applies
    assert baseline["enrichment"]["model"] == "m"
    with pytest.raises(EvalError, match="eval_min_items"):
        evaluation.baseline_from([], other_rate=None, tolerance=0.02)


def test_gate_lines_say_fail_and_that_no_baseline_only_warns() -> None:
    lines = evaluation.gate_lines([_gate("category_accuracy", 0.2, False)])
    assert lines[0] == "  FAIL  category_accuracy 0.2"
    assert "--set-baseline" in lines[1]
    baseline_set = evaluation.gate_lines([_gate("category_accuracy", 0.9, True, "baseline")])
    assert baseline_set == ["  pass  category_accuracy 0.9"]
