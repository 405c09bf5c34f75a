"""`feedback eval`: the quality marts as a table in the terminal.

Reads `rpt_eval_summary` (held-out gold labels), `rpt_quality_gates` (the gates of the
enrichment in force), `rpt_eval_unmapped_gold_labels` (gold values no mapping places),
`rpt_review_kappa` (reviewers) and, when
the cascade provider ran, how many texts it answered without an LLM call and, from
`rpt_eval_cascade`, the accuracy it kept against an LLM-only run on the gold texts.
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import duckdb

# rpt_quality_gates.gate -> (the dbt var the baseline sets, True for a minimum)
GATE_VARS = {
    "category_accuracy": ("eval_min_category_accuracy", True),
    "category_macro_f1": ("eval_min_category_macro_f1", True),
    "sentiment_macro_f1": ("eval_min_sentiment_macro_f1", True),
    "expected_calibration_error": ("eval_max_calibration_error", False),
}

SUMMARY_COLUMNS = (
    ("provider", "provider"),
    ("model", "model"),
    ("prompt_version", "prompt"),
    ("taxonomy_version", "taxonomy"),
    ("category_items", "cat n"),
    ("category_accuracy", "accuracy"),
    ("category_macro_f1", "macro-F1"),
    ("sentiment_items", "sent n"),
    ("sentiment_accuracy", "sent acc"),
    ("sentiment_macro_f1", "sent F1"),
    ("expected_calibration_error", "ECE"),
    ("review_share", "review"),
    ("confidence_threshold", "thr@P"),
    ("coverage_at_threshold", "cover"),
)
KAPPA_COLUMNS = (
    ("provider", "provider"),
    ("model", "model"),
    ("prompt_version", "prompt"),
    ("label_kind", "labels"),
    ("reviewed_items", "reviewed"),
    ("observed_agreement", "agreement"),
    ("cohens_kappa", "kappa"),
)


class EvalError(RuntimeError):
    """The DuckDB file or the quality marts are missing."""


def _short(value: Any, width: int = 28) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    text = str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def table(rows: list[dict[str, Any]], columns: tuple[tuple[str, str], ...]) -> str:
    """A plain fixed-width table (no extra dependency)."""
    cells = [[_short(row.get(key)) for key, _ in columns] for row in rows]
    heads = [label for _, label in columns]
    widths = [max([len(h)] + [len(c[i]) for c in cells]) for i, h in enumerate(heads)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(heads, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(cell, widths, strict=True)) for cell in cells]
    return "\n".join(lines)


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


def load(db_path: str | Path, schema: str = "main") -> dict[str, Any]:
    db_path = Path(db_path)
    if not db_path.is_file():
        raise EvalError(f"{db_path} not found: run dbt build first (make demo or an example)")
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        try:
            summary = _rows(
                con,
                f"select * from {schema}.rpt_eval_summary "
                "order by taxonomy_version, provider, model, prompt_version",
            )
            kappa = _rows(
                con,
                f"select * from {schema}.rpt_review_kappa "
                "order by provider, model, prompt_version, label_kind",
            )
            cascade_quality = _rows(
                con,
                f"select * from {schema}.rpt_eval_cascade "
                "order by taxonomy_version, model, prompt_version",
            )
        except duckdb.Error as exc:
            raise EvalError(
                f"the quality marts are not in {db_path} (schema {schema}): run dbt build "
                f"with this project version first ({exc})"
            ) from exc
        gates = _optional_rows(con, f"select * from {schema}.rpt_quality_gates order by gate")
        unmapped = _optional_rows(
            con,
            f"select * from {schema}.rpt_eval_unmapped_gold_labels "
            "order by labels desc, label_scheme, gold_label",
        )
        cascade = _rows(
            con,
            f"select count(*) as texts, "
            f"sum(case when rationale like '[cascade: llm]%' then 1 else 0 end) as llm_calls "
            f"from {schema}.int_texts__enriched where provider = 'cascade'",
        )
    finally:
        con.close()
    return {
        "summary": summary,
        "kappa": kappa,
        "cascade": cascade[0] if cascade else None,
        "cascade_quality": cascade_quality,
        "gates": gates,
        "unmapped": unmapped,
    }


def _optional_rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]] | None:
    """Rows of a mart newer builds add; None when the file predates it."""
    try:
        return _rows(con, sql)
    except duckdb.CatalogException:
        return None


def gate_lines(gates: list[dict[str, Any]] | None) -> list[str]:
    """The quality gates of the enrichment in force, one line each, and what to do."""
    if gates is None:
        return ["  rpt_quality_gates is missing: run dbt build with this project version"]
    if not gates:
        return [
            "  none measured: the enrichment in force has fewer held-out gold items than "
            "var eval_min_items"
        ]
    lines = [f"  {'pass' if g['is_passed'] else 'FAIL'}  {g['message']}" for g in gates]
    if any(g["threshold_source"] != "baseline" for g in gates):
        lines.append(
            "  no baseline set: the gates only warn; `feedback eval --set-baseline` records "
            "the values measured now as the baseline, and misses then fail the build"
        )
    return lines


def unmapped_lines(unmapped: list[dict[str, Any]] | None, limit: int = 10) -> list[str]:
    """Gold values that map to no category: the count and the values, biggest first."""
    if not unmapped:
        return []
    labels = sum(int(row["labels"]) for row in unmapped)
    total = int(unmapped[0]["gold_category_labels"] or 0)
    share = f" ({100.0 * labels / total:.1f}%)" if total else ""
    lines = [
        f"Unmapped gold labels: {labels} of {total} gold category labels{share} map to no "
        f"category of taxonomy {unmapped[0]['taxonomy_version']} and are left out of every "
        "metric; add them to gold_label_mapping (case and spacing do not matter):"
    ]
    lines += [
        f'  "{row["gold_label"]}" (scheme {row["label_scheme"]}): {row["labels"]}'
        for row in unmapped[:limit]
    ]
    if len(unmapped) > limit:
        more = len(unmapped) - limit
        lines.append(f"  ... and {more} more values (rpt_eval_unmapped_gold_labels)")
    return lines


def baseline_from(
    gates: list[dict[str, Any]], other_rate: float | None, tolerance: float
) -> dict[str, Any]:
    """Thresholds for the dbt var eval_baseline: each gate's measured value minus the
    tolerance (a maximum: plus), rounded outwards to 3 decimals so the values measured
    now pass; the latest week's other/unknown rate plus the tolerance as other_rate_error."""
    if not gates:
        raise EvalError(
            "no quality gate of the enrichment in force was measured (fewer held-out gold "
            'items than var eval_min_items): add gold labels (README "Quality and '
            'evaluation"), build, then set the baseline'
        )
    baseline: dict[str, Any] = {}
    measured: dict[str, float] = {}
    for gate in gates:
        name, is_min = GATE_VARS[gate["gate"]]
        value = float(gate["measured_value"])
        measured[gate["gate"]] = value
        bound = value - tolerance if is_min else value + tolerance
        rounded = math.floor(bound * 1000) / 1000 if is_min else math.ceil(bound * 1000) / 1000
        baseline[name] = min(max(rounded, 0.0), 1.0)
    if other_rate is not None:
        measured["other_rate"] = float(other_rate)
        baseline["other_rate_error"] = min(math.ceil((other_rate + tolerance) * 1000) / 1000, 1.0)
    first = gates[0]
    baseline["measured"] = measured
    baseline["enrichment"] = {
        key: first[key] for key in ("provider", "model", "prompt_version", "taxonomy_version")
    }
    baseline["tolerance"] = tolerance
    baseline["set_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    return baseline


def set_baseline(
    db_path: str | Path, out: str | Path, schema: str = "main", tolerance: float = 0.02
) -> dict[str, Any]:
    """Write the baseline file for FEEDBACK_EVAL_BASELINE from the current gate values."""
    data = load(db_path, schema)
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        rates = _optional_rows(
            con,
            f"select other_rate from {schema}.rpt_other_rate_weekly "
            "where is_version_in_force and is_latest_week",
        )
    finally:
        con.close()
    if data["gates"] is None:
        raise EvalError(f"rpt_quality_gates is not in {db_path}: run dbt build first")
    other_rate = rates[0]["other_rate"] if rates else None
    baseline = baseline_from(data["gates"], other_rate, tolerance)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(baseline, indent=2) + "\n", encoding="utf-8")
    return baseline


