"""The category self-training's rule pass and the provider read each text's sentiment
evidence once in a first build (README Benchmarks, "Seventh pass")."""

from __future__ import annotations

import pytest

from feedback_lakehouse.enrichment.providers.offline import cues, rules
from feedback_lakehouse.enrichment.providers.offline.lexicon import (
    _Vader,
    reset_sentiment_memo,
    sentiment_analyzer,
)
from feedback_lakehouse.enrichment.providers.offline.options import OfflineOptions
from feedback_lakehouse.enrichment.selftrain import rule_choice
from feedback_lakehouse.enrichment.taxonomy import Taxonomy


def _row(cid: str, keywords: str) -> dict[str, object]:
    return {
        "taxonomy_version": "r1",
        "category_id": cid,
        "parent_category_id": "",
        "category_name": cid.title(),
        "description": cid,
        "owner_team": "support",
        "criticality": 3,
        "keywords": keywords,
        "examples": "",
    }


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return Taxonomy.from_records([_row("praise", "love|great"), _row("delivery", "parcel")])


# praise scores in each, so the rule pass asks for the sentiment label; several
# sentences (the whole-text pass is what label-only leaves out) and one
PRAISED = [
    "I love this shop. The parcel came late, sadly! Still GREAT service :)",
    "Great parcel, love it!!!",
]


@pytest.mark.parametrize("text", PRAISED)
def test_the_provider_reads_the_praise_checks_evidence_without_scoring_the_cues_again(
    taxonomy, monkeypatch, text
):
    reset_sentiment_memo()
    rule_choice(text, taxonomy, OfflineOptions(), "rule-pass-test", "en")
    calls: list[str] = []
    problem_cues, complaint_cues = cues.problem_cues, cues.complaint_cues
    monkeypatch.setattr(cues, "problem_cues", lambda low: calls.append(low) or problem_cues(low))
    monkeypatch.setattr(
        cues, "complaint_cues", lambda low: calls.append(low) or complaint_cues(low)
    )
    full = rules.evidence_of(text, sentiment_analyzer())  # the provider's request
    assert calls == []  # the rule pass's cues, not scored again
    monkeypatch.undo()
    assert full == rules.evidence_of(text, _Vader())  # what a cold analyzer computes
    assert full.emphasis != (0, 0, 0) and full.scores["compound"] == full.whole
    reset_sentiment_memo()
