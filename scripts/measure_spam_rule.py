"""Measure the spam rule (macros/spam_signals.sql) on real customer text.

Development only: reads ../shared/data (SHARED_DATA=/path to move it), which the project
never reads at run time. Neither data set holds spam, so every flagged text is a false
positive. Each set is split in two halves by a fixed seed: the weights and threshold are
chosen on half A (`--grid` prints the candidates there) and reported on half B. Each text
is scored as written and once more with a link appended (" Photos: https://imgur.com/a/
<n>"), the case the old rule got wrong: a real complaint that carries a link.

The signals' patterns and weights come from the project itself (`dbt compile --inline`
of the macro with the vars in force), and DuckDB's regexp_matches applies them, as the
model does on DuckDB. The model matches the cleaned, PII-masked text; here the raw text
(neither set contains e-mails, card or order numbers that masking would hide).

    .venv/bin/python scripts/measure_spam_rule.py [--grid] [--vars '{spam_threshold: 4}']
"""

from __future__ import annotations

import argparse
import itertools
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd

PROJECT = Path(__file__).resolve().parents[1]
SIGNALS_JINJA = (
    "{% for s in feedback_lakehouse.spam_signals() %}"
    "{{ s.name }}|{{ s.weight }}|{{ s.cased }}|{{ s.pattern }}\n{% endfor %}"
)
THRESHOLD_JINJA = "{{ var('spam_threshold') }}|{{ var('spam_rule_enabled') }}"
SEED = 15