def accuracy_kept_line(row: dict[str, Any]) -> str:
    """One cascade run of `rpt_eval_cascade`: the accuracy it kept, or why it is unknown."""
    where = f"[{row.get('taxonomy_version')}] {row.get('model')}"
    items = int(row.get("category_items") or 0)
    if not items:
        return f"accuracy kept: - (no held-out gold categories for this cascade) {where}"
    local_share = 100.0 * float(row.get("calls_saved_share") or 0.0)
    cascade = f"cascade {row['cascade_accuracy']:.3f}"
    if row.get("accuracy_kept") is not None:
        return (
            f"accuracy kept {100.0 * row['accuracy_kept']:.1f}%: {cascade} vs LLM-only "
            f"{row['llm_only_accuracy']:.3f} on {items} held-out gold texts "
            f"({local_share:.1f}% of them answered locally) {where}"
        )
    if row.get("llm_only_eval_key") is None:
        reason = (
            "no LLM-only run of this LLM on the gold texts: build once with "
            "enrichment_provider openai (or azure_openai) and the same model to measure it"
        )
    elif int(row.get("llm_only_items") or 0) < items:
        reason = f"the LLM-only run has only {row['llm_only_items']} of the {items} gold texts"
    else:
        reason = "the LLM-only run got none of the gold texts right"
    return f"accuracy kept: - ({reason}); {cascade} on {items} gold texts {where}"


def render(data: dict[str, Any]) -> str:
    parts = ["Quality against held-out gold labels (rpt_eval_summary)"]
    if data["summary"]:
        parts.append(table(data["summary"], SUMMARY_COLUMNS))
    else:
        parts.append("  no gold labels yet: drop labels into landing gold/ (README)")
    parts.append("")
    parts.append("Quality gates of the enrichment in force (rpt_quality_gates)")
    parts += gate_lines(data.get("gates", []))
    unmapped = unmapped_lines(data.get("unmapped"))
    if unmapped:
        parts.append("")
        parts += unmapped
    parts.append("")
    parts.append("Agreement with reviewers (rpt_review_kappa)")
    if data["kappa"]:
        parts.append(table(data["kappa"], KAPPA_COLUMNS))
    else:
        parts.append("  no review decisions yet")
    cascade = data.get("cascade")
    if cascade and cascade.get("texts"):
        texts, calls = int(cascade["texts"]), int(cascade["llm_calls"] or 0)
        parts.append("")
        parts.append(
            f"Cascade: {texts} texts, {calls} sent to the LLM, {texts - calls} answered "
            f"locally (calls saved {100.0 * (texts - calls) / texts:.1f}%)"
        )
        quality = data.get("cascade_quality") or []
        if quality:
            parts += [f"  {accuracy_kept_line(row)}" for row in quality]
        else:
            parts.append(
                '  accuracy kept: - (needs held-out gold labels, README "Quality and evaluation")'
            )
    return "\n".join(parts)
