"""Measure the offline provider across languages (issue 18, part 3).

Development only. Texts are the helpdesk tickets of a generated landing folder
(`feedback sample --out`; subject and description joined as `int_feedback__cleaned`
does, no PII masking), their gold label the ticket's first hand-set tag mapped through
the seed `gold_label_mapping` (as `tests/python/dbt_helpers.py` `helpdesk_gold_tags`
and the end-to-end quality test do). Each text's language is detected as the dbt
model does (`detect_languages`). Prints, per language group (English, the languages
with shipped keywords, the rest): texts, category accuracy against the gold label, the
share `unknown`, the share with the signal `no_rules_for_language`, and the sentiment
labels; then the same without accuracy for every distinct text of the folder (shop,
helpdesk, app store and survey, as `scripts/measure_summaries.py` reads them).
`--taxonomy-version` chooses the taxonomy (default: the default active one).

    .venv/bin/feedback sample --records 5000 --seed 7 --out target/measure/s5k
    .venv/bin/python scripts/measure_languages.py --landing target/measure/s5k
"""

from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from pathlib import Path

import pandas as pd

from feedback_devtools.landing_texts import joined, landing_texts
from feedback_lakehouse.contracts import NO_RULES_FOR_LANGUAGE, UNKNOWN_CATEGORY, TextItem
from feedback_lakehouse.enrichment.providers.offline.provider import OfflineProvider
from feedback_lakehouse.enrichment.taxonomy import Taxonomy, default_version
from feedback_lakehouse.text.language import detect_languages

PROJECT = Path(__file__).resolve().parents[1]
SEEDS = PROJECT / "seeds" / "taxonomy"


def tickets(landing: Path) -> list[tuple[str, str, str]]:
    """(ticket id, text, first tag) of every helpdesk ticket with a tag and a text."""
    out: list[tuple[str, str, str]] = []
    for path in sorted((landing / "helpdesk").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                ticket = json.loads(line)
            except ValueError:
                continue
            if not (isinstance(ticket, dict) and ticket.get("id") and ticket.get("tags")):
                continue
            text = joined(str(ticket.get("subject") or ""), str(ticket.get("description") or ""))
            if text:
                out.append((str(ticket["id"]), text, str(ticket["tags"][0])))
    return out


def gold_mapping(version: str) -> dict[str, str]:
    frame = pd.read_csv(SEEDS / "gold_label_mapping.csv", dtype=str)
    rows = frame[
        (frame["label_scheme"] == "helpdesk_tags") & (frame["taxonomy_version"] == version)
    ]
    return {
        g.strip().lower(): c for g, c in zip(rows["gold_label"], rows["category_id"], strict=True)
    }


def group_of(language: str | None, taxonomy: Taxonomy) -> str:
    code = (language or "en").split("-")[0]
    if code == "en":
        return "en"
    # (a build before language columns has no `languages`: English only)
    return code if code in getattr(taxonomy, "languages", {"en"}) else f"other ({code})"


def table(
    rows: list[tuple[str, str, str | None]], taxonomy: Taxonomy, mapping: dict[str, str]
) -> None:
    """rows: (id, text, gold tag or None); one line per language group."""
    languages = detect_languages([text for _, text, _ in rows])
    items = [
        TextItem(text_hash=tid, text=text, language=lang)
        for (tid, text, _), lang in zip(rows, languages, strict=True)
    ]
    records = OfflineProvider().enrich(items, taxonomy)
    stats: dict[str, Counter] = defaultdict(Counter)
    for (_, _, tag), lang, record in zip(rows, languages, records, strict=True):
        gold = mapping.get(tag.strip().lower()) if tag else None
        english = (lang or "en") == "en"
        for group in (group_of(lang, taxonomy), "all English" if english else "all non-English"):
            s = stats[group]
            s["texts"] += 1
            s["gold"] += gold is not None
            s["correct"] += gold is not None and record.main_category == gold
            s["unknown"] += record.main_category == UNKNOWN_CATEGORY
            s["no_rules"] += NO_RULES_FOR_LANGUAGE in (record.review_signals or "")
            s[f"sentiment {record.sentiment}"] += 1
    print(f"{'group':<18}{'texts':>7}{'accuracy':>10}{'unknown':>9}{'no rules':>10}  sentiment")
    for group, s in sorted(stats.items()):
        sentiments = ", ".join(
            f"{k.split(' ', 1)[1]} {v}" for k, v in sorted(s.items()) if k.startswith("sentiment ")
        )
        accuracy = f"{s['correct'] / s['gold']:.3f}" if s["gold"] else "-"
        print(
            f"{group:<18}{s['texts']:>7}{accuracy:>10}{s['unknown'] / s['texts']:>9.1%}"
            f"{s['no_rules'] / s['texts']:>10.1%}  {sentiments}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--landing", type=Path, required=True)
    parser.add_argument("--taxonomy-version")
    args = parser.parse_args()
    version = args.taxonomy_version or default_version(pd.read_csv(SEEDS / "taxonomy_versions.csv"))
    taxonomy = Taxonomy.from_csv(SEEDS / "taxonomy_categories.csv", version)
    mapping = gold_mapping(version)
    rows = tickets(args.landing)
    print(f"taxonomy {version}; {args.landing}")
    print(f"\nhelpdesk tickets with a tag ({len(rows)}), gold: the tag mapped")
    table(rows, taxonomy, mapping)
    texts = landing_texts(args.landing)
    print(f"\nevery distinct text of the folder ({len(texts)})")
    table([(str(i), text, None) for i, text in enumerate(texts)], taxonomy, mapping)


if __name__ == "__main__":
    main()
