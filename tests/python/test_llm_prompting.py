"""Prompt templates, prompt versions and the strict response schema."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator
from llm_schema_bounds import boundary_objects, fullest_object, string_bounds
from pydantic import ValidationError

from feedback_lakehouse.contracts import Enrichment
from feedback_lakehouse.enrichment import prompting
from feedback_lakehouse.enrichment.prompting import (
    PromptError,
    PromptTemplate,
    batch_schema,
    enrichment_schema,
    prompt_version,
    render,
)
from feedback_lakehouse.enrichment.taxonomy import Taxonomy


def _walk_objects(node: Any):
    if isinstance(node, dict):
        if node.get("type") == "object":
            yield node
        for value in node.values():
            yield from _walk_objects(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk_objects(value)


def test_rendered_prompt_has_taxonomy_and_do_not_guess(llm_taxonomy):
    rendered = render(prompting.SINGLE_TEMPLATE, llm_taxonomy)
    assert "Taxonomy version: t1" in rendered.system
    assert "- billing: Charges, invoices and refunds." in rendered.system
    assert '"charged twice"' in rendered.system  # examples
    assert "Do not guess" in rendered.system and "needs_review true" in rendered.system
    assert "$" not in rendered.system  # every placeholder filled
    assert "some text" in rendered.user_message("some text")


def test_prompt_version_tracks_template_and_taxonomy(llm_taxonomy, monkeypatch):
    version = prompt_version(llm_taxonomy)
    assert version.startswith("classify_v2+") and len(version.split("+")[1]) == 12
    assert prompt_version(llm_taxonomy) == version  # stable

    other = Taxonomy(version="t2", categories=llm_taxonomy.categories)
    assert prompt_version(other) != version

    edited = prompting.load_template("classify_v2")
    monkeypatch.setattr(
        prompting,
        "load_template",
        lambda name: PromptTemplate(name, edited.system + "\nBe brief.", edited.user),
    )
    assert prompt_version(llm_taxonomy) != version  # an edit without a rename shows


def test_strict_schema_is_openai_strict_compatible(llm_taxonomy):
    for schema in (enrichment_schema(llm_taxonomy), batch_schema(llm_taxonomy)):
        objects = list(_walk_objects(schema))
        assert objects
        for node in objects:
            assert node["additionalProperties"] is False
            assert set(node["required"]) == set(node["properties"])
        assert "$ref" not in str(schema) and "maxLength" not in str(schema)
    single = enrichment_schema(llm_taxonomy)["properties"]
    assert set(single) == set(Enrichment.model_fields)
    assert single["main_category"]["enum"] == ["billing", "delivery", "login", "unknown"]
    assert single["root_cause_guess"]["type"] == ["string", "null"]
    assert single["sentiment"]["enum"] == ["positive", "neutral", "negative", "mixed"]


# What OpenAI's strict structured outputs accept (structured-outputs guide, "Supported
# schemas"): strings take pattern and format, numbers minimum/maximum (and exclusive
# forms, multipleOf), arrays minItems/maxItems; minLength/maxLength are not supported.
STRICT_KEYWORDS = frozenset(
    {
        "type", "properties", "required", "additionalProperties", "items", "enum", "anyOf",
        "description", "pattern", "format", "minimum", "maximum", "exclusiveMinimum",
        "exclusiveMaximum", "multipleOf", "minItems", "maxItems",
    }
)  # fmt: skip


def _keywords(node: Any, inside_properties: bool = False):
    if isinstance(node, dict):
        for key, value in node.items():
            if not inside_properties:
                yield key
            yield from _keywords(value, inside_properties=key == "properties")
    elif isinstance(node, list):
        for value in node:
            yield from _keywords(value)


def _item_schemas(taxonomy):
    return (
        enrichment_schema(taxonomy),
        batch_schema(taxonomy)["properties"]["items"]["items"],
    )


def test_sent_schema_uses_only_keywords_strict_mode_accepts(llm_taxonomy):
    for schema in (enrichment_schema(llm_taxonomy), batch_schema(llm_taxonomy)):
        assert set(_keywords(schema)) <= STRICT_KEYWORDS, set(_keywords(schema)) - STRICT_KEYWORDS


def test_schema_valid_answers_at_every_limit_pass_the_pydantic_check(llm_taxonomy):
    """Schema-valid implies pydantic-valid: instances at the limits read from the sent
    schema (not from the model) all validate; issue 16 item 2."""
    for schema in _item_schemas(llm_taxonomy):
        validator = Draft202012Validator(schema)
        answers = [*boundary_objects(schema), fullest_object(schema)]
        assert len(answers) >= 3
        for answer in answers:
            assert validator.is_valid(answer), list(validator.iter_errors(answer))[:3]
            Enrichment.model_validate({k: v for k, v in answer.items() if k != "id"})


def test_sent_schema_is_no_stricter_than_the_check_except_labels(llm_taxonomy):
    """Exactly the check: one character or 0.01 past each limit of the sent schema, the
    pydantic model rejects too. Only the labels are narrower (enums of the taxonomy)."""
    schema = enrichment_schema(llm_taxonomy)
    base = fullest_object(schema)
    base["needs_review"] = False
    checked = []
    for name, prop in schema["properties"].items():
        if "enum" in prop or name == "secondary_categories":
            continue
        types = prop["type"] if isinstance(prop["type"], list) else [prop["type"]]
        if "string" in types:
            _, longest = string_bounds({**prop, "type": "string"})
            assert longest is not None
            beyond = "x" * (longest + 1)
        elif "number" in types:
            beyond = prop["maximum"] + 0.01
        else:
            continue
        assert not Draft202012Validator(schema).is_valid({**base, name: beyond})
        with pytest.raises(ValidationError):
            Enrichment.model_validate({**base, name: beyond})
        checked.append(name)
    assert {"language", "short_summary", "rationale", "confidence"} <= set(checked)
    main = schema["properties"]["main_category"]["enum"]
    assert main == ["billing", "delivery", "login", "unknown"]
    secondary = schema["properties"]["secondary_categories"]
    assert secondary["maxItems"] == 3 and secondary["items"]["enum"] == main


def test_template_errors_say_what_to_do():
    with pytest.raises(PromptError, match="### user"):
        PromptTemplate.parse("x", "### system\nhello")
    with pytest.raises(PromptError, match="not found"):
        prompting.load_template("no_such_template")
