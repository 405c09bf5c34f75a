"""Language detection (feedback_lakehouse.language)."""

from __future__ import annotations

from feedback_lakehouse.language import detect_languages


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
