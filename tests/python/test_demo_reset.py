"""`make demo` starts from a clean demo database: it deletes its database and the landing
files the previous sample wrote, never a user's own files (README "Two commands")."""

from __future__ import annotations

import subprocess
from pathlib import Path

from dbt_helpers import PROJECT

from feedback_devtools.demo_reset import reset_demo
from feedback_devtools.sample import generate


def test_reset_deletes_the_demo_database_and_sample_files_only(tmp_path: Path) -> None:
    data = tmp_path / "data"
    landing = data / "landing"
    manifest = generate(landing, records=60, seed=7)
    written = [landing / name for name in manifest["files"]]
    assert written and all(p.is_file() for p in written)
    user_files = [
        landing / "custom" / "my_reviews.csv",
        landing / "reviews" / "decisions.csv",
        data / "other.duckdb",
        data / "feedback.duckdb.backup",
    ]
    for path in user_files:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("mine\n", encoding="utf-8")
    db = data / "feedback.duckdb"
    db.write_bytes(b"old demo")
    db.with_name("feedback.duckdb.wal").write_bytes(b"old wal")
    models = data / "feedback.duckdb.models"
    models.mkdir()
    kept = [models / "categories-selftrain-1-abc.pkl", models / "sentiment-st-2-def.pkl"]
    for path in kept:
        path.write_bytes(b"model")

    deleted = reset_demo(landing, db)

    assert not db.exists() and not db.with_name("feedback.duckdb.wal").exists()
    assert not models.exists()  # its models deleted, then the empty folder
    assert not any(p.exists() for p in written)
    assert not (landing / "_manifest.json").exists()
    assert all(p.read_text(encoding="utf-8") == "mine\n" for p in user_files)
    assert len(deleted) == len(written) + 6  # db, wal, 2 models, paraphrases, manifest
    # a second run (nothing of the demo left) deletes nothing
    assert reset_demo(landing, db) == []


def test_reset_without_a_manifest_keeps_the_landing_folder(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    (landing / "shop").mkdir(parents=True)
    (landing / "shop" / "reviews_20260101.csv").write_text("a user's export\n", encoding="utf-8")
    assert reset_demo(landing, tmp_path / "feedback.duckdb") == []
    assert (landing / "shop" / "reviews_20260101.csv").exists()


def test_make_demo_resets_before_it_generates_the_sample() -> None:
    dry = subprocess.run(
        ["make", "-n", "demo"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    reset = [i for i, line in enumerate(dry) if "feedback_devtools.demo_reset" in line]
    sample = [i for i, line in enumerate(dry) if " sample " in line]
    assert reset and sample and reset[0] < sample[0], dry


def test_reset_keeps_other_files_in_the_model_folder(tmp_path: Path) -> None:
    db = tmp_path / "feedback.duckdb"
    models = tmp_path / "feedback.duckdb.models"
    models.mkdir()
    (models / "sentiment-x-1.pkl").write_bytes(b"model")
    (models / "notes.txt").write_text("mine\n", encoding="utf-8")
    assert reset_demo(tmp_path / "landing", db) == [models / "sentiment-x-1.pkl"]
    assert (models / "notes.txt").read_text(encoding="utf-8") == "mine\n"
