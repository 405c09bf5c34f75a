"""Bring your own data: the custom source's YAML mapping and bronze reader."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedback_lakehouse.custom_source import (
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
