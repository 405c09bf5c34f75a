"""Bring your own data: the custom source's YAML mapping and bronze reader."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from feedback_lakehouse.ingest.custom_source import (
    CUSTOM_COLUMNS,
    CustomSourceError,
    load_config,
    read_custom,
)

MAPPING = """
name: acme
channel: web_review
columns:
  id: Review No
  text: Comment
  timestamp: When
  product: [Dept, Item]
  rating: Stars
rating_scale: [0, 10]
sentiment_from_rating: {negative: [0, 1, 2, 3], neutral: [4, 5, 6], positive: [7, 8, 9, 10]}
split_by_file: {"train*.csv": train}
"""


def _setup(tmp_path: Path, body: str, name: str = "export.csv") -> tuple[Path, Path]:
    mapping = tmp_path / "source.yml"
    mapping.write_text(MAPPING, encoding="utf-8")
    landing = tmp_path / "landing"
    (landing / "custom").mkdir(parents=True)
    (landing / "custom" / name).write_text(body, encoding="utf-8")
    return mapping, landing


def test_reads_columns_by_name_whatever_their_order(tmp_path: Path) -> None:
    body = (
        "Extra,Stars,Comment,Review No,When,Dept,Item\n"
        "x,9,Love it,R1,2026-01-02T10:00:00,Dresses,1080\n"
        "y,2,Too small,R2,2026-01-03T11:00:00,Tops,\n"
        "z,11,Out of scale,R3,,Tops,7\n"
        "w,,No stars,,,Tops,7\n"
    )
    mapping, landing = _setup(tmp_path, body)
    frame = read_custom(load_config(mapping), landing)
    assert list(frame.columns[: len(CUSTOM_COLUMNS)]) == list(CUSTOM_COLUMNS)
    good = frame[~frame["_is_rejected"]]
    assert list(good["record_id"]) == ["R1", "R2"]
    assert list(good["product"]) == ["Dresses/1080", "Tops"]
    assert list(good["gold_sentiment"]) == ["positive", "negative"]
    assert set(good["source_name"]) == {"acme"} and set(good["rating_max"]) == {"10"}
    assert list(good["split"]) == ["test", "test"]
    reasons = list(frame.loc[frame["_is_rejected"], "_reject_reason"])
    assert "custom/export.csv row 3: Stars '11' is not a number between 0 and 10" in reasons
    assert "custom/export.csv row 4: Review No (the id) is blank" in reasons


def test_missing_mapped_column_rejects_the_file_and_names_it(tmp_path: Path) -> None:
    mapping, landing = _setup(tmp_path, "Comment,Review No\nhi,1\n", name="train_a.csv")
    frame = read_custom(load_config(mapping), landing)
    assert len(frame) == 1 and bool(frame["_is_rejected"].iloc[0])
    assert "['When', 'Stars', 'Dept', 'Item']" in frame["_reject_reason"].iloc[0]


def test_same_file_is_read_once_and_unset_mapping_reads_nothing(tmp_path: Path) -> None:
    body = "Stars,Comment,Review No,When,Dept,Item\n5,ok,R1,,D,1\n"
    mapping, landing = _setup(tmp_path, body, name="train_1.csv")
    config = load_config(mapping)
    first = read_custom(config, landing)
    assert list(first["split"]) == ["train"]
    again = read_custom(config, landing, skip_file_hashes=set(first["_file_hash"]))
    assert again.empty
    assert read_custom(load_config(None), landing).empty


def test_invalid_mapping_says_what_is_wrong(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("name: shop\ncolumns: {text: body}\n", encoding="utf-8")
    with pytest.raises(CustomSourceError, match="built-in source"):
        load_config(bad)
    with pytest.raises(CustomSourceError, match="not found"):
        load_config(tmp_path / "missing.yml")


# ---------------------------------------------------------------- issue 15, items 6-9
def _write_mapping(tmp_path: Path, text: str) -> Path:
    mapping = tmp_path / "source.yml"
    mapping.write_text(text, encoding="utf-8")
    return mapping


DATED = """
name: acme
columns: {id: id, text: text, timestamp: when}
"""


def _run_custom(tmp_path: Path, mapping: Path) -> Any:
    """`dbt run` of the custom source's bronze and staging models with this mapping."""
    from dbt_helpers import run_dbt

    return run_dbt(
        tmp_path,
        "run",
        "--select",
        "bronze_custom__feedback stg_custom__feedback",
        variables={"custom_source": str(mapping)},
    )


