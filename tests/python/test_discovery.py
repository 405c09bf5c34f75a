"""Topic discovery in the other/unknown bucket, and the theme the sample plants for it."""

from __future__ import annotations

import pandas as pd

from feedback_devtools.sample import GAP_KEYWORDS, generate
from feedback_lakehouse.reporting.discovery import (
    TOPICS_SCHEMA,
    candidate_topics,
    candidate_topics_model,
)


def _frame(texts: list[tuple[str, str, int]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "feedback_id": [f"f{i}" for i in range(len(texts))],
            "text_hash": [f"h{i}" for i in range(len(texts))],
            "masked_text": [t for t, _, _ in texts],
            "main_category": [c for _, c, _ in texts],
            "taxonomy_version": "v2",
            "weeks_before_as_of": [w for _, _, w in texts],
            "language": "en",
            "is_empty": False,
            "is_spam": False,
        }
    )


THEME = [
    ("The engraving on my mug has the initials wrong", "unknown", 0),
    ("Personalised engraving came out crooked, initials uneven", "unknown", 0),
    ("Engraving is faint, cannot read the initials", "other", 0),
    ("The personalised engraving option disappeared", "unknown", 1),
]
NOISE = [
    ("Does anyone know if the chair comes in black", "other", 3),
    ("Bought it as a gift, will see if they like it", "other", 2),
    ("Review for the points", "unknown", 5),
    ("Haven't used the chair much yet, will see", "other", 4),
    ("Ordered it as a gift for my mum", "unknown", 6),
    ("Why do you need my location", "unknown", 7),
]


def test_clusters_the_theme_and_measures_growth() -> None:
    frame = _frame(THEME + NOISE + [("Love it", "praise", 0)])
    topics = candidate_topics(frame, max_topics=3, min_topic_size=2)
    assert list(topics.columns) == [f.name for f in TOPICS_SCHEMA]
    theme = topics[topics["top_terms"].str.contains("engraving")]
    assert len(theme) == 1
    row = theme.iloc[0]
    assert row["items"] == 4 and row["items_latest_week"] == 3
    assert row["weekly_mean_before"] == 0.25
    assert row["growth_ratio"] > 1
    assert "Love it" not in " ".join(topics["example_texts"])


def test_same_input_same_topics_and_empty_bucket() -> None:
    frame = _frame(THEME + NOISE)
    pd.testing.assert_frame_equal(candidate_topics(frame), candidate_topics(frame))
    only_praise = _frame([("Love it", "praise", 0)])
    assert candidate_topics(only_praise).empty
    table = candidate_topics_model({"discovery_max_topics": "None"}, only_praise)
    assert table.num_rows == 0 and table.schema == TOPICS_SCHEMA


def test_non_english_spam_and_empty_texts_are_left_out() -> None:
    frame = _frame(THEME + [("Paket kam nie an", "unknown", 0)] * 3)
    frame.loc[len(THEME) :, "language"] = "de"
    frame.loc[0, "is_spam"] = True
    topics = candidate_topics(frame, min_topic_size=1)
    assert int(topics["items"].sum()) == len(THEME) - 1


def test_sample_plants_the_gap_theme_and_records_it(tmp_path) -> None:
    manifest = generate(tmp_path, records=800, seed=3)
    gap = manifest["taxonomy_gap"]
    assert gap["keywords"] == list(GAP_KEYWORDS) and gap["count"] >= 20
    assert {"seed", "records", "end_date", "weeks", "files", "incidents", "planted"} <= set(
        manifest
    )
    comments = pd.concat(
        pd.read_csv(p, dtype=str, keep_default_na=False)
        for p in sorted((tmp_path / "survey").glob("nps_*.csv"))
    )["Comment"]
    assert comments.str.contains("engraving", case=False).sum() == gap["count"]


def test_partial_selection_keeps_the_full_sorts_first_items_ties_included() -> None:
    import numpy as np

    from feedback_lakehouse.reporting.discovery import _smallest

    rng = np.random.default_rng(7)
    for _ in range(200):
        size = int(rng.integers(1, 60))
        values = rng.integers(0, 5, size).astype(float)  # many ties
        names = [f"t{int(x)}" for x in rng.integers(0, 1000, size)]
        candidates = np.arange(size)
        n = int(rng.integers(1, 8))
        keys = {int(i): (values[i], names[i]) for i in candidates}
        picked = sorted(_smallest(candidates, values, n), key=lambda i: keys[int(i)])[:n]
        full = sorted(candidates, key=lambda i: keys[int(i)])[:n]
        assert [keys[int(i)] for i in picked] == [keys[int(i)] for i in full]


def test_an_unsure_guess_where_no_taxonomy_word_matched_is_in_the_bucket() -> None:
    """Self-training labels every text; a theme the taxonomy lacks comes out as unsure
    guesses (status reason unknown_category), which discovery must still read, while a
    labelled or merely low-confidence record stays out."""
    frame = _frame(THEME + NOISE)
    frame["main_category"] = ["pricing_billing", "praise", "praise", "shipping"] + [
        c for _, c, _ in NOISE
    ]
    frame["status_reason_code"] = ["unknown_category"] * len(THEME) + ["unknown_category"] * len(
        NOISE
    )
    frame.loc[len(frame)] = frame.iloc[0].copy()
    frame.loc[len(frame) - 1, ["feedback_id", "text_hash", "masked_text"]] = [
        "placed",
        "hp",
        "The engraving was included in the price",
    ]
    frame.loc[len(frame) - 1, "status_reason_code"] = "low_confidence"
    topics = candidate_topics(frame, max_topics=3, min_topic_size=2)
    theme = topics[topics["top_terms"].str.contains("engraving")]
    assert len(theme) == 1 and theme.iloc[0]["items"] == len(THEME)
