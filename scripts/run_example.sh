#!/usr/bin/env bash
# Run a worked bring-your-own-data example end to end on the real data in ../shared/data:
#   scripts/run_example.sh banking77 [train decisions]   |   scripts/run_example.sh clothing_reviews
# Builds data/examples/<name>/warehouse.duckdb (never the demo's file) and prints `feedback eval`.
set -euo pipefail
name="$1"; decisions="${2:-}"
shared="${SHARED_DATA:-../shared/data}"
bin=.venv/bin
work="data/examples/${name}${decisions:+-$decisions}"
rm -rf "$work" && mkdir -p "$work"
extra=()
[ -n "$decisions" ] && extra=(--train-decisions "$decisions")
$bin/feedback example-prepare "$name" --shared "$shared" --out "$work/landing" "${extra[@]}"
learning=false
[ "$name" = banking77 ] && learning=true
vars="{landing_dir: $work/landing, custom_source: examples/$name/source.yml, byo_seed_dir: examples/$name/seeds, offline_learning: $learning}"
export FEEDBACK_DUCKDB_PATH="$work/warehouse.duckdb"
flags=(--profiles-dir profiles --target-path "$work/target" --log-path "$work/logs" --vars "$vars")
$bin/dbt build "${flags[@]}" --quiet --exclude resource_type:test resource_type:unit_test
# the quality marts' tests (prompt regression thresholds); the time-based marts of the
# demo have nothing real to say here: these files carry no timestamps
$bin/dbt test "${flags[@]}" --quiet --select "path:models/marts/quality"
$bin/feedback eval --db "$work/warehouse.duckdb"