def _landing(tmp_path: Path, files: dict[str, bytes]) -> Path:
    landing = tmp_path / "landing"
    (landing / "custom").mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (landing / "custom" / name).write_bytes(data)
    return landing


def test_timestamps_are_parsed_per_row_to_utc_and_bad_ones_quarantined(tmp_path: Path) -> None:
    body = (
        "id,text,when\n"
        "1,a,31-Jul-18\n"  # not ISO: detected
        "2,b,2018-07-31 10:00:00 -0800\n"  # an offset: converted to UTC
        "3,c,2018-07-31T10:00:00Z\n"
        "4,d,not a date\n"  # unparseable: this row only is quarantined
        "5,e,\n"  # blank: no timestamp, the load time stands in later
    )
    landing = _landing(tmp_path, {"export.csv": body.encode()})
    frame = read_custom(load_config(_write_mapping(tmp_path, DATED)), landing)
    good = frame[~frame["_is_rejected"]].set_index("record_id")
    assert good.loc["1", "created_at_utc"] == "2018-07-31 00:00:00"
    assert good.loc["2", "created_at_utc"] == "2018-07-31 18:00:00"
    assert good.loc["3", "created_at_utc"] == "2018-07-31 10:00:00"
    assert good.loc["2", "created_at"] == "2018-07-31 10:00:00 -0800"  # the raw value is kept
    assert pd.isna(good.loc["5", "created_at_utc"])
    reasons = list(frame.loc[frame["_is_rejected"], "_reject_reason"])
    assert len(reasons) == 1
    assert "row 4" in reasons[0] and "'not a date'" in reasons[0]
    assert "timestamp_format" in reasons[0]


def test_timestamp_format_key_is_used_and_names_the_expected_format(tmp_path: Path) -> None:
    mapping = _write_mapping(tmp_path, DATED + 'timestamp_format: "%d/%m/%Y %H:%M"\n')
    body = "id,text,when\n1,a,05/06/2018 10:30\n2,b,2018-06-05\n"
    frame = read_custom(load_config(mapping), _landing(tmp_path, {"x.csv": body.encode()}))
    good = frame[~frame["_is_rejected"]]
    assert list(good["created_at_utc"]) == ["2018-06-05 10:30:00"]  # day first, as told
    reason = frame.loc[frame["_is_rejected"], "_reject_reason"].iloc[0]
    assert "'2018-06-05'" in reason and "%d/%m/%Y %H:%M" in reason


def test_fixing_the_mapping_reloads_a_quarantined_file_but_not_a_good_one(tmp_path: Path) -> None:
    tsv = b"id\ttext\twhen\n1\thello\t2020-01-01\n2\tworld\t2020-01-02\n"
    landing = _landing(tmp_path, {"export.tsv": tsv})
    wrong = load_config(_write_mapping(tmp_path, DATED + 'pattern: "*"\ndelimiter: ","\n'))
    first = read_custom(wrong, landing)
    assert list(first["_is_rejected"]) == [True]  # read as CSV: the whole file quarantined
    loaded = set(first["_file_hash"])
    fixed = load_config(_write_mapping(tmp_path, DATED + 'pattern: "*"\ndelimiter: "\\t"\n'))
    second = read_custom(fixed, landing, skip_file_hashes=loaded)
    assert list(second["record_id"]) == ["1", "2"] and not second["_is_rejected"].any()
    # unchanged mapping, same bytes (under any name): nothing is read again
    (landing / "custom" / "copy.tsv").write_bytes(tsv)
    third = read_custom(fixed, landing, skip_file_hashes=loaded | set(second["_file_hash"]))
    assert third.empty


def test_delimiter_is_detected_when_the_mapping_gives_none(tmp_path: Path) -> None:
    files = {
        "a.csv": b"id\ttext\twhen\n1\ttab, separated\t2020-01-01\n",
        "b.csv": b"id;text;when\n2;semi, colon;2020-01-02\n",
        "c.csv": b'id,text,when\n3,"comma; separated",2020-01-03\n',
    }
    frame = read_custom(load_config(_write_mapping(tmp_path, DATED)), _landing(tmp_path, files))
    assert not frame["_is_rejected"].any(), list(frame["_reject_reason"])
    assert list(frame["body"]) == [
        "tab, separated",
        "semi, colon",
        "comma; separated",
    ]


