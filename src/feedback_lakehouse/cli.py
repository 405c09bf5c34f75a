"""The `feedback` command line."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import click

DEFAULT_DB = "data/feedback.duckdb"
DB_ENV = "FEEDBACK_DUCKDB_PATH"


def default_db_path() -> Path:
    """The DuckDB file dbt builds: FEEDBACK_DUCKDB_PATH when set (as profiles/profiles.yml
    reads it), else data/feedback.duckdb. Read when a command runs, not at import."""
    return Path(os.environ.get(DB_ENV) or DEFAULT_DB)


@click.group()
@click.version_option(package_name="feedback-lakehouse")
def main() -> None:
    """Feedback Lakehouse: customer text to prioritised, routed insight."""


_DB_OPTION = click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=default_db_path,
    show_default=f"${DB_ENV} or {DEFAULT_DB}",
    help="DuckDB file built by `make demo` (or dbt build).",
)


def warehouse_options(command):
    """The --db and --schema options of every command that reads the built marts."""
    command = click.option(
        "--schema", default="main", show_default=True, help="Schema of the marts."
    )(command)
    return _DB_OPTION(command)


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
    from feedback_devtools.sample import generate

    manifest = generate(
        out_dir, records=records, seed=seed, end_date=_as_date(end_date), weeks=weeks
    )
    total = sum(manifest["files"].values())
    click.echo(f"wrote {len(manifest['files'])} files, {total} rows, to {out_dir}")
    click.echo(f"ground truth: {out_dir / '_manifest.json'}")


@main.command()
@warehouse_options
def insights(db_path: Path, schema: str) -> None:
    """Print this week's top complaints, worst product, rising issues, routing and review share."""
    from feedback_lakehouse.reporting.insights import InsightsError, load, render

    try:
        click.echo(render(load(db_path, schema)))
    except InsightsError as err:
        raise click.ClickException(str(err)) from err


_SCHEMA_OPTION = click.option(
    "--schema", default="main", show_default=True, help="Schema of the marts."
)


@main.group()
def review() -> None:
    """The human review loop: export the queue, import reviewers' decisions."""


@review.command("export")
@_DB_OPTION
@_SCHEMA_OPTION
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("review_queue.csv"),
    show_default=True,
    help="CSV file to write.",
)
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Top N items only.")
@click.option(
    "--within-budget",
    is_flag=True,
    help="Only each owner team's items within today's budget (var review_daily_budget_per_team).",
)
def review_export(
    db_path: Path, schema: str, out: Path, limit: int | None, within_budget: bool
) -> None:
    """Write the review queue as CSV, highest expected value first, with empty decision
    columns to fill in."""
    from feedback_lakehouse.activation.review import ReviewError, export_queue

    try:
        n = export_queue(db_path, out, schema=schema, limit=limit, within_budget=within_budget)
    except ReviewError as err:
        raise click.ClickException(str(err)) from err
    scope = " (each owner team's budget for today)" if within_budget else ""
    click.echo(f"wrote {n} items to review{scope} to {out}")
    click.echo(
        "fill in reviewer, verdict (useful|incorrect|needs_refinement) and any corrected_* "
        f"column, then run `feedback review import --file {out}`"
    )


@review.command("import")
@click.option(
    "--file",
    "file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="Decisions CSV (an edited export, or columns feedback_id, reviewer, decided_at, "
    "corrected_category, corrected_sentiment, corrected_urgency, verdict, note).",
)
@click.option(
    "--landing",
    "landing_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data/landing"),
    show_default=True,
    help="Landing folder; decisions go to its reviews/ subfolder.",
)
@click.option("--reviewer", default=None, help="Reviewer for rows that leave it blank.")
@click.option(
    "--db",
    "db_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=lambda: os.environ.get(DB_ENV) or None,
    show_default=f"${DB_ENV} when set",
    help="Also check feedback ids and categories against this DuckDB file.",
)
@_SCHEMA_OPTION
def review_import(
    file: Path, landing_dir: Path, reviewer: str | None, db_path: Path | None, schema: str
) -> None:
    """Validate review decisions and drop them into the landing folder (all or nothing)."""
    from feedback_lakehouse.activation.review import ReviewError, import_decisions

    try:
        result = import_decisions(
            file, landing_dir, reviewer=reviewer, db_path=db_path, schema=schema
        )
    except ReviewError as err:
        raise click.ClickException(str(err)) from err
    if result.errors:
        for error in result.errors:
            click.echo(f"{file}: {error}", err=True)
        raise click.ClickException(
            f"{len(result.errors)} invalid row(s) in {file}: nothing was imported; fix them "
            "and import the file again"
        )
    if result.written is None:
        click.echo(f"no decisions in {file} ({result.skipped_blank} rows left blank)")
        return
    click.echo(
        f"imported {result.decisions} decision(s) to {result.written} "
        f"({result.skipped_blank} rows left blank); run dbt build to apply them"
    )


