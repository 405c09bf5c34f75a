"""Mask personal data in feedback text before it leaves the machine.

The dbt intermediate layer already masks PII in SQL; LLM providers call `mask_pii` again
on every text they send (defence in depth). Both use the same tokens, so masking twice
changes nothing: `mask_pii(mask_pii(t)) == mask_pii(t)`.

What is masked, in this order (earlier patterns win where they overlap):

| token        | what                                                                    |
|--------------|-------------------------------------------------------------------------|
| `<EMAIL>`    | e-mail addresses                                                        |
| `<IBAN>`     | IBAN-like account numbers (country code, check digits, 11-30 chars)     |
| `<ORDER_ID>` | `ORD-123456` style ids and the id after "order #", "order no.", ...    |
| `<CARD>`     | card-like numbers: 13-19 digits, optionally grouped by spaces or dashes |
| `<PHONE>`    | phone numbers: `+`/`00` prefixed, or 7-15 digits with separators, or 10+ |
| `<NAME>`     | person names after greetings, introductions, titles and sign-offs       |

Names: no well-kept, light library finds person names offline here. Presidio and
scrubadub need a spaCy or TextBlob model that is downloaded from a model hub at run
time (not reachable from this project's machines); the spaCy models found on PyPI are
unofficial re-uploads; `names-dataset` loads gigabytes of name lists. So names are
masked by rules where a name is almost certainly one: "Hi, I'm John Smith", "my name is
Jane", "Dear Mr. Smith", "Regards, Jane" at the end of a text. A bare name in the middle
of a sentence is not found.
"""

from __future__ import annotations

import re

EMAIL = "<EMAIL>"
PHONE = "<PHONE>"
ORDER_ID = "<ORDER_ID>"
CARD = "<CARD>"
IBAN = "<IBAN>"
NAME = "<NAME>"

_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")

# Country code, two check digits, then 11-30 letters/digits, optionally in groups of 4.
_IBAN_RE = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){11,30}\b")

_ORDER_CODE_RE = re.compile(r"\bORD[-_ ]?\d{4,}\b", re.IGNORECASE)
_ORDER_REF_RE = re.compile(
    r"\b(?P<lead>order\s*(?:no\.?|nr\.?|num(?:ber)?\.?|id)?\s*:?\s*)"
    r"(?P<id>#?[A-Z0-9][A-Z0-9-]{3,})\b",
    re.IGNORECASE,
)

# 13-19 digits, single spaces or dashes allowed between them.
# Card numbers never start with 0 (so "0049 30 1234567" stays a phone number).
_CARD_RE = re.compile(r"(?<![\w-])[1-9](?:[ -]?\d){12,18}(?![\w-])")

_PHONE_RE = re.compile(r"(?<![\w+(])(?:\+|\()?\d[\d ().-]{5,}\d(?!\w)")
_DATE_RE = re.compile(r"^(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4})$")

# Words that follow a greeting or sign-off but are not names.
_NOT_NAMES = frozenset(
    {
        "team", "support", "all", "there", "everyone", "everybody", "folks", "guys",
        "sir", "madam", "customer", "service", "again", "so", "very", "much", "a", "lot",
        "for", "you", "the", "in", "advance", "anyway", "friends", "staff", "i", "i'm",
        "i’m", "it's", "this", "we", "we're", "my", "our", "your", "mr", "mrs", "ms",
        "miss", "dr", "prof",
    }
)  # fmt: skip

_NAME = r"(?P<name>[^\W\d_][\w'’-]*(?:[ \t]+[^\W\d_][\w'’-]*){0,2})"
_INTRO_RE = re.compile(
    r"(?P<lead>\b(?:my name is|my name's|name\s*:)\s+)" + _NAME,
    re.IGNORECASE,
)
_GREETING_RE = re.compile(
    r"(?P<lead>(?:^|(?<=[.!?\n]))\s*(?:hi|hello|hey|dear|good (?:morning|afternoon|evening))"
    r"[,!]?\s+(?:(?:i'm|i am|this is|it's)\s+)?)" + _NAME,
    re.IGNORECASE,
)
_TITLE_RE = re.compile(r"(?P<lead>\b(?:Mr|Mrs|Ms|Miss|Dr|Prof)\.?\s+)" + _NAME)
_SIGNOFF_RE = re.compile(
    r"(?P<lead>\b(?:regards|best|cheers|thanks|thank you|sincerely|best wishes|kind regards|"
    r"many thanks|yours)[,!.]?\s+(?:[-–—]\s*)?)" + _NAME + r"(?P<tail>\s*[.!]?\s*)$",
    re.IGNORECASE,
)
_DASH_SIGNATURE_RE = re.compile(r"(?P<lead>\n\s*[-–—]\s*)" + _NAME + r"(?P<tail>\s*)$")


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def _phone(match: re.Match[str]) -> str:
    raw = match.group(0)
    digits = _digits(raw)
    if digits < 7 or digits > 15 or _DATE_RE.match(raw.strip()):
        return raw
    separated = any(ch in raw for ch in " ().-")
    prefixed = raw.startswith(("+", "00", "("))
    if prefixed or (separated and digits >= 7) or digits >= 10:
        return PHONE
    return raw


def _order_ref(match: re.Match[str]) -> str:
    ident = match.group("id")
    # "order has arrived": an order id has at least one digit.
    if not any(ch.isdigit() for ch in ident):
        return match.group(0)
    return match.group("lead") + ORDER_ID


def _capitalised_prefix(name: str) -> str:
    """The leading run of words that look like a name (capitalised, not a stop word)."""
    kept: list[str] = []
    for word in name.split():
        if not word[0].isupper() or word.lower() in _NOT_NAMES:
            break
        kept.append(word)
    return " ".join(kept)


def _name_sub(match: re.Match[str]) -> str:
    name = _capitalised_prefix(match.group("name"))
    if not name:
        return match.group(0)
    rest = match.group("name")[len(name) :]
    tail = match.groupdict().get("tail") or ""
    # a sign-off's name ends the text: "Thank you! Great support" is praise, not a
    # signature, since words that are no name ("support") follow the capitalised one
    if "tail" in match.re.groupindex and rest.strip():
        return match.group(0)
    return match.group("lead") + NAME + rest + tail


def mask_pii(text: str) -> str:
    """Return `text` with e-mails, IBANs, order ids, card numbers, phones and names masked."""
    if not text:
        return text
    out = _EMAIL_RE.sub(EMAIL, text)
    out = _IBAN_RE.sub(IBAN, out)
    out = _ORDER_CODE_RE.sub(ORDER_ID, out)
    out = _ORDER_REF_RE.sub(_order_ref, out)
    out = _CARD_RE.sub(CARD, out)
    out = _PHONE_RE.sub(_phone, out)
    for pattern in (_INTRO_RE, _GREETING_RE, _TITLE_RE, _SIGNOFF_RE, _DASH_SIGNATURE_RE):
        out = pattern.sub(_name_sub, out)
    return out
