"""Bring your own data, the first hour of a new user, end to end on two real dbt builds.

One custom source read through one mapping, with what real exports bring: a TSV with
day-month-year dates and UTC offsets, a Windows-1252 file, identical rows without ids,
complaints that carry a URL, mixed-case gold labels, and the user's own taxonomy in a
folder outside the project given by an absolute path. Review decisions (one on a
spam-flagged record that was never enriched) are imported between the builds. Both
builds must pass, the user's seed files must be byte-identical, every landing row must
end visible, and every gold label must map.
"""

from __future__ import annotations

import csv
import hashlib
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from dbt_helpers import PROJECT, query, run_dbt, write_decisions

pytestmark = pytest.mark.e2e

CLOTHING = PROJECT / "tests" / "fixtures" / "clothing_slice" / "reviews.csv"
FEEDBACK = str(Path(sys.executable).with_name("feedback"))
HEADER = ["Comment", "Created", "Product", "Stars", "Label"]
# gold labels as a user's export spells them; the user's mapping spells them otherwise
GOLD = ["Fit And Sizing", "  fabric and QUALITY", "Style and design ", "COMFORT", "Price / Value"]
MAPPING_ROWS = [
    ("fit and sizing", "fit_sizing"),
    ("Fabric and Quality", "fabric_quality"),
    ("style and design", "style_design"),
    ("Comfort ", "comfort"),
    ("price / value", "price_value"),
]
URL_COMPLAINTS = [
    "My order never arrived and tracking https://track.example.com/9Z81 has not moved in 10 days",
    "The zipper broke after one wear, photo: http://imgs.example.org/zip.jpg so disappointed",
    "Charged twice for the same dress, see www.example.com/orders/5521 - please refund",
]
SPAM = (
    "BUY NOW!!! Cheap designer bags 90% OFF, free gift, click http://deals.example.biz "
    "promo code WIN, limited offer, visit http://deals.example.biz now"
)
SOURCE_YML = """\
name: acme
folder: custom
pattern: "*sv"
channel: web_review
columns:
  id: null
  text: Comment
  timestamp: Created
  product: Product
  rating: Stars
  gold_category: Label
rating_scale: [1, 5]
gold_label_scheme: acme_topics
split_default: test
"""


