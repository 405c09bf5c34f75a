"""Issue 18 part 5: one review threshold. The review queue's own confidence var
(`review_low_confidence`, 0.6 beside the status rules' 0.45) is gone; passing it stops
dbt at parse time and names the var to set instead. The queue's order, budget and
exclusions are dbt unit tests (models/marts/operations/_review__unit_tests.yml)."""

from __future__ import annotations

from pathlib import Path

import pytest
from dbt_helpers import run_dbt

pytestmark = pytest.mark.e2e


def test_retired_review_low_confidence_var_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "landing").mkdir()
    result = run_dbt(tmp_path, "parse", variables={"review_low_confidence": 0.6}, expect_ok=False)
    assert result.returncode != 0
    assert "var review_low_confidence is gone" in result.stdout
    assert "Set var review_confidence_threshold instead" in result.stdout
