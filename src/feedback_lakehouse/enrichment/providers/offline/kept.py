"""Each text's sentiment evidence, computed once for a first build over several processes.

A first build with self-training scores every text's sentiment evidence
(`rules.evidence_of`) for the self-trained sentiment's pseudo-labels, over worker
processes (`evidence_of_texts`, `selftrain_dbt.batch_sentiment_model`), and this process
keeps it (`lexicon._Vader.evidence_memo`). The enrichment that follows runs in other
worker processes, which would score every text again: `engine._enrich_in_workers` asks
the provider's `carried` for what this process keeps (`state_of`) and hands it to the
workers with the texts, which keep it before they enrich (`keep`). The evidence depends
on the text alone, so the rows are the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from feedback_lakehouse.enrichment.providers.offline import rules
from feedback_lakehouse.enrichment.providers.offline.lexicon import sentiment_analyzer


def evidence_of_texts(texts: Sequence[str]) -> list[rules.SentimentEvidence]:
    """The full sentiment evidence of each text (`rules.evidence_of` with this process's
    analyzer, which keeps it): what `parallel.map_chunks` spreads over worker processes."""
    vader = sentiment_analyzer()
    return [rules.evidence_of(text, vader) for text in texts]


class KeptEvidence:
    """The offline provider's `carried`: kept evidence, offered and taken in."""

    def state_of(self, texts: Sequence[str]) -> list[Any] | None:
        """Per text, the evidence this process keeps (full or label-only), or None; None
        for all when it keeps none of them."""
        memo = getattr(sentiment_analyzer(), "evidence_memo", None)
        if not memo:
            return None
        found = [memo.get(text) for text in texts]
        return found if any(state is not None for state in found) else None

    def keep(self, texts: Sequence[str], states: Sequence[Any]) -> None:
        """In a worker process: keep the evidence another process computed (`state_of`)
        for the texts it has none of, so the provider reads it instead of scoring them."""
        vader = sentiment_analyzer()
        memo = getattr(vader, "evidence_memo", None)
        if memo is None:
            return
        for text, state in zip(texts, states, strict=True):
            if state is not None and text not in memo:
                vader.remember_evidence(text, state)