def test_non_utf8_file_is_read_with_a_detected_encoding(tmp_path: Path) -> None:
    text = (
        "id,text,when\n"
        "1,Très déçu: la fermeture éclair a cédé après deux lavages,2020-01-01\n"
        "2,Größe passt nicht, zu klein; Rücksendung läuft,2020-01-02\n"
        "3,El envío llegó rápido y la calidad es buenísima,2020-01-03\n"
    ).replace(", zu", " zu")
    files = {"latin.csv": text.encode("cp1252")}
    frame = read_custom(load_config(_write_mapping(tmp_path, DATED)), _landing(tmp_path, files))
    assert not frame["_is_rejected"].any(), list(frame["_reject_reason"])
    assert frame["body"].iloc[0].startswith("Très déçu")
    assert "Rücksendung" in frame["body"].iloc[1]


def test_encoding_key_reads_the_file_with_that_encoding(tmp_path: Path) -> None:
    mapping = _write_mapping(tmp_path, DATED + "encoding: cp1252\n")
    files = {"x.csv": "id,text,when\n1,naïve café,2020-01-01\n".encode("cp1252")}
    frame = read_custom(load_config(mapping), _landing(tmp_path, files))
    assert list(frame["body"]) == ["naïve café"]


def test_a_field_over_the_csv_limit_quarantines_that_row_only(tmp_path: Path) -> None:
    huge = "x" * 200_000
    body = f'id,text,when\n1,before,2020-01-01\n2,"{huge}",2020-01-02\n3,after,2020-01-03\n'
    frame = read_custom(
        load_config(_write_mapping(tmp_path, DATED)), _landing(tmp_path, {"x.csv": body.encode()})
    )
    assert list(frame.loc[~frame["_is_rejected"], "record_id"]) == ["1", "3"]
    rejected = frame[frame["_is_rejected"]]
    assert list(rejected["_row_number"]) == [2]
    assert "200,000" in rejected["_reject_reason"].iloc[0]
    assert huge in rejected["_raw_record"].iloc[0]  # nothing lost


def test_identical_rows_without_an_id_stay_distinct(tmp_path: Path) -> None:
    mapping = _write_mapping(tmp_path, "name: acme\ncolumns: {text: text}\n")
    body = "text\n" + "great app\n" * 50
    landing = _landing(tmp_path, {"a.csv": body.encode()})
    first = read_custom(load_config(mapping), landing)
    assert first["record_id"].nunique() == 50
    (landing / "custom" / "b.csv").write_bytes(body.encode())  # re-delivered under a new name
    again = read_custom(load_config(mapping), landing, skip_file_hashes=set(first["_file_hash"]))
    assert again.empty


def test_a_repeated_id_in_one_file_quarantines_the_later_row(tmp_path: Path) -> None:
    """Two rows of one export with the same id: staging keeps one version per id, so the
    second row would vanish from every mart without a reason (issue 18's walk)."""
    mapping = _write_mapping(tmp_path, "name: acme\ncolumns: {id: id, text: text}\n")
    body = "id,text\n7,first text\n8,other\n 7 ,a different text\n"
    frame = read_custom(load_config(mapping), _landing(tmp_path, {"export.csv": body.encode()}))
    assert len(frame) == 3  # every row accounted for
    good = frame[~frame["_is_rejected"]]
    assert list(good["record_id"]) == ["7", "8"] and list(good["body"]) == ["first text", "other"]
    rejected = frame[frame["_is_rejected"]]
    assert list(rejected["_row_number"]) == [3]
    reason = rejected["_reject_reason"].iloc[0]
    assert reason.startswith("custom/export.csv row 3: id '7' repeats row 1")
    assert "id: null" in reason  # says what to do next
    assert "a different text" in rejected["_raw_record"].iloc[0]  # nothing lost


