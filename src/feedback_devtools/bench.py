"""`make bench`: how the pipeline's cost grows with its work, against the floor.

For each size N (records): generate the sample into `target/bench/<run>/n<N>/landing`
(never `data/`), then on a fresh DuckDB file in that folder

- time the full `dbt build` (offline provider) and the peak memory of the dbt process
  tree (psutil polling of the process and its children when psutil is installed; the
  kernel's peak RSS of the dbt process, from wait4, always);
- add 1% new records (another seed, fresh ids, one new landing file per source), time
  the incremental `dbt build` and check that the rows it enriched equal the new distinct
  texts;
- time the SQL layers (staging + the canonical/cleaning/dedup intermediates, from dbt's
  run_results.json) against one hand-written DuckDB query doing the same normalise +
  PII mask + hash + group-by over the bronze tables (the floor);
- time the offline provider (the enrichment engine) against raw vaderSentiment scoring
  of the same texts: in one process, and spread over every core as the dbt model runs
  it (var parallel_workers: auto);
- time the same `dbt build` once more with no new data: the fixed cost every
  incremental run pays (dbt's start and one query per node);
- time the smallest dbt run there is, one view (`dbt_invocation_floor`): dbt's start,
  which no run of any selection can go below.

Once per run: the LLM path against the fake server with a fixed latency
(`feedback_devtools.bench_llm`). Results: `bench/results/<timestamp>.json` and `.md`,
and `bench/RESULTS.md` (the latest). Goals are reported, never asserted, except the
incremental run's enriched-row count, which is a correctness check.

    python -m feedback_devtools.bench --sizes 10000,100000,1000000
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

GOALS = {
    "full_100k_s": 30.0,
    "full_1m_s": 180.0,
    "peak_1m_gb": 4.0,
    "incremental_fraction": 0.10,
    # the daily run (`make daily`) after +1% new records, as a share of the full build
    "daily_fraction": {100_000: 0.25, 1_000_000: 0.10},
    "offline_vs_raw": 0.5,
    "llm_fraction_of_bound": 0.9,
}
INCREMENT_SEED = 4242
OFFLINE_SAMPLE_TEXTS = 50_000
OFFLINE_RUNS = 3  # each timing is the median of this many runs
# the smallest dbt run (dbt_invocation_floor): one view over the one-row calendar
FLOOR_MODEL = "int_reporting_calendar"
FLOOR_RUNS = 3
SQL_LAYER_MODELS = (
    "stg_shop__reviews",
    "stg_helpdesk__tickets",
    "stg_appstore__reviews",
    "stg_survey__nps_responses",
    "stg_crm__customers",
    "int_feedback__unioned",
    "int_feedback__cleaned",
    "int_feedback__canonical",
    "int_texts__to_enrich",
)
PYTHON_MODELS = ("int_texts__languages", "int_texts__enriched", "rpt_candidate_topics")


# ------------------------------------------------------------------------- machine
def machine_info() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    except OSError:
        pass

    def version(name: str) -> str | None:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return None

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": memory_gb,
        "os": platform.platform(),
        "python": platform.python_version(),
        "duckdb": version("duckdb"),
        "dbt_core": version("dbt-core"),
        "dbt_duckdb": version("dbt-duckdb"),
        "pandas": version("pandas"),
        "pyarrow": version("pyarrow"),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


# ------------------------------------------------------------------------- dbt runs
class _TreeSampler(threading.Thread):
    """Peak summed RSS of a process and its descendants, polled (psutil)."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.peak = 0
        self._done = threading.Event()

    def run(self) -> None:
        import psutil

        try:
            root = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self._done.is_set():
            try:
                procs = [root, *root.children(recursive=True)]
                total = 0
                for proc in procs:
                    with contextlib.suppress(psutil.Error):
                        total += proc.memory_info().rss
                self.peak = max(self.peak, total)
            except psutil.Error:
                return
            self._done.wait(self.interval)

    def stop(self) -> None:
        self._done.set()


def run_dbt(args: list[str], env: dict[str, str], log_path: Path) -> dict[str, Any]:
    """Run dbt; wall time, peak memory (tree polled + kernel peak RSS) and exit code."""
    dbt = str(Path(sys.executable).with_name("dbt"))
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    with log_path.open("w") as log:
        proc = subprocess.Popen([dbt, *args], env=env, stdout=log, stderr=subprocess.STDOUT)
        sampler = None
        try:
            import psutil  # noqa: F401

            sampler = _TreeSampler(proc.pid)
            sampler.start()
        except ImportError:
            pass
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        if sampler is not None:
            sampler.stop()
            sampler.join()
    kernel_peak = usage.ru_maxrss * 1024  # KiB on Linux
    tree_peak = sampler.peak if sampler is not None else None
    return {
        "wall_s": round(wall, 2),
        "peak_rss_mb": round(max(kernel_peak, tree_peak or 0) / 2**20, 1),
        "peak_rss_mb_kernel": round(kernel_peak / 2**20, 1),
        "peak_rss_mb_tree_polled": round(tree_peak / 2**20, 1) if tree_peak else None,
        "load_1m_before": round(load_before, 2),
        "load_1m_after": round(os.getloadavg()[0], 2),
        "exit_code": proc.returncode,
    }


