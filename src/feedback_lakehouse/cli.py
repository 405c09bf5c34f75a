"""The `feedback` command line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click


@click.group()
@click.version_option(package_name="feedback-lakehouse")
def main() -> None:
    """Feedback Lakehouse: customer text to prioritised, routed insight."""


@main.command()
@click.option(
    "--records",
    type=click.IntRange(min=50),
    default=5000,
    show_default=True,
    help="Approximate number of feedback records across all sources.",
)
@click.option("--seed", type=int, default=42, show_default=True, help="Random seed.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data/landing"),
    show_default=True,
    help="Landing folder to write.",
)
@click.option(
    "--end-date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default="2026-11-22",
    show_default=True,
    help="Last day of generated data (the latest week ends here).",
)
@click.option(
    "--weeks",
    type=click.IntRange(min=12),
    default=13,
    show_default=True,
    help="Weeks of history to generate.",
)
def sample(records: int, seed: int, out_dir: Path, end_date, weeks: int) -> None:
    """Write realistic, messy sample landing files plus a ground-truth manifest."""
    from .sample import generate

    manifest = generate(
        out_dir, records=records, seed=seed, end_date=_as_date(end_date), weeks=weeks
    )
    total = sum(manifest["files"].values())
    click.echo(f"wrote {len(manifest['files'])} files, {total} rows, to {out_dir}")
    click.echo(f"ground truth: {out_dir / '_manifest.json'}")


@main.command()
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("data/feedback.duckdb"),
    show_default=True,
    help="DuckDB file built by `make demo`.",
)
@click.option("--schema", default="main", show_default=True, help="Schema of the marts.")
def insights(db_path: Path, schema: str) -> None:
    """Print this week's top complaints, worst SKU, rising issues, routing and review share."""
    from .insights import InsightsError, load, render

    try:
        click.echo(render(load(db_path, schema)))
    except InsightsError as err:
        raise click.ClickException(str(err)) from err


@main.command()
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("data/feedback.duckdb"),
    show_default=True,
    help="DuckDB file built by `make demo`.",
)
@click.option("--schema", default="main", show_default=True, help="Schema of the marts.")
def drift(db_path: Path, schema: str) -> None:
    """Print label churn between taxonomy versions, the other/unknown rate and new topics."""
    from .drift import load_drift, render_drift
    from .insights import InsightsError

    try:
        click.echo(render_drift(load_drift(db_path, schema)))
    except InsightsError as err:
        raise click.ClickException(str(err)) from err


def _as_date(value) -> date:
    return value.date() if hasattr(value, "date") else value


if __name__ == "__main__":
    main()
