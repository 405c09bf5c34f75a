"""Quality marts and bring-your-own data, end to end on one real dbt build.

The sample's helpdesk tickets carry tags agents set by hand: they become gold labels in
another scheme (`helpdesk_tags`, mapped to the taxonomy by the seed gold_label_mapping);
a slice of the real clothing reviews comes in through the custom source (gold sentiment
from the stars); a few review decisions give reviewer agreement. The SQL marts must
equal scikit-learn's metrics on the same labels.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from dbt_helpers import (
    PROJECT,
    copy_built,
    helpdesk_gold_tags,
    query,
    run_dbt,
    write_decisions,
    write_helpdesk_gold,
)
from sklearn.metrics import (
    accuracy_score,
    cohen_kappa_score,
    f1_score,
    precision_recall_fscore_support,
)

from feedback_lakehouse.cli import main

pytestmark = pytest.mark.e2e

CLOTHING = PROJECT / "tests" / "fixtures" / "clothing_slice" / "reviews.csv"
CUSTOM = {"custom_source": str(PROJECT / "examples" / "clothing_reviews" / "source.yml")}
# CI keeps the quality gates as errors: this build passes a baseline (the shipped
# defaults, category accuracy as `feedback eval --set-baseline` would set it: 0.491
# measured on the paraphrased sample of issue 18 part 7, minus 0.02), so a regression
# of the offline provider on this sample fails it.
CI_BASELINE = {
    "eval_min_category_accuracy": 0.47,
    "eval_min_category_macro_f1": 0.3,
    "eval_min_sentiment_macro_f1": 0.4,
    "eval_max_calibration_error": 0.4,
}
NO_BASELINE_ENV = {"FEEDBACK_EVAL_BASELINE": ""}


@pytest.fixture(scope="module")
def built(built_sample: tuple[Path, dict], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the session's build of the sample (conftest.py `built_sample`) with the
    clothing slice, the helpdesk gold labels and review decisions added, built again:
    only the new files are loaded and only their texts enriched."""
    work = copy_built(built_sample[0], tmp_path_factory.mktemp("quality"))
    landing = work / "landing"
    (landing / "custom").mkdir()
    shutil.copy(CLOTHING, landing / "custom" / "reviews.csv")
    tags = write_helpdesk_gold(landing)
    write_decisions(
        landing / "reviews" / "decisions.csv",
        [
            {
                "feedback_id": fid,
                "reviewer": "ana",
                "decided_at": "2026-11-23T09:00:00Z",
                "corrected_sentiment": "negative" if i % 3 else "",
                "verdict": "incorrect" if i % 3 else "useful",
            }
            for i, fid in enumerate(sorted(tags)[:40])
        ],
    )
    run_dbt(work, "build", variables={**CUSTOM, "eval_baseline": CI_BASELINE})
    return work


