"""Start `make demo` from a clean demo database.

The demo regenerates the sample into data/landing. When the generator changed since the
last demo, its files keep their names but not their contents: an incremental build over
the old database loads them as new files, and every old text becomes an earlier version
of its record (6,062 records instead of 5,062). So the demo deletes its own database, the
self-trained models kept beside it, and the landing files the previous sample wrote (the
ones its `_manifest.json` lists), and nothing else: a user's files beside them stay.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from feedback_devtools.paraphrase import PARAPHRASE_FILE
from feedback_lakehouse.enrichment.model_cache import KINDS, directory_beside, kept_files

MANIFEST = "_manifest.json"
# DuckDB's database file and its write-ahead log
DB_SUFFIXES = ("", ".wal")


def sample_files(landing: Path) -> list[Path]:
    """The files a previous `feedback sample` wrote into `landing`, from its manifest
    (none without one: then nothing there is known to be the sample's)."""
    manifest_path = landing / MANIFEST
    if not manifest_path.is_file():
        return []
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    root = landing.resolve()
    written = [landing / name for name in manifest.get("files", {})]
    # a manifest naming a path outside the landing folder is not trusted with a delete
    inside = [p for p in written if p.resolve().is_relative_to(root)]
    return [*inside, landing / PARAPHRASE_FILE, manifest_path]


def cached_models(folder: Path) -> list[Path]:
    """The self-trained models a build kept in `folder` (var offline_model_cache: auto,
    `<db>.models/`): only the files the model cache writes."""
    return sorted(p for kind in KINDS for p in kept_files(folder, kind))


def reset_demo(landing: Path, db: Path) -> list[Path]:
    """Delete the demo database (and its WAL), the models kept beside it and the previous
    sample's landing files; return what was deleted."""
    candidates = [db.with_name(db.name + suffix) for suffix in DB_SUFFIXES]
    folder = directory_beside(db)
    deleted = []
    for path in [*candidates, *cached_models(folder), *sample_files(landing)]:
        if path.is_file():
            path.unlink()
            deleted.append(path)
    if folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
    return deleted


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--landing", type=Path, default=Path("data/landing"))
    parser.add_argument("--db", type=Path, default=Path("data/feedback.duckdb"))
    args = parser.parse_args(argv)
    deleted = reset_demo(args.landing, args.db)
    print(f"demo reset: deleted {len(deleted)} file(s) of the previous demo")


if __name__ == "__main__":
    main()
