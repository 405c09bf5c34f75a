"""Prompt templates, prompt versions and the strict response schema."""

from __future__ import annotations

from typing import Any

import pytest

from feedback_lakehouse import prompting
from feedback_lakehouse.prompting import (
    PromptError,
    PromptTemplate,
    batch_schema,
    enrichment_schema,
    prompt_version,
    render,
)
from feedback_lakehouse.schemas import Enrichment
from feedback_lakehouse.taxonomy import Taxonomy


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
    assert version.startswith("classify_v1+") and len(version.split("+")[1]) == 12
    assert prompt_version(llm_taxonomy) == version  # stable

    other = Taxonomy(version="t2", categories=llm_taxonomy.categories)
    assert prompt_version(other) != version

    edited = prompting.load_template("classify_v1")
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


def test_template_errors_say_what_to_do():
    with pytest.raises(PromptError, match="### user"):
        PromptTemplate.parse("x", "### system\nhello")
    with pytest.raises(PromptError, match="not found"):
        prompting.load_template("no_such_template")
