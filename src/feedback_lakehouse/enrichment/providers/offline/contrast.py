"""The clause that decides a text's point: the one after its last contrast word.

"Love the lamp, but the shade has a hole" is a complaint dressed in praise: what follows
"but" is what the customer came to say. `rules.score` reads `contrast_clause` to hold a
positive-only category (praise) below the category that clause names (English texts).
"""

from __future__ import annotations

from collections.abc import Sequence

from feedback_lakehouse.enrichment.providers.offline.matcher import Keyword
from feedback_lakehouse.enrichment.providers.offline.options import OfflineOptions

# the words after which the clause that decides a text's point starts ("love it, but ...")
CONTRAST = frozenset({"but", "however", "except", "then"})


def contrast_clause(
    tokens: Sequence[str],
    found: Sequence[tuple[int, str, list[Keyword]]],
    keywords: dict[str, list[Keyword]],
    options: OfflineOptions,
) -> tuple[str, tuple[str, ...]] | None:
    """(contrast word, the categories named after it) when the clause after the text's
    last contrast word names a category that is not positive-only and no praise: that
    clause carries the text's point ("Love the lamp, but the shade has a hole"). The
    clause is the `contrast_window` tokens after the word (the tokens have no sentence
    marks): a long review's last "but" is not followed by the rest of the review."""
    if CONTRAST.isdisjoint(tokens):
        return None
    last = max(i for i, token in enumerate(tokens) if token in CONTRAST)
    end = last + options.contrast_window
    after = {
        entry.category_id
        for start, _key, entries in found
        if last < start <= end
        for entry in entries
        if entry in keywords.get(entry.category_id, ())
    }
    named = after - set(options.positive_only_categories)
    if not named or named != after:
        return None
    return tokens[last], tuple(sorted(named))
