"""Write the offline provider's full output on a fixed set of texts to a fixture, so a
change meant to make the provider faster can be checked to leave every field of every
row as it was (tests/python/test_offline_output_frozen.py).

The texts: the shipped real-data slices (clothing reviews as "title. body", banking77
queries), hand-made edge cases, and up to `--sample` distinct texts of a generated sample
(development seed 7; every non-English one, then English ones) with the languages the
pipeline's detector gives them. No dbt build needed.

Run it only after a deliberate change of the offline rules, the taxonomy seed or the
sample generator (their output is then meant to change): `.venv/bin/python
scripts/freeze_offline_output.py`, and review the fixture's diff. A speed change must
leave the fixture as it is.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "offline_frozen" / "offline_output.json.gz"
# fields that differ between runs: the time of the run and how long a text took
VOLATILE = ("enriched_at", "latency_ms")

EDGE_CASES = [
    ("", None),
    ("   ", "en"),
    ("Hi.", None),
    ("Login screen crashes the app. Please fix ASAP!!!", "en"),
    ("love the lamp, but the box arrived crushed and support never answered", "en"),
    ("Finally fixed!!! 😍 Thanks @support #happy https://example.com", "en"),
    ("I flew United and it was great, but my bag got lost. Kind regards, Anna", "en"),
    ("Das Paket kam beschädigt an. Die Paketverzögerung ist ärgerlich!", "de"),
    ("La aplicación se cierra cada vez. Muy mal servicio.", "es"),
    ("L'application plante sans arrêt, c'est nul. Merci de corriger.", "fr"),
    ("Dette er en tekst på norsk om en pakke som aldri kom.", "no"),
    ("Still waiting for my refund.\n\nWhere is my order?? No reply from support.", "de-AT"),
    ("NOT happy. The zipper broke, the seams ripped and it's cheaply made. Returned it.", "en"),
    ("Great product. Great product. Great product. Really great!", "EN"),
    ("no crashes at all, never broke, works now", "en_US"),
]


def shipped_texts() -> list[tuple[str, str | None]]:
    """The real-data slices shipped for CI (English)."""
    out: list[tuple[str, str | None]] = []
    fixtures = ROOT / "tests" / "fixtures"
    with (fixtures / "clothing_slice" / "reviews.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            title, body = (row["Title"] or "").strip(), (row["Review Text"] or "").strip()
            out.append((f"{title}. {body}" if title and body else body or title, "en"))
    for name in ("train", "test"):
        with (fixtures / "banking77_slice" / f"{name}.csv").open(encoding="utf-8") as f:
            out += [(row["text"], None) for row in csv.DictReader(f)]
    return out


def sample_texts(limit: int, records: int = 3000, seed: int = 7) -> list[tuple[str, str | None]]:
    """Distinct texts of a generated sample with their detected languages: every
    non-English one, then English ones, `limit` in all."""
    import tempfile

    from feedback_devtools.landing_texts import landing_texts
    from feedback_devtools.sample import generate
    from feedback_lakehouse.text.language import detect_languages

    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp), records=records, seed=seed)
        texts = landing_texts(Path(tmp))
    pairs = list(zip(texts, detect_languages(texts), strict=True))
    english = [p for p in pairs if p[1] in (None, "en")]
    return ([p for p in pairs if p[1] not in (None, "en")] + english)[:limit]


def corpus(limit: int = 600) -> list[tuple[str, str | None]]:
    return list(dict.fromkeys(EDGE_CASES + shipped_texts() + sample_texts(limit)))


def enrich(texts: list[tuple[str, str | None]]) -> list[dict[str, object]]:
    """The offline provider's rows (as stored, without the volatile fields), in order."""
    import pandas as pd

    from feedback_lakehouse.contracts import TextItem
    from feedback_lakehouse.enrichment.engine import make_provider
    from feedback_lakehouse.enrichment.taxonomy import Taxonomy, default_version

    seeds = ROOT / "seeds" / "taxonomy"
    version = default_version(pd.read_csv(seeds / "taxonomy_versions.csv"))
    taxonomy = Taxonomy.from_csv(seeds / "taxonomy_categories.csv", version)
    items = [
        TextItem(
            text_hash=hashlib.sha256(f"{language}\x1f{text}".encode()).hexdigest()[:32],
            text=text,
            language=language,
        )
        for text, language in texts
    ]
    records = make_provider("offline").enrich(items, taxonomy)
    rows = []
    for record in records:
        row = record.model_dump(mode="json")
        for field in VOLATILE:
            row.pop(field)
        rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=600, help="texts of the sample")
    args = parser.parse_args()
    texts = corpus(args.sample)
    payload = {"texts": texts, "rows": enrich(texts)}
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps(payload, ensure_ascii=False, sort_keys=True, indent=0).encode("utf-8")
    FIXTURE.write_bytes(gzip.compress(data, mtime=0))
    print(f"wrote {len(texts)} texts' rows to {FIXTURE}")


if __name__ == "__main__":
    main()
