"""Check the COPY INTO bronze load (a dry run's SQL) against the landing sources.

`make check-databricks` prints the statements of `dbt run-operation
load_bronze_databricks --args '{..., dry_run: true}'` to a file; this script checks that
every landing source of `feedback_lakehouse.ingest.specs.SOURCES` has its table and COPY INTO,
that each bronze column is selected and each native field read, so the macro's specs
(macros/bronze_landing_specs.sql) cannot drift from the DuckDB bronze reader.

Usage: python scripts/check_bronze_copy_into.py target/databricks-check/bronze.sql
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from feedback_lakehouse.ingest.bronze import METADATA_FIELDS
from feedback_lakehouse.ingest.specs import SOURCES

ENTITY = {
    "shop": "reviews",
    "helpdesk": "tickets",
    "appstore": "reviews",
    "survey": "nps_responses",
    "crm": "customers",
    "reviews": "decisions",
    "gold": "labels",
    "jira": "issues",
}


def main(path: str) -> int:
    sql = Path(path).read_text()
    statements = [s.strip() for s in re.split(r";\n", sql) if s.strip()]
    problems: list[str] = []
    for name, spec in SOURCES.items():
        table = f"bronze_{name}__{ENTITY.get(name, '?')}"
        copy = [s for s in statements if re.match(rf"copy into \S+\.{table}\b", s)]
        create = [
            s for s in statements if re.match(rf"create table if not exists \S+\.{table}\b", s)
        ]
        if len(copy) != 1 or len(create) != 1:
            problems.append(f"{name}: expected one create table and one copy into {table}")
            continue
        for field in spec.fields:
            if not re.search(rf"\bas {field.column},", copy[0]):
                problems.append(f"{name}: column {field.column} is not selected")
            native = "`" + "`.`".join(field.native.split(".")) + "`"
            if native not in copy[0]:
                problems.append(f"{name}: native field {field.native} is not read")
            if f"{field.column} string" not in create[0]:
                problems.append(f"{name}: column {field.column} missing from the table")
        for meta in METADATA_FIELDS:
            if f"{meta.name} " not in create[0]:
                problems.append(f"{name}: metadata column {meta.name} missing from the table")
        if f"pattern = '{spec.pattern}'" not in copy[0]:
            problems.append(f"{name}: file pattern is not {spec.pattern}")
    for problem in problems:
        print(f"bronze COPY INTO: {problem}", file=sys.stderr)
    if not problems:
        print(f"bronze COPY INTO: {len(SOURCES)} landing sources match the DuckDB bronze reader")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