@main.group()
def alerts() -> None:
    """Alerts of rpt_alerts: preview them or send them to Slack, a webhook, Jira."""


@alerts.command("send")
@_DB_OPTION
@_SCHEMA_OPTION
@click.option("--timeout", type=float, default=10.0, show_default=True, help="Seconds per call.")
@click.option("--dry-run", is_flag=True, help="List the alerts; send nothing, log nothing.")
def alerts_send(db_path: Path, schema: str, timeout: float, dry_run: bool) -> None:
    """Send each alert once per configured channel; failed ones are retried next run.

    Channels come from environment variables only: FEEDBACK_SLACK_WEBHOOK_URL,
    FEEDBACK_WEBHOOK_URL, and JIRA_BASE_URL + JIRA_USER_EMAIL + JIRA_API_TOKEN +
    JIRA_PROJECT_KEY (optional JIRA_ISSUE_TYPE, JIRA_API_VERSION 2|3).
    """
    from feedback_lakehouse.activation.alerts import AlertError, preview, send_alerts

    try:
        if dry_run:
            rows = preview(db_path, schema)
            for alert in rows:
                click.echo(f"[{alert['severity']}] {alert['title']}  ({alert['alert_id']})")
            click.echo(f"{len(rows)} alert(s); dry run: nothing sent")
            return
        report = send_alerts(db_path, schema=schema, timeout=timeout)
    except AlertError as err:
        raise click.ClickException(str(err)) from err
    click.echo(report.summary())
    if report.any_failed:
        raise click.ClickException(
            "some deliveries failed; they stay in ops.alert_deliveries and are retried on the "
            "next run"
        )


@alerts.command("sync")
@_DB_OPTION
@click.option(
    "--landing-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data/landing"),
    show_default=True,
    help="Landing folder: the issues' states are added as a new file under jira/.",
)
@click.option("--timeout", type=float, default=10.0, show_default=True, help="Seconds per call.")
def alerts_sync(db_path: Path, landing_dir: Path, timeout: float) -> None:
    """Read back the state of the Jira issues the alerts created (open / in progress /
    done, resolution date) into a landing file; dbt build loads it (rpt_alert_issues).

    Uses JIRA_BASE_URL, JIRA_USER_EMAIL, JIRA_API_TOKEN (optional JIRA_API_VERSION 2|3).
    """
    from feedback_lakehouse.activation.alerts import AlertError
    from feedback_lakehouse.activation.jira_sync import sync_jira_issues

    try:
        report = sync_jira_issues(db_path, landing_dir, timeout=timeout)
    except AlertError as err:
        raise click.ClickException(str(err)) from err
    click.echo(report.summary())
    if report.any_failed:
        raise click.ClickException(
            f"{len(report.errors)} of {report.issues} Jira issue(s) could not be read; the "
            "others were written. Fix the cause above and run `feedback alerts sync` again"
        )


@main.command()
@_DB_OPTION
@_SCHEMA_OPTION
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("reports/feedback_report.html"),
    show_default=True,
    help="HTML file to write.",
)
def report(db_path: Path, schema: str, out: Path) -> None:
    """Write one self-contained HTML report with charts from the marts."""
    from feedback_lakehouse.reporting.report import ReportError, write_report

    try:
        path = write_report(db_path, out, schema=schema)
    except ReportError as err:
        raise click.ClickException(str(err)) from err
    click.echo(f"report: {path.resolve()}")


@main.command()
@warehouse_options
def drift(db_path: Path, schema: str) -> None:
    """Print label churn between taxonomy versions, the other/unknown rate and new topics."""
    from feedback_lakehouse.reporting.drift import load_drift, render_drift
    from feedback_lakehouse.reporting.insights import InsightsError

    try:
        click.echo(render_drift(load_drift(db_path, schema)))
    except InsightsError as err:
        raise click.ClickException(str(err)) from err


