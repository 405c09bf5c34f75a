"""`feedback eval`: the quality marts as a table in the terminal.

Reads `rpt_eval_summary` (held-out gold labels), `rpt_review_kappa` (reviewers) and, when
the cascade provider ran, how many texts it answered without an LLM call and, from
`rpt_eval_cascade`, the accuracy it kept against an LLM-only run on the gold texts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

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
    }


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
