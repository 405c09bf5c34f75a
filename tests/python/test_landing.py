"""The bronze reader: every landing row is good or rejected, files load once, errors help."""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pytest

from feedback_devtools.sample import generate
from feedback_lakehouse.ingest.landing import landing_row_counts, read_source
from feedback_lakehouse.ingest.specs import META_COLUMNS, SOURCES, LandingError

INGESTED = datetime(2026, 11, 23, 6, 30)
SHOP_HEADER = "Review ID,Product SKU,Rating,Review Title,Review Body,Created At,Customer ID\n"
EXPECTED_COLUMNS = {
    "jira": [
        "issue_key",
        "alert_id",
        "alert_type",
        "main_category",
        "status_name",
        "status_category",
        "resolution_date",
        "updated",
        "created",
        "synced_at",
    ],
    "shop": [
        "review_id",
        "product_sku",
        "rating",
        "review_title",
        "review_body",
        "created_at",
        "customer_id",
    ],
    "helpdesk": [
        "ticket_id",
        "subject",
        "description",
        "created_at",
        "updated_at",
        "status",
        "priority",
        "requester_email",
        "requester_name",
        "tags",
        "channel",
        "product_sku",
        "order_number",
        "solved_at",
        "macro_ids",
    ],
    "appstore": ["platform", "app_version", "rating", "review_text", "review_date", "country"],
    "survey": ["response_id", "score", "comment", "submitted_at", "customer_id"],
    "crm": ["customer_id", "email", "tier", "country", "signed_up_on"],
    "reviews": [
        "feedback_id",
        "reviewer",
        "decided_at",
        "corrected_category",
        "corrected_sentiment",
        "corrected_urgency",
        "verdict",
        "note",
    ],
    "gold": [
        "feedback_id",
        "gold_category",
        "gold_sentiment",
        "label_scheme",
        "split",
        "labeller",
    ],
}


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("landing")
    generate(out, records=3000, seed=11)
    return out


@pytest.fixture(scope="module")
def bronze(landing: Path) -> dict[str, pd.DataFrame]:
    return {source: read_source(source, landing, ingested_at=INGESTED) for source in SOURCES}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _copy(landing: Path, tmp_path: Path) -> Path:
    target = tmp_path / "landing"
    shutil.copytree(landing, target)
    return target


def _assert_schema(frame: pd.DataFrame, source: str) -> None:
    assert list(frame.columns) == EXPECTED_COLUMNS[source] + list(META_COLUMNS)
    for column in EXPECTED_COLUMNS[source] + ["_source_file", "_file_hash", "_reject_reason"]:
        assert frame[column].dtype == object, column
    assert frame["_raw_record"].dtype == object
    assert frame["_row_number"].dtype == "int64"
    assert frame["_is_rejected"].dtype == bool
    assert str(frame["_ingested_at"].dtype).startswith("datetime64")


def test_sources_cover_the_contract() -> None:
    assert sorted(SOURCES) == sorted(EXPECTED_COLUMNS)
    for name, spec in SOURCES.items():
        assert spec.columns == EXPECTED_COLUMNS[name]
    assert ",".join(SOURCES["shop"].header) + "\n" == SHOP_HEADER
    assert SOURCES["helpdesk"].fmt == "jsonl"
    assert "rating" in SOURCES["shop"].validators
    assert "review_id" in SOURCES["shop"].required


def test_every_landing_row_is_good_or_rejected(
    landing: Path, bronze: dict[str, pd.DataFrame]
) -> None:
    counts = landing_row_counts(landing)
    manifest = json.loads((landing / "_manifest.json").read_text(encoding="utf-8"))
    assert counts == manifest["files"]
    loaded = pd.concat(bronze.values())["_source_file"].value_counts().to_dict()
    assert loaded == counts
    for source, frame in bronze.items():
        _assert_schema(frame, source)
        assert (frame["_row_number"] > 0).all()


def test_metadata_columns(landing: Path, bronze: dict[str, pd.DataFrame]) -> None:
    shop = bronze["shop"]
    for rel, group in shop.groupby("_source_file"):
        assert group["_file_hash"].unique().tolist() == [_sha(landing / str(rel))]
        assert group["_row_number"].tolist() == list(range(1, len(group) + 1))
    assert (shop["_ingested_at"] == pd.Timestamp(INGESTED)).all()
    good = shop[~shop["_is_rejected"]]
    assert good["_reject_reason"].isna().all() and good["_raw_record"].isna().all()
    tz_aware = read_source(
        "crm", landing, ingested_at=datetime(2026, 1, 1, 12, tzinfo=timezone.utc)
    )
    assert tz_aware["_ingested_at"].iloc[0] == pd.Timestamp("2026-01-01 12:00")
    assert tz_aware["_ingested_at"].dt.tz is None