def _compile(jinja: str, dbt_vars: str) -> str:
    env = {**os.environ, "FEEDBACK_DUCKDB_PATH": str(PROJECT / "target" / "spam_rule.duckdb")}
    cmd = [
        str(Path(sys.executable).with_name("dbt")),
        "compile",
        "--quiet",
        "--profiles-dir",
        str(PROJECT / "profiles"),
        "--project-dir",
        str(PROJECT),
        "--target",
        "local",
        "--target-path",
        str(PROJECT / "target" / "spam_rule"),
        "--vars",
        dbt_vars,
        "--inline",
        jinja,
    ]
    done = subprocess.run(cmd, cwd=PROJECT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"dbt compile failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return done.stdout


def load_rule(dbt_vars: str) -> tuple[list[tuple[str, float, bool, str]], float, bool]:
    signals = []
    for line in _compile(SIGNALS_JINJA, dbt_vars).strip().splitlines():
        name, weight, cased, pattern = line.split("|", 3)
        signals.append((name, float(weight), cased == "True", pattern))
    threshold, enabled = _compile(THRESHOLD_JINJA, dbt_vars).strip().split("|")
    return signals, float(threshold), enabled == "True"


def load_texts(shared: Path) -> pd.DataFrame:
    if not shared.is_dir():
        raise SystemExit(f"{shared} does not exist: set SHARED_DATA to the folder of the data sets")
    reviews = pd.read_csv(shared / "womens_clothing_reviews" / "reviews.csv")
    title, body = reviews["Title"].fillna("").str.strip(), reviews["Review Text"].fillna("")
    text = title.where(body.str.strip() == "", title + ". " + body).where(title != "", body)
    clothing = pd.DataFrame({"dataset": "clothing_reviews", "text": text})
    banks = [pd.read_csv(shared / "banking77" / f"{s}.csv") for s in ("train", "test")]
    banking = pd.DataFrame({"dataset": "banking77", "text": pd.concat(banks)["text"]})
    frame = pd.concat([clothing, banking], ignore_index=True)
    frame = frame[frame["text"].str.strip() != ""].reset_index(drop=True)
    halves = []
    for _, group in frame.groupby("dataset", sort=False):
        order = group.sample(frac=1.0, random_state=SEED).index
        half = pd.Series("B", index=group.index)
        half.loc[order[: len(order) // 2]] = "A"
        halves.append(half)
    frame["half"] = pd.concat(halves)
    with_link = frame.assign(
        text=frame["text"] + " Photos: https://imgur.com/a/" + frame.index.astype(str),
        variant="with a link",
    )
    return pd.concat([frame.assign(variant="as written"), with_link], ignore_index=True)


def signal_frame(texts: pd.DataFrame, signals: list[tuple[str, float, bool, str]]) -> pd.DataFrame:
    con = duckdb.connect()
    con.register("texts", texts)
    columns = ", ".join(
        f"regexp_matches({'text' if cased else 'lower(text)'}, $${pattern}$$) as {name}"
        for name, _, cased, pattern in signals
    )
    return con.execute(f"select dataset, half, variant, {columns} from texts").df()


def flagged(frame: pd.DataFrame, weights: dict[str, float], threshold: float) -> pd.Series:
    score = sum(frame[name].astype(float) * weight for name, weight in weights.items())
    return score >= threshold


def report(frame: pd.DataFrame, is_spam: pd.Series) -> pd.DataFrame:
    out = frame.assign(flagged=is_spam).groupby(["dataset", "variant", "half"], sort=True)
    table = out["flagged"].agg(texts="size", flagged="sum").reset_index()
    table["false_positive_rate"] = (table["flagged"] / table["texts"]).round(5)
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vars", default="{}", help="dbt vars, as for dbt build")
    parser.add_argument("--grid", action="store_true", help="score candidate weights on half A")
    args = parser.parse_args()
    shared = Path(os.environ.get("SHARED_DATA", PROJECT.parent / "shared" / "data"))
    signals, threshold, enabled = load_rule(args.vars)
    frame = signal_frame(load_texts(shared), signals)
    names = [s[0] for s in signals]
    print("signals hit (all texts, both halves):")
    print(frame.groupby("variant")[names].sum().to_string(), "\n")
    if args.grid:
        half_a = frame[frame["half"] == "A"]
        rows = []
        promo = ("money_offer", "call_to_action", "spam_goods")
        for link, promo_w, shout, thr in itertools.product(
            (1, 2, 3), (1, 2), (0, 0.5, 1), (2, 2.5, 3, 3.5, 4)
        ):
            weights = {"link": link, "shouting": shout, **{p: promo_w for p in promo}}
            hit = flagged(half_a, weights, thr)
            rows.append(
                {
                    "link": link,
                    "promo": promo_w,
                    "shouting": shout,
                    "threshold": thr,
                    # the design: a link alone is not spam, a link with one promotional
                    # signal is; without a link it takes all three promotional signals
                    "link_alone_ok": link < thr and link + shout < thr,
                    "link_plus_promo_flags": link + promo_w >= thr,
                    "promo_alone_flags_at": next(
                        (n for n in (1, 2, 3) if n * promo_w >= thr), None
                    ),
                    "flagged_as_written": int(hit[half_a["variant"] == "as written"].sum()),
                    "flagged_with_link": int(hit[half_a["variant"] == "with a link"].sum()),
                }
            )
        grid = pd.DataFrame(rows)
        fits = grid[grid["link_alone_ok"] & grid["link_plus_promo_flags"]]
        print("half A, weights where a link alone is not spam and a link + promo is:")
        print(fits.sort_values(["flagged_with_link", "flagged_as_written"]).to_string(index=False))
        print()
    weights = {name: weight for name, weight, _, _ in signals}
    is_spam = flagged(frame, weights, threshold) & enabled
    print(f"rule in force: weights {weights}, threshold {threshold}, enabled {enabled}")
    print(report(frame, is_spam).to_string(index=False))
    examples = frame.assign(flagged=is_spam)
    hits = examples[examples["flagged"]]
    if len(hits):
        print("\nflagged texts (first 10):")
        texts = load_texts(shared).loc[hits.index[:10], "text"]
        for text in texts:
            print(" -", text[:160])


if __name__ == "__main__":
    main()
