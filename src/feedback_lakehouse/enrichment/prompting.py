"""Versioned prompt templates and the JSON schema sent with every LLM request.

Templates live in `prompts/<name>.txt` inside the package: comment lines start with `#`,
a `### system` section and a `### user` section follow, with `$placeholders` filled by
`string.Template`. The system part is rendered with the taxonomy (ids, definitions,
examples); the user part carries the (already PII-masked) text.

The prompt version stored on every row is `<name>+<12 hex>`: the hash covers the rendered
system part, the user skeleton and the response schema, i.e. everything a model sees
except the text itself. Editing a template without renaming it, or changing the taxonomy,
therefore gives a new version, new enrichment keys and a re-enrichment.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from string import Template
from typing import Any

from pydantic import ValidationError

from feedback_lakehouse.contracts import UNKNOWN_CATEGORY, Enrichment
from feedback_lakehouse.enrichment.taxonomy import Taxonomy

SINGLE_TEMPLATE = "classify_v2"
BATCH_TEMPLATE = "classify_batch_v2"

# Keywords OpenAI's strict structured-output mode does not accept and that carry no
# constraint: dropped. Every constraint keyword is kept or rewritten into an equivalent
# one strict mode accepts (see `strict_schema`), so the schema sent is the check applied.
_DROPPED_KEYWORDS = frozenset({"title", "default"})
# Constraint keywords strict mode accepts as they are (structured-outputs guide,
# "Supported schemas"): numbers' bounds and arrays' item counts.
_KEPT_CONSTRAINTS = frozenset(
    {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}
    | {"minItems", "maxItems", "enum", "pattern", "format"}
)


# Sizing `max_tokens` from the answer schema: the longest answer the schema allows, in
# JSON characters, at 3 characters per token (English prose runs ~4, JSON punctuation
# less). A batch answer gets this per text plus a small wrapper allowance.
ANSWER_CHARS_PER_TOKEN = 3.0
BATCH_ANSWER_OVERHEAD_TOKENS = 16
_SCALAR_CHARS = {"number": 8, "integer": 8, "boolean": 5, "null": 4}
_LENGTH_LIMIT = re.compile(r"\{(\d+),(\d+)\}\$$")


class PromptError(ValueError):
    """A prompt template is missing or malformed."""


@dataclass(frozen=True)
class PromptTemplate:
    name: str
    system: str
    user: str

    @classmethod
    def parse(cls, name: str, source: str) -> PromptTemplate:
        sections: dict[str, list[str]] = {}
        current: str | None = None
        for line in source.splitlines():
            stripped = line.strip()
            if stripped.startswith("###"):
                current = stripped.lstrip("#").strip().lower()
                sections[current] = []
            elif current is None:
                if stripped and not stripped.startswith("#"):
                    raise PromptError(
                        f"prompt {name}: text before the '### system' line; "
                        "put comments on lines starting with '#'"
                    )
            else:
                sections[current].append(line)
        missing = [s for s in ("system", "user") if s not in sections]
        if missing:
            raise PromptError(
                f"prompt {name} lacks the section(s) {missing}: add '### {missing[0]}'"
            )
        return cls(
            name=name,
            system="\n".join(sections["system"]).strip(),
            user="\n".join(sections["user"]).strip(),
        )


@lru_cache(maxsize=16)
def load_template(name: str) -> PromptTemplate:
    """Read `prompts/<name>.txt` from the package."""
    path = resources.files("feedback_lakehouse.enrichment").joinpath("prompts", f"{name}.txt")
    if not path.is_file():
        raise PromptError(
            f"prompt template '{name}' not found in feedback_lakehouse/enrichment/prompts/; "
            "add prompts/{name}.txt or pick an existing template"
        )
    return PromptTemplate.parse(name, path.read_text(encoding="utf-8"))


def render_categories(taxonomy: Taxonomy) -> str:
    lines = []
    for category in taxonomy.categories.values():
        line = f"- {category.category_id}: {category.description.strip()}"
        if category.examples:
            shown = "; ".join(f'"{example}"' for example in category.examples[:3])
            line += f" Examples: {shown}"
        lines.append(line)
    lines.append(f"- {UNKNOWN_CATEGORY}: none of the above fits, or the text is too unclear.")
    return "\n".join(lines)


def length_pattern(min_length: int, max_length: int | None) -> str:
    """A regex accepting exactly the strings of min..max characters (any character).

    Strict mode rejects minLength/maxLength but takes `pattern`; `[\\s\\S]` is any
    character, newlines included. (In Python's `re`, unlike JSON Schema's ECMA dialect,
    `$` also matches before one final newline: the `Enrichment` model strips surrounding
    whitespace before checking lengths, so such a string still passes it.)
    """
    upper = "" if max_length is None else str(max_length)
    return f"^[\\s\\S]{{{min_length},{upper}}}$"


def strict_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A pydantic JSON schema made acceptable to OpenAI's strict mode, with the same
    constraints.

    Inlines `$ref`s, makes every property required with `additionalProperties: false`,
    turns `anyOf [X, null]` into `type: [X, "null"]`, rewrites `minLength`/`maxLength`
    into an equivalent `pattern`, keeps number bounds and array item counts, and drops
    only `title` and `default`. Any other keyword is an error: a constraint strict mode
    cannot carry would make the schema sent looser than the check applied.
    """
    defs = schema.get("$defs", {})
    structural = {"type", "properties", "required", "additionalProperties", "items", "anyOf"}
    allowed = structural | _KEPT_CONSTRAINTS | _DROPPED_KEYWORDS | {"description", "$defs"}

    def convert(node: dict[str, Any]) -> dict[str, Any]:
        if "$ref" in node:
            target = node["$ref"].rsplit("/", 1)[-1]
            merged = {**defs[target], **{k: v for k, v in node.items() if k != "$ref"}}
            return convert(merged)
        unknown = set(node) - allowed - {"minLength", "maxLength"}
        if unknown:
            raise PromptError(
                f"the response model uses JSON Schema keyword(s) {sorted(unknown)} that "
                "strict structured outputs cannot carry; express the constraint with "
                "lengths, bounds, enums or item counts"
            )
        out = {k: v for k, v in node.items() if k not in _DROPPED_KEYWORDS and k != "$defs"}
        if "minLength" in out or "maxLength" in out:
            if "pattern" in out:
                raise PromptError(
                    "a response field has both a length limit and a pattern; strict mode "
                    "takes one pattern only: fold the lengths into the pattern"
                )
            out["pattern"] = length_pattern(out.pop("minLength", 0), out.pop("maxLength", None))
        if "anyOf" in out:
            options = [convert(option) for option in out.pop("anyOf")]
            nullable = any(option.get("type") == "null" for option in options)
            others = [option for option in options if option.get("type") != "null"]
            if nullable and len(others) == 1 and isinstance(others[0].get("type"), str):
                merged = dict(others[0])
                merged["type"] = [merged["type"], "null"]
                if "enum" in merged:
                    merged["enum"] = [*merged["enum"], None]
                out.update(merged)
            else:
                out["anyOf"] = options
        if out.get("type") == "object" and "properties" in out:
            out["properties"] = {k: convert(v) for k, v in out["properties"].items()}
            out["required"] = list(out["properties"])
            out["additionalProperties"] = False
        if "items" in out and isinstance(out["items"], dict):
            out["items"] = convert(out["items"])
        return out

    return convert(schema)


