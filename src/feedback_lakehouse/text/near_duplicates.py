"""Near-duplicate groups of distinct texts: the same complaint in slightly different words.

A text's shingles are its words (stop words dropped) and their first five letters, so
word order changes none, a synonym one word's and a late typo or another ending only one.
Its MinHash signature is datasketch's `MinHash` of those shingles, computed per distinct *word* with
`MinHash.bulk` and merged per text (a MinHash of a union is the element-wise minimum of
the parts' MinHashes, datasketch's `MinHash.merge`), as one numpy reduction instead of
one Python object per text. Candidate pairs come from LSH banding of the signatures
(`BANDS` bands of `ROWS` rows); a candidate pair is kept when its estimated Jaccard
similarity (the share of equal signature values, datasketch's `MinHash.jaccard`) reaches
the threshold; groups are formed around centres (`centres`): every member is similar to
its group's centre, so no chain of a-like-b-like-c joins unlike texts.

`group_ids` does a whole set of texts; `assign_new` groups only new texts against the
stored signatures of the texts seen before (the incremental dbt model): an old text
keeps its group id, a new text joins the group of a similar stored text or starts one.
"""

from __future__ import annotations

import base64
import logging
import re
import uuid
from collections.abc import Sequence
from itertools import chain
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from datasketch import MinHash
from scipy.sparse import csr_matrix
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from feedback_lakehouse.dbt_glue import config_value, new_cleaned_texts, to_arrow

log = logging.getLogger(__name__)

NUM_PERM = 64
BANDS = 10  # LSH: 10 bands of 6 rows; a pair at similarity 0.75 shares a band with
ROWS = 6  # probability 0.86, at 0.5 with 0.15 (fewer candidates to verify)
SEED = 1
# estimated Jaccard similarity from which two texts are one complaint; chosen on one
# half of the planted paraphrase groups (measure_near_duplicates.py; docs/near-duplicates.md)
DEFAULT_THRESHOLD = 0.75
# texts per numpy reduction: their words' signature rows (~12 words x 256 bytes a text)
# stay in the CPU cache; 50,000 took 1.5x the CPU of 1,000 at 67k texts (docs/near-duplicates.md)
CHUNK = 1_000
PAIR_CHUNK = 20_000  # candidate pairs verified per numpy step (`_equal_values`)

SCHEMA = pa.schema(
    [
        pa.field("text_hash", pa.string()),
        pa.field("near_duplicate_group_id", pa.string()),
        pa.field("minhash_signature", pa.string()),
    ]
)

_WORD = re.compile(r"[^\W\d_]+")
_SEP = "qqnearduplicatesepqq"  # a word no text is expected to hold (checked)
_STOP = frozenset(ENGLISH_STOP_WORDS)
_EMPTY = np.full(NUM_PERM, np.iinfo(np.uint32).max, dtype=np.uint32)


def shingles(word: str) -> list[bytes]:
    """A word's shingles: the word and its first five letters (a typo past the fifth
    letter, or another ending, still shares one of the two)."""
    return [word.encode("utf-8"), b"#" + word[:5].encode("utf-8")]


def _word_signatures(vocabulary: Sequence[str]) -> np.ndarray:
    """One datasketch MinHash signature (uint32 row) per distinct word."""
    if not len(vocabulary):
        return np.empty((0, NUM_PERM), dtype=np.uint32)
    hashes = MinHash.bulk([shingles(w) for w in vocabulary], num_perm=NUM_PERM, seed=SEED)
    return np.vstack([h.hashvalues for h in hashes]).astype(np.uint32)