def node_times(run_results: Path) -> dict[str, Any]:
    """Summed execution time per kind of node (nodes overlap when dbt runs 2 threads)."""
    results = json.loads(run_results.read_text())["results"]
    groups: dict[str, float] = {}
    per_node: dict[str, float] = {}
    statuses: dict[str, int] = {}
    for r in results:
        uid = r["unique_id"]
        kind, _, name = uid.split(".", 2)
        name = name.split(".")[-1] if kind != "unit_test" else name
        seconds = float(r.get("execution_time") or 0.0)
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
        if kind in ("test", "unit_test"):
            group = "tests" if kind == "test" else "unit_tests"
        elif kind == "model" and name.startswith("bronze_"):
            group = "bronze_python"
        elif kind == "model" and name in PYTHON_MODELS:
            group = name
        elif kind == "model" and name in SQL_LAYER_MODELS:
            group = "sql_layers"
        elif kind == "model":
            group = "marts_and_other_sql"
        else:
            group = kind + "s"
        groups[group] = groups.get(group, 0.0) + seconds
        if kind == "model":
            per_node[name] = round(seconds, 2)
    top = dict(sorted(per_node.items(), key=lambda kv: -kv[1])[:8])
    return {
        "summed_s": {k: round(v, 2) for k, v in sorted(groups.items())},
        "slowest_models_s": top,
        "statuses": statuses,
        "dbt_elapsed_s": round(
            float(json.loads(run_results.read_text()).get("elapsed_time") or 0), 2
        ),
    }


def dbt_build(
    project: Path,
    work: Path,
    name: str,
    landing: Path,
    db: Path,
    extra: tuple[str, ...] = (),
    target_dir: str = "target",
    command: tuple[str, ...] = ("build",),
) -> dict[str, Any]:
    env = {**os.environ, "FEEDBACK_DUCKDB_PATH": str(db), "DBT_TARGET": "local"}
    env.pop("DBT_PROFILES_DIR", None)
    # one target folder per size: the incremental run reuses the full build's parse
    # (partial parsing), as a daily run in the same project would
    target = work / target_dir
    cache = work / "llm_cache.sqlite"
    args = [
        *command,
        "--profiles-dir",
        str(project / "profiles"),
        "--project-dir",
        str(project),
        "--target",
        "local",
        "--target-path",
        str(target),
        "--log-path",
        str(work / "logs"),
        "--vars",
        json.dumps({"landing_dir": str(landing), "llm_cache_path": str(cache)}),
        *extra,
    ]
    result = run_dbt(args, env, work / f"dbt-{name}.log")
    if (target / "run_results.json").exists():
        kept = work / f"run_results-{name}.json"
        shutil.copyfile(target / "run_results.json", kept)
        result |= node_times(kept)
    if result["exit_code"] != 0:
        tail = (work / f"dbt-{name}.log").read_text().splitlines()[-30:]
        raise RuntimeError(f"dbt {command[0]} ({name}) failed:\n" + "\n".join(tail))
    return result


def dbt_invocation_floor(
    project: Path, work: Path, landing: Path, db: Path, full_wall_s: float
) -> dict[str, Any]:
    """The least any dbt run of this project costs: `dbt run` of one view over one row
    (FLOOR_MODEL) in the same project and target folder as the daily runs (partial
    parse), median wall time of FLOOR_RUNS runs. What is left is dbt's start: imports,
    profile, manifest load, connection."""
    walls = [
        dbt_build(
            project,
            work,
            f"floor{i}",
            landing,
            db,
            ("--select", FLOOR_MODEL),
            command=("run",),
        )["wall_s"]
        for i in range(FLOOR_RUNS)
    ]
    wall = statistics.median(walls)
    return {
        "model": FLOOR_MODEL,
        "runs_s": walls,
        "wall_s": wall,
        "fraction_of_full": round(wall / full_wall_s, 3) if full_wall_s else None,
    }


# ------------------------------------------------------------------------- data
def generate(records: int, seed: int, out: Path) -> float:
    from feedback_devtools.sample import generate as sample

    started = time.perf_counter()
    sample(out, records=records, seed=seed)
    return time.perf_counter() - started


