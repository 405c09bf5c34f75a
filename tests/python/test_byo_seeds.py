"""A bring-your-own seed folder outside the project is read, never written.

dbt writes each seed's run output under `target/run/<project>/<seed path>`; with an
absolute seed path that join is the user's own CSV, which dbt used to overwrite with
its compiled insert SQL.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest
from dbt_helpers import PROJECT, query, run_dbt

pytestmark = pytest.mark.e2e

EXAMPLE_SEEDS = PROJECT / "examples" / "clothing_reviews" / "seeds"


def _checksums(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.mark.parametrize("form", ["absolute", "relative"])
def test_seed_folder_outside_the_project_is_never_written(tmp_path: Path, form: str) -> None:
    user_seeds = tmp_path / "my_seeds"
    shutil.copytree(EXAMPLE_SEEDS, user_seeds)
    before = _checksums(user_seeds)
    work = tmp_path / "work"
    work.mkdir()
    # absolute, or relative to the project folder and climbing out of it (../../tmp/...)
    seed_dir = str(user_seeds) if form == "absolute" else os.path.relpath(user_seeds, PROJECT)
    for _ in range(2):
        run_dbt(work, "seed", variables={"byo_seed_dir": seed_dir})
    assert _checksums(user_seeds) == before
    # and the seeds did load, from the user's folder
    categories = user_seeds / "byo_taxonomy" / "taxonomy_categories.csv"
    expected = len(categories.read_text(encoding="utf-8").splitlines()) - 1
    rows = query(work, "select count(*) from main_taxonomy.taxonomy_categories")
    assert rows[0][0] == expected


def test_seeds_without_the_optional_language_columns_load_without_agate_warnings(
    tmp_path: Path,
) -> None:
    """The shipped taxonomy's `keywords_<language>` / `examples_<language>` column types
    were set for every seed of that name, so a bring-your-own taxonomy without those
    (optional) columns printed one agate RuntimeWarning per column (issue 18's walk).
    They are typed for the shipped seed only; its columns are still strings."""
    byo = tmp_path / "byo"
    byo.mkdir()
    result = run_dbt(byo, "seed", variables={"byo_seed_dir": str(EXAMPLE_SEEDS)})
    output = result.stdout + result.stderr
    assert "does not match the name of any column" not in output, output[-3000:]
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    run_dbt(shipped, "seed", "--select", "taxonomy_categories")
    types = query(
        shipped,
        "select column_name, data_type from information_schema.columns "
        "where table_name = 'taxonomy_categories' and column_name like '%\\_de' escape '\\'",
    )
    assert sorted(types) == [("examples_de", "VARCHAR"), ("keywords_de", "VARCHAR")]
    manifest = json.loads((shipped / "target" / "manifest.json").read_text(encoding="utf-8"))
    seed = manifest["nodes"]["seed.feedback_lakehouse.taxonomy_categories"]
    typed = seed["config"]["column_types"]  # the path's types merged with the YAML's
    assert typed["keywords_fr"] == "string" and typed["criticality"] == "integer"
