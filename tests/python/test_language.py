"""Language detection (feedback_lakehouse.text.language)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from feedback_lakehouse.text.language import ENGLISH_MARKERS, detect_languages, looks_english


def test_detects_common_languages() -> None:
    texts = [
        "The package arrived two weeks late and the box was damaged.",
        "Die Lieferung kam zwei Wochen zu spät und der Karton war beschädigt.",
        "Le colis est arrivé avec deux semaines de retard et la boîte était abîmée.",
        "El paquete llegó con dos semanas de retraso y la caja estaba dañada.",
    ]
    assert detect_languages(texts) == ["en", "de", "fr", "es"]


def test_empty_and_too_short_texts_are_none() -> None:
    assert detect_languages(["", "   ", "ok", "?!", "42"]) == [None] * 5


def test_short_english_is_not_mislabelled() -> None:
    # lingua alone calls these Dutch, Spanish and French
    assert detect_languages(["Poor fit", "Perfect", "Terrible"]) == ["en", "en", "en"]


def test_short_text_in_another_language_is_kept_when_clear() -> None:
    assert detect_languages(["Sehr gut", "Merci beaucoup"]) == ["de", "fr"]


def test_keeps_order_and_length() -> None:
    texts = ["", "Das Produkt ist leider kaputt angekommen.", "", "Works great, thank you!"]
    assert detect_languages(texts) == [None, "de", None, "en"]
    assert detect_languages([]) == []


def test_plain_english_skips_lingua_and_mixed_text_does_not() -> None:
    assert looks_english("The parcel arrived late and the box was crushed.")
    assert looks_english("I can't find my password and it's not working")
    # a German sentence after an English one: lingua decides
    assert not looks_english("Compliment for your team. Tolles Produkt, schnelle Lieferung.")
    assert not looks_english("Das Produkt ist gut, the box")  # one marker only
    assert not looks_english("Très bien, the colour and the fit")  # not ASCII
    assert not looks_english("Poor fit")


def test_marker_words_are_not_words_of_the_other_languages() -> None:
    # every marker alone, as lingua sees it among the supported languages, is English
    # or too short to tell; none is a common word of another supported language
    from lingua import LanguageDetectorBuilder

    from feedback_lakehouse.text.language import SUPPORTED_LANGUAGES

    detector = LanguageDetectorBuilder.from_languages(*SUPPORTED_LANGUAGES).build()
    non_english = [
        word
        for word in sorted(ENGLISH_MARKERS)
        if len(word) >= 4
        and (top := detector.compute_language_confidence_values(word))
        and top[0].language.iso_code_639_1.name.lower() != "en"
        and top[0].value > 0.9
    ]
    assert non_english == []


def test_prefilter_agrees_with_lingua_on_real_and_generated_text() -> None:
    import pandas as pd

    from feedback_lakehouse.text.language import get_accurate_detector

    fixtures = Path(__file__).resolve().parents[1] / "fixtures"
    texts = pd.read_csv(fixtures / "clothing_slice" / "reviews.csv")["Review Text"].dropna()
    texts = texts.astype(str).tolist()
    texts += pd.read_csv(fixtures / "banking77_slice" / "train.csv")["text"].tolist()
    texts += [
        "Die Lieferung kam zu spät, aber the support was fine",
        "Le produit est bon. The delivery was late and the box was crushed.",
        "Muy buena calidad, estoy encantada. Compliment for your team.",
        "Het pakket was te laat en de doos was kapot",
        "Il prodotto è arrivato rotto e il servizio clienti non risponde",
    ]
    plain = [t for t in texts if looks_english(t)]
    assert len(plain) > 200
    detector = get_accurate_detector()
    called = [detector.detect_language_of(t) for t in plain]
    assert [t for t, lang in zip(plain, called, strict=True) if lang.name != "ENGLISH"] == []


def test_the_fast_detector_reads_only_a_prefix_of_whole_words(monkeypatch) -> None:
    from feedback_lakehouse.text import language

    read: list[str] = []
    detector = language.get_detector()

    class Spy:
        def detect_languages_in_parallel_of(self, texts: list[str]) -> list:
            read.extend(texts)
            return detector.detect_languages_in_parallel_of(texts)

        def compute_language_confidence_values_in_parallel(self, texts: list[str]) -> list:
            return detector.compute_language_confidence_values_in_parallel(texts)

    monkeypatch.setattr(language, "get_detector", lambda: Spy())
    long_german = "Die Lieferung kam zwei Wochen zu spät und der Karton war beschädigt. " * 4
    assert language.detect_languages([long_german]) == ["de"]
    limit = language.DETECT_PREFIX_CHARS
    assert limit is not None and read and all(len(text) <= limit for text in read)
    assert read == [language.detection_prefix(long_german)]
    assert long_german.startswith(read[0]) and long_german[len(read[0])] == " "


def test_a_prefix_cut_keeps_whole_words_and_short_texts() -> None:
    from feedback_lakehouse.text.language import detection_prefix

    assert detection_prefix("short text", 80) == "short text"
    assert detection_prefix("alpha beta gamma", 8) == "alpha"
    assert detection_prefix("alpha beta gamma", 10) == "alpha beta"
    assert detection_prefix("alphabetagamma", 5) == "alpha"  # one long word: cut inside
    assert detection_prefix("alpha beta gamma", None) == detection_prefix("alpha beta gamma")


def test_prefix_detection_agrees_with_whole_texts(monkeypatch, tmp_path: Path) -> None:
    """The same languages with and without the prefix on real texts (the fixtures'
    slices of ../shared/data) and a generated sample (seed 7) with its other languages."""
    import pandas as pd

    from feedback_devtools.landing_texts import landing_texts
    from feedback_devtools.sample import generate
    from feedback_lakehouse.text import language

    fixtures = Path(__file__).resolve().parents[1] / "fixtures"
    texts = pd.read_csv(fixtures / "clothing_slice" / "reviews.csv")["Review Text"].dropna()
    texts = texts.astype(str).tolist()
    texts += pd.read_csv(fixtures / "banking77_slice" / "train.csv")["text"].tolist()
    generate(tmp_path, records=3000, seed=7)
    texts += landing_texts(tmp_path)
    longer = [t for t in texts if len(t) > (language.DETECT_PREFIX_CHARS or 0)]
    assert len(longer) > 1000
    with_prefix = language.detect_languages(texts)
    monkeypatch.setattr(language, "DETECT_PREFIX_CHARS", None)
    whole = language.detect_languages(texts)
    assert len({code for code in whole if code}) >= 3  # the sample's other languages too
    assert [(t, a, b) for t, a, b in zip(texts, whole, with_prefix, strict=True) if a != b] == []


def test_the_language_model_imports_no_scikit_learn() -> None:
    """In a daily run the language model starts beside the enrichment: importing
    scikit-learn (which it does not use) held it up by about a second."""
    code = (
        "import sys, feedback_lakehouse.text.language_dbt; sys.exit(int('sklearn' in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