def _tokens(texts: Sequence[str]) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Every text's words as codes into a vocabulary, flat, and the number per text: one
    regular-expression pass over all texts joined by a separator word (a Python call per
    text costs several times more at 1M texts)."""
    joined = f" {_SEP} ".join(texts).lower()
    if joined.count(_SEP) != max(len(texts) - 1, 0):  # a text holds the separator word
        per_text = [_WORD.findall(t.lower()) for t in texts]
        lengths = np.fromiter(map(len, per_text), dtype=np.int64, count=len(per_text))
        flat = np.asarray(list(chain.from_iterable(per_text)), dtype=object)
        codes, vocabulary = pd.factorize(flat)
        return codes, list(vocabulary), lengths
    # findall gives the same words as replacing the rest by spaces and splitting, faster
    codes, vocabulary = pd.factorize(np.asarray(_WORD.findall(joined), dtype=object))
    vocabulary = list(vocabulary)
    is_sep = codes == (vocabulary.index(_SEP) if _SEP in vocabulary else -1)
    text_of = np.cumsum(is_sep)  # 0 for the first text's words, 1 after the first separator
    lengths = np.bincount(text_of[~is_sep], minlength=len(texts)) if len(texts) else text_of
    return codes[~is_sep], vocabulary, lengths


def _drop_stop_words(
    codes: np.ndarray, vocabulary: Sequence[str], lengths: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """`codes` without stop words, except in texts made only of stop words."""
    stop = np.fromiter((w in _STOP for w in vocabulary), dtype=bool, count=len(vocabulary))
    is_stop = stop[codes]
    text_of = np.repeat(np.arange(len(lengths)), lengths)
    content = np.bincount(text_of[~is_stop], minlength=len(lengths))
    keep = ~is_stop | (content[text_of] == 0)
    return codes[keep], np.bincount(text_of[keep], minlength=len(lengths))


def words(text: str) -> list[str]:
    """The words a text's shingles come from (what `signatures` uses, for one text)."""
    tokens = _WORD.findall(text.lower())
    kept = [t for t in tokens if t not in _STOP]
    return kept or tokens


def signatures(texts: Sequence[str]) -> np.ndarray:
    """The MinHash signatures of `texts`, one uint32 row of `NUM_PERM` values each."""
    codes, vocabulary, lengths = _tokens(texts)
    codes, lengths = _drop_stop_words(codes, vocabulary, lengths)
    per_word = _word_signatures(vocabulary)
    out = np.tile(_EMPTY, (len(texts), 1))
    ends = np.cumsum(lengths)
    starts = ends - lengths
    for first in range(0, len(texts), CHUNK):
        last = min(first + CHUNK, len(texts))
        has = lengths[first:last] > 0
        if not has.any():
            continue
        lo, hi = starts[first], ends[last - 1]
        rows = per_word[codes[lo:hi]]
        offsets = (starts[first:last] - lo)[has]
        out[first:last][has] = np.minimum.reduceat(rows, offsets, axis=0)
    return out


def band_keys(sigs: np.ndarray) -> np.ndarray:
    """One uint64 key per text and band: texts sharing a key are LSH candidates."""
    keys = np.empty((len(sigs), BANDS), dtype=np.uint64)
    wide = sigs.astype(np.uint64)
    for band in range(BANDS):
        part = wide[:, band * ROWS : (band + 1) * ROWS]
        key = np.zeros(len(sigs), dtype=np.uint64)
        for col in range(ROWS):
            mixed = pd.util.hash_array(part[:, col] + np.uint64(col << 32 | band))
            key = key * np.uint64(0x100000001B3) ^ mixed
        keys[:, band] = key
    return keys


