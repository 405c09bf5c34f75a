"""Near-duplicate groups (feedback_lakehouse.text.near_duplicates), the paraphrase variants
the sample plants, and the measurement's pair scores."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from types import SimpleNamespace

import duckdb
import numpy as np
import pandas as pd
import pytest

from feedback_devtools.measure_near_duplicates import core, pair_scores, same_complaint
from feedback_devtools.paraphrase import PARAPHRASE_FILE, paraphrase, read_truth
from feedback_devtools.sample import generate
from feedback_lakehouse.text import near_duplicates as nd

CRASH = "The app crashes every time I open my order history on my phone."
CRASH_AGAIN = "Honestly, every time I open my order history on my phone the app crashes."
CRASH_TYPO = "The app crashes every time I open my order historyy on my phone."
REFUND = "Still waiting for my refund after returning the jacket three weeks ago."
DARK = "Please add a dark mode to the app, my eyes hurt at night."


def test_paraphrases_share_a_group_and_other_complaints_do_not() -> None:
    ids = nd.group_ids(["a", "b", "c", "d", "e"], [CRASH, CRASH_AGAIN, CRASH_TYPO, REFUND, DARK])
    assert ids[0] == ids[1] == ids[2]
    assert len({ids[0], ids[3], ids[4]}) == 3
    assert ids[3] == "d" and ids[4] == "e"  # a text alone is its own group


def test_similarity_is_the_share_of_equal_signature_values() -> None:
    sigs = nd.signatures([CRASH, CRASH_AGAIN, REFUND, CRASH])
    assert (sigs[0] == sigs[3]).all()  # same words, same signature
    assert (sigs[0] == sigs[1]).mean() >= nd.DEFAULT_THRESHOLD
    assert (sigs[0] == sigs[2]).mean() < 0.2


def test_groups_do_not_chain_unlike_texts() -> None:
    # b is like a and like c, but a and c share nothing: a centre takes only its neighbours
    pairs = np.array([[0, 1], [1, 2]])
    label = nd.centres(3, pairs)
    assert label[0] == label[1] == label[2] == 1  # b has most neighbours: the centre
    label = nd.centres(4, np.array([[0, 1], [1, 2], [2, 3]]))
    assert label[0] != label[3]


def test_incremental_keeps_stored_groups_and_joins_new_texts_to_them() -> None:
    first, sigs = nd.assign_new(["h-crash", "h-refund"], [CRASH, REFUND])
    assert first == ["h-crash", "h-refund"]
    ids, _ = nd.assign_new(
        ["h-again", "h-dark", "h-dark2"],
        [CRASH_AGAIN, DARK, DARK + " Thanks."],
        stored_sigs=nd.decode(nd.encode(sigs)),
        stored_groups=["g-crash", "g-refund"],
    )
    assert ids == ["g-crash", "h-dark", "h-dark"]


def test_an_incremental_run_without_new_texts_adds_nothing() -> None:
    _, sigs = nd.assign_new(["h-crash", "h-refund"], [CRASH, REFUND])
    ids, new = nd.assign_new([], [], stored_sigs=sigs, stored_groups=["h-crash", "h-refund"])
    assert ids == [] and new.shape == (0, nd.NUM_PERM)


def test_signatures_round_trip_through_the_stored_column() -> None:
    sigs = nd.signatures([CRASH, "", "ok"])
    assert (nd.decode(nd.encode(sigs)) == sigs).all()
    assert nd.decode([]).shape == (0, nd.NUM_PERM)


def test_empty_and_stop_word_only_texts_get_a_group() -> None:
    assert nd.group_ids(["x", "y", "z"], ["", "it is", "It is!"]) == ["x", "y", "y"]


def _dbt(incremental: bool) -> SimpleNamespace:
    return SimpleNamespace(is_incremental=incremental, this="main.neardup")


def test_the_dbt_model_groups_only_new_texts(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    cleaned = pd.DataFrame(
        {
            "text_hash": ["h1", "h2", "h3", "h3"],
            "masked_text": [CRASH, REFUND, "", ""],
            "is_empty": [False, False, True, True],
        }
    )
    stored = nd.near_duplicate_model(_dbt(False), con, cleaned, {})
    con.execute("create table main.neardup as select * from stored")
    assert stored.column("text_hash").to_pylist() == ["h1", "h2"]
    more = pd.concat(
        [
            cleaned,
            pd.DataFrame({"text_hash": ["h4"], "masked_text": [CRASH_AGAIN], "is_empty": [False]}),
        ]
    )
    new = nd.near_duplicate_model(_dbt(True), con, more, {})
    assert new.to_pydict()["text_hash"] == ["h4"]
    assert new.to_pydict()["near_duplicate_group_id"] == ["h1"]


def test_a_bad_threshold_says_what_to_set() -> None:
    with pytest.raises(ValueError, match="near_duplicate_threshold must be in"):
        nd.near_duplicate_model(
            SimpleNamespace(is_incremental=False),
            None,
            pd.DataFrame(),
            {"near_duplicate_threshold": 2},
        )


def test_paraphrase_changes_the_words_not_the_complaint() -> None:
    rng = random.Random(3)
    variants = {paraphrase(CRASH, rng) for _ in range(20)}
    assert CRASH not in variants and len(variants) >= 15
    # each keeps most of the original's words
    words = set(nd.words(CRASH))
    assert all(len(words & set(nd.words(v))) >= len(words) // 2 for v in variants)


def test_the_sample_records_its_paraphrase_groups(tmp_path: Path) -> None:
    manifest = generate(tmp_path, records=3000, seed=5)
    rows = read_truth(tmp_path)
    summary = manifest["paraphrases"]
    assert summary["file"] == PARAPHRASE_FILE
    assert summary["variants"] == sum(r["role"] == "variant" for r in rows) > 10
    assert summary["groups"] == sum(r["role"] == "original" for r in rows)
    originals = {r["group"]: r["text"] for r in rows if r["role"] == "original"}
    landed = "\n".join(
        p.read_text("utf-8") for p in tmp_path.rglob("*") if p.suffix in (".csv", ".jsonl")
    )
    variants = [r for r in rows if r["role"] == "variant"]
    assert all(r["text"] != originals[r["group"]] for r in variants)
    # most variants reach the landing files verbatim (some are HTML-wrapped or greeted)
    found = sum(json.dumps(r["text"])[1:-1] in landed or r["text"] in landed for r in variants)
    assert found >= 0.8 * len(variants)


def test_pair_scores_count_pairs_with_a_planted_text() -> None:
    a, b, c = frozenset({"a"}), frozenset({"b"}), frozenset({"c"})
    texts = pd.DataFrame(
        {
            "truth": [a, a, a, b, c],
            "group": [1, 1, 1, None, None],
            "scored": [True, True, True, False, False],
        }
    )
    # group 0: the three planted texts and b (3 good pairs, 3 with b wrong); c alone
    scores = pair_scores(texts, np.array([0, 0, 0, 0, 4]))
    assert scores["grouped_pairs"] == 6 and scores["precision"] == 0.5
    assert scores["recall"] == 1.0
    scores = pair_scores(texts, np.array([0, 0, 2, 3, 4]))
    assert scores["precision"] == 1.0 and scores["recall"] == pytest.approx(1 / 3)


def test_core_drops_the_framing_the_generator_adds() -> None:
    body = "Hi there, Not impressed. The login link has expired. Sort it out!\n\nBest,\nIvan"
    assert core(body) == frozenset({"the login link has expired"})
    assert same_complaint(core(body), core("<p>The login link has expired.<br/>Avoid.</p>"))


def _real_and_sample_texts(tmp_path: Path) -> list[str]:
    """Real texts (the fixtures' slices of ../shared/data) and a generated sample (seed 7),
    plus texts with digits, underscores, accents and the fallback's separator word."""
    fixtures = Path(__file__).resolve().parents[1] / "fixtures"
    texts = pd.read_csv(fixtures / "clothing_slice" / "reviews.csv")["Review Text"].dropna()
    texts = texts.astype(str).tolist()
    texts += pd.read_csv(fixtures / "banking77_slice" / "train.csv")["text"].tolist()
    generate(tmp_path, records=2000, seed=7)
    from feedback_devtools.landing_texts import landing_texts

    texts += landing_texts(tmp_path)
    return texts + ["", "the and of", "Café_au_lait 42x São-Paulo", "naïve   RÉSUMÉ\tdéjà-vu"]


def test_signatures_equal_datasketch_minhash_of_each_text(tmp_path: Path) -> None:
    """The batched signatures are datasketch's MinHash of each text's shingles, whatever
    the chunk size of the numpy reduction."""
    from datasketch import MinHash

    texts = _real_and_sample_texts(tmp_path)
    sigs = nd.signatures(texts)
    for i in range(0, len(texts), 7):
        expected = MinHash(num_perm=nd.NUM_PERM, seed=nd.SEED)
        for word in nd.words(texts[i]):
            expected.update_batch(nd.shingles(word))
        if not nd.words(texts[i]):
            assert (sigs[i] == np.iinfo(np.uint32).max).all()
        else:
            assert (sigs[i] == expected.hashvalues.astype(np.uint32)).all(), texts[i]
    for chunk in (3, 10**6):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(nd, "CHUNK", chunk)
            assert (nd.signatures(texts) == sigs).all()
    # a text holding the separator word takes the per-text path: the same signatures
    with_sep = [*texts[:50], f"odd {nd._SEP} text"]
    assert (nd.signatures(with_sep)[:50] == sigs[:50]).all()


def test_similarities_and_groups_on_real_and_sample_texts(tmp_path: Path) -> None:
    """Similarity is the share of equal signature values, and every grouped text is
    similar to its group's centre, on real and generated texts."""
    texts = list(dict.fromkeys(_real_and_sample_texts(tmp_path)))
    keys = [f"k{i}" for i in range(len(texts))]
    ids, sigs = nd.assign_new(keys, texts)
    pairs, similarity = nd.similar_pairs(sigs, nd.DEFAULT_THRESHOLD)
    assert len(pairs) > 20
    assert np.allclose(similarity, (sigs[pairs[:, 0]] == sigs[pairs[:, 1]]).mean(axis=1))
    grouped = [i for i, key in enumerate(keys) if ids[i] != key]
    centre_of = dict(zip(keys, range(len(keys)), strict=True))
    for i in grouped:  # each member is similar to its centre
        j = centre_of[ids[i]]
        assert (sigs[i] == sigs[j]).mean() >= nd.DEFAULT_THRESHOLD


def test_pairs_are_verified_in_chunks_with_the_same_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The candidate pairs checked a few at a time (`PAIR_CHUNK`, made tiny here) and
    de-duplicated by sorting give what one numpy step and `np.unique` give."""
    texts = list(dict.fromkeys(_real_and_sample_texts(tmp_path)))
    sigs = nd.signatures(texts)
    pairs = nd.candidate_pairs(sigs)
    assert len(pairs) > 20
    direct = np.count_nonzero(sigs[pairs[:, 0]] == sigs[pairs[:, 1]], axis=1)
    monkeypatch.setattr(nd, "PAIR_CHUNK", 7)  # many chunks, the last one short
    assert (nd._equal_values(sigs, pairs) == direct).all()
    codes = np.random.default_rng(0).integers(0, 50, 500)
    assert (nd._sorted_unique(codes) == np.unique(codes)).all()
    assert len(nd._sorted_unique(np.empty(0, np.int64))) == 0


def test_the_dbt_model_groups_the_same_whatever_the_row_order(tmp_path: Path) -> None:
    """A full build gives the same groups for the same texts in any order (DuckDB
    returns `int_feedback__cleaned` in another row order on each build)."""
    generate(tmp_path, records=2000, seed=7)
    from feedback_devtools.landing_texts import landing_texts

    texts = list(dict.fromkeys(landing_texts(tmp_path)))
    cleaned = pd.DataFrame(
        {
            "text_hash": [f"h{i:05d}" for i in range(len(texts))],
            "masked_text": texts,
            "is_empty": False,
        }
    )
    con = duckdb.connect()
    first = nd.near_duplicate_model(_dbt(False), con, cleaned, {}).to_pandas()
    shuffled = cleaned.sample(frac=1.0, random_state=1)
    second = nd.near_duplicate_model(_dbt(False), con, shuffled, {}).to_pandas()
    assert (first["near_duplicate_group_id"] != first["text_hash"]).sum() > 50
    key = "text_hash"
    pd.testing.assert_frame_equal(
        first.sort_values(key).reset_index(drop=True),
        second.sort_values(key).reset_index(drop=True),
    )


def test_an_incremental_run_reads_only_the_stored_rows_near_its_new_texts(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """On DuckDB a daily run reads the stored rows that share an LSH band with a new text
    (or its hash), not every stored signature, and groups exactly as reading them all."""
    texts = list(dict.fromkeys(_real_and_sample_texts(tmp_path)))
    keys = [f"h{i:05d}" for i in range(len(texts))]
    cleaned = pd.DataFrame({"text_hash": keys, "masked_text": texts, "is_empty": False})
    first, later = cleaned.iloc[::2], cleaned.iloc[1::2].tail(200)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    stored = nd.near_duplicate_model(_dbt(False), con, first, {})
    con.execute("create table main.neardup as select * from stored")
    # a text stored already (given again, as a pandas frame is not filtered in SQL)
    again = pd.concat([later, first.head(3)])
    with caplog.at_level("INFO", logger=nd.__name__):
        new = nd.near_duplicate_model(_dbt(True), con, again, {}).to_pandas()
    assert sorted(new["text_hash"]) == sorted(later["text_hash"])
    read = int(re.search(r"\((\d+) stored signatures read\)", caplog.text).group(1))
    assert 3 <= read < len(first) / 4, (read, len(first))
    # the same groups as the whole stored table gives
    ordered = later.sort_values("text_hash")
    ids, _ = nd.assign_new(
        ordered["text_hash"].tolist(),
        ordered["masked_text"].tolist(),
        nd.decode(stored.column("minhash_signature").to_pylist()),
        stored.column("near_duplicate_group_id").to_pylist(),
    )
    assert new.sort_values("text_hash")["near_duplicate_group_id"].tolist() == ids
    assert sum(i in set(stored.column("text_hash").to_pylist()) for i in ids) >= 3
    # nothing new: nothing read but the texts given again, nothing added
    assert nd.near_duplicate_model(_dbt(True), con, first.head(3), {}).num_rows == 0
