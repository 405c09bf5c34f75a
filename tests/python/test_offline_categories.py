"""Issue 18: the offline category rules read problem reports as people write them.

A failure named with the place it happened ("crashed while I was signing in") is the
failure's kind, the place secondary, unless the failure is the place's own ("can't log
in", "password rejected"); damage the text says happened on arrival or in transit is a
delivery problem, damage in use a product defect. The texts are written for these tests
(not the sample generator's phrases)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from feedback_lakehouse.contracts import TextItem
from feedback_lakehouse.enrichment.providers.offline.provider import OfflineProvider
from feedback_lakehouse.enrichment.taxonomy import Taxonomy

CATEGORIES_CSV = (
    Path(__file__).resolve().parents[2] / "seeds" / "taxonomy" / "taxonomy_categories.csv"
)


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return Taxonomy.from_csv(CATEGORIES_CSV, "v2")


@pytest.fixture(scope="module")
def provider() -> OfflineProvider:
    return OfflineProvider()


def label(provider: OfflineProvider, taxonomy: Taxonomy, text: str):
    (record,) = provider.enrich([TextItem(text_hash="h", text=text, language="en")], taxonomy)
    return record


@pytest.mark.parametrize(
    ("text", "failure", "place"),
    [
        # the place has more keywords than the failure: still the failure's kind
        (
            "It crashed twice while I was signing in to my account",
            "app_performance",
            "account_login",
        ),
        ("It freezes whenever I type my password", "app_performance", "account_login"),
        ("The screen freezes as soon as I get into my account", "app_performance", "account_login"),
    ],
)
def test_a_failure_at_a_place_is_the_failures_kind(
    provider: OfflineProvider, taxonomy: Taxonomy, text: str, failure: str, place: str
) -> None:
    record = label(provider, taxonomy, text)
    assert record.main_category == failure, record.rationale
    assert place in (record.secondary_categories or []), record.rationale


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # the place's own failure stays with the place
        ("I can't log in, my password is rejected every time", "account_login"),
        ("Cannot sign in since I changed my email", "account_login"),
        ("My card payment was declined twice today", "pricing_billing"),
        # a typed failure with no other place: unchanged
        ("The app keeps crashing", "app_performance"),
    ],
)
def test_the_places_own_failure_stays_with_the_place(
    provider: OfflineProvider, taxonomy: Taxonomy, text: str, category: str
) -> None:
    record = label(provider, taxonomy, text)
    assert record.main_category == category, record.rationale


@pytest.mark.parametrize(
    "text",
    [
        "The mirror came broken, a big crack across the glass",
        "Both mugs were chipped when they arrived",
        "The frame got bent in transit",
        "Screen was cracked on arrival, very disappointing",
    ],
)
def test_damage_on_arrival_is_a_delivery_problem(
    provider: OfflineProvider, taxonomy: Taxonomy, text: str
) -> None:
    record = label(provider, taxonomy, text)
    assert record.main_category == "shipping_delivery", record.rationale


@pytest.mark.parametrize(
    "text",
    [
        "The handle broke after a month of daily use",
        "Arrived on time but the strap broke after two weeks of wearing it",
        "It came apart in the wash",
    ],
)
def test_damage_in_use_stays_a_product_defect(
    provider: OfflineProvider, taxonomy: Taxonomy, text: str
) -> None:
    record = label(provider, taxonomy, text)
    assert record.main_category == "product_defect", record.rationale


def test_the_rules_are_options(taxonomy: Taxonomy) -> None:
    # place_ratio 1 turns the failure rule off: the place's keywords outweigh the crash
    text = "It crashed twice while I was signing in to my account"
    off = label(OfflineProvider(place_ratio=1.0), taxonomy, text)
    assert off.main_category == "account_login", off.rationale
    # a taxonomy without the transit category: the damage rule adds nothing
    moved = label(
        OfflineProvider(transit_category="courier"), taxonomy, "The frame got bent in transit"
    )
    assert moved.main_category == "unknown", moved.rationale
    assert "damaged in transit" not in moved.rationale


@pytest.mark.parametrize(
    "text",
    [
        "The lettering on the lid is cut off at the edge.",
        "Print is off centre and smudged.",
    ],
)
def test_a_keyword_whose_symbol_the_matcher_cannot_read_does_not_match_its_rest(
    provider, taxonomy, text
):
    """'% off' (pricing_billing) tokenises to 'off': it matched every 'cut off' and 'off
    centre'. A keyword part that yields no word is not silently dropped from the phrase."""
    record = label(provider, taxonomy, text)
    assert "% off" not in (record.rationale or "")
    assert record.main_category != "pricing_billing"


def test_the_shipped_taxonomy_has_no_keyword_the_matcher_cannot_read(caplog, taxonomy):
    """The default taxonomy compiles without the 'not used' warning a user's would get."""
    from feedback_lakehouse.enrichment.providers.offline import matcher

    matcher._warned.clear()
    with caplog.at_level("WARNING", logger=matcher.__name__):
        for version in ("v1", "v2"):
            shipped = Taxonomy.from_csv(CATEGORIES_CSV, version)
            matcher.compile_taxonomy(shipped.categories.values(), 0.5)
    assert not [r for r in caplog.records if "is no word" in r.getMessage()]
    matcher._warned.clear()
    bad = Taxonomy.from_csv(CATEGORIES_CSV, "v2")
    first = next(iter(bad.categories.values()))
    with caplog.at_level("WARNING", logger=matcher.__name__):
        matcher.compile_taxonomy([dataclasses.replace(first, keywords=("% off",))], 0.5)
    assert any("'% off'" in r.getMessage() for r in caplog.records)


# issue 18 goal (d): a complaint dressed in praise is not `praise`. When the clause after a
# contrast ("but", "however", "except", "then") carries another category's evidence and
# no praise, that clause decides: praise is at most secondary (texts written for this test;
# each was `praise` before: more praise words than complaint words)
@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Gorgeous blouse, I love the colour, but there is a hole by the hem.", "product_defect"),
        ("Beautiful rug, really pretty, however the colours faded in a month.", "product_defect"),
        ("Love the shop, great range and happy with it, but the site is slow.", "app_performance"),
        ("Lovely coat, perfect fit, gorgeous colour, except it was overpriced.", "pricing_billing"),
    ],
)
def test_a_complaint_after_a_contrast_is_not_praise(
    provider: OfflineProvider, taxonomy: Taxonomy, text: str, category: str
) -> None:
    record = label(provider, taxonomy, text)
    assert record.main_category == category, record.rationale
    assert "praise" in (record.secondary_categories or ""), record.rationale
    assert "contrast" in (record.rationale or ""), record.rationale


@pytest.mark.parametrize(
    "text",
    [
        # the praise is in the contrast clause: it decides
        "The parcel was late, but I love it, a beautiful dress.",
        # no contrast: praise with a topic is still praise
        "Love this app, the best shop I know, amazing and easy to use.",
        # a contrast with nothing but praise after it
        "Not what I expected, but gorgeous and so comfy.",
    ],
)
def test_praise_in_the_deciding_clause_stays_praise(
    provider: OfflineProvider, taxonomy: Taxonomy, text: str
) -> None:
    assert label(provider, taxonomy, text).main_category == "praise"