def enrichment_schema(taxonomy: Taxonomy) -> dict[str, Any]:
    """The strict JSON schema of one answer, with categories limited to the taxonomy.

    `main_category`, the items of `secondary_categories` and the `category` of each
    `category_sentiments` entry are enums of the taxonomy's ids plus `unknown` (an
    `unknown` secondary label says nothing and `Taxonomy.coerce` drops it), so a label
    outside the taxonomy cannot be produced.
    Each id must itself pass the model's check on the field.
    """
    schema = strict_schema(Enrichment.model_json_schema())
    ids = sorted(taxonomy.ids)
    labels = [*ids, UNKNOWN_CATEGORY]
    for label in labels:
        try:
            Enrichment.__pydantic_validator__.validate_assignment(
                Enrichment.model_construct(), "main_category", label
            )
        except ValidationError as exc:
            raise PromptError(
                f"taxonomy {taxonomy.version}: category id '{label}' breaks the answer "
                f"check ({exc.errors()[0]['msg']}); shorten or rename it"
            ) from None
    props = schema["properties"]
    main = {k: v for k, v in props["main_category"].items() if k != "pattern"}
    props["main_category"] = {**main, "enum": labels}
    secondary = props["secondary_categories"]
    props["secondary_categories"] = {**secondary, "items": {"type": "string", "enum": labels}}
    aspects = props["category_sentiments"]
    item = aspects["items"]
    category = {k: v for k, v in item["properties"]["category"].items() if k != "pattern"}
    props["category_sentiments"] = {
        **aspects,
        "items": {
            **item,
            "properties": {**item["properties"], "category": {**category, "enum": labels}},
        },
    }
    return schema