def candidate_pairs(sigs: np.ndarray, is_new: np.ndarray | None = None) -> np.ndarray:
    """Index pairs (n x 2) of texts that share a band: each bucket's members paired with
    its first member. With `is_new`, only pairs with at least one new text."""
    keys = band_keys(sigs)
    # a text without words has no signature: it is nobody's near-duplicate
    has_words = ~(sigs == _EMPTY).all(axis=1)
    pairs = []
    for band in range(BANDS):
        rows = np.flatnonzero(has_words)
        if is_new is not None:  # only the buckets a new text falls in
            rows = rows[np.isin(keys[rows, band], keys[is_new & has_words, band])]
        if not len(rows):
            continue
        # rows sorted by key (stable: ascending rows within a key); each run's first row
        order = rows[np.argsort(keys[rows, band], kind="stable")]
        sorted_keys = keys[order, band]
        starts = np.r_[True, sorted_keys[1:] != sorted_keys[:-1]]
        first = order[np.flatnonzero(starts)][np.cumsum(starts) - 1]
        mask = first != order
        pairs.append(np.column_stack([first[mask], order[mask]]))
    n = np.int64(max(len(sigs), 1))
    if not pairs:
        return np.empty((0, 2), dtype=np.int64)
    code = _sorted_unique(np.concatenate([p[:, 0] * n + p[:, 1] for p in pairs]))
    found = np.column_stack([code // n, code % n])
    if is_new is not None and len(found):
        found = found[is_new[found[:, 0]] | is_new[found[:, 1]]]
    return found


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """`np.unique(values)` by sorting: numpy 2's hash-based unique took 2.3 s on the 2.4M
    candidate codes of a 1M-record build, a sort 0.2 s."""
    ordered = np.sort(values)
    return ordered[np.r_[True, ordered[1:] != ordered[:-1]]] if len(ordered) else ordered


def _equal_values(sigs: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """How many signature values each pair shares, `PAIR_CHUNK` pairs at a time: the two
    gathered signature blocks stay small (all at once, 2.4M pairs of a 1M-record build
    gathered 1.2 GB and took 8.5 s; by chunks 0.4 s)."""
    equal = np.empty(len(pairs), dtype=np.int64)
    for start in range(0, len(pairs), PAIR_CHUNK):
        part = pairs[start : start + PAIR_CHUNK]
        equal[start : start + PAIR_CHUNK] = np.count_nonzero(
            sigs[part[:, 0]] == sigs[part[:, 1]], axis=1
        )
    return equal


def similar_pairs(
    sigs: np.ndarray, threshold: float, is_new: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The candidate pairs whose estimated Jaccard similarity reaches `threshold`, and
    their similarities."""
    pairs = candidate_pairs(sigs, is_new)
    if not len(pairs):
        return pairs, np.empty(0)
    equal = _equal_values(sigs, pairs)
    similarity = equal / sigs.shape[1]  # as .mean(axis=1), without a float copy
    keep = similarity >= threshold
    return pairs[keep], similarity[keep]


def centres(n: int, pairs: np.ndarray) -> np.ndarray:
    """Greedy centre clustering: the text with the most similar texts becomes a centre
    and takes every similar text not yet taken; then the next. Each member is similar to
    its centre (no chains of a-like-b-like-c). Returns each text's centre index."""
    label = np.arange(n)
    if not len(pairs):
        return label
    both = np.vstack([pairs, pairs[:, ::-1]])
    graph = csr_matrix((np.ones(len(both), np.int8), (both[:, 0], both[:, 1])), shape=(n, n))
    degree = np.diff(graph.indptr)
    linked = np.flatnonzero(degree)
    order = linked[np.lexsort((linked, -degree[linked]))]
    taken = np.zeros(n, bool)
    indptr, indices = graph.indptr, graph.indices
    for node in order.tolist():
        if taken[node]:
            continue
        taken[node] = True
        near = indices[indptr[node] : indptr[node + 1]]
        free = near[~taken[near]]
        label[free] = node
        taken[free] = True
    return label


def group_ids(
    keys: Sequence[str], texts: Sequence[str], threshold: float = DEFAULT_THRESHOLD
) -> list[str]:
    """A group id per text: the key of its group's centre (a text alone is its own)."""
    ids, _ = assign_new(keys, texts, threshold=threshold)
    return ids


def assign_new(
    keys: Sequence[str],
    texts: Sequence[str],
    stored_sigs: np.ndarray | None = None,
    stored_groups: Sequence[str] = (),
    threshold: float = DEFAULT_THRESHOLD,
    new_sigs: np.ndarray | None = None,
) -> tuple[list[str], np.ndarray]:
    """Group ids and signatures of new texts (`keys`, `texts`) given the stored ones
    (`new_sigs`: the texts' `signatures`, when already computed).

    A new text similar to stored texts takes the group of the most similar one (stored
    rows are never changed); the other new texts are grouped among themselves by
    `centres`, a group's id being its centre's key.
    """
    if new_sigs is None:
        new_sigs = signatures(texts)
    stored = stored_sigs if stored_sigs is not None else np.empty((0, NUM_PERM), np.uint32)
    n_old = len(stored)
    sigs = np.vstack([stored, new_sigs]) if n_old else new_sigs
    is_new = np.r_[np.zeros(n_old, bool), np.ones(len(new_sigs), bool)] if n_old else None
    pairs, similarity = similar_pairs(sigs, threshold, is_new)
    ids = pd.Series(list(keys), dtype=object)
    to_old = pairs.min(axis=1) < n_old  # pairs of one stored and one new text
    if to_old.any():
        cross = pd.DataFrame({"old": pairs[to_old].min(axis=1), "new": pairs[to_old].max(axis=1)})
        cross["similarity"] = similarity[to_old]
        best = cross.sort_values(["similarity", "old"], ascending=[False, True])
        best = best.drop_duplicates("new")
        groups = np.asarray(stored_groups, dtype=object)
        ids.iloc[best["new"].to_numpy() - n_old] = groups[best["old"].to_numpy()]
    joined = np.zeros(len(new_sigs), bool)
    if to_old.any():
        joined[best["new"].to_numpy() - n_old] = True
    inner = pairs[~to_old] - n_old
    inner = inner[~(joined[inner[:, 0]] | joined[inner[:, 1]])]
    label = centres(len(new_sigs), inner)
    free = np.flatnonzero(~joined)
    ids.iloc[free] = np.asarray(keys, dtype=object)[label[free]]
    return ids.tolist(), new_sigs


def encode(sigs: np.ndarray) -> list[str]:
    """Signatures as base64 strings (a portable column type on DuckDB and Spark)."""
    raw = np.ascontiguousarray(sigs, dtype="<u4").tobytes()
    width = NUM_PERM * 4
    return [
        base64.b64encode(raw[i * width : (i + 1) * width]).decode("ascii") for i in range(len(sigs))
    ]


def decode(values: Sequence[str]) -> np.ndarray:
    """`encode`'s strings back to a uint32 signature matrix."""
    if not len(values):
        return np.empty((0, NUM_PERM), dtype=np.uint32)
    raw = b"".join(base64.b64decode(v) for v in values)
    return np.frombuffer(raw, dtype="<u4").reshape(len(values), NUM_PERM).astype(np.uint32)


# ------------------------------------------------------------------ the dbt model


_COLUMNS = ["text_hash", "near_duplicate_group_id", "minhash_signature"]
# a band's `ROWS` uint32 values are 24 bytes: 32 characters of `encode`'s base64, starting
# at character band * 32 (24 bytes are 4 whole base64 groups), so SQL can cut the stored
# column into the same bands without decoding it
_BAND_CHARS = ROWS * 4 * 4 // 3


def _stored(dbt: Any, session: Any) -> pd.DataFrame:
    """This incremental model's stored rows (text hash, group id, signature)."""
    if not dbt.is_incremental:
        return pd.DataFrame(columns=_COLUMNS)
    result = session.sql(f"select {', '.join(_COLUMNS)} from {dbt.this}")
    if hasattr(result, "toPandas"):  # Spark
        return result.toPandas()
    return result.df()


def _stored_near(dbt: Any, session: Any, keys: Sequence[str], sigs: np.ndarray) -> pd.DataFrame:
    """On DuckDB, only the stored rows a new text could be grouped with: those sharing an
    LSH band with one of `sigs` (the only stored rows `candidate_pairs` pairs with a new
    text), and those stored under one of `keys`. Read in stored order, as `_stored` reads
    them, so the groups are the same; a daily run reads a few hundred rows, not every
    signature ever stored."""
    has_words = ~(sigs == _EMPTY).all(axis=1)
    encoded = encode(sigs[has_words])
    bands = pa.table(
        {
            "band": pa.array(np.tile(np.arange(BANDS), len(encoded)), pa.int64()),
            "piece": pa.array(
                [
                    value[band * _BAND_CHARS : (band + 1) * _BAND_CHARS]
                    for value in encoded
                    for band in range(BANDS)
                ],
                pa.string(),
            ),
        }
    )
    name = f"near_duplicate_bands_{uuid.uuid4().hex}"
    session.register(name, bands)
    hashes = f"{name}_keys"
    session.register(hashes, pa.table({"text_hash": pa.array(list(keys), pa.string())}))
    try:
        return session.sql(
            f"""
            with stored_bands as (
                select stored.text_hash, band.band,
                       substr(stored.minhash_signature, band.band * {_BAND_CHARS} + 1,
                              {_BAND_CHARS}) as piece
                from {dbt.this} as stored cross join range({BANDS}) as band (band)
            )
            select {", ".join(_COLUMNS)} from {dbt.this}
            where text_hash in (
                select stored_bands.text_hash from stored_bands
                inner join {name} as new using (band, piece)
            ) or text_hash in (select text_hash from {hashes})
            """
        ).df()
    finally:
        session.unregister(name)
        session.unregister(hashes)


def _already_stored(keys: pd.Series, stored: pd.DataFrame) -> np.ndarray:
    """Which of `keys` are stored (pyarrow's `is_in`: pandas' own `isin` walks Arrow
    strings one by one, a third of a second at 68,000 stored texts)."""
    values = pa.array(stored["text_hash"].astype(object).to_numpy(), pa.string())
    found = pc.is_in(pa.array(keys.astype(object).to_numpy(), pa.string()), value_set=values)
    return found.to_numpy(zero_copy_only=False).astype(bool)


def near_duplicate_model(
    dbt: Any, session: Any, cleaned: Any, settings: dict[str, Any] | None = None
) -> Any:
    """The near-duplicate group of each distinct non-empty text of `int_feedback__cleaned`
    not stored yet; stored texts and their groups are read, never rewritten."""
    threshold = float(config_value(settings or {}, "near_duplicate_threshold", DEFAULT_THRESHOLD))
    if not 0.0 < threshold <= 1.0:
        raise ValueError(
            f"var near_duplicate_threshold must be in (0, 1], got {threshold}: set it to the "
            "estimated word-set Jaccard similarity from which two texts are one complaint"
        )
    texts = new_cleaned_texts(dbt, cleaned)
    from feedback_lakehouse.enrichment.spark import is_spark_session, to_spark

    near_only = dbt.is_incremental and not is_spark_session(session)  # DuckDB
    if not near_only:  # Spark, or a first build: every stored row (none on a first build)
        stored = _stored(dbt, session)
        texts = texts[~_already_stored(texts["text_hash"], stored)]
    # by hash: ties between centres go by position, and the ref's row order changes
    # from build to build (DuckDB's parallel scans): the same texts, the same groups
    texts = texts.sort_values("text_hash", kind="stable")
    sigs = signatures(texts["masked_text"].fillna("").tolist())
    if near_only:  # the stored rows near the new texts (new_rows_only dropped stored texts)
        stored = _stored_near(dbt, session, texts["text_hash"].tolist(), sigs)
        new = ~_already_stored(texts["text_hash"], stored)
        texts, sigs = texts[new], sigs[new]
    ids, sigs = assign_new(
        texts["text_hash"].tolist(),
        texts["masked_text"].fillna("").tolist(),
        decode(stored["minhash_signature"].tolist()),
        stored["near_duplicate_group_id"].tolist(),
        threshold,
        new_sigs=sigs,
    )
    frame = pd.DataFrame(
        {
            "text_hash": texts["text_hash"].tolist(),
            "near_duplicate_group_id": ids,
            "minhash_signature": encode(sigs),
        }
    )
    log.info(
        "near duplicates: %d new texts, %d of them grouped with another text (%d stored "
        "signatures read)",
        len(frame),
        int((frame["near_duplicate_group_id"] != frame["text_hash"]).sum()),
        len(stored),
    )
    if is_spark_session(session):  # Databricks: dbt writes a Spark DataFrame
        return to_spark(session, frame, SCHEMA)
    return to_arrow(frame, SCHEMA)
