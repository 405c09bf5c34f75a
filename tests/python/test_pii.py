"""PII masking: planted personal data is masked, ordinary text keeps its meaning."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from pii_planted import PLANTED, Planted, half

from feedback_devtools.sample import CATALOGUE
from feedback_lakehouse.text.pii import mask_pii


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail me at jane.doe+shop@example.co.uk now", "mail me at <EMAIL> now"),
        ("call +44 20 7946 0958 today", "call <PHONE> today"),
        ("my number is (555) 123-4567", "my number is <PHONE>"),
        ("ring 0049 30 1234567", "ring <PHONE>"),
        ("ring 5551234567", "ring <PHONE>"),
        ("where is ORD-123456?", "where is <ORDER_ID>?"),
        ("my order #12345 is late", "my order <ORDER_ID> is late"),
        ("Order no. 778899 never came", "Order no. <ORDER_ID> never came"),
        ("order number: A12-9981", "order number: <ORDER_ID>"),
        ("card 4111 1111 1111 1111 was charged", "card <CARD> was charged"),
        ("card 4111-1111-1111-1111", "card <CARD>"),
        ("paid with 378282246310005", "paid with <CARD>"),
        ("IBAN DE89 3704 0044 0532 0130 00 please", "IBAN <IBAN> please"),
        ("iban GB82WEST12345698765432", "iban <IBAN>"),
        ("Hi, I'm John Smith and my order broke", "Hi, I'm <NAME> and my order broke"),
        ("Hello, this is Maria. The app crashes", "Hello, this is <NAME>. The app crashes"),
        ("My name is Ana Lopez, the box was empty", "My name is <NAME>, the box was empty"),
        ("Dear Mr. Brown, thanks", "Dear Mr. <NAME>, thanks"),
        ("Great shoes. Regards, Jane", "Great shoes. Regards, <NAME>"),
        ("Too small.\n- Tom", "Too small.\n- <NAME>"),
    ],
)
def test_masks_planted_pii(text: str, expected: str) -> None:
    assert mask_pii(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Delivered on 2024-05-01, two weeks late!!! :(",
        "It cost 129.99 and broke after 3 days",
        "Version 2.3.14 crashes on iOS 17",
        "Hi team, the app keeps logging me out",
        "Thanks for nothing. The order has arrived broken",
        "Size 42 fits, 5 stars",
        "Best purchase ever",
        "I waited 45 minutes on hold",
        # a sign-off word, then a short sentence of praise: no name follows
        "Thank you! Great support",
        "Thanks,\nGreat service all round",
    ],
)
def test_keeps_ordinary_text(text: str) -> None:
    assert mask_pii(text) == text


def test_idempotent_and_empty() -> None:
    text = "Hi, I'm John. ORD-123456, jane@x.io, +1 415 555 0100, 4111111111111111. Cheers, Ann"
    once = mask_pii(text)
    assert mask_pii(once) == once
    for secret in ("John", "123456", "jane@x.io", "415 555", "4111111111111111", "Ann"):
        assert secret not in once
    assert mask_pii("") == ""


# --- the planted set (tests/python/pii_planted.py): recall per kind and label accuracy ---

# goals of issue 16: every planted e-mail, phone, card, IBAN and order id; 95% of names
# and addresses; every other kind at least 90%
_GOALS = {
    "email": 1.0, "obfuscated_email": 1.0, "phone_intl": 1.0, "phone_national": 1.0,
    "card": 1.0, "iban": 1.0, "order_id": 1.0, "name": 0.95, "address": 0.95,
}  # fmt: skip


def _leaked(case: Planted, masked: str) -> list[str]:
    """Parts of the secret still in the masked text (a name's words, an id's digit runs)."""
    if case.kind == "name":
        return [w for w in case.secret.split() if len(w) > 2 and w[0].isupper() and w in masked]
    parts = [case.secret]
    if case.kind != "postcode":
        parts += [r for r in re.findall(r"[A-Za-z0-9]{4,}", case.secret) if re.search(r"\d", r)]
    return [part for part in parts if part in masked]


def recall_by_kind(cases: list[Planted]) -> tuple[dict[str, float], float]:
    """Share of each kind's secrets removed, and share of all cases with the right label."""
    found: Counter[str] = Counter()
    total: Counter[str] = Counter()
    labelled = 0
    for case in cases:
        masked = mask_pii(case.text)
        total[case.kind] += 1
        if not _leaked(case, masked):
            found[case.kind] += 1
            labelled += case.label in masked
    return {kind: found[kind] / total[kind] for kind in total}, labelled / len(cases)


def test_planted_set_is_big_and_varied() -> None:
    assert len(PLANTED) >= 200
    assert len({case.kind for case in PLANTED}) >= 15
    assert len({case.lang for case in PLANTED}) >= 5


@pytest.mark.parametrize("half_name", ["dev", "holdout"])
def test_planted_recall_per_kind(half_name: str) -> None:
    recall, label_accuracy = recall_by_kind(half(half_name))
    missed = {k: round(r, 3) for k, r in recall.items() if r < _GOALS.get(k, 0.9)}
    assert not missed, f"recall below the goal ({half_name} half): {missed}"
    assert label_accuracy >= 0.95, f"label accuracy {label_accuracy:.3f} ({half_name} half)"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # wrong labels the issue reports: an IP and an SSN became <PHONE>, +49 a <CARD>
        ("blocked from 192.168.100.200 again", "blocked from <IP> again"),
        ("SSN 123-45-6789 was read out", "SSN <SSN> was read out"),
        ("Handy +49 1512 3456789 bitte", "Handy <PHONE> bitte"),
        ("born 12/03/1985, so not a minor", "born <DOB>, so not a minor"),
        ("ask for Maria Gonzalez at the desk", "ask for <NAME> at the desk"),
        ("mail maria dot gonzalez at gmail dot com", "mail <EMAIL>"),
    ],
)
def test_right_label(text: str, expected: str) -> None:
    assert mask_pii(text) == expected


def test_sample_products_and_skus_are_not_masked() -> None:
    """0 false masks: every product name and SKU of the sample generator, in sentences."""
    masked = []
    for product in CATALOGUE:
        for text in (
            f"{product.name} broke after a week ({product.sku}).",
            f"My {product.name} arrived late, SKU {product.sku}, order ORD-123456.",
            f"I love the {product.name}! {product.sku} is great",
        ):
            out = mask_pii(text)
            if product.name not in out or product.sku not in out:
                masked.append(out)
    assert not masked, masked


def test_ordinary_text_of_the_sample_keeps_its_words() -> None:
    """Generated sample texts lose only planted PII: product names and SKUs stay."""
    out = mask_pii(
        "Pulse Pro Noise-Cancelling Headphones: the left cup died. Version 2.3.14, "
        "size 42, 129.99 USD, delivered on 2024-05-01. Rose Gold colour, Olive Green strap."
    )
    assert "<" not in out, out
