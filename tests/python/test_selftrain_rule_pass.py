"""The category self-training's rule pass and the provider read each text's sentiment
evidence once in a first build (docs/benchmarks.md, "Seventh pass")."""

from __future__ import annotations

import pytest
from taxonomy_helpers import taxonomy_row

from feedback_lakehouse.enrichment.providers.offline import cues, rules
from feedback_lakehouse.enrichment.providers.offline.lexicon import (
    _Vader,
    reset_sentiment_memo,
    sentiment_analyzer,
)
from feedback_lakehouse.enrichment.providers.offline.options import OfflineOptions
from feedback_lakehouse.enrichment.selftrain import rule_choice
from feedback_lakehouse.enrichment.taxonomy import Taxonomy


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return Taxonomy.from_records(
        [taxonomy_row("r1", "praise", "love|great"), taxonomy_row("r1", "delivery", "parcel")]
    )


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


def test_a_text_is_matched_once_by_the_rule_pass_and_the_provider(taxonomy, monkeypatch):
    """The rule pass scores a praised text twice (as 'positive', then with its label)
    and the provider (its own compiled rules, another fingerprint) a third time: the
    keywords and examples are matched once, and the record is what a cold one is."""
    from feedback_lakehouse.contracts import TextItem
    from feedback_lakehouse.enrichment.providers.offline.matcher import compiled_for
    from feedback_lakehouse.enrichment.providers.offline.provider import OfflineProvider

    rules.reset_score_memo()
    reset_sentiment_memo()
    calls: list[int] = []
    keyword_scores = rules._keyword_scores
    monkeypatch.setattr(
        rules, "_keyword_scores", lambda *a, **k: calls.append(1) or keyword_scores(*a, **k)
    )
    provider = OfflineProvider()
    text = PRAISED[0]
    key = provider.prompt_version(taxonomy)
    rule_choice(text, taxonomy, provider.options, key, "en")
    matcher = compiled_for(key, taxonomy, provider.options.phrase_bonus, "en").matcher
    finds: list[int] = []
    find = matcher.find
    monkeypatch.setattr(matcher, "find", lambda tokens: finds.append(1) or find(tokens))
    record = provider.enrich([TextItem(text_hash="t1", text=text, language="en")], taxonomy)[0]
    assert len(calls) == 1
    assert finds == []  # the provider reads the rule pass's matches (its summary too)
    assert record.main_category is not None
    monkeypatch.undo()
    rules.reset_score_memo()
    reset_sentiment_memo()
    cold = OfflineProvider().enrich([TextItem(text_hash="t1", text=text, language="en")], taxonomy)
    assert record.model_dump(exclude={"enriched_at", "latency_ms"}) == cold[0].model_dump(
        exclude={"enriched_at", "latency_ms"}
    )


@pytest.mark.parametrize(
    ("text", "note"),
    [
        ("I love the app but it crashes, and the parcel arrived cracked!", "damaged in transit"),
        ("I love the app, great looks, but it crashes.", "failure app [crashes] over place"),
    ],
)
def test_kept_scores_give_each_sentiment_its_own_damping_and_caps(text, note):
    """The same tokens scored as positive and as negative after the memo holds them:
    each equals its cold score (praise damped, a failure's place capped, transit noted)."""
    from feedback_lakehouse.enrichment.providers.offline.lexicon import tokens_of
    from feedback_lakehouse.enrichment.providers.offline.matcher import compile_taxonomy

    rows = [
        taxonomy_row("r1", "praise", "love|great"),
        taxonomy_row("r1", "delivery", "parcel|arrived"),
        taxonomy_row("r1", "app", "app"),
    ]
    rows[1]["examples"] = "the parcel arrived broken"
    rows[2]["keywords"] = "app|crashes"
    categories = Taxonomy.from_records(rows).categories.values()
    options = OfflineOptions(transit_category="delivery")
    tokens = tokens_of(text)
    cold = {}
    for sentiment in ("positive", "negative", "mixed"):
        rules.reset_score_memo()
        cold[sentiment] = rules.score(tokens, sentiment, compile_taxonomy(categories, 0.5), options)
    rules.reset_score_memo()
    compiled = compile_taxonomy(categories, 0.5)
    warm = {s: rules.score(tokens, s, compiled, options) for s in ("positive", "negative", "mixed")}
    assert warm == cold
    assert warm["positive"].scores != warm["negative"].scores  # the damping is per call
    assert any(n.startswith(note) for n in warm["positive"].notes)
    assert rules._score_memo  # and the matching was kept
