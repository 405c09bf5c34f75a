"""The cue alternations stay fast without a timed test: `re` skips ahead to the characters
a match can start with only when every branch of an alternation starts at a word
boundary. One branch that did not ("(?:^|(?<=please ))fix ...", "(?:\\bnot|n't) ...")
made the defect alternation 49 us a text instead of 13 and the negated-expectation one
42 instead of 7.5 (docs/quality-history.md, "the cues' cost"); `make bench` measures the
provider's speed."""

from __future__ import annotations

import pytest

from feedback_lakehouse.enrichment.providers.offline import cues


def top_level_branches(pattern: str) -> list[str]:
    """The branches of a regular expression's top-level alternation."""
    branches, depth, start, i, in_class = [], 0, 0, 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            branches.append(pattern[start:i])
            start = i + 1
        i += 1
    branches.append(pattern[start:])
    return branches


def test_branches_are_split_at_the_top_level_only() -> None:
    assert top_level_branches(r"\ba|\b(?:b|c)[|]d|\be\|f") == [r"\ba", r"\b(?:b|c)[|]d", r"\be\|f"]


@pytest.mark.parametrize("name", ["DEFECT_CUES", "EXPECTATION_CUES", "COMPLAINT_CUES"])
def test_every_cue_branch_starts_at_a_word_boundary(name: str) -> None:
    combined = "|".join(getattr(cues, name))
    late = [b for b in top_level_branches(combined) if not b.startswith(r"\b")]
    assert not late, f"{name}: branches that do not start with \\b: {late}"
