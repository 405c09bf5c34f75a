"""One tokenisation of a batch for every word TF-IDF model that labels it.

The offline provider's first build labels each text with two self-trained models (the
category model, `selftrain.py`, and the sentiment model, `selftrain_sentiment.py`), and
the sentiment model also counts each text's known words (`known_shares`): three
tokenisations of the same text by scikit-learn's default word tokenizer (lower-cased,
`token_pattern` words), the longest step of a TF-IDF transform on review-length texts.
Here a batch is tokenised once, and each fitted vectorizer reads the token lists through
a copy that skips its own preprocessing and tokenising (`on_tokens`): its stop words,
n-grams, vocabulary and idf weights are the fitted ones, so the matrix is the same.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sklearn.feature_extraction.text import TfidfVectorizer

_DEFAULT = TfidfVectorizer()
_PREPROCESS = _DEFAULT.build_preprocessor()
_TOKENIZE = _DEFAULT.build_tokenizer()
# the parameters that decide how a vectorizer turns a text into tokens
_TOKENIZING = ("input", "encoding", "decode_error", "strip_accents", "lowercase")
_TOKENIZING += ("preprocessor", "tokenizer", "token_pattern", "analyzer")


def tokens_of(text: str) -> list[str]:
    """The tokens scikit-learn's default word vectorizer reads in `text`."""
    return _TOKENIZE(_PREPROCESS(text))


_local = threading.local()


@contextmanager
def shared(texts: Iterable[str]) -> Iterator[None]:
    """Within the block, this thread's default-tokenising vectorizers (`transform`) and
    `tokens` read each of `texts` tokenised once, here."""
    before = getattr(_local, "tokens", None)
    _local.tokens = {text: tokens_of(text) for text in dict.fromkeys(texts)}
    try:
        yield
    finally:
        _local.tokens = before


def tokens(text: str) -> list[str]:
    """`tokens_of(text)`, read from the `shared` batch when the text is in it."""
    batch = getattr(_local, "tokens", None)
    found = batch.get(text) if batch is not None else None
    return found if found is not None else tokens_of(text)


def reads_default_tokens(vectorizer: TfidfVectorizer) -> bool:
    """Whether `vectorizer` tokenises as the default one does (so `on_tokens` applies)."""
    params = vectorizer.get_params()
    default = _DEFAULT.get_params()
    return all(params[name] == default[name] for name in _TOKENIZING)


def _same(doc: list[str] | str) -> list[str] | str:
    """A token list as it is (already preprocessed and tokenised). A string is one of
    the stop words, which scikit-learn checks against the tokenizer again in another
    process (a parallel worker): the default preprocessor and tokenizer read it, as at
    fit, so the check passes instead of warning on each letter."""
    return doc if isinstance(doc, list) else _TOKENIZE(_PREPROCESS(doc))


def on_tokens(vectorizer: TfidfVectorizer) -> TfidfVectorizer:
    """A shallow copy of the fitted default-tokenising `vectorizer` whose `transform`
    takes token lists (`tokens_of`) instead of texts; the fitted one is unchanged."""
    if not reads_default_tokens(vectorizer):
        raise ValueError("the vectorizer does not tokenise as the default one")
    twin = copy.copy(vectorizer)
    twin.set_params(preprocessor=_same, tokenizer=_same, token_pattern=None, lowercase=False)
    return twin


def transform(vectorizer: TfidfVectorizer, texts: Sequence[str]) -> Any:
    """`vectorizer.transform(texts)`; inside `shared`, a default-tokenising vectorizer
    reads the batch's tokens instead of tokenising each text again (the same matrix)."""
    if getattr(_local, "tokens", None) is None or not reads_default_tokens(vectorizer):
        return vectorizer.transform(list(texts))
    return on_tokens(vectorizer).transform([tokens(text) for text in texts])
