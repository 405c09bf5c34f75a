"""Measure the offline sentiment (README "Offline sentiment"; docs/quality-history.md).

    .venv/bin/python scripts/measure_sentiment.py clothing [--grid] [--selftrain]
        [--shared ../shared/data]
    .venv/bin/python scripts/measure_sentiment.py incidents --db target/demo.duckdb
    .venv/bin/python scripts/measure_sentiment.py speed [--texts 20000]
    .venv/bin/python scripts/measure_sentiment.py banking77 [--shared ../shared/data]

clothing: the women's clothing reviews (gold from the stars: 1-2 negative, 3 neutral,
4-5 positive; `mixed` counts as neutral, as `feedback eval` does), the text as the
example builds it (title ". " review, whitespace collapsed). Half A / half B by the
row id: sha256 of the id, even first byte = A. Rules and weights are chosen on A
(`--grid` prints the best candidates there) and B is reported.
incidents: the planted incidents of a demo sample built into a DuckDB file (the
records whose text the generator's incident tables wrote) and their labels.
speed: the offline provider (`enrich`, one process) against raw vaderSentiment on the
same clothing texts; CPU time, median of three.
banking77: support queries have no sentiment gold, but their human-labelled intent says
what a query is. An intent whose name reports a failure (`card_not_working`,
`declined_transfer`, ...: `PROBLEM_INTENTS`) should read negative; one that asks how,
what or whether (`exchange_rate`, `top_up_limits`, ...: `INFO_INTENTS`) neutral; the
intents in between (`pending_*`, `card_arrival`, `request_refund`, fees charged, ...)
are left out. The split is by the intent's name only, written once, nothing chosen on
the results. Train and test queries together are the corpus (as a user's export); half
B (sha256 of the text, odd first byte) is reported, for the rules and the self-trained
sentiment.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import itertools
import re
import statistics
import time
from pathlib import Path

LABELS = ("negative", "neutral", "positive")

PROBLEM_INTENTS = frozenset(
    [
        "card_payment_wrong_exchange_rate",
        "extra_charge_on_statement",
        "card_not_working",
        "lost_or_stolen_card",
        "pin_blocked",
        "contactless_not_working",
        "wrong_amount_of_cash_received",
        "transfer_not_received_by_recipient",
        "top_up_reverted",
        "balance_not_updated_after_cheque_or_cash_deposit",
        "card_payment_not_recognised",
        "unable_to_verify_identity",
        "compromised_card",
        "direct_debit_payment_not_recognised",
        "declined_cash_withdrawal",
        "lost_or_stolen_phone",
        "declined_transfer",
        "Refund_not_showing_up",
        "declined_card_payment",
        "card_swallowed",
        "transaction_charged_twice",
        "beneficiary_not_allowed",
        "failed_transfer",
        "virtual_card_not_working",
        "wrong_exchange_rate_for_cash_withdrawal",
        "top_up_failed",
        "balance_not_updated_after_bank_transfer",
        "cash_withdrawal_not_recognised",
        "reverted_card_payment?",
    ]
)
INFO_INTENTS = frozenset(
    [
        "exchange_rate",
        "fiat_currency_support",
        "automatic_top_up",
        "exchange_via_app",
        "age_limit",
        "top_up_by_bank_transfer_charge",
        "top_up_limits",
        "supported_cards_and_currencies",
        "getting_virtual_card",
        "card_acceptance",
        "edit_personal_details",
        "why_verify_identity",
        "get_physical_card",
        "visa_or_mastercard",
        "topping_up_by_card",
        "disposable_card_limits",
        "atm_support",
        "verify_source_of_funds",
        "transfer_timing",
        "change_pin",
        "receiving_money",
        "transfer_into_account",
        "verify_top_up",
        "getting_spare_card",
        "top_up_by_cash_or_cheque",
        "order_physical_card",
        "get_disposable_virtual_card",
        "exchange_charge",
        "top_up_by_card_charge",
        "activate_my_card",
        "cash_withdrawal_charge",
        "apple_pay_or_google_pay",
        "verify_my_identity",
        "country_support",
        "card_linking",
        "card_delivery_estimate",
    ]
)


def clothing(shared: Path) -> list[tuple[str, str, str]]:
    """(half, text, gold) per review with text."""
    rows = []
    with (shared / "womens_clothing_reviews" / "reviews.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            title, body = (row["Title"] or "").strip(), (row["Review Text"] or "").strip()
            text = f"{title}. {body}" if title and body else (body or title)
            text = re.sub(r"\s+", " ", text).strip()
            if not body:
                continue
            rating = int(row["Rating"])
            gold = "negative" if rating <= 2 else "neutral" if rating == 3 else "positive"
            half = "A" if hashlib.sha256(row[""].encode()).digest()[0] % 2 == 0 else "B"
            rows.append((half, text, gold))
    return rows


def macro_f1(gold: list[str], pred: list[str]) -> float:
    f1s = []
    for label in LABELS:
        tp = sum(g == label and p == label for g, p in zip(gold, pred, strict=True))
        fp = sum(g != label and p == label for g, p in zip(gold, pred, strict=True))
        fn = sum(g == label and p != label for g, p in zip(gold, pred, strict=True))
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(f1s) / len(f1s)


def run_clothing(shared: Path, grid: bool, selftrain: bool = False) -> None:
    from feedback_lakehouse.enrichment.providers.offline import rules
    from feedback_lakehouse.enrichment.providers.offline.lexicon import sentiment_analyzer
    from feedback_lakehouse.enrichment.providers.offline.options import OfflineOptions

    data = clothing(shared)
    vader = sentiment_analyzer()
    evidence = [rules.evidence_of(text, vader) for _, text, _ in data]
    options = OfflineOptions()

    def score(opts: OfflineOptions, half: str) -> float:
        gold, pred = [], []
        for (h, _, g), ev in zip(data, evidence, strict=True):
            if h == half:
                label = rules.label_of(ev, opts)
                gold.append(g)
                pred.append("neutral" if label == "mixed" else label)
        return macro_f1(gold, pred)

    for half in ("A", "B"):
        n = sum(h == half for h, _, _ in data)
        print(f"half {half} ({n} reviews): macro-F1 {score(options, half):.4f}")
    if selftrain:
        run_selftrain(data, evidence)
    if grid:
        found = []
        for neg, pos, cue, prob, never in itertools.product(
            (-0.15, -0.1, -0.07, -0.05, 0.0, 0.05),
            (0.15, 0.2, 0.25, 0.3, 0.35, 0.4),
            (0.05, 0.1, 0.15, 0.2),
            (0.0, 0.1, 0.2, 0.3, 0.5),
            (False, True),
        ):
            opts = options.model_copy(
                update={
                    "negative_below": neg,
                    "positive_above": pos,
                    "cue_weight": cue,
                    "problem_weight": prob,
                    "problem_never_positive": never,
                }
            )
            found.append((score(opts, "A"), neg, pos, cue, prob, never))
        found.sort(reverse=True)
        print("half A, best: macro-F1, negative_below, positive_above, cue, problem, never+")
        for row in found[:10]:
            print("  ", row)


def run_selftrain(data: list[tuple[str, str, str]], evidence: list) -> None:
    """The self-trained sentiment (`selftrain_sentiment.py`), learned without labels from
    the rules' sure texts of the whole corpus (both halves, as a user's corpus), its
    settings chosen on half A; CPU time of training and labelling."""
    from feedback_lakehouse.enrichment.selftrain_sentiment import (
        ScoredText,
        SelfTrainedSentiment,
    )

    texts = [
        ScoredText(hashlib.sha256(text.encode()).hexdigest(), text, ev)
        for (_, text, _), ev in zip(data, evidence, strict=True)
    ]
    started = time.process_time()
    model = SelfTrainedSentiment(texts)
    labels = model.labels_of(texts)
    cpu = time.process_time() - started
    print(f"self-trained sentiment {model.identity}: {model.reason}; {cpu:.1f} s CPU")
    for half in ("A", "B"):
        gold = [g for h, _, g in data if h == half]
        pred = [p for (h, _, _), p in zip(data, labels, strict=True) if h == half]
        print(f"  half {half}: macro-F1 {macro_f1(gold, pred):.4f}")


def run_banking77(shared: Path) -> None:
    """Problem intents read negative, information intents neutral (module docstring)."""
    from feedback_lakehouse.enrichment.providers.offline import rules
    from feedback_lakehouse.enrichment.providers.offline.lexicon import sentiment_analyzer
    from feedback_lakehouse.enrichment.providers.offline.options import OfflineOptions
    from feedback_lakehouse.enrichment.selftrain_sentiment import (
        ScoredText,
        SelfTrainedSentiment,
    )

    rows: dict[str, str] = {}
    for name in ("train.csv", "test.csv"):
        with (shared / "banking77" / name).open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                rows.setdefault(re.sub(r"\s+", " ", row["text"]).strip(), row["category"])
    texts = list(rows)
    vader = sentiment_analyzer()
    evidence = [rules.evidence_of(t, vader) for t in texts]
    options = OfflineOptions()
    scored = [
        ScoredText(hashlib.sha256(t.encode()).hexdigest(), t, ev)
        for t, ev in zip(texts, evidence, strict=True)
    ]
    model = SelfTrainedSentiment(scored)
    print(f"{len(texts)} distinct queries; self-trained sentiment: {model.reason}")
    labelled = {
        "rules": [rules.label_of(ev, options) for ev in evidence],
        "self-trained": model.labels_of(scored),
    }
    half_b = [hashlib.sha256(t.encode()).digest()[0] % 2 == 1 for t in texts]
    for name, labels in labelled.items():
        print(f"{name}:")
        for kind, intents, right in (
            ("problem", PROBLEM_INTENTS, "negative"),
            ("information", INFO_INTENTS, "neutral"),
        ):
            got = [
                "neutral" if label == "mixed" else label
                for t, label, b in zip(texts, labels, half_b, strict=True)
                if b and rows[t] in intents
            ]
            shares = ", ".join(f"{x} {got.count(x) / len(got):.1%}" for x in LABELS)
            print(f"  half B, {kind} intents ({len(got)}; should be {right}): {shares}")


def run_incidents(db: Path) -> None:
    import duckdb

    from feedback_devtools.sample import INCIDENT_CRASH_TEXTS, INCIDENT_DAMAGE_TEXTS

    damage = [t.split("{p}")[-1].strip(" .") for t in INCIDENT_DAMAGE_TEXTS]
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.sql(
            "select source, product_sku, app_version, original_text, sentiment, urgency, "
            "prompt_version from fct_feedback"
        ).fetchall()
    crash = [r for r in rows if r[2] == "4.2.0" and any(t in r[3] for t in INCIDENT_CRASH_TEXTS)]
    ship = [r for r in rows if r[1] == "LMP-014" and any(d in r[3] for d in damage)]
    for name, group in (("login_crash_420", crash), ("shipping_damage_lmp014", ship)):
        counts = {s: sum(r[4] == s for r in group) for s in sorted({r[4] for r in group})}
        urg = {u: sum(r[5] == u for r in group) for u in sorted({r[5] for r in group})}
        neg = counts.get("negative", 0)
        print(
            f"{name}: {len(group)} texts, negative {neg} ({neg / max(1, len(group)):.0%}); "
            f"sentiment {counts}; urgency {urg}; {group[0][6] if group else ''}"
        )
        emphatic = [r for r in group if "!!!" in r[3] or "asap" in r[3].lower()]
        if emphatic:
            low = [r[3] for r in emphatic if r[5] not in ("high", "critical")]
            print(f"  '!!!'/ASAP texts: {len(emphatic)}, below high: {len(low)} {low[:3]}")


def _cpu(fn) -> float:
    times = []
    for _ in range(3):
        started = time.process_time()
        fn()
        times.append(time.process_time() - started)
    return statistics.median(times)


def run_speed(shared: Path, n: int) -> None:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from feedback_lakehouse.contracts import TextItem
    from feedback_lakehouse.enrichment.providers.offline.lexicon import reset_sentiment_memo
    from feedback_lakehouse.enrichment.providers.offline.provider import OfflineProvider
    from feedback_lakehouse.enrichment.taxonomy import Taxonomy

    texts = [text for _, text, _ in clothing(shared)][:n]
    seeds = Path(__file__).resolve().parents[1] / "seeds" / "taxonomy"
    taxonomy = Taxonomy.from_csv(seeds / "taxonomy_categories.csv", "v1")
    items = [TextItem(text_hash=f"h{i}", text=t) for i, t in enumerate(texts)]
    provider = OfflineProvider()
    provider.enrich(items[:10], taxonomy)
    raw = SentimentIntensityAnalyzer()
    raw_s = _cpu(lambda: [raw.polarity_scores(t) for t in texts])

    def offline() -> None:
        reset_sentiment_memo()
        provider.enrich(items, taxonomy)

    off_s = _cpu(offline)
    print(
        f"{len(texts)} texts: raw VADER {len(texts) / raw_s:,.0f}/s, offline provider "
        f"{len(texts) / off_s:,.0f}/s = {raw_s / off_s:.2f}x raw VADER (CPU time)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=("clothing", "incidents", "speed", "banking77"))
    parser.add_argument("--shared", type=Path, default=Path("../shared/data"))
    parser.add_argument("--db", type=Path)
    parser.add_argument("--grid", action="store_true")
    parser.add_argument("--selftrain", action="store_true", help="also the self-trained model")
    parser.add_argument("--texts", type=int, default=20_000)
    args = parser.parse_args()
    if args.what == "clothing":
        run_clothing(args.shared, args.grid, args.selftrain)
    elif args.what == "incidents":
        run_incidents(args.db)
    elif args.what == "banking77":
        run_banking77(args.shared)
    else:
        run_speed(args.shared, args.texts)


if __name__ == "__main__":
    main()