def add_increment(
    landing: Path, scratch: Path, records: int, seed: int = INCREMENT_SEED, tag: str = "plus1pct"
) -> dict[str, int]:
    """Write ~`records` new feedback rows (another seed, fresh ids) as new landing files."""
    generate(records, seed, scratch)
    prefix = "B" if tag == "plus1pct" else "B" + tag
    written: dict[str, int] = {}

    def csv_rows(folder: str) -> tuple[list[str], list[list[str]]]:
        header: list[str] = []
        rows: list[list[str]] = []
        for path in sorted((scratch / folder).glob("*.csv")):
            with path.open(newline="", encoding="utf-8") as fh:
                reader = csv.reader(fh)
                header = next(reader)
                rows.extend(reader)
        return header, rows

    def write_csv(folder: str, name: str, header: list[str], rows: list[list[str]]) -> None:
        with (landing / folder / name).open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)
        written[f"{folder}/{name}"] = len(rows)

    # shop and survey ids are strings, helpdesk ids integers; app-store rows have no id
    header, rows = csv_rows("shop")
    write_csv("shop", f"reviews_bench_{tag}.csv", header, [[prefix + r[0], *r[1:]] for r in rows])
    header, rows = csv_rows("survey")
    write_csv("survey", f"nps_bench_{tag}.csv", header, [[prefix + r[0], *r[1:]] for r in rows])
    header, rows = csv_rows("appstore")
    write_csv("appstore", f"appstore_bench_{tag}.csv", header, rows)
    lines = []
    for path in sorted((scratch / "helpdesk").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                offset = 9_000_000_000 if tag == "plus1pct" else 8_000_000_000
                obj["id"] = offset + int(obj["id"])
            except (ValueError, TypeError, KeyError):  # planted bad rows stay bad
                lines.append(line)
                continue
            lines.append(json.dumps(obj, ensure_ascii=False))
    (landing / "helpdesk" / f"tickets_bench_{tag}.jsonl").write_text(
        "\n".join(lines) + "\n", encoding="utf-8"
    )
    written[f"helpdesk/tickets_bench_{tag}.jsonl"] = len(lines)
    return written


# ------------------------------------------------------------------------- floor
FLOOR_SQL = r"""
create or replace temp table bench_floor as
with texts as (
    select review_title as title, review_body as body from bronze_shop__reviews
    where not _is_rejected
    union all
    select subject, description from bronze_helpdesk__tickets where not _is_rejected
    union all
    select null, review_text from bronze_appstore__reviews where not _is_rejected
    union all
    select null, comment from bronze_survey__nps_responses where not _is_rejected
),
combined as (
    select case
        when nullif(trim(coalesce(title, '')), '') is null then coalesce(body, '')
        when nullif(trim(coalesce(body, '')), '') is null then title
        else title || '. ' || body end as t
    from texts
),
cleaned as (
    select trim(regexp_replace(
        replace(replace(replace(replace(replace(replace(
            regexp_replace(t, '<[^>]*>', ' ', 'g'),
            '&nbsp;', ' '), '&lt;', '<'), '&gt;', '>'), '&quot;', '"'), '&#39;', ''''),
            '&amp;', '&'),
        '\s+', ' ', 'g')) as t
    from combined
),
masked as (
    select regexp_replace(regexp_replace(regexp_replace(regexp_replace(t,
        '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+[.][A-Za-z]{2,}', '<EMAIL>', 'g'),
        '\b[0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]{1,7}\b', '<CARD>', 'g'),
        '\b[Oo][Rr][Dd]-?[0-9]{4,}\b', '<ORDER_ID>', 'g'),
        '\+?[0-9][0-9 ()-]{7,}[0-9]', '<PHONE>', 'g') as t
    from cleaned
),
normalized as (
    select trim(regexp_replace(lower(t), '[^\p{L}\p{N}<>_]+', ' ', 'g')) as n
    from masked
),
groups as (
    select n, count(*) as records from normalized group by n
)
select md5(n) as text_hash, records from groups where n <> ''
"""


def floor_query(db: Path) -> dict[str, Any]:
    """The hand-written floor on the built database's bronze tables (read only)."""
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        con.execute("set schema 'main_bronze'")
        started = time.perf_counter()
        con.execute(FLOOR_SQL.replace("bronze_", "main_bronze.bronze_"))
        elapsed = time.perf_counter() - started
        groups = con.sql("select count(*) from bench_floor").fetchall()[0][0]
    return {"floor_s": round(elapsed, 3), "floor_text_groups": int(groups)}


# ------------------------------------------------------------------------- offline
def offline_vs_raw(db: Path, limit: int = OFFLINE_SAMPLE_TEXTS) -> dict[str, Any]:
    """The offline enrichment engine vs vaderSentiment alone, on the same texts."""
    import duckdb
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from feedback_lakehouse.enrichment.engine import enrich_frame, make_provider
    from feedback_lakehouse.enrichment.parallel import (
        map_chunks,
        min_items_now,
        resolve_workers,
        warm_up,
    )
    from feedback_lakehouse.enrichment.providers.offline.lexicon import reset_sentiment_memo
    from feedback_lakehouse.enrichment.taxonomy import Taxonomy, default_version

    with duckdb.connect(str(db), read_only=True) as con:
        texts = con.sql(
            f"select text_hash, text, language from main.int_texts__to_enrich "
            f"order by text_hash limit {int(limit)}"
        ).df()
        categories = con.sql("select * from main_taxonomy.taxonomy_categories").df()
        versions = con.sql("select * from main_taxonomy.taxonomy_versions").df()
    taxonomy = Taxonomy.from_frame(categories, default_version(versions))
    provider = make_provider("offline")
    provider.enrich([], taxonomy)  # build the matchers once (a per-process cost)
    items = texts["text"].fillna("").tolist()
    raw = SentimentIntensityAnalyzer()

    def score_raw() -> list[Any]:
        return [raw.polarity_scores(text) for text in items]

    raw_s, raw_cpu, _ = _median_run(score_raw)
    offline_s, offline_cpu, out = _median_run(
        lambda: enrich_frame(texts, taxonomy, provider),
        before=reset_sentiment_memo,  # each timed run starts cold, as in a dbt build
    )
    # as the dbt model runs it in a full build: over every core (var parallel_workers:
    # auto) from min_items_now() texts, else in this process. The language model has
    # started the worker server by then (parallel.warm_up): here it is started, and a
    # round trip through a worker waits until it is ready.
    workers = resolve_workers("auto")
    warm_up(workers)
    map_chunks(list, [0] * workers * 4, workers, min_items=0, work_here=False)
    if len(texts) < min_items_now():
        workers = 1
    parallel_s, _, par = _median_run(
        lambda: enrich_frame(texts, taxonomy, make_provider("offline"), workers=workers),
        before=reset_sentiment_memo,
    )
    # the dbt default (vars offline_self_training and offline_self_trained_sentiment:
    # true): a first build trains both models on its batch (first_build_model,
    # first_build_sentiment) and labels every text with them; both are timed, over the
    # same workers as above
    from feedback_lakehouse.enrichment.selftrain_dbt import (
        first_build_model,
        first_build_sentiment,
    )

    def self_trained() -> list[Any]:
        model = first_build_model(texts, taxonomy)
        sentiment = first_build_sentiment(texts, workers=workers)
        provider = make_provider(
            "offline",
            selftrained=model if model.is_trained else None,
            selftrained_sentiment=sentiment if sentiment.is_trained else None,
        )
        return enrich_frame(texts, taxonomy, provider, workers=workers)

    selftrain_s, _, st = _median_run(self_trained, before=reset_sentiment_memo)
    n = len(items)
    return {
        "texts": n,
        "offline_selftrain_vs_raw": round((len(st) / selftrain_s) / (n / raw_s), 3),
        "raw_vader_texts_per_s": round(n / raw_s, 1),
        "offline_texts_per_s": round(len(out) / offline_s, 1),
        "offline_vs_raw": round((len(out) / offline_s) / (n / raw_s), 3),
        # CPU time is steadier than wall time on a shared machine (both single-threaded)
        "offline_vs_raw_cpu": round((len(out) / offline_cpu) / (n / raw_cpu), 3),
        "workers": workers,
        "offline_parallel_texts_per_s": round(len(par) / parallel_s, 1),
        "offline_parallel_vs_raw": round((len(par) / parallel_s) / (n / raw_s), 3),
    }


def _median_run(
    func: Callable[[], Any], before: Callable[[], None] | None = None, runs: int = OFFLINE_RUNS
) -> tuple[float, float, Any]:
    """Median wall and CPU seconds of `runs` calls of `func` (each after `before`), and
    the last call's result: one run on this VM varies by 10-20%."""
    walls: list[float] = []
    cpus: list[float] = []
    result: Any = None
    for _ in range(runs):
        if before is not None:
            before()
        started, cpu = time.perf_counter(), time.process_time()
        result = func()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), result