def batch_schema(taxonomy: Taxonomy) -> dict[str, Any]:
    """The strict JSON schema of a batch answer: {"items": [{"id", ...enrichment}]}."""
    item = enrichment_schema(taxonomy)
    item = {
        **item,
        # ids are "1".."batch_size" (at most 50): the provider numbers the texts it sends
        "properties": {"id": {"type": "string", "pattern": "^[0-9]{1,2}$"}, **item["properties"]},
        "required": ["id", *item["required"]],
    }
    return {
        "type": "object",
        "properties": {"items": {"type": "array", "items": item}},
        "required": ["items"],
        "additionalProperties": False,
    }


def max_json_chars(node: dict[str, Any]) -> int:
    """The longest JSON text an instance of this (strict) schema can be."""
    if "enum" in node:
        return max(len(json.dumps(value, ensure_ascii=False)) for value in node["enum"])
    kinds = node.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    sizes = []
    for kind in kinds:
        if kind == "string":
            limit = _LENGTH_LIMIT.search(node.get("pattern", ""))
            if limit is None:
                raise PromptError(f"a string in the answer schema has no length limit: {node}")
            sizes.append(int(limit.group(2)) + 2)
        elif kind == "array":
            if "maxItems" not in node:
                raise PromptError(f"an array in the answer schema has no maxItems: {node}")
            sizes.append(2 + node["maxItems"] * (max_json_chars(node["items"]) + 1))
        elif kind == "object":
            sizes.append(
                2
                + sum(
                    len(json.dumps(key)) + 2 + max_json_chars(value)
                    for key, value in node["properties"].items()
                )
            )
        else:
            sizes.append(_SCALAR_CHARS[kind])
    return max(sizes)


def answer_max_tokens(schema: dict[str, Any]) -> int:
    """Default `max_tokens` for one text's answer: its schema's longest JSON, in tokens."""
    return math.ceil(max_json_chars(schema) / ANSWER_CHARS_PER_TOKEN)


@dataclass(frozen=True)
class RenderedPrompt:
    """A template rendered for one taxonomy: the system message, user skeleton, schema."""

    name: str
    system: str
    user_skeleton: str
    schema_name: str
    schema: dict[str, Any]
    answer_tokens: int = 0  # default max_tokens per text (not part of the version)

    @property
    def fingerprint(self) -> str:
        payload = json.dumps(
            {"system": self.system, "user": self.user_skeleton, "schema": self.schema},
            sort_keys=True,
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    @property
    def version(self) -> str:
        return f"{self.name}+{self.fingerprint[:12]}"

    def user_message(self, text: str) -> str:
        return Template(self.user_skeleton).safe_substitute(text=text)

    def batch_message(self, items: Sequence[tuple[str, str]]) -> str:
        payload = {"items": [{"id": item_id, "text": text} for item_id, text in items]}
        return Template(self.user_skeleton).safe_substitute(
            items_json=json.dumps(payload, ensure_ascii=False)
        )


def render(name: str, taxonomy: Taxonomy, *, batch: bool = False) -> RenderedPrompt:
    template = load_template(name)
    system = Template(template.system).safe_substitute(
        taxonomy_version=taxonomy.version,
        categories=render_categories(taxonomy),
        unknown=UNKNOWN_CATEGORY,
    )
    schema = batch_schema(taxonomy) if batch else enrichment_schema(taxonomy)
    return RenderedPrompt(
        name=name,
        system=system,
        user_skeleton=template.user,
        schema_name="enrichment_batch" if batch else "enrichment",
        schema=schema,
        answer_tokens=answer_max_tokens(enrichment_schema(taxonomy)),
    )


def prompt_version(taxonomy: Taxonomy, *, batch_size: int = 1) -> str:
    """The prompt version stored on rows enriched with these settings.

    A batched run also uses the single-text template (for items a batch answer lost or
    got wrong), so its version hashes both templates.
    """
    single = render(SINGLE_TEMPLATE, taxonomy)
    if batch_size <= 1:
        return single.version
    batch = render(BATCH_TEMPLATE, taxonomy, batch=True)
    both = hashlib.sha256((batch.fingerprint + single.fingerprint).encode("ascii")).hexdigest()
    return f"{BATCH_TEMPLATE}+{both[:12]}"