@main.command("eval")
@warehouse_options
@click.option(
    "--set-baseline",
    is_flag=True,
    help="Write the gate values measured now (minus --tolerance) as the quality baseline.",
)
@click.option(
    "--baseline-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where --set-baseline writes (default: eval_baseline.json beside the DuckDB file).",
)
@click.option(
    "--tolerance",
    type=click.FloatRange(min=0, max=1),
    default=0.02,
    show_default=True,
    help="--set-baseline: how far a metric may fall below the value measured now.",
)
def eval_(
    db_path: Path, schema: str, set_baseline: bool, baseline_file: Path | None, tolerance: float
) -> None:
    """Print accuracy, macro-F1, calibration, the quality gates, unmapped gold labels and
    reviewer agreement per prompt and model; --set-baseline records the quality baseline."""
    from feedback_lakehouse.reporting import evaluation
    from feedback_lakehouse.reporting.evaluation import EvalError, load, render

    try:
        click.echo(render(load(db_path, schema)))
        if not set_baseline:
            return
        out = baseline_file or db_path.parent / "eval_baseline.json"
        baseline = evaluation.set_baseline(db_path, out, schema=schema, tolerance=tolerance)
    except EvalError as err:
        raise click.ClickException(str(err)) from err
    gates = {k: v for k, v in baseline.items() if k.startswith(("eval_", "other_rate"))}
    click.echo("")
    click.echo(f"baseline written to {out}: " + ", ".join(f"{k} {v}" for k, v in gates.items()))
    click.echo(
        "dbt reads it from the environment; from then on a gate miss fails the build:\n"
        f'  export FEEDBACK_EVAL_BASELINE="$(cat {out})"'
    )


@main.command("example-prepare")
@click.argument("name", type=click.Choice(["banking77", "clothing_reviews"]))
@click.option("--shared", type=click.Path(path_type=Path), default=Path("../shared/data"))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option(
    "--train-decisions", type=int, default=None, help="banking77: train rows as decisions."
)
@click.option("--rows", type=int, default=None, help="Only the first N rows (per file).")
def example_prepare(
    name: str, shared: Path, out_dir: Path, train_decisions: int | None, rows: int | None
) -> None:
    """Write a worked example's landing files from the real data in ../shared/data."""
    from feedback_devtools.examples import ExampleError, prepare

    try:
        counts = prepare(name, shared, out_dir, train_decisions=train_decisions, rows=rows)
    except ExampleError as err:
        raise click.ClickException(str(err)) from err
    click.echo(", ".join(f"{k}: {v} rows" for k, v in counts.items()) + f" -> {out_dir}")


@main.command()
@_DB_OPTION
@_SCHEMA_OPTION
@click.option("--port", type=click.IntRange(1, 65535), default=8050, show_default=True)
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Interface to listen on (local only)."
)
@click.option(
    "--landing",
    "landing_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data/landing"),
    show_default=True,
    help="Landing folder; review decisions go to its reviews/ subfolder.",
)
@click.option(
    "--digest-provider",
    type=click.Choice(["offline", "openai", "azure_openai"]),
    default="offline",
    show_default=True,
    help="Issue digests: extractive (offline) or an LLM's map-reduce summary over all the "
    "issue's texts (settings from the OPENAI_* / AZURE_OPENAI_* variables; cached).",
)
def serve(
    db_path: Path, schema: str, port: int, host: str, landing_dir: Path, digest_provider: str
) -> None:
    """The workspace: a local web app over the built marts (This week, issues, products,
    the review queue). Reads the database read-only; writes only review decisions."""
    try:
        import uvicorn

        from feedback_lakehouse.serve.app import create_app
    except ImportError as err:
        raise click.ClickException(
            f"feedback serve needs fastapi, uvicorn and jinja2 ({err}); "
            "pip install -r requirements.txt -c constraints.txt"
        ) from err
    if not db_path.exists():
        raise click.ClickException(f"{db_path} does not exist: run `make demo` (or dbt build)")
    click.echo(f"workspace on http://{host}:{port}/ over {db_path} (Ctrl+C stops it)")
    provider = None
    if digest_provider != "offline":
        from feedback_lakehouse.enrichment.engine import make_provider
        from feedback_lakehouse.text.scrub import scrub

        try:
            provider = make_provider(digest_provider)
        except Exception as err:  # the provider's own message says which setting is missing
            raise click.ClickException(
                f"--digest-provider {digest_provider}: {scrub(str(err))}"
            ) from err
    app = create_app(db_path, landing_dir, schema, provider)
    uvicorn.run(app, host=host, port=port, log_level="warning")


def _as_date(value) -> date:
    return value.date() if hasattr(value, "date") else value


if __name__ == "__main__":
    main()
