"""`make build` and `make daily` on a user's own data: the README's bring-your-own-data
vars must reach dbt, or the incremental run silently builds without the custom source and
taxonomy (issue 18's walk)."""

from __future__ import annotations

import subprocess

import pytest
from dbt_helpers import PROJECT

BYO = "{landing_dir: /x/landing, custom_source: /x/my_source.yml, byo_seed_dir: /x/seeds}"


def _dry(*args: str) -> str:
    """The commands `make -n` would run."""
    return subprocess.run(
        ["make", "-n", *args], cwd=PROJECT, capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.parametrize("target", ["build", "daily"])
def test_vars_reach_the_dbt_command(target: str) -> None:
    dbt = [line for line in _dry(target, f"VARS={BYO}").splitlines() if " build " in line]
    assert len(dbt) == 1, dbt
    assert f"--vars '{BYO}'" in dbt[0]
    assert "--vars" not in _dry(target)  # without VARS: the project's defaults
