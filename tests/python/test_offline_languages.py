"""One label set across languages: the offline provider reads the taxonomy's keywords in
the text's detected language (`keywords_<language>` columns of the taxonomy seed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from feedback_lakehouse.contracts import NO_RULES_FOR_LANGUAGE, UNKNOWN_CATEGORY, TextItem
from feedback_lakehouse.enrichment.providers.offline.matcher import taxonomy_payload
from feedback_lakehouse.enrichment.providers.offline.provider import OfflineProvider
from feedback_lakehouse.enrichment.taxonomy import Taxonomy, TaxonomyError

PROJECT = Path(__file__).resolve().parents[2]
CATEGORIES_CSV = PROJECT / "seeds" / "taxonomy" / "taxonomy_categories.csv"
# a bring-your-own taxonomy written before other languages existed: English columns only
BYO_CSV = (
    PROJECT / "examples" / "clothing_reviews" / "seeds" / "byo_taxonomy" / "taxonomy_categories.csv"
)

# complaints as customers write them, one per shipped language and a few categories
COMPLAINTS = [
    ("de", "Die App stürzt seit dem letzten Update ständig ab.", "app_performance"),
    ("de", "Mein Paket ist nie angekommen, keine Sendungsverfolgung.", "shipping_delivery"),
    ("de", "Mir wurde die Bestellung zweimal abgebucht, bitte erstatten.", "billing_payment"),
    ("es", "Me cobraron dos veces el mismo pedido y nadie me lo devuelve.", "billing_payment"),
    ("es", "La cremallera se rompió el primer día, muy mala calidad.", "product_defect"),
    ("es", "No puedo iniciar sesión, la contraseña nueva no funciona.", "account_login"),
    ("fr", "Mon colis n'est jamais arrivé et le livreur ne répond pas.", "shipping_delivery"),
    ("fr", "L'application plante à chaque fois que je veux payer.", "app_performance"),
    ("fr", "Le service client ne répond jamais, aucune réponse.", "customer_service"),
]


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return Taxonomy.from_csv(CATEGORIES_CSV, "v1")


@pytest.fixture(scope="module")
def provider() -> OfflineProvider:
    return OfflineProvider()


def enrich_one(provider: OfflineProvider, taxonomy: Taxonomy, text: str, language: str | None):
    (record,) = provider.enrich([TextItem(text_hash="h", text=text, language=language)], taxonomy)
    return record


@pytest.mark.parametrize(("language", "text", "category"), COMPLAINTS)
def test_a_complaint_in_another_language_gets_its_category(
    provider: OfflineProvider, taxonomy: Taxonomy, language: str, text: str, category: str
) -> None:
    record = enrich_one(provider, taxonomy, text, language)
    assert record.main_category == category, record.rationale
    assert record.review_signals is None  # read by rules: no no_rules_for_language
    assert record.language == language
    assert record.sentiment == "negative", record.rationale
    assert record.suggested_owner == taxonomy.categories[category].owner_team


@pytest.mark.parametrize(
    ("language", "text"),
    [
        # "super" is an English word in VADER's lexicon (+): this is a complaint
        ("de", "Super nervig, die Jacke ist nach einer Woche kaputt."),
        ("es", "Genial, otra vez no funciona la app y nadie responde."),
        ("fr", "Super, encore une fois le colis est en retard."),
    ],
)
def test_a_complaint_is_never_positive(
    provider: OfflineProvider, taxonomy: Taxonomy, language: str, text: str
) -> None:
    record = enrich_one(provider, taxonomy, text, language)
    assert record.sentiment == "negative", record.rationale


def test_praise_and_negated_praise_in_german(provider: OfflineProvider, taxonomy: Taxonomy) -> None:
    praise = enrich_one(provider, taxonomy, "Tolle Qualität, ich bin sehr zufrieden!", "de")
    assert (praise.main_category, praise.sentiment) == ("praise", "positive"), praise.rationale
    negated = enrich_one(provider, taxonomy, "Das Kleid ist nicht gut.", "de")
    assert negated.sentiment != "positive", negated.rationale


def test_a_language_without_keywords_stays_unknown(
    provider: OfflineProvider, taxonomy: Taxonomy
) -> None:
    record = enrich_one(provider, taxonomy, "L'app si blocca sempre dopo l'aggiornamento", "it")
    assert record.main_category == UNKNOWN_CATEGORY
    assert record.review_signals == NO_RULES_FOR_LANGUAGE
    assert "keywords_it" in (record.rationale or "")  # says what to add


def test_an_english_only_byo_taxonomy_loads_and_reads_english_only(
    provider: OfflineProvider,
) -> None:
    byo = Taxonomy.from_csv(BYO_CSV)
    assert byo.languages == {"en"}
    assert all(not c.translations for c in byo.categories.values())
    # the prompt version hashes exactly what it hashed before other languages existed,
    # so an upgrade does not enrich an English-only project's texts again
    assert all(
        set(entry) == {"id", "name", "owner", "criticality", "keywords", "examples"}
        for entry in taxonomy_payload(byo)
    )
    english = enrich_one(provider, byo, "Runs small so I had to size up", "en")
    assert english.main_category != UNKNOWN_CATEGORY
    german = enrich_one(provider, byo, "Das Kleid fällt sehr klein aus", "de")
    assert german.main_category == UNKNOWN_CATEGORY
    assert german.review_signals == NO_RULES_FOR_LANGUAGE


def _seed() -> pd.DataFrame:
    return pd.read_csv(CATEGORIES_CSV, dtype=str, keep_default_na=False)


def test_shipped_taxonomy_reads_german_spanish_french(taxonomy: Taxonomy) -> None:
    assert {"en", "de", "es", "fr"} <= taxonomy.languages
    for category in taxonomy.categories.values():
        for language in ("de", "es", "fr"):
            keywords, examples = category.phrases(language)
            assert len(keywords) >= 10, (category.category_id, language)
            assert 3 <= len(examples) <= 5, (category.category_id, language)


def test_keywords_of_one_language_are_not_shared_between_categories() -> None:
    for version in ("v1", "v2"):
        taxonomy = Taxonomy.from_frame(_seed(), version)
        for language in ("de", "es", "fr"):
            owners: dict[str, str] = {}
            for category in taxonomy.categories.values():
                for keyword in category.phrases(language)[0]:
                    owner = owners.setdefault(keyword.lower(), category.category_id)
                    assert owner == category.category_id, (version, language, keyword)


def test_prompt_version_changes_with_a_language_keyword(
    provider: OfflineProvider, taxonomy: Taxonomy
) -> None:
    frame = _seed()
    row = (frame["taxonomy_version"] == "v1") & (frame["category_id"] == "packaging")
    frame.loc[row, "keywords_de"] = frame.loc[row, "keywords_de"] + "|styropor"
    edited = Taxonomy.from_frame(frame, "v1")
    assert provider.prompt_version(edited) != provider.prompt_version(taxonomy)
    text = "Alles voller Styropor."
    assert enrich_one(provider, taxonomy, text, "de").main_category == UNKNOWN_CATEGORY
    assert enrich_one(provider, edited, text, "de").main_category == "packaging"


def test_blank_language_cells_and_a_misnamed_english_column(taxonomy: Taxonomy) -> None:
    frame = _seed()
    frame["keywords_it"] = None  # a language column left empty: no Italian rules
    assert "it" not in Taxonomy.from_frame(frame, "v1").languages
    frame = _seed().rename(columns={"keywords": "keywords_en"})
    frame["keywords"] = ""
    with pytest.raises(TaxonomyError, match="keywords_en"):
        Taxonomy.from_frame(frame, "v1")


def test_german_compounds_and_french_elisions(
    provider: OfflineProvider, taxonomy: Taxonomy
) -> None:
    cases: list[tuple[str, str, Any]] = [
        # "Lieferverzögerung" is no keyword; its ending "verzögerung" is
        ("de", "Schon wieder eine Paketverzögerung.", "shipping_delivery"),
        # "l'interface" is the token "linterface": read as "interface"
        ("fr", "Je trouve l'interface déroutante et l'ergonomie mauvaise.", "usability"),
    ]
    for language, text, category in cases:
        record = enrich_one(provider, taxonomy, text, language)
        assert record.main_category == category, (text, record.rationale)