def test_planted_malformed_rows_are_rejected_with_reasons(
    landing: Path, bronze: dict[str, pd.DataFrame]
) -> None:
    rejected = pd.concat(bronze.values())
    rejected = rejected[rejected["_is_rejected"]]
    assert len(rejected) == 5
    reasons = dict(zip(rejected["_source_file"], rejected["_reject_reason"], strict=False))
    assert set(reasons) == {
        "shop/reviews_20261122.csv",
        "helpdesk/tickets_20260927.jsonl",
        "survey/nps_20261122.csv",
    }
    for _, row in rejected.iterrows():
        reason = row["_reject_reason"]
        assert reason.startswith(f"{row['_source_file']} row {row['_row_number']}: ")
        assert row["_raw_record"]
        assert row[EXPECTED_COLUMNS[row["_source_file"].split("/")[0]]].isna().all()
    text = "\n".join(rejected["_reject_reason"])
    assert "Rating 'five' is not an integer 1-5" in text
    assert "expected 7 columns but found 8" in text
    assert "invalid JSON" in text
    assert "id is missing or blank" in text
    assert "Submitted At 'yesterday' is not a timestamp in the format DD/MM/YYYY HH:MM" in text
    five = rejected[rejected["_reject_reason"].str.contains("five")].iloc[0]
    raw_shop = (landing / "shop/reviews_20261122.csv").read_text(encoding="utf-8")
    assert five["_raw_record"] in raw_shop and ",five," in five["_raw_record"]


def test_good_rows_cast_safely(bronze: dict[str, pd.DataFrame]) -> None:
    shop = bronze["shop"][~bronze["shop"]["_is_rejected"]]
    assert set(shop["rating"]) <= {"1", "2", "3", "4", "5"}
    pd.to_datetime(shop["created_at"], format="%Y-%m-%d %H:%M:%S")
    tickets = bronze["helpdesk"][~bronze["helpdesk"]["_is_rejected"]]
    assert tickets["ticket_id"].str.fullmatch(r"\d+").all()
    pd.to_datetime(tickets["updated_at"], format="%Y-%m-%dT%H:%M:%SZ")
    assert all(isinstance(json.loads(tags), list) for tags in tickets["tags"])
    assert '"sku_lmp-014"' in "".join(tickets["tags"])
    assert tickets["ticket_id"].duplicated().any()  # ticket updates stay in bronze
    survey = bronze["survey"][~bronze["survey"]["_is_rejected"]]
    assert survey["score"].astype(int).between(0, 10).all()
    pd.to_datetime(survey["submitted_at"], format="%d/%m/%Y %H:%M")
    pd.to_datetime(bronze["appstore"]["review_date"], format="%Y-%m-%d")


def test_texts_are_raw_and_blank_texts_are_not_rejected(bronze: dict[str, pd.DataFrame]) -> None:
    shop = bronze["shop"]
    body = shop["review_body"]
    assert body.isna().any()  # an empty CSV field is None
    blank = (body.fillna("").str.strip() == "") & shop["review_id"].notna()
    assert blank.sum() >= 5
    assert not shop.loc[blank, "_is_rejected"].any()
    assert body.dropna().str.contains("\n").any()  # quoted newlines survive
    assert body.dropna().str.contains("<br/>").any()
    whitespace = body.dropna().str.fullmatch(r"\s+")
    assert whitespace.any()  # whitespace-only text is kept as is, not trimmed


def test_skip_file_hashes_skips_exactly_those_files(landing: Path) -> None:
    files = sorted((landing / "shop").glob("*.csv"))
    skipped = files[:2]
    frame = read_source("shop", landing, skip_file_hashes=[_sha(p) for p in skipped])
    loaded = set(frame["_source_file"])
    assert loaded == {f"shop/{p.name}" for p in files[2:]}
    counts = landing_row_counts(landing)
    assert len(frame) == sum(counts[f"shop/{p.name}"] for p in files[2:])
    everything = read_source("shop", landing, skip_file_hashes=[_sha(p) for p in files])
    assert everything.empty
    _assert_schema(everything, "shop")