def test_ratings_sentiment_from_rating_leaves_unmapped_are_named(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A rating value the mapping's sentiment_from_rating lacks (a typo: [4] for [4, 5])
    silently took its rows out of the sentiment evaluation; the run now says which."""
    mapping = _write_mapping(
        tmp_path,
        "name: acme\ncolumns: {id: id, text: text, rating: stars}\n"
        "sentiment_from_rating: {negative: [1, 2], positive: [4]}\n",
    )
    body = "id,text,stars\n1,a,5\n2,b,1\n3,c,5\n4,d,3\n5,e,\n"
    with caplog.at_level("WARNING", logger="feedback_lakehouse.ingest.custom_source"):
        frame = read_custom(load_config(mapping), _landing(tmp_path, {"x.csv": body.encode()}))
    assert list(frame["gold_sentiment"].fillna("-")) == ["-", "negative", "-", "-", "-"]
    warnings = [r.getMessage() for r in caplog.records if "sentiment_from_rating" in r.getMessage()]
    assert len(warnings) == 1
    assert "custom/x.csv: 3 of 4 rated rows" in warnings[0]
    assert "'5' (2 rows), '3' (1 row)" in warnings[0]


def test_dates_read_both_month_first_and_day_first_are_named(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Detection remembers the first format it guessed: a day-first export whose first
    ambiguous date (05/06) comes before an unambiguous one (21/11) had its ambiguous dates
    read month-first without a word (issue 18's walk); the run now says so."""
    body = "id,text,when\n1,a,05/06/2026\n2,b,21/11/2026\n3,c,2026-01-02\n"
    with caplog.at_level("WARNING", logger="feedback_lakehouse.ingest.custom_source"):
        frame = read_custom(
            load_config(_write_mapping(tmp_path, DATED)),
            _landing(tmp_path, {"x.csv": body.encode()}),
        )
    assert not frame["_is_rejected"].any()
    warnings = [r.getMessage() for r in caplog.records if "dayfirst" in r.getMessage()]
    assert len(warnings) == 1, warnings
    assert warnings[0].startswith("custom/x.csv: dates were read month-first (%m/%d/%Y)")
    assert "and day-first (%d/%m/%Y)" in warnings[0] and "timestamp_format" in warnings[0]
    caplog.clear()
    one_way = "id,text,when\n1,a,21/11/2026\n2,b,05/06/2026\n"  # day-first throughout
    with caplog.at_level("WARNING", logger="feedback_lakehouse.ingest.custom_source"):
        read_custom(
            load_config(_write_mapping(tmp_path, DATED)),
            _landing(tmp_path, {"y.csv": one_way.encode()}),
            skip_file_hashes=set(frame["_file_hash"]),
        )
    assert not [r for r in caplog.records if "dayfirst" in r.getMessage()]


@pytest.mark.e2e
def test_dbt_loads_non_iso_dates_and_prints_quarantined_rows(tmp_path: Path) -> None:
    """Item 6 and 11: a `31-Jul-18` date used to fail the build (a cast in the staging
    view); now it is parsed per row, an unparseable one is quarantined, and the bronze
    model says so on the console during `dbt run`."""
    from dbt_helpers import query

    mapping = _write_mapping(tmp_path, DATED)
    body = "id,text,when\n1,crashes,31-Jul-18\n2,slow,2018-07-31 10:00:00 -0800\n3,hm,someday\n"
    (tmp_path / "landing" / "custom").mkdir(parents=True)
    (tmp_path / "landing" / "custom" / "export.csv").write_text(body, encoding="utf-8")
    result = _run_custom(tmp_path, mapping)
    rows = query(
        tmp_path,
        "select record_id, cast(created_at as varchar) from stg_custom__feedback order by 1",
    )
    assert rows == [("1", "2018-07-31 00:00:00"), ("2", "2018-07-31 18:00:00")]
    line = next(x for x in result.stdout.splitlines() if "custom/export.csv" in x)
    assert "1 of 3 rows quarantined" in line and "'someday'" in line, line


def test_an_id_in_two_files_of_one_build_supersedes_the_earlier_row_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The same id in two files read by one build: staging kept the file whose name sorts
    last and the other row vanished from every mart without a word (issue 18's walk). It
    is now quarantined as superseded, naming the row that won, and the run says so."""
    mapping = _write_mapping(tmp_path, "name: acme\ncolumns: {id: id, text: text}\n")
    files = {
        "export_a.csv": b"id,text\n7,old text\n8,only here\n9,old nine\n",
        "export_b.csv": b"id,text\n9,new nine\n7,new text\n",
    }
    with caplog.at_level("WARNING", logger="feedback_lakehouse.ingest.custom_source"):
        frame = read_custom(load_config(mapping), _landing(tmp_path, files))
    assert len(frame) == 5  # every row accounted for
    good = frame[~frame["_is_rejected"]]
    assert sorted(zip(good["record_id"], good["body"], strict=True)) == [
        ("7", "new text"),
        ("8", "only here"),
        ("9", "new nine"),
    ]
    rejected = frame[frame["_is_rejected"]].sort_values("_row_number")
    assert list(rejected["_source_file"]) == ["custom/export_a.csv"] * 2
    assert list(rejected["_row_number"]) == [1, 3]
    reason = rejected["_reject_reason"].iloc[0]
    assert reason.startswith("custom/export_a.csv row 1: superseded: id '7' is also in ")
    assert "custom/export_b.csv row 2" in reason
    assert list(rejected["_raw_record"]) == ["7,old text", "9,old nine"]  # nothing lost
    warnings = [r.getMessage() for r in caplog.records if "superseded" in r.getMessage()]
    assert len(warnings) == 1, warnings
    assert "2 ids" in warnings[0] and "'7'" in warnings[0]
    assert "custom/export_a.csv" in warnings[0] and "custom/export_b.csv" in warnings[0]


def test_an_id_loaded_by_an_earlier_build_is_a_new_version_not_superseded(tmp_path: Path) -> None:
    """Across builds a re-delivered id is the record's next version (README), so only the
    files of one build are compared."""
    mapping = _write_mapping(tmp_path, "name: acme\ncolumns: {id: id, text: text}\n")
    landing = _landing(tmp_path, {"a.csv": b"id,text\n7,old\n"})
    first = read_custom(load_config(mapping), landing)
    (landing / "custom" / "b.csv").write_bytes(b"id,text\n7,new\n")
    second = read_custom(load_config(mapping), landing, skip_file_hashes=set(first["_file_hash"]))
    assert list(second["body"]) == ["new"] and not second["_is_rejected"].any()


@pytest.mark.e2e
def test_dbt_build_output_names_an_id_in_two_files(tmp_path: Path) -> None:
    """Issue 18's walk: the build said nothing when a later-sorting file's row replaced
    another file's row with the same id; the build output now names the id and both files,
    and the superseded row is not announced as a row to fix (no QUARANTINE line)."""
    from dbt_helpers import query

    mapping = _write_mapping(tmp_path, "name: acme\ncolumns: {id: id, text: text}\n")
    _landing(tmp_path, {"a.csv": b"id,text\n7,old\n8,kept\n", "b.csv": b"id,text\n7,new\n"})
    result = _run_custom(tmp_path, mapping)
    output = result.stdout + result.stderr
    line = next(x for x in output.splitlines() if "more than one file" in x)
    assert "1 ids" in line and "'7'" in line and "custom/a.csv" in line and "custom/b.csv" in line
    assert "QUARANTINE" not in output
    rows = query(tmp_path, "select record_id, body from stg_custom__feedback order by 1")
    assert rows == [("7", "new"), ("8", "kept")]
    reasons = query(
        tmp_path,
        "select _reject_reason from main_bronze.bronze_custom__feedback where _is_rejected",
    )
    assert len(reasons) == 1 and "superseded" in reasons[0][0]


@pytest.mark.e2e
def test_quarantine_report_lists_the_rejects_of_each_files_current_content(
    tmp_path: Path,
) -> None:
    """rpt_quarantined_rows kept the rejects of a file since corrected, so its count never
    went down (issue 18's walk): a corrected file dropped again under the same name now
    replaces its rejects; another file's rejects stay."""
    from dbt_helpers import query, run_dbt

    mapping = _write_mapping(tmp_path, DATED)
    landing = _landing(
        tmp_path,
        {
            "export.csv": b"id,text,when\n1,a,2020-01-01\n2,b,someday\n",
            "other.csv": b"id,text,when\n3,c,never\n",
        },
    )
    select = ("--select", "+rpt_quarantined_rows")
    report = "select source_file, source_row_number from rpt_quarantined_rows order by 1, 2"
    run_dbt(tmp_path, "run", *select, variables={"custom_source": str(mapping)})
    assert query(tmp_path, report) == [("custom/export.csv", 2), ("custom/other.csv", 1)]
    (landing / "custom" / "export.csv").write_bytes(
        b"id,text,when\n1,a,2020-01-01\n2,b,2020-01-02\n"
    )
    run_dbt(tmp_path, "run", *select, variables={"custom_source": str(mapping)})
    assert query(tmp_path, report) == [("custom/other.csv", 1)]
    bronze = "select count(*) from main_bronze.bronze_custom__feedback where _is_rejected"
    assert query(tmp_path, bronze) == [(2,)]  # bronze keeps every reading


def test_numeric_dates_are_read_without_pandas_dayfirst_warnings() -> None:
    """pandas warned (UserWarning) on every day-first date it guessed while dayfirst was
    off, e.g. dotted 21.11.2026 (issue 18's walk). The order is now chosen from the value
    (a day over 12 says day-first) before pandas guesses; ambiguous dates still follow
    `dayfirst`, and a file read both ways is still detected."""
    import warnings

    from feedback_lakehouse.ingest.timestamps import TimestampParser

    stamps = TimestampParser(None, False, "UTC")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        values = [
            stamps.parse(v)
            for v in ("05.06.2026", "21.11.2026 10:30", "21/11/2026", "2026.11.21", "13.1.2026")
        ]
    assert not [w for w in caught if "dayfirst" in str(w.message)], [str(w.message) for w in caught]
    assert values == [
        "2026-05-06 00:00:00",
        "2026-11-21 10:30:00",
        "2026-11-21 00:00:00",
        "2026-11-21 00:00:00",
        "2026-01-13 00:00:00",
    ]
    assert stamps.day_month_swaps() == ("%m.%d.%Y", "%d.%m.%Y")
    day_first = TimestampParser(None, True, "UTC")
    assert day_first.parse("05.06.2026") == "2026-06-05 00:00:00"


# ------------------------------------------------- issue 18: a messy real export walk
def test_an_uppercase_extension_is_read_and_skipped_files_are_named(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Windows tools save `Export.CSV`: `pattern: "*.csv"` skipped such a file without a
    word (100 rows gone on issue 18's messy walk). The pattern now ignores case, and a
    file the pattern still skips is named with the count."""
    landing = _landing(
        tmp_path,
        {
            "march.csv": b"id,text\n1,a\n",
            "april.CSV": b"id,text\n2,b\n",
            "tickets.jsonl": b'{"id": 3}\n',
            "notes.txt": b"x\n",
        },
    )
    mapping = _write_mapping(tmp_path, "name: acme\ncolumns: {id: id, text: text}\n")
    with caplog.at_level("WARNING", logger="feedback_lakehouse.ingest.custom_source"):
        frame = read_custom(load_config(mapping), landing)
    assert sorted(frame["record_id"]) == ["1", "2"]
    warnings = [r.getMessage() for r in caplog.records if "pattern" in r.getMessage()]
    assert len(warnings) == 1, warnings
    assert "2 files in custom/ do not match the pattern '*.csv'" in warnings[0]
    assert "notes.txt" in warnings[0] and "tickets.jsonl" in warnings[0]


def test_decimal_comma_and_star_ratings_are_read_and_counted(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Excel in a European locale writes `4,0`; app stores export `4 stars` or `★★★★☆`.
    Each such row was quarantined as 'not a number' (134 of 205 rows of a `;` Excel
    export, 100 of 100 app-store rows on issue 18's walk). They are read now, the number
    is what bronze keeps, and the run says how many ratings were read so."""
    body = (
        "id;text;stars\n1;a;4,0\n2;b;★★☆☆☆\n3;c;5 stars\n4;d;3\n5;e;1 Star\n6;f;four\n"
        "7;g;7,5\n8;h;1,000\n"
    )
    mapping = _write_mapping(
        tmp_path,
        "name: acme\ncolumns: {id: id, text: text, rating: stars}\n"
        "sentiment_from_rating: {negative: [1, 2], neutral: [3], positive: [4, 5]}\n",
    )
    with caplog.at_level("WARNING", logger="feedback_lakehouse.ingest.custom_source"):
        frame = read_custom(load_config(mapping), _landing(tmp_path, {"x.csv": body.encode()}))
    good = frame[~frame["_is_rejected"]]
    assert list(good["rating"]) == ["4", "2", "5", "3", "1"]
    sentiments = ["positive", "negative", "positive", "neutral", "negative"]
    assert list(good["gold_sentiment"]) == sentiments
    reasons = list(frame.loc[frame["_is_rejected"], "_reject_reason"])
    assert reasons[0].startswith("custom/x.csv row 6: stars 'four' is not a number")
    assert reasons[1].startswith("custom/x.csv row 7: stars '7,5' is not a number between 1 and 5")
    assert reasons[2].startswith("custom/x.csv row 8: stars '1,000' is not a number")
    warnings = [r.getMessage() for r in caplog.records if "ratings were read" in r.getMessage()]
    assert len(warnings) == 1, warnings
    assert "custom/x.csv: 4 of 5 ratings were read from text" in warnings[0]
    assert "'4,0' -> 4" in warnings[0]


def test_rows_of_only_delimiters_are_blank_lines(tmp_path: Path) -> None:
    """Excel writes an empty sheet row as `;;;`: it was quarantined as a blank id (4 rows
    on issue 18's walk) or, with `id: null`, became an empty record. It is a blank line."""
    body = "id;text\n1;a\n;;\n\n;\n2;b\n"
    mapping = _write_mapping(tmp_path, "name: acme\ncolumns: {id: id, text: text}\n")
    frame = read_custom(load_config(mapping), _landing(tmp_path, {"x.csv": body.encode()}))
    assert list(frame["record_id"]) == ["1", "2"]
    assert list(frame["_row_number"]) == [1, 2]  # as after a blank line


def test_json_exports_are_read_with_dotted_column_names(tmp_path: Path) -> None:
    """Helpdesk tools (Zendesk, Intercom) export JSON lines or a JSON array, the text
    nested (`comment.body`) and tags as a list. Such a file was quarantined whole, its
    'header' being `['{"id": 9000', ...]` (150 tickets on issue 18's walk). It is read
    now: nested fields are named by their dotted path, a list is joined with '|'."""
    ticket = '{"id": %d, "created_at": "2024-03-12T10:32:00Z", "tags": ["card", "web"], '
    lines = [
        (ticket % 1) + '"comment": {"body": "Card not arrived", "author_id": 4}}',
        "",
        (ticket % 2) + '"comment": {"body": "", "author_id": 4}}',
        (ticket % 3) + '"comment": {"author_id": 4}, "via": {"channel": "email"}}',
    ]
    array = '[{"id": 4, "comment": {"body": "Fee charged twice"}, "tags": [], "created_at": null}]'
    wrapped = (
        '{"tickets": [{"id": 5, "comment": {"body": "PIN blocked"}, "tags": ["pin"], '
        '"created_at": "2024-03-13T08:00:00Z"}], "count": 1}'
    )
    landing = _landing(
        tmp_path,
        {
            "a.jsonl": "\n".join(lines).encode(),
            "b.json": array.encode(),
            "c.json": wrapped.encode(),
        },
    )
    mapping = _write_mapping(
        tmp_path,
        "name: zd\npattern: '*.json*'\n"
        "columns: {id: id, text: comment.body, timestamp: created_at, product: tags}\n",
    )
    frame = read_custom(load_config(mapping), landing)
    assert not frame["_is_rejected"].any(), list(frame["_reject_reason"])
    assert list(frame["record_id"]) == ["1", "2", "3", "4", "5"]
    assert list(frame["body"]) == ["Card not arrived", "", "", "Fee charged twice", "PIN blocked"]
    assert list(frame["product"].fillna("-")) == ["card|web", "card|web", "card|web", "-", "pin"]
    assert frame["created_at_utc"].iloc[0] == "2024-03-12 10:32:00"


def test_a_json_line_that_does_not_parse_quarantines_that_row(tmp_path: Path) -> None:
    body = '{"id": 1, "text": "ok"}\n{"id": 2, "text": "cut off\n{"id": 3, "text": "fine"}\n'
    mapping = _write_mapping(
        tmp_path, "name: zd\npattern: '*.jsonl'\ncolumns: {id: id, text: text}\n"
    )
    frame = read_custom(load_config(mapping), _landing(tmp_path, {"a.jsonl": body.encode()}))
    assert list(frame.loc[~frame["_is_rejected"], "record_id"]) == ["1", "3"]
    rejected = frame[frame["_is_rejected"]]
    assert list(rejected["_row_number"]) == [2]
    assert rejected["_reject_reason"].iloc[0].startswith("custom/a.jsonl row 2: line 2 is not JSON")
    assert '"cut off' in rejected["_raw_record"].iloc[0]


def test_html_in_the_text_is_read_as_plain_text_and_counted(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Helpdesk exports carry the ticket's HTML (`<p>`, `&amp;`); it reached enrichment
    and the marts as markup without a word (150 of 150 tickets of issue 18's walk). The
    text is read as plain text now and the run counts the texts that held markup; a '<'
    that opens no HTML tag ('I <3 it', '<ctrl>') stays."""
    body = (
        '{"id": 1, "text": "<p>Card &amp; PIN</p><p>never came</p>"}\n'
        '{"id": 2, "text": "I <3 it, press <ctrl> &  go"}\n'
        '{"id": 3, "text": "line<br>two&nbsp;words &lt;3"}\n'
        '{"id": 4, "text": "i&amp;#39;d say &#39;true&#39; &amp;amp;amp; fine"}\n'
    )
    mapping = _write_mapping(
        tmp_path, "name: zd\npattern: '*.jsonl'\ncolumns: {id: id, text: text}\n"
    )
    with caplog.at_level("WARNING", logger="feedback_lakehouse.ingest.custom_source"):
        frame = read_custom(load_config(mapping), _landing(tmp_path, {"a.jsonl": body.encode()}))
    assert list(frame["body"]) == [
        "Card & PIN\nnever came",
        "I <3 it, press <ctrl> &  go",
        "line\ntwo\xa0words <3",
        "i'd say 'true' & fine",  # escaped twice and three times, as in real reviews
    ]
    warnings = [r.getMessage() for r in caplog.records if "HTML" in r.getMessage()]
    assert len(warnings) == 1, warnings
    assert warnings[0].startswith("custom/a.jsonl: 3 of 4 texts held HTML markup")


def test_a_column_renamed_between_exports_is_named_as_alternatives(tmp_path: Path) -> None:
    """An export tool renamed `Comment` to `Feedback` mid-month: the later files were
    quarantined whole (200 rows on issue 18's walk) and the mapping could name only one
    header, so the only way out was editing the exports. A list of names is read as
    alternatives now: each file uses the first one its header holds."""
    landing = _landing(
        tmp_path,
        {
            "a_march.csv": b"Review ID;Comment;Stars\n1;old header;4\n",
            "b_april.csv": b"Review ID;Feedback;Rating\n2;new header;5\n",
            "c_may.csv": b"Review ID;Text;Rating\n3;neither;5\n",
        },
    )
    mapping = _write_mapping(
        tmp_path,
        "name: acme\ncolumns:\n  id: Review ID\n  text: [Comment, Feedback]\n"
        "  rating: [Stars, Rating]\n",
    )
    frame = read_custom(load_config(mapping), landing)
    good = frame[~frame["_is_rejected"]]
    assert list(good["body"]) == ["old header", "new header"]
    assert list(good["rating"]) == ["4", "5"]
    reason = frame.loc[frame["_is_rejected"], "_reject_reason"].iloc[0]
    assert reason.startswith(
        "custom/c_may.csv: columns [\"one of ['Comment', 'Feedback']\"] named in the custom "
        "source mapping are not in the file's header ['Review ID', 'Text', 'Rating']"
    ), reason


def test_an_excel_sep_line_names_the_delimiter_and_is_not_the_header(tmp_path: Path) -> None:
    """Exports meant for Excel start with `sep=;`: that line was taken as the header and
    the file quarantined whole, which no mapping could fix. It names the delimiter now."""
    body = "sep=;\r\nid;text\r\n1;hello, world\r\n2;bye\r\n"
    mapping = _write_mapping(tmp_path, "name: acme\ncolumns: {id: id, text: text}\n")
    frame = read_custom(load_config(mapping), _landing(tmp_path, {"x.csv": body.encode()}))
    assert not frame["_is_rejected"].any(), list(frame["_reject_reason"])
    assert list(frame["body"]) == ["hello, world", "bye"]
    assert list(frame["_row_number"]) == [1, 2]


def test_an_excel_lock_file_is_not_read(tmp_path: Path) -> None:
    """Excel leaves `~$export.csv` beside a CSV it has open (its owner's name in binary):
    the custom source read it as an export and quarantined it whole as binary, where the
    shipped sources skip it. It is skipped here too."""
    lock = b"\x0bJane Doe" + b"\x00" * 40
    landing = _landing(tmp_path, {"export.csv": b"id,text\n1,a\n", "~$export.csv": lock})
    mapping = _write_mapping(tmp_path, "name: acme\ncolumns: {id: id, text: text}\n")
    frame = read_custom(load_config(mapping), landing)
    assert list(frame["_source_file"]) == ["custom/export.csv"]
    assert not frame["_is_rejected"].any()
