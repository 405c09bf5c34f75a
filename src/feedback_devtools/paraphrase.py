"""Paraphrase variants for the sample: the same complaint in different words.

`paraphrase(text, rng)` applies two or three of: synonyms, another word or sentence
order, a typo, extra filler. The sample generator plants such variants of earlier texts
and records each group (the original and its variants) in `_paraphrases.json`, the
ground truth that `scripts/measure_near_duplicates.py` scores the near-duplicate groups
against. The word tables are data: `data/paraphrase_phrases.json`.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from importlib import resources
from pathlib import Path

_TABLES = json.loads(
    resources.files("feedback_devtools").joinpath("data/paraphrase_phrases.json").read_text("utf-8")
)
SYNONYMS: dict[str, list[str]] = _TABLES["PARAPHRASE_SYNONYMS"]
FILLERS_BEFORE: list[str] = _TABLES["PARAPHRASE_FILLERS_BEFORE"]
FILLERS_AFTER: list[str] = _TABLES["PARAPHRASE_FILLERS_AFTER"]

_WORD = re.compile(r"[A-Za-z']+")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
# words the sample's other checks look for (incidents, PII): never given a typo
_PROTECTED = re.compile(r"crash|log|sign|broken|damaged|smashed|cracked|shattered|dented", re.I)


def _synonyms(text: str, rng: random.Random) -> str:
    found = [m for m in _WORD.finditer(text) if m.group().lower() in SYNONYMS]
    if not found:
        return text
    for match in sorted(rng.sample(found, min(2, len(found))), key=lambda m: -m.start()):
        word = match.group()
        new = rng.choice(SYNONYMS[word.lower()])
        if word[0].isupper():
            new = new[0].upper() + new[1:]
        text = text[: match.start()] + new + text[match.end() :]
    return text


def _reorder(text: str, rng: random.Random) -> str:
    sentences = [s for s in _SENTENCE.split(text.strip()) if s]
    if len(sentences) >= 2:
        i = rng.randrange(len(sentences) - 1)
        sentences[i], sentences[i + 1] = sentences[i + 1], sentences[i]
        return " ".join(sentences)
    if ", " in text:
        head, tail = text.split(", ", 1)
        tail = tail.rstrip(".!?")
        return f"{tail[:1].upper()}{tail[1:]}, {head[:1].lower()}{head[1:]}."
    tokens = text.split(" ")
    if len(tokens) < 4:
        return text
    i = rng.randrange(1, len(tokens) - 2)
    tokens[i], tokens[i + 1] = tokens[i + 1], tokens[i]
    return " ".join(tokens)


def _typo(text: str, rng: random.Random) -> str:
    found = [m for m in re.finditer(r"\b[a-z]{5,}\b", text) if not _PROTECTED.search(m.group())]
    if not found:
        return text
    match = rng.choice(found)
    word = match.group()
    i = rng.randrange(1, len(word) - 2)
    if rng.random() < 0.5:  # two letters swapped
        typo = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    else:  # one letter dropped
        typo = word[:i] + word[i + 1 :]
    return text[: match.start()] + typo + text[match.end() :]


def _filler(text: str, rng: random.Random) -> str:
    if rng.random() < 0.5:
        before = rng.choice(FILLERS_BEFORE)
        return before + text[:1].lower() + text[1:]
    return text.rstrip() + rng.choice(FILLERS_AFTER)


OPERATIONS: tuple[Callable[[str, random.Random], str], ...] = (
    _synonyms,
    _reorder,
    _typo,
    _filler,
)


def paraphrase(text: str, rng: random.Random) -> str:
    """`text` said again: two or three of synonyms, reordering, a typo and filler."""
    chosen = rng.sample(range(len(OPERATIONS)), rng.choice((2, 3)))
    out = text
    for index in sorted(chosen):
        out = OPERATIONS[index](out, rng)
    if out == text:
        out = _filler(text, rng)
    return out


PARAPHRASE_FILE = "_paraphrases.json"


class ParaphraseTruth:
    """The planted paraphrase groups: one id per original text, every variant under it."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.groups: dict[str, int] = {}
        self.rows: list[tuple[int, str, str]] = []

    def add(self, original: str) -> str:
        """A new paraphrase of `original`, recorded under the original's group."""
        group = self.groups.get(original)
        if group is None:
            group = self.groups[original] = len(self.groups)
            self.rows.append((group, "original", original))
        variant = paraphrase(original, self.rng)
        self.rows.append((group, "variant", variant))
        return variant

    def write(self, path: Path) -> dict[str, object]:
        """Write the groups as a JSON list, one row (`group`, `role`, `text`) a line (a
        `.json` file, so nothing reads it as a landing file); return the summary."""
        lines = [
            json.dumps({"group": g, "role": role, "text": text}, ensure_ascii=False)
            for g, role, text in self.rows
        ]
        path.parent.mkdir(parents=True, exist_ok=True)
        text = "[\n" + ",\n".join(lines) + "\n]\n"
        path.write_text(text, encoding="utf-8", newline="\n")
        return {
            "file": path.name,
            "groups": len(self.groups),
            "variants": sum(role == "variant" for _, role, _ in self.rows),
        }


def read_truth(landing: Path) -> list[dict[str, object]]:
    """The rows of a landing folder's `_paraphrases.json` (empty when there is none)."""
    path = Path(landing) / PARAPHRASE_FILE
    if not path.exists():
        return []
    return json.loads(path.read_text("utf-8"))