def test_same_file_under_another_name_adds_nothing(landing: Path, tmp_path: Path) -> None:
    root = _copy(landing, tmp_path)
    original = root / "shop/reviews_20260927.csv"
    shutil.copy(original, root / "shop/reviews_20260927_copy.csv")
    first = read_source("shop", root)
    assert "shop/reviews_20260927_copy.csv" not in set(first["_source_file"])
    known = first["_file_hash"].unique().tolist()
    assert read_source("shop", root, skip_file_hashes=known).empty
    # A new file adds only its rows.
    new = root / "shop/reviews_20261129.csv"
    new.write_text(
        SHOP_HEADER + "R-9000001,LMP-014,1,Broken,Arrived broken.,2026-11-29 10:00:00,C-00001\n",
        encoding="utf-8",
    )
    added = read_source("shop", root, skip_file_hashes=known)
    assert added["_source_file"].tolist() == ["shop/reviews_20261129.csv"]
    assert added["review_id"].tolist() == ["R-9000001"]
    assert not added["_is_rejected"].any()


def test_bad_files_give_one_rejected_row_each(landing: Path, tmp_path: Path) -> None:
    root = _copy(landing, tmp_path)
    (root / "shop/reviews_badheader.csv").write_text(
        "id,sku,stars,title,text,date,customer\nR-2,LMP-011,5,a,b,2026-11-01 10:00:00,C-1\n",
        encoding="utf-8",
    )
    (root / "shop/reviews_binary.csv").write_bytes(b"PK\x03\x04\x00\x00binary zip")
    frame = read_source("shop", root)
    for name, words in {
        "shop/reviews_badheader.csv": ["header", "expected", "'Review ID'", "found", "'stars'"],
        "shop/reviews_binary.csv": ["binary"],
    }.items():
        rows = frame[frame["_source_file"] == name]
        assert len(rows) == 1, name
        row = rows.iloc[0]
        assert row["_is_rejected"] and row["_row_number"] == 0
        assert row["_reject_reason"].startswith(name)
        assert all(word in row["_reject_reason"] for word in words), row["_reject_reason"]
        assert "drop" in row["_reject_reason"]  # says what to do next
    others = frame[~frame["_source_file"].str.contains("badheader|binary")]
    counts = landing_row_counts(landing)
    assert len(others) == sum(v for k, v in counts.items() if k.startswith("shop/"))


