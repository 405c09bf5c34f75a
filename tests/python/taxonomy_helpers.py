"""Taxonomy seed rows for tests that build a small taxonomy in memory."""

from __future__ import annotations


def taxonomy_row(version: str, cid: str, keywords: str, **languages: str) -> dict[str, object]:
    """A taxonomy seed row; `languages`: keywords_<language> columns."""
    return {
        "taxonomy_version": version,
        "category_id": cid,
        "parent_category_id": "",
        "category_name": cid.title(),
        "description": cid,
        "owner_team": "support",
        "criticality": 3,
        "keywords": keywords,
        "examples": "",
        **{f"keywords_{lang}": words for lang, words in languages.items()},
    }