def _mapping() -> dict[str, set[str]]:
    """helpdesk tag -> the v2 categories it maps to (the tag `shipping` covers two)."""
    path = PROJECT / "seeds" / "taxonomy" / "gold_label_mapping.csv"
    out: dict[str, set[str]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for r in csv.DictReader(handle):
            if r["taxonomy_version"] == "v2":
                out.setdefault(r["gold_label"], set()).add(r["category_id"])
    return out


def _gold_of(accepted: set[str], predicted: str) -> str:
    """A tag covering several categories: the prediction when it is one of them (right),
    else the first by id (as the macro eval_gold_pairs compares)."""
    return predicted if predicted in accepted else min(accepted)


def test_custom_csv_flows_into_fct_feedback(built: Path) -> None:
    rows = query(
        built,
        "select count(*), count(distinct product_sku), min(feedback_id), max(rating_normalized) "
        "from main.fct_feedback where source = 'clothing'",
    )
    with CLOTHING.open(encoding="utf-8", newline="") as handle:
        expected = sum(1 for _ in csv.DictReader(handle))
    count, products, first_id, top = rows[0]
    assert count == expected and products > 10
    assert first_id.startswith("clothing:") and top == 5.0


def test_category_metrics_equal_sklearn(built: Path) -> None:
    mapping = _mapping()
    pairs = query(
        built,
        "select g.feedback_id, g.gold_category, f.model_main_category, f.confidence "
        "from main.int_gold_labels g join main.fct_feedback f using (feedback_id) "
        "where g.label_scheme = 'helpdesk_tags' and f.enrichment_key is not null "
        "order by g.feedback_id",
    )
    pred = [p for _, _, p, _ in pairs]
    gold = [_gold_of(mapping[g], p) for (_, g, _, _), p in zip(pairs, pred, strict=True)]
    summary = query(
        built,
        "select category_items, category_accuracy, category_macro_f1, expected_calibration_error "
        "from main.rpt_eval_summary where category_items > 0",
    )
    assert len(summary) == 1
    items, accuracy, macro_f1, ece = summary[0]
    assert items == len(gold) > 100
    assert accuracy == pytest.approx(accuracy_score(gold, pred), abs=1e-9)
    assert macro_f1 == pytest.approx(
        f1_score(gold, pred, average="macro", zero_division=0), abs=1e-9
    )
    labels = sorted(set(gold) | set(pred))
    precision, recall, f1, support = precision_recall_fscore_support(
        gold, pred, labels=labels, zero_division=0
    )
    per_label = {
        r[0]: r[1:]
        for r in query(
            built,
            "select label, label_precision, label_recall, f1, support "
            "from main.rpt_eval_label_metrics where label_kind = 'category'",
        )
    }
    assert sorted(per_label) == labels
    for i, label in enumerate(labels):
        assert per_label[label] == pytest.approx((precision[i], recall[i], f1[i], support[i]))
    cells = query(
        built,
        "select gold_label, predicted_label, items from main.rpt_eval_confusion_matrix "
        "where label_kind = 'category'",
    )
    assert sum(c[2] for c in cells) == len(gold)
    # expected calibration error over 10 equal-width bins
    conf = np.array([c for *_, c in pairs], dtype=float)
    right = np.array([g == p for g, p in zip(gold, pred, strict=True)], dtype=float)
    bins = np.minimum((conf * 10).astype(int), 9)
    expected_ece = sum(
        (bins == b).sum() / len(conf) * abs(right[bins == b].mean() - conf[bins == b].mean())
        for b in np.unique(bins)
    )
    assert ece == pytest.approx(expected_ece, abs=1e-9)


def test_sentiment_metrics_on_the_clothing_slice_equal_sklearn(built: Path) -> None:
    pairs = query(
        built,
        "select g.gold_sentiment, f.model_sentiment from main.int_gold_labels g "
        "join main.fct_feedback f using (feedback_id) "
        "where g.label_scheme = 'clothing' and f.enrichment_key is not null",
    )
    gold = [g for g, _ in pairs]
    pred = ["neutral" if p == "mixed" else p for _, p in pairs]
    rows = query(
        built,
        "select sentiment_items, sentiment_accuracy, sentiment_macro_f1 from main.rpt_eval_summary "
        "where sentiment_items > 0",
    )
    items, accuracy, macro_f1 = rows[0]
    assert items == len(gold) > 250
    assert accuracy == pytest.approx(accuracy_score(gold, pred), abs=1e-9)
    assert macro_f1 == pytest.approx(
        f1_score(gold, pred, average="macro", zero_division=0), abs=1e-9
    )


def test_reviewer_kappa_equals_sklearn(built: Path) -> None:
    assert query(built, "select count(*) from main.fct_feedback where is_reviewed") == [(40,)]
    # kappa is per provider, model, prompt and taxonomy: a reviewed record that was never
    # enriched (spam, empty text) has a key of its own, so compare the offline one
    reviewed = query(
        built,
        "select model_main_category, main_category, model_sentiment, sentiment "
        "from main.fct_feedback where is_reviewed and provider = 'offline'",
    )
    assert len(reviewed) >= 35
    rows = dict(
        query(
            built,
            "select label_kind, cohens_kappa from main.rpt_review_kappa where provider = 'offline'",
        )
    )
    model_s, reviewer_s = [r[2] for r in reviewed], [r[3] for r in reviewed]
    assert rows["sentiment"] == pytest.approx(cohen_kappa_score(model_s, reviewer_s), abs=1e-9)
    # reviewers kept every category: perfect agreement, kappa 1 (or null with one label)
    assert rows["category"] in (None, pytest.approx(1.0))


def _levels(pairs: list[tuple[float, bool]]) -> list[tuple[float, float, int]]:
    """(confidence, precision, items) of the items at or above each confidence level, the
    cumulative counts int_eval__confidence_thresholds works on, recomputed here."""
    levels = []
    for level in sorted({c for c, _ in pairs}, reverse=True):
        above = [right for c, right in pairs if c >= level]
        levels.append((level, sum(above) / len(above), len(above)))
    return levels


def test_threshold_keeps_the_target_precision(built: Path, tmp_path: Path) -> None:
    """The threshold is measured on the calibration split (int_eval__calibration_pairs):
    on a copy, half of the helpdesk gold (even first hex digit of the md5 of the feedback
    id, as int_gold_labels splits the tags) is landed again as calibration. The default
    target (0.90) may be out of reach, so the test sets one it reaches: the third best
    precision of the confidence levels with enough items, rounded down, which some levels
    keep and others miss. The mart's threshold must be the lowest confidence keeping it
    (not another one that does), with that precision and coverage, as recomputed from the
    same calibration pairs, and it is the threshold in force."""
    [(eval_key,)] = query(
        built, "select eval_key from main.rpt_eval_summary where is_current and category_items > 0"
    )
    # on a copy: the other tests read this build's gold and thresholds
    work = copy_built(built, tmp_path / "copy")
    tags = helpdesk_gold_tags(work / "landing")
    with (work / "landing" / "gold" / "agent_tags_calibration.csv").open(
        "w", encoding="utf-8", newline=""
    ) as out:
        writer = csv.writer(out)
        writer.writerow(
            ["feedback_id", "gold_category", "gold_sentiment", "label_scheme", "split", "labeller"]
        )
        for fid, tag in sorted(tags.items()):
            if int(hashlib.md5(fid.encode()).hexdigest()[0], 16) % 2 == 0:  # noqa: S324
                writer.writerow([fid, tag, "", "helpdesk_tags", "calibration", "helpdesk agents"])
    gold_models = ["bronze_gold__labels", "stg_gold__labels", "int_gold_labels"]
    run_dbt(
        work, "build", "--select", *gold_models, "int_eval__calibration_pairs", variables=CUSTOM
    )
    pairs = [
        (float(c), bool(right))
        for c, right in query(
            work,
            "select confidence, is_category_correct from main.int_eval__calibration_pairs "
            f"where eval_key = '{eval_key}' and gold_category is not null and not needs_review",
        )
    ]
    min_items = 20
    enough = [level for level in _levels(pairs) if level[2] >= min_items]
    best = sorted((p for _, p, _ in enough), reverse=True)
    assert len(best) >= 3
    target = math.floor(1000 * best[2]) / 1000
    kept = [level for level in enough if level[1] >= target]
    assert 1 < len(kept) < len(enough)  # kept at more than one level, and not at every one
    threshold_at, precision_at, items_at = kept[-1]  # the lowest confidence keeping it
    run_dbt(
        work,
        "build",
        "--select",
        "int_eval__confidence_thresholds",
        "int_eval__pairs",
        "rpt_eval_summary",
        variables={**CUSTOM, "eval_target_precision": target, "eval_min_items": min_items},
    )
    [(threshold, precision, coverage, in_force, source)] = query(
        work,
        "select confidence_threshold, precision_at_threshold, coverage_at_threshold, "
        "review_threshold, review_threshold_source "
        f"from main.rpt_eval_summary where eval_key = '{eval_key}'",
    )
    assert threshold == pytest.approx(threshold_at)
    assert precision == pytest.approx(precision_at) and precision >= target
    assert coverage == pytest.approx(items_at / len(pairs))
    assert (in_force, source) == (pytest.approx(threshold_at), "measured")


def _gates(work: Path, variables: dict, env: dict[str, str], expect_ok: bool = True):
    """Rebuild only the summary and the gates (and run their tests) under other settings."""
    return run_dbt(
        work,
        "build",
        "--select",
        "rpt_eval_summary",
        "rpt_quality_gates",
        variables={**CUSTOM, **variables},
        env=env,
        expect_ok=expect_ok,
    )


def test_gates_only_warn_without_a_baseline_and_state_value_and_threshold(built: Path) -> None:
    # a new user's first build on data the default thresholds do not fit: reported, not red
    result = _gates(built, {"eval_min_category_accuracy": 0.99}, env=NO_BASELINE_ENV)
    measured = query(built, "select category_accuracy from main.rpt_eval_summary where is_current")
    assert len(measured) == 1
    line = (
        f"quality gate (warn): category accuracy {round(measured[0][0], 3)} < 0.99 "
        "(var eval_min_category_accuracy; offline "
    )
    assert line in result.stdout
    assert re.search(r"WARN 1 assert_quality_gates_pass", result.stdout)


def test_set_baseline_passes_now_and_fails_a_regression_with_the_numbers(
    built: Path, tmp_path: Path
) -> None:
    out = tmp_path / "eval_baseline.json"
    db = str(built / "warehouse.duckdb")
    result = CliRunner().invoke(
        main, ["eval", "--db", db, "--set-baseline", "--baseline-file", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert f'export FEEDBACK_EVAL_BASELINE="$(cat {out})"' in result.output
    baseline = json.loads(out.read_text(encoding="utf-8"))
    accuracy = query(built, "select category_accuracy from main.rpt_eval_summary where is_current")
    expected = math.floor((accuracy[0][0] - 0.02) * 1000) / 1000
    assert baseline["eval_min_category_accuracy"] == pytest.approx(expected)
    assert baseline["enrichment"]["provider"] == "offline"
    # the baseline as written: gates are errors now, and the build that set it passes them
    ok = _gates(built, {}, env={"FEEDBACK_EVAL_BASELINE": out.read_text(encoding="utf-8")})
    assert "quality gate (" not in ok.stdout
    # a regression below the baseline fails the build, saying value and threshold
    raised = json.dumps({**baseline, "eval_min_category_accuracy": 0.99})
    failed = _gates(built, {}, env={"FEEDBACK_EVAL_BASELINE": raised}, expect_ok=False)
    assert failed.returncode != 0
    assert re.search(
        r"quality gate \(error\): category accuracy 0\.\d+ < 0\.99 \(baseline; offline ",
        failed.stdout,
    )
    assert "ERROR=1" in failed.stdout
