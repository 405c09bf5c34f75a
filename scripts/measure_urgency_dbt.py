"""Issue 18 goal (b) as the dbt build answers it: pressed problem reports at urgency high+.

`feedback_devtools.sample_goals` enriches every record's own wording; a dbt build
enriches one wording per text_hash (the earliest record's, `int_texts__to_enrich`) and
reads emphasis per record (`int_feedback__labels_resolved`, macros in
`macros/emphasis.sql`). This script generates the demo sample into a temporary folder,
runs `dbt seed` and `dbt run --select +fct_feedback` on a fresh DuckDB file there (about
a minute), and counts the records (b) counts: a planted complaint or incident text with
"ASAP" or "!!!" in the record's clean_text. It prints the share at urgency high or
critical per record (`fct_feedback.urgency`) and, for comparison, the answer's own
urgency per text_hash (`text_urgency`, what every record showed before the
record-level rule), then the misses.

    .venv/bin/python scripts/measure_urgency_dbt.py --seed 7     # development
    .venv/bin/python scripts/measure_urgency_dbt.py --seed 42    # demo, reported
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb

import feedback_devtools.sample as sample
from feedback_devtools.sample_goals import HIGH, generate_recorded

PROJECT = Path(__file__).resolve().parents[1]
DBT = str(Path(sys.executable).with_name("dbt"))


def pressed_texts(drawn: list[sample._Text]) -> list[str]:
    """The planted complaint and incident texts with "ASAP" or "!!!", whitespace collapsed
    (as clean_text collapses it); the same set as `sample_goals.urgency_goal`."""
    texts = {t.text for t in drawn if t.category in sample.NEGATIVE and t.kind != "spam"}
    texts |= set(sample.INCIDENT_CRASH_TEXTS)
    lamp = sample.PRODUCTS_BY_SKU[sample.INCIDENT_SKU].name
    texts |= {t.format(p=lamp) for t in sample.INCIDENT_DAMAGE_TEXTS}
    return [re.sub(r"\s+", " ", t).strip() for t in texts if "asap" in t.lower() or "!!!" in t]


def build(work: Path) -> None:
    env = {**os.environ, "FEEDBACK_DUCKDB_PATH": str(work / "warehouse.duckdb")}
    flags = [
        "--profiles-dir", str(PROJECT / "profiles"), "--project-dir", str(PROJECT),
        "--target-path", str(work / "target"), "--log-path", str(work / "logs"),
        "--vars", json.dumps({"landing_dir": str(work / "landing")}), "--quiet",
    ]  # fmt: skip
    for args in (["seed"], ["run", "--select", "+fct_feedback"]):
        subprocess.run([DBT, *args, *flags], cwd=PROJECT, env=env, check=True)


def measure(seed: int, records: int) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        drawn = generate_recorded(work / "landing", records, seed)
        build(work)
        con = duckdb.connect(str(work / "warehouse.duckdb"), read_only=True)
        rows = con.sql(
            "select f.clean_text, f.sentiment, f.urgency, l.text_urgency"
            " from fct_feedback as f"
            " join int_feedback__labels_resolved as l using (feedback_id)"
        ).fetchall()
        con.close()
    pressed = pressed_texts(drawn)
    picked = [
        r
        for r in rows
        if r[0] and ("asap" in r[0].lower() or "!!!" in r[0]) and any(p in r[0] for p in pressed)
    ]
    n = len(picked)
    record = sum(r[2] in HIGH for r in picked)
    text = sum((r[3] or "low") in HIGH for r in picked)
    lines = [
        f"seed {seed}: {n} pressed problem reports in the dbt build; urgency high+ "
        f"per record {record} ({record / max(1, n):.1%}), per text_hash {text} "
        f"({text / max(1, n):.1%})"
    ]
    lines += [f"  miss: {r[1]} {r[2]} {r[0][:100]!r}" for r in picked if r[2] not in HIGH]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--records", type=int, default=5000)
    args = parser.parse_args()
    print("\n".join(measure(args.seed, args.records)))


if __name__ == "__main__":
    main()