def _checksums(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _clothing_texts(n: int) -> list[tuple[str, str]]:
    with CLOTHING.open(encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["Review Text"].strip()]
    return [(r["Review Text"], r["Rating"]) for r in rows[:n]]


def _write_landing(landing: Path) -> dict[str, int]:
    """The custom folder's three files; returns data rows per file."""
    custom = landing / "custom"
    custom.mkdir(parents=True)
    texts = _clothing_texts(60)
    tsv_rows = []
    for i, (text, stars) in enumerate(texts[:40]):
        created = f"{1 + i % 28:02d}-Jul-18 {8 + i % 10:02d}:15 -0800"
        tsv_rows.append([text, created, f"Dresses/{1000 + i % 7}", stars, GOLD[i % len(GOLD)]])
    for i, text in enumerate(URL_COMPLAINTS):
        tsv_rows.append([text, f"0{i + 1}-Aug-18 10:00 +0200", "Dresses/1001", "1", GOLD[0]])
    tsv_rows.append([SPAM, "03-Aug-18 11:00 -0800", "Bags/1", "5", ""])
    tsv_rows.append(["Lovely colour, fits well", "not a date", "Tops/3", "5", GOLD[3]])
    with (custom / "export.tsv").open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter="\t")
        writer.writerow(HEADER)
        writer.writerows(tsv_rows)
    # a Windows-1252 export (accents) with ISO dates
    cp_rows = [
        [
            "Robe très jolie mais taille trop petite, déçue",
            "2018-08-02T09:00:00Z",
            "Dresses/1002",
            "2",
            GOLD[0],
        ],
        [
            "Tissu fin, transparent après un lavage: qualité décevante",
            "2018-08-02T10:00:00Z",
            "Tops/4",
            "2",
            GOLD[1],
        ],
        [
            "Café-coloured sweater, the fabric pilled after a week",
            "2018-08-02T11:00:00Z",
            "Knits/5",
            "2",
            GOLD[1],
        ],
    ]
    cp_rows += [[t, "2018-08-03T12:00:00Z", "Tops/6", s, GOLD[2]] for t, s in texts[40:50]]
    with (custom / "older.csv").open("w", encoding="cp1252", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        writer.writerows(cp_rows)
    # one review posted 12 times, no ids: a burst, not one record
    burst = [
        [
            "Worst purchase ever, the seams split on day one",
            "2018-08-04",
            "Dresses/1003",
            "1",
            GOLD[1],
        ]
    ] * 12
    with (custom / "burst.csv").open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        writer.writerows(burst)
    return {
        "custom/export.tsv": len(tsv_rows),
        "custom/older.csv": len(cp_rows),
        "custom/burst.csv": len(burst),
    }


def _write_seeds(folder: Path) -> None:
    shutil.copytree(PROJECT / "examples" / "clothing_reviews" / "seeds", folder)
    with (folder / "byo_taxonomy" / "gold_label_mapping.csv").open(
        "a", encoding="utf-8", newline=""
    ) as out:
        writer = csv.writer(out, lineterminator="\n")  # the header's line ending
        for label, category in MAPPING_ROWS:
            writer.writerow(["acme_topics", label, "clothing_v1", category])


@pytest.fixture(scope="module")
def byo(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("byo")
    seeds = root / "my_seeds"  # outside the project, named by an absolute path
    _write_seeds(seeds)
    work = root / "work"
    landing = work / "landing"
    rows_per_file = _write_landing(landing)
    mapping = root / "my_source.yml"
    mapping.write_text(SOURCE_YML, encoding="utf-8")
    before = _checksums(seeds)
    variables = {"custom_source": str(mapping), "byo_seed_dir": str(seeds)}
    first = run_dbt(work, "build", variables=variables, expect_ok=False)
    state = {"work": work, "landing": landing, "seeds": seeds, "before": before}
    state.update(rows_per_file=rows_per_file, first=first, variables=variables)
    # review decisions, one on the spam-flagged record that was never enriched
    spam_ids = [r[0] for r in query(work, "select feedback_id from fct_feedback where is_spam")]
    other = query(
        work,
        "select feedback_id from fct_feedback where not is_spam order by feedback_id limit 2",
    )
    decisions = root / "decisions.csv"
    write_decisions(
        decisions,
        [
            {
                "feedback_id": fid,
                "reviewer": "ana",
                "decided_at": "2026-11-23T09:00:00Z",
                "corrected_category": "price_value",
                "corrected_sentiment": "negative",
                "verdict": "incorrect",
            }
            for fid in spam_ids[:1] + [o[0] for o in other]
        ],
    )
    imported = subprocess.run(
        [
            FEEDBACK,
            "review",
            "import",
            "--file",
            str(decisions),
            "--landing",
            str(landing),
            "--db",
            str(work / "warehouse.duckdb"),
        ],
        capture_output=True,
        text=True,
    )
    state.update(spam_ids=spam_ids, decided=spam_ids[:1] + [o[0] for o in other], imported=imported)
    state["second"] = run_dbt(work, "build", variables=variables, expect_ok=False)
    return state


def test_both_builds_pass(byo: dict) -> None:
    for run in (byo["first"], byo["second"]):
        assert run.returncode == 0, run.stdout[-6000:]
    assert byo["imported"].returncode == 0, byo["imported"].stdout + byo["imported"].stderr


def test_user_seed_files_are_untouched(byo: dict) -> None:
    assert _checksums(byo["seeds"]) == byo["before"]


def test_every_landing_row_is_accounted_for(byo: dict) -> None:
    work = byo["work"]
    per_file = dict(
        query(
            work,
            "select _source_file, count(*) from main_bronze.bronze_custom__feedback group by 1",
        )
    )
    assert per_file == byo["rows_per_file"]
    quarantined = query(
        work,
        "select source_file, reject_reason from rpt_quarantined_rows "
        "where source_file like 'custom/%'",
    )
    assert [q[0] for q in quarantined] == ["custom/export.tsv"]
    assert "not a date" in quarantined[0][1]
    records = query(
        work, "select status, status_reason from fct_feedback where feedback_id like 'acme:%'"
    )
    assert len(records) == sum(byo["rows_per_file"].values()) - len(quarantined)
    assert {r[0] for r in records} <= {"ok", "needs_review", "failed", "deferred"}
    assert all(r[1] for r in records if r[0] != "ok")


def test_dates_and_offsets_are_utc(byo: dict) -> None:
    created = query(
        byo["work"],
        "select created_at from fct_feedback where original_text like 'My order never arrived%'",
    )
    # 01-Aug-18 10:00 +0200 is 08:00 UTC
    assert created[0][0].replace(tzinfo=None) == datetime(
        2018, 8, 1, 8, 0, tzinfo=timezone.utc
    ).replace(tzinfo=None)


def test_identical_rows_without_ids_stay_distinct(byo: dict) -> None:
    rows = query(
        byo["work"],
        "select count(*) from fct_feedback where original_text like 'Worst purchase ever%'",
    )
    assert rows[0][0] == 12


def test_url_complaints_are_enriched_not_spam(byo: dict) -> None:
    rows = query(
        byo["work"],
        "select is_spam, main_category from fct_feedback where original_text like '%example.%/%' "
        "and original_text not like 'BUY NOW%'",
    )
    assert len(rows) == len(URL_COMPLAINTS)
    assert not any(r[0] for r in rows)
    assert byo["spam_ids"], "the planted promotion was not flagged"


def test_decision_on_a_spam_record_applies_its_labels(byo: dict) -> None:
    rows = query(
        byo["work"],
        f"select main_category, sentiment, is_reviewed from fct_feedback "
        f"where feedback_id = '{byo['spam_ids'][0]}'",
    )
    assert rows == [("price_value", "negative", True)]


def test_every_gold_label_maps(byo: dict) -> None:
    work = byo["work"]
    assert query(work, "select count(*) from rpt_eval_unmapped_gold_labels") == [(0,)]
    labelled = sum(byo["rows_per_file"].values()) - 1 - 1  # the spam row and the bad date
    assert query(work, "select count(*) from int_gold_labels where category_id is not null") == [
        (labelled,)
    ]