def offline_vs_raw_fresh(db: Path) -> dict[str, Any]:
    """`offline_vs_raw` in a new Python process, as dbt runs the model in its own. In
    this process, which also runs a CPU sampler thread (polling every process once a
    second), one database gave 0.49x; on its own, 0.55-0.59x."""
    proc = subprocess.run(
        [sys.executable, "-m", "feedback_devtools.bench", "--offline-vs-raw", str(db)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"offline vs raw lexicon failed:\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


# ------------------------------------------------------------------------- one size
def _query(db: Path, sql: str) -> list[tuple[Any, ...]]:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        return con.sql(sql).fetchall()


def _enriched_hashes(db: Path) -> set[str]:
    return {row[0] for row in _query(db, "select distinct text_hash from main.int_texts__enriched")}


def _enriched_check(db: Path, before: set[str], new_files: list[str]) -> dict[str, int]:
    """How many enrichment rows a run added, against the distinct texts its new files
    brought that were not enriched before (they must be equal)."""
    files_sql = ", ".join(f"'{f}'" for f in new_files)
    new_rows = _query(
        db,
        f"select count(*) from main.int_feedback__cleaned where source_file in ({files_sql})",
    )[0][0]
    new_hashes = {
        row[0]
        for row in _query(
            db,
            "select distinct text_hash from main.int_feedback__cleaned "
            f"where source_file in ({files_sql}) and not is_empty and not is_spam",
        )
    }
    after = _query(db, "select count(*) from main.int_texts__enriched")[0][0]
    return {
        "new_feedback_rows": int(new_rows),
        "new_distinct_texts": len(new_hashes - before),
        "rows_enriched": int(after) - len(before),
    }


def bench_size(project: Path, root: Path, records: int, seed: int) -> dict[str, Any]:
    work = root / f"n{records}"
    if work.exists():
        shutil.rmtree(work)
    landing = work / "landing"
    db = work / "bench.duckdb"
    out: dict[str, Any] = {"records": records}
    print(f"[bench] {records:,} records: generating into {landing}", flush=True)
    out["generate_s"] = round(generate(records, seed, landing), 2)
    print(f"[bench] {records:,}: full dbt build (load {os.getloadavg()[0]:.2f})", flush=True)
    full = dbt_build(project, work, "full", landing, db)
    out["full_build"] = full
    # the production form of the same build: dbt's guidance is to run unit tests (fixed
    # inputs, they test SQL logic, not data) in development and CI only. Its own fresh
    # DuckDB file and target folder: it parses from scratch too.
    print(f"[bench] {records:,}: full dbt build without unit tests", flush=True)
    prod_db = work / "bench_production.duckdb"
    production = dbt_build(
        project,
        work,
        "full_production",
        landing,
        prod_db,
        ("--exclude-resource-type", "unit_test"),
        target_dir="target_production",
    )
    out["full_build_without_unit_tests"] = production
    prod_db.unlink(missing_ok=True)
    shutil.rmtree(work / "target_production", ignore_errors=True)
    # the self-trained models the production build kept beside its database
    from feedback_lakehouse.enrichment.model_cache import directory_beside

    shutil.rmtree(directory_beside(prod_db), ignore_errors=True)
    (feedback_rows, distinct_texts, enriched) = _query(
        db,
        "select (select count(*) from main.int_feedback__cleaned), "
        "(select count(*) from main.int_texts__to_enrich), "
        "(select count(*) from main.int_texts__enriched)",
    )[0]
    out["feedback_rows"] = int(feedback_rows)
    out["distinct_texts_enriched"] = int(enriched)
    print(
        f"[bench] {records:,}: full build {full['wall_s']} s, peak {full['peak_rss_mb']} MB, "
        f"{feedback_rows:,} feedback rows, {enriched:,} texts enriched",
        flush=True,
    )

    floor = floor_query(db)
    sql_s = full.get("summed_s", {}).get("sql_layers", 0.0)
    out["sql_vs_floor"] = {
        "sql_layers_s": sql_s,
        **floor,
        "sql_layers_over_floor": round(sql_s / floor["floor_s"], 2) if floor["floor_s"] else None,
        "distinct_texts_in_dbt": int(distinct_texts),
    }
    out["offline_vs_raw"] = offline_vs_raw_fresh(db)
    # the workspace (feedback serve) on the full build: every page, median of 3 fetches
    from feedback_lakehouse.serve.bench import time_pages

    out["workspace_pages"] = time_pages(db)
    slowest = max(out["workspace_pages"].items(), key=lambda kv: kv[1]["median_s"])
    print(f"[bench] {records:,}: slowest workspace page {slowest[0]} {slowest[1]['median_s']} s")

    # +1%: new landing files, then the incremental build
    before = _enriched_hashes(db)
    increment = add_increment(landing, work / "increment", max(1, records // 100))
    inc = dbt_build(project, work, "incremental", landing, db)
    inc |= _enriched_check(db, before, sorted(increment))
    new_rows, enriched_rows = inc["new_feedback_rows"], inc["rows_enriched"]
    new_distinct = inc["new_distinct_texts"]
    inc |= {
        "new_landing_rows": sum(increment.values()),
        "fraction_of_full": round(inc["wall_s"] / full["wall_s"], 3),
    }
    out["incremental_build"] = inc
    print(
        f"[bench] {records:,}: +1% ({new_rows:,} feedback rows) incremental build "
        f"{inc['wall_s']} s = {inc['fraction_of_full']:.1%} of full; enriched {enriched_rows:,} "
        f"rows, new distinct texts {new_distinct:,}",
        flush=True,
    )
    if enriched_rows != new_distinct:
        raise AssertionError(
            f"incremental build enriched {enriched_rows} rows but {new_distinct} distinct "
            "texts were new: the enrichment model re-enriched or missed texts"
        )

    # the daily run a scheduler calls (`make daily`: dbt build --selector daily) after
    # another +1%: the models tagged daily and their tests
    before = _enriched_hashes(db)
    day2 = add_increment(
        landing, work / "increment2", max(1, records // 100), INCREMENT_SEED + 1, "day2"
    )
    daily = dbt_build(project, work, "daily", landing, db, ("--selector", "daily"))
    daily |= _enriched_check(db, before, sorted(day2))
    daily["fraction_of_full"] = round(daily["wall_s"] / full["wall_s"], 3)
    daily["fraction_of_production"] = round(daily["wall_s"] / production["wall_s"], 3)
    out["daily_run"] = daily
    print(
        f"[bench] {records:,}: another +1%, the daily run (make daily): {daily['wall_s']} s "
        f"= {daily['fraction_of_full']:.1%} of full; enriched {daily['rows_enriched']:,} rows, "
        f"new distinct texts {daily['new_distinct_texts']:,}",
        flush=True,
    )
    if daily["rows_enriched"] != daily["new_distinct_texts"]:
        raise AssertionError(
            f"the daily run enriched {daily['rows_enriched']} rows but "
            f"{daily['new_distinct_texts']} distinct texts were new"
        )

    # the fixed cost of every daily run: the same command with no new data
    noop = dbt_build(project, work, "no_change", landing, db, ("--selector", "daily"))
    noop["fraction_of_full"] = round(noop["wall_s"] / full["wall_s"], 3)
    out["rebuild_without_new_data"] = noop
    print(
        f"[bench] {records:,}: the daily run with no new data: {noop['wall_s']} s "
        f"= {noop['fraction_of_full']:.1%} of full",
        flush=True,
    )

    # the floor of any dbt run at all, whatever it selects
    floor_run = dbt_invocation_floor(project, work, landing, db, full["wall_s"])
    out["smallest_dbt_run"] = floor_run
    print(
        f"[bench] {records:,}: the smallest dbt run (one view): {floor_run['wall_s']} s "
        f"= {floor_run['fraction_of_full']:.1%} of full",
        flush=True,
    )
    return out


# ------------------------------------------------------------------------- report
class CpuSampler(threading.Thread):
    """CPU seconds used by this run's processes and by every other process, sampled
    once a second from /proc via psutil: a process belongs to this run when this
    process is among its ancestors (dbt, its worker server and workers included, which
    the kernel's per-child accounting misses: nobody waits for the worker server)."""

    def __init__(self, interval: float = 1.0) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.other_s = 0.0
        self._last: dict[tuple[int, float], float] = {}
        self._stopping = threading.Event()
        self.available = True

    def _sample(self) -> None:
        import psutil

        me = os.getpid()
        parents: dict[int, int] = {}
        totals: dict[tuple[int, float], float] = {}
        for proc in psutil.process_iter(["pid", "ppid", "cpu_times", "create_time"]):
            info = proc.info
            times = info.get("cpu_times")
            if times is None:
                continue
            parents[info["pid"]] = info["ppid"]
            totals[(info["pid"], info["create_time"])] = times.user + times.system
        for key, total in totals.items():
            delta = total - self._last.get(key, total if self._last else 0.0)
            pid, ancestor = key[0], key[0]
            own = False
            for _ in range(64):  # walk up the tree
                if ancestor == me:
                    own = True
                    break
                ancestor = parents.get(ancestor, 0)
                if ancestor <= 1:
                    break
            if not (own or pid == me):
                self.other_s += max(0.0, delta)
        self._last = totals

    def run(self) -> None:
        try:
            self._sample()  # the baseline: deltas count from here
            self.other_s = 0.0
            while not self._stopping.wait(self.interval):
                self._sample()
        except ImportError:
            self.available = False

    def stop(self) -> None:
        self._stopping.set()
        self.join()

    def other_share(self, wall_s: float, cores: int) -> float | None:
        """Share of the machine's CPU capacity other processes used during the run."""
        if not self.available or wall_s <= 0:
            return None
        return round(self.other_s / (wall_s * cores), 3)


def _mark(ok: bool | None) -> str:
    return "n/a" if ok is None else ("meets" if ok else "MISSES")


def goals(result: dict[str, Any]) -> list[dict[str, Any]]:
    by_size = {s["records"]: s for s in result["sizes"]}
    rows: list[dict[str, Any]] = []
    for n, limit, label in (
        (100_000, GOALS["full_100k_s"], "100k full build <= 30 s"),
        (1_000_000, GOALS["full_1m_s"], "1M full build <= 3 min"),
    ):
        if n not in by_size:
            continue
        v = by_size[n]["full_build"]["wall_s"]
        prod = by_size[n].get("full_build_without_unit_tests", {}).get("wall_s")
        rows.append(
            {
                "goal": label,
                "value": (f"{prod} s production (no unit tests); " if prod else "")
                + f"{v} s with unit tests",
                "ok": (prod if prod is not None else v) <= limit,
            }
        )
    if 1_000_000 in by_size:
        s = by_size[1_000_000]["full_build"]
        gb = s["peak_rss_mb"] / 1024
        rows.append(
            {
                "goal": "1M peak memory <= 4 GB",
                "value": f"{gb:.2f} GB",
                "ok": gb <= GOALS["peak_1m_gb"],
            }
        )
    for n, s in sorted(by_size.items()):
        daily = s["daily_run"]
        limit = GOALS["daily_fraction"].get(n)
        floor = s.get("rebuild_without_new_data", {}).get("fraction_of_full")
        smallest = s.get("smallest_dbt_run", {}).get("fraction_of_full")
        rows.append(
            {
                "goal": f"{n:,}: daily run after +1% <= {limit:.0%} of full"
                if limit
                else f"{n:,}: daily run after +1% (no goal at this size)",
                "value": f"{daily['fraction_of_full']:.1%} ({daily['wall_s']} s; of the "
                f"production build {daily['fraction_of_production']:.1%}; enriched "
                f"{daily['rows_enriched']:,} = {daily['new_distinct_texts']:,} new texts"
                + (f"; no new data: {floor:.1%}" if floor is not None else "")
                + (f"; smallest dbt run: {smallest:.1%}" if smallest is not None else "")
                + f"; the whole dbt build after +1%: "
                f"{s['incremental_build']['fraction_of_full']:.1%})",
                "ok": daily["fraction_of_full"] <= limit if limit else None,
            }
        )
    for n, s in sorted(by_size.items()):
        off = s["offline_vs_raw"]
        r, c = off["offline_vs_raw"], off["offline_vs_raw_cpu"]
        p = off.get("offline_parallel_vs_raw")
        st = off.get("offline_selftrain_vs_raw")  # the dbt default: self-training on
        judged = st if st is not None else p if p is not None else r
        rows.append(
            {
                "goal": f"{n:,}: offline >= 0.5x raw lexicon",
                "value": (
                    f"{st:.2f}x as dbt runs it by default (self-training, training "
                    f"included; {off['workers']} process{'es' if off['workers'] > 1 else ''}); "
                    if st is not None
                    else ""
                )
                + (f"rules only {p:.2f}x; " if p else "")
                + f"one process {r:.2f}x (CPU time {c:.2f}x)",
                "ok": judged >= GOALS["offline_vs_raw"],
            }
        )
    for n, s in sorted(by_size.items()):
        pages = s.get("workspace_pages")
        if not pages:
            continue
        name, slowest = max(pages.items(), key=lambda kv: kv[1]["median_s"])
        rows.append(
            {
                "goal": f"{n:,}: every workspace page < 1 s",
                "value": f"slowest {name} {slowest['median_s']} s (median of 3); "
                + ", ".join(f"{k} {v['median_s']}" for k, v in pages.items()),
                "ok": all(v["meets_goal"] for v in pages.values()) if n == 100_000 else None,
            }
        )
    if result.get("llm"):
        f = result["llm"]["fraction_of_bound"]
        rows.append(
            {
                "goal": "LLM path >= 0.9x bound",
                "value": f"{f:.3f}",
                "ok": f >= GOALS["llm_fraction_of_bound"],
            }
        )
    for row in rows:
        row["status"] = _mark(row["ok"])
    return rows


def markdown(result: dict[str, Any]) -> str:
    m = result["machine"]
    lines = [
        f"# Benchmark results ({result['started_at']})",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB; {m['os']}; "
        f"Python {m['python']}, duckdb {m['duckdb']}, dbt-core {m['dbt_core']}, "
        f"dbt-duckdb {m['dbt_duckdb']}. Load average at start: "
        f"{', '.join(str(x) for x in m['load_average_at_start'])}"
        + (" (busy: other work was running)" if result.get("machine_busy") else "")
        + (
            f"; other processes used {result['other_processes_cpu_share']:.0%} of the CPU "
            "during the run"
            if result.get("other_processes_cpu_share") is not None
            else ""
        )
        + ".",
        "",
        "Full = `dbt build` (models, snapshots, seeds, data and unit tests) with the offline "
        "provider on a fresh DuckDB file; no unit tests = the production form, `dbt build "
        "--exclude-resource-type unit_test`, on another fresh file (unit tests check SQL "
        "logic on fixed inputs: dbt advises running them in development and CI); "
        "incremental = the full command after adding 1% new records as new landing files; "
        "daily = `make daily` (dbt build --selector daily) after another 1%.",
        "",
        "| records | feedback rows | distinct texts | full build | no unit tests | peak memory "
        "| tests (summed) "
        "| incremental +1% | % of full | daily run +1% (make daily) | daily, no new data "
        "| smallest dbt run | enriched = new texts | SQL layers | floor query "
        "| offline / raw VADER |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---|",
    ]
    for s in result["sizes"]:
        full, inc = s["full_build"], s["incremental_build"]
        daily = s["daily_run"]
        noop = s.get("rebuild_without_new_data", {"wall_s": 0.0, "fraction_of_full": 0.0})
        smallest = s.get("smallest_dbt_run")
        sums = full.get("summed_s", {})
        tests = sums.get("tests", 0.0) + sums.get("unit_tests", 0.0)
        sql = s["sql_vs_floor"]
        off = s["offline_vs_raw"]
        lines.append(
            f"| {s['records']:,} | {s['feedback_rows']:,} | {s['distinct_texts_enriched']:,} "
            f"| {full['wall_s']} s "
            f"| {s.get('full_build_without_unit_tests', {}).get('wall_s', '-')} s "
            f"| {full['peak_rss_mb'] / 1024:.2f} GB | {tests:.1f} s "
            f"| {inc['wall_s']} s | {inc['fraction_of_full']:.1%} "
            f"| {daily['wall_s']} s = {daily['fraction_of_full']:.1%} "
            f"| {noop['wall_s']} s = {noop['fraction_of_full']:.1%} "
            + (
                f"| {smallest['wall_s']} s = {smallest['fraction_of_full']:.1%} "
                if smallest
                else "| - "
            )
            + f"| {inc['rows_enriched']:,} = {inc['new_distinct_texts']:,} "
            f"| {sql['sql_layers_s']} s | {sql['floor_s']} s "
            f"| {off.get('offline_parallel_texts_per_s', 0):,.0f} ({off.get('workers', 1)} "
            f"process{'es' if off.get('workers', 1) > 1 else ''}; "
            f"one: {off['offline_texts_per_s']:,.0f}) / "
            f"{off['raw_vader_texts_per_s']:,.0f} per s "
            f"= {off.get('offline_parallel_vs_raw', 0):.2f}x; with self-training "
            f"{off.get('offline_selftrain_vs_raw', 0):.2f}x "
            f"(one process {off['offline_vs_raw']:.2f}x, CPU {off['offline_vs_raw_cpu']:.2f}x) |"
        )
    if result.get("llm"):
        llm = result["llm"]
        lines += [
            "",
            f"LLM path (fake server, {llm['latency_ms']:.0f} ms latency, concurrency "
            f"{llm['concurrency']}, {llm['texts']} texts): {llm['throughput_rows_per_s']} "
            f"rows/s against a bound of {llm['bound_rows_per_s']} = "
            f"{llm['fraction_of_bound']:.3f} of the bound; "
            f"{llm['calls_per_distinct_text']} calls per distinct text; "
            f"{llm['rerun_calls_with_cache']} calls on a re-run.",
        ]
    lines += ["", "Where the full build's time goes (summed node time in s; 2 dbt threads):", ""]
    lines.append("| records | " + " | ".join(_GROUPS) + " |")
    lines.append("|---:|" + "---:|" * len(_GROUPS))
    for s in result["sizes"]:
        sums = s["full_build"].get("summed_s", {})
        lines.append(
            f"| {s['records']:,} | " + " | ".join(f"{sums.get(g, 0.0):.1f}" for g in _GROUPS) + " |"
        )
    lines += ["", "| goal | measured | status |", "|---|---:|---|"]
    for row in result["goals"]:
        lines.append(f"| {row['goal']} | {row['value']} | {row['status']} |")
    return "\n".join(lines) + "\n"


_GROUPS = (
    "bronze_python",
    "sql_layers",
    "int_texts__languages",
    "int_texts__enriched",
    "marts_and_other_sql",
    "rpt_candidate_topics",
    "snapshots",
    "seeds",
    "tests",
    "unit_tests",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--project-dir", default=".")
    parser.add_argument("--work-dir", default="target/bench")
    parser.add_argument("--out", default="bench")
    parser.add_argument("--skip-llm", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the generated data")
    parser.add_argument(
        "--offline-vs-raw",
        metavar="DUCKDB",
        help="only time the offline provider against raw VADER on a built database (JSON)",
    )
    args = parser.parse_args(argv)
    if args.offline_vs_raw:
        print(json.dumps(offline_vs_raw(Path(args.offline_vs_raw))))
        return 0
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    project = Path(args.project_dir).resolve()
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    root = Path(args.work_dir).resolve() / stamp
    root.mkdir(parents=True, exist_ok=True)
    machine = machine_info()
    result: dict[str, Any] = {
        "started_at": stamp,
        "machine": machine,
        "machine_busy": machine["load_average_at_start"][0] > 0.5 * (machine["cores"] or 1),
        "sizes": [],
    }
    print(f"[bench] machine: {json.dumps(machine)}", flush=True)
    sampler, wall_start = CpuSampler(), time.perf_counter()
    sampler.start()
    for n in sizes:
        result["sizes"].append(bench_size(project, root, n, args.seed))
        if not args.keep:
            for leftover in ("landing", "increment", "increment2"):
                shutil.rmtree(root / f"n{n}" / leftover, ignore_errors=True)
    if not args.skip_llm:
        from feedback_devtools.bench_llm import run_bench

        print("[bench] LLM path against the fake server", flush=True)
        result["llm"] = run_bench(texts=400, concurrency=16, latency_ms=200.0)
    load_end = [round(x, 2) for x in os.getloadavg()]
    result["load_average_at_end"] = load_end
    # other work on the machine: CPU time of processes outside this run's process tree
    # (the load average cannot tell: the bench's own builds keep it near the core count)
    sampler.stop()
    other = sampler.other_share(time.perf_counter() - wall_start, machine["cores"] or 1)
    result["other_processes_cpu_share"] = other
    result["machine_busy"] = result["machine_busy"] or (other is not None and other > 0.1)
    result["goals"] = goals(result)
    out = Path(args.out)
    (out / "results").mkdir(parents=True, exist_ok=True)
    (out / "results" / f"{stamp}.json").write_text(json.dumps(result, indent=2) + "\n")
    text = markdown(result)
    (out / "results" / f"{stamp}.md").write_text(text)
    (out / "RESULTS.md").write_text(text)
    (out / "RESULTS.json").write_text(json.dumps(result, indent=2) + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
