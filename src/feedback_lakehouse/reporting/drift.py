"""Read the drift marts and print what changed between taxonomy versions."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from feedback_lakehouse.reporting import marts
from feedback_lakehouse.reporting.insights import InsightsError


@dataclass
class Drift:
    pairs: list[dict[str, Any]] = field(default_factory=list)
    moves: list[dict[str, Any]] = field(default_factory=list)
    other_rates: list[dict[str, Any]] = field(default_factory=list)
    topics: list[dict[str, Any]] = field(default_factory=list)
    snapshot_states: list[dict[str, Any]] = field(default_factory=list)


def load_drift(db_path: str | Path, schema: str = "main") -> Drift:
    db_path = Path(db_path)
    con = marts.connect(db_path, InsightsError)
    s = schema
    try:
        try:
            pairs = marts.rows(
                con,
                f"select from_version, to_version, max(items_total) as items, "
                f"sum(case when is_label_changed then items else 0 end) as moved, "
                f"sum(case when is_expected_by_mapping then 0 else items end) as unexpected "
                f"from {s}.rpt_label_churn group by 1, 2 order by 1, 2",
            )
        except duckdb.CatalogException as err:
            raise InsightsError(
                f"{db_path} has no drift marts in schema '{s}' ({err}); run `make demo`"
            ) from err
        moves = marts.rows(
            con,
            f"select from_version, to_version, from_category_id, to_category_id, items, "
            f"share_of_from_category, is_expected_by_mapping from {s}.rpt_label_churn "
            f"where is_label_changed order by items desc, churn_key limit 8",
        )
        other_rates = marts.rows(
            con,
            f"select taxonomy_version, other_rate, items, is_version_in_force "
            f"from {s}.rpt_other_rate_weekly where is_latest_week order by taxonomy_version",
        )
        topics = marts.rows(
            con,
            f"select topic_id, top_terms, items, items_latest_week, growth_ratio, "
            f"example_texts from {s}.rpt_candidate_topics order by items_latest_week desc, "
            f"growth_ratio desc, topic_id limit 3",
        )
        try:
            states = marts.rows(
                con,
                f"select taxonomy_version, count(*) as label_states, "
                f"count(dbt_valid_to) as closed from {s}_snapshots.snp_feedback_labels "
                f"where taxonomy_version is not null group by 1 order by 1",
            )
        except duckdb.CatalogException:
            states = []
        return Drift(pairs, moves, other_rates, topics, states)
    finally:
        con.close()


def render_drift(d: Drift) -> str:
    out = ["Taxonomy drift"]
    if not d.pairs:
        out.append(
            "  only one taxonomy version has labels: build an older one too, e.g. "
            "`dbt build --vars '{taxonomy_version: v1}'`, then the default"
        )
    for p in d.pairs:
        items = p["items"] or 0
        share = p["moved"] / items if items else 0.0
        out.append(
            f"  {p['from_version']} -> {p['to_version']}: {p['moved']} of {items} records "
            f"changed category ({share:.1%}); {p['unexpected']} went where the mapping "
            "does not expect"
        )
    for m in d.moves:
        flag = "" if m["is_expected_by_mapping"] else "  (unexpected)"
        out.append(
            f"    {m['from_category_id']:>18} -> {m['to_category_id']:<18} {m['items']:>5} "
            f"({m['share_of_from_category']:.0%} of {m['from_category_id']}){flag}"
        )
    if d.snapshot_states:
        states = ", ".join(
            f"{s['taxonomy_version']} {s['label_states']} ({s['closed']} superseded)"
            for s in d.snapshot_states
        )
        out.append(f"  label snapshot states: {states}")
    out.append("")
    out.append("Other/unknown rate, latest week")
    for r in d.other_rates:
        mark = "  <- in force" if r["is_version_in_force"] else ""
        out.append(f"  {r['taxonomy_version']}: {r['other_rate']:.1%} of {r['items']}{mark}")
    out.append("")
    out.append("Candidate new topics in the other/unknown bucket (busiest this week first)")
    if not d.topics:
        out.append("  none")
    for t in d.topics:
        example = str(t["example_texts"]).split(" | ")[0][:90]
        out.append(
            f"  {t['topic_id']}. [{t['top_terms']}] {t['items']} items, "
            f"{t['items_latest_week']} this week (growth x{t['growth_ratio']:.1f})"
        )
        out.append(f'     e.g. "{example}"')
    return "\n".join(out)