def test_unreadable_file_gives_one_rejected_row(
    landing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _copy(landing, tmp_path)
    locked = root / "survey/nps_20260927.csv"
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == locked.name:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    frame = read_source("survey", root)
    rows = frame[frame["_source_file"] == "survey/nps_20260927.csv"]
    assert len(rows) == 1 and rows["_is_rejected"].all()
    assert rows["_row_number"].tolist() == [0]
    assert "Permission denied" in rows["_reject_reason"].iloc[0]
    assert rows["_file_hash"].isna().all()
    assert frame["_source_file"].nunique() == len(list((root / "survey").glob("*.csv")))


def test_bom_crlf_and_quoted_newlines(tmp_path: Path) -> None:
    (tmp_path / "survey").mkdir()
    content = (
        "Response ID,Score,Comment,Submitted At,Customer ID\r\n"
        'NPS-1,9,"Great\r\nservice, thanks",01/11/2026 09:05,C-00001\r\n'
        "\r\n"
        "NPS-2,11,Too high,01/11/2026 09:06,C-00002\r\n"
        "NPS-3,3,,31/02/2026 09:07,C-00003\r\n"
        "NPS-4,10, ,01/11/2026 9:08,C-00004\r\n"
    )
    (tmp_path / "survey/nps_bom.csv").write_bytes(b"\xef\xbb\xbf" + content.encode())
    frame = read_source("survey", tmp_path)
    assert frame["_row_number"].tolist() == [1, 2, 3, 4]
    assert frame["_is_rejected"].tolist() == [False, True, True, True]
    assert frame["comment"].iloc[0] == "Great\r\nservice, thanks"
    reasons = frame["_reject_reason"].tolist()
    assert "Score '11' is not an integer 0-10" in reasons[1]
    assert "Submitted At '31/02/2026 09:07'" in reasons[2]
    assert "Submitted At '01/11/2026 9:08'" in reasons[3]
    assert frame["_raw_record"].iloc[1] == "NPS-2,11,Too high,01/11/2026 09:06,C-00002"
    assert landing_row_counts(tmp_path) == {"survey/nps_bom.csv": 4}


def test_jsonl_edge_cases(tmp_path: Path) -> None:
    (tmp_path / "helpdesk").mkdir()
    good = {
        "id": 7,
        "subject": "Hi",
        "description": "  spaces kept  ",
        "created_at": "2026-11-01T10:00:00Z",
        "updated_at": "2026-11-01T11:00:00Z",
        "tags": [],
        "requester": {"email": "a@example.com"},
        "via": None,
    }
    lines = [
        json.dumps(good),
        "",
        "[1, 2]",
        json.dumps({**good, "id": "abc"}),
        json.dumps({**good, "created_at": "2026-11-01 10:00:00"}),
        json.dumps({**good, "id": ""}),
    ]
    (tmp_path / "helpdesk/tickets_x.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    frame = read_source("helpdesk", tmp_path)
    assert frame["_row_number"].tolist() == [1, 3, 4, 5, 6]
    first = frame.iloc[0]
    assert first["ticket_id"] == "7" and first["description"] == "  spaces kept  "
    assert first["tags"] == "[]" and first["requester_name"] is None and first["channel"] is None
    reasons = frame["_reject_reason"].tolist()[1:]
    assert "expected a JSON object but found list" in reasons[0]
    assert "id 'abc' is not an integer" in reasons[1]
    assert "created_at '2026-11-01 10:00:00' is not a timestamp" in reasons[2]
    assert "id is missing or blank" in reasons[3]


def test_missing_landing_dir_raises_with_hint(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(LandingError) as info:
        read_source("shop", missing)
    assert isinstance(info.value, FileNotFoundError)
    message = str(info.value)
    assert str(missing) in message
    assert "feedback sample --out" in message and "landing_dir" in message
    with pytest.raises(LandingError):
        landing_row_counts(missing)


def test_missing_source_folder_returns_empty_frame(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="feedback_lakehouse.ingest.landing"):
        frame = read_source("appstore", tmp_path)
    assert frame.empty
    _assert_schema(frame, "appstore")
    assert "appstore/" in caplog.text


def test_unknown_source_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="expected one of"):
        read_source("twitter", tmp_path)


# ---------------------------------------------------------------- issue 15, items 8 and 9
def test_a_latin1_export_loads_its_rows_with_a_detected_encoding(tmp_path: Path) -> None:
    (tmp_path / "shop").mkdir()
    rows = (
        "R-1,LMP-011,5,Café,Très bien, livraison rapide,2026-11-01 10:00:00,C-1\n"
        "R-2,LMP-011,2,Déçu,La lampe s'éteint après une heure,2026-11-02 10:00:00,C-2\n"
    ).replace("bien, livraison", "bien et livraison")
    (tmp_path / "shop/reviews_latin1.csv").write_bytes((SHOP_HEADER + rows).encode("cp1252"))
    frame = read_source("shop", tmp_path)
    assert not frame["_is_rejected"].any(), frame["_reject_reason"].tolist()
    assert frame["review_title"].tolist() == ["Café", "Déçu"]
    assert frame["review_body"].iloc[1] == "La lampe s'éteint après une heure"


def test_tab_or_semicolon_separated_exports_are_detected(tmp_path: Path) -> None:
    (tmp_path / "appstore").mkdir()
    header = ["platform", "app_version", "rating", "review_text", "review_date", "country"]
    row = ["ios", "3.2.0", "2", "Crashes, always", "2026-11-20", "us"]
    for name, sep in {"tab.csv": "\t", "semi.csv": ";"}.items():
        text = sep.join(header) + "\n" + sep.join(row) + "\n"
        (tmp_path / "appstore" / name).write_text(text, encoding="utf-8")
    frame = read_source("appstore", tmp_path)
    assert not frame["_is_rejected"].any(), frame["_reject_reason"].tolist()
    assert frame["review_text"].tolist() == ["Crashes, always", "Crashes, always"]


def test_a_field_over_the_csv_limit_loses_only_its_row(tmp_path: Path) -> None:
    (tmp_path / "shop").mkdir()
    huge = "y" * 150_000
    rows = [
        "R-1,LMP-011,5,a,fine,2026-11-01 10:00:00,C-1",
        f'R-2,LMP-011,5,a,"{huge}",2026-11-01 10:00:00,C-1',
        "R-3,LMP-011,4,a,after the long one,2026-11-01 10:00:00,C-1",
    ]
    (tmp_path / "shop/big.csv").write_text(SHOP_HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    frame = read_source("shop", tmp_path)
    assert frame["_row_number"].tolist() == [1, 2, 3]
    assert frame["_is_rejected"].tolist() == [False, True, False]
    assert frame["review_body"].iloc[2] == "after the long one"
    assert "150,000" in frame["_reject_reason"].iloc[1]
    assert huge in frame["_raw_record"].iloc[1]
    assert landing_row_counts(tmp_path) == {"shop/big.csv": 3}


def test_file_modified_at_is_the_files_arrival(tmp_path: Path) -> None:
    """Issue 19: time to insight counts from a landing file's arrival (its modification
    time, UTC), as COPY INTO's _metadata.file_modification_time does on Databricks."""
    import os

    from feedback_lakehouse.ingest.custom_source import empty_frame

    folder = tmp_path / "landing" / "shop"
    folder.mkdir(parents=True)
    path = folder / "a.csv"
    path.write_text(SHOP_HEADER + "R-1,SKU,5,t,b,2026-11-20 10:00:00,\n", encoding="utf-8")
    arrived = datetime(2026, 11, 22, 8, 15, 30, tzinfo=timezone.utc)
    os.utime(path, (arrived.timestamp(), arrived.timestamp()))
    frame = read_source("shop", tmp_path / "landing", ingested_at=INGESTED)
    assert frame["_file_modified_at"].tolist() == [pd.Timestamp("2026-11-22 08:15:30")]
    assert str(frame["_file_modified_at"].dtype).startswith("datetime64")
    assert "_file_modified_at" in empty_frame().columns


def test_helpdesk_solved_at_and_macro_ids_are_optional(tmp_path: Path) -> None:
    """Issue 19: solved_at and macro_ids are read when the export has them (macro ids as
    JSON text, like tags); an older export without them still loads, with nulls."""
    folder = tmp_path / "landing" / "helpdesk"
    folder.mkdir(parents=True)
    base = {"created_at": "2026-11-20T10:00:00Z", "updated_at": "2026-11-21T10:00:00Z"}
    lines = [
        {
            "id": 1,
            **base,
            "status": "solved",
            "solved_at": "2026-11-21T10:00:00Z",
            "macro_ids": [360001, 42],
        },
        {"id": 2, **base, "status": "open"},
        {"id": 3, **base, "status": "solved", "solved_at": "21/11/2026"},
    ]
    (folder / "t.jsonl").write_text(
        "".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8"
    )
    frame = read_source("helpdesk", tmp_path / "landing", ingested_at=INGESTED)
    assert frame["solved_at"].tolist()[:2] == ["2026-11-21T10:00:00Z", None]
    assert frame["macro_ids"].tolist()[:2] == ["[360001,42]", None]
    assert frame["_is_rejected"].tolist() == [False, False, True]
    assert "solved_at" in frame["_reject_reason"].iloc[2]


def test_a_gold_label_may_be_marked_calibration(tmp_path: Path) -> None:
    """Issue 18 part 5: gold rows of split calibration measure the review threshold
    (int_eval__confidence_thresholds), so bronze keeps them; another split is rejected."""
    (tmp_path / "gold").mkdir()
    (tmp_path / "gold" / "labels.csv").write_text(
        "feedback_id,gold_category,gold_sentiment,label_scheme,split,labeller\n"
        "helpdesk:1,billing,,helpdesk_tags,calibration,agents\n"
        "helpdesk:2,billing,,helpdesk_tags,test,agents\n"
        "helpdesk:3,billing,,helpdesk_tags,holdout,agents\n",
        encoding="utf-8",
    )
    raw = read_source("gold", tmp_path)
    rejected = raw.sort_values("_row_number")["_is_rejected"].astype(bool).tolist()
    assert rejected == [False, False, True]  # calibration and test kept, holdout rejected


def test_absent_optional_source_folders_are_named_in_one_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A custom-source user's landing folder has none of the shipped sources' folders: the
    build printed one "no crm/ subfolder" warning per bronze model (issue 18's walk); one
    line naming every absent optional source is enough."""
    (tmp_path / "custom").mkdir()
    (tmp_path / "shop").mkdir()
    with caplog.at_level(logging.WARNING, logger="feedback_lakehouse.ingest.landing"):
        for source in SOURCES:
            assert read_source(source, tmp_path, ingested_at=INGESTED).empty
    lines = [r.getMessage() for r in caplog.records if "subfolder" in r.getMessage()]
    assert len(lines) == 1, lines
    absent = [s.folder for s in SOURCES.values() if s.folder != "shop"]
    assert all(f"{folder}/" in lines[0] for folder in absent), lines[0]
    assert "shop/" not in lines[0]
