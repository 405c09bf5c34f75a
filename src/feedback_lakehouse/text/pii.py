"""Mask personal data in feedback text before any model or person downstream sees it.

This is the one masking implementation of the project. The dbt intermediate layer calls
it for `int_feedback__cleaned.masked_text` (macro `mask_pii`: a Python UDF on DuckDB and
on the local Spark session, a Unity Catalog Python function on Databricks), and the LLM
providers send only that masked text, masking it once more here (idempotent:
`mask_pii(mask_pii(t)) == mask_pii(t)`).

Tokens (readable for the offline provider and for people):

| token        | what                                                                         |
|--------------|------------------------------------------------------------------------------|
| `<URL>`      | links that carry a secret (`?token=`, `key=`, `sig=`, `session=` ...)          |
| `<EMAIL>`    | e-mail addresses, also written out ("maria dot gonzalez at gmail dot com")    |
| `<IBAN>`     | IBANs (checksum checked by python-stdnum), or an account number after "IBAN"  |
| `<CARD>`     | 13-19 digit card numbers passing the Luhn check (or after "card", "Karte"...) |
| `<SSN>`      | US social security numbers (python-stdnum's validity rules)                   |
| `<IP>`       | IPv4 / IPv6 addresses (the standard library's `ipaddress` validates)          |
| `<ID>`       | passport, ID card, driving licence, tax and insurance numbers after their name |
| `<DOB>`      | a date after "born", "date of birth", "geboren", "né le", "nacido" ...        |
| `<ORDER_ID>` | `ORD-123456` style ids and the id after "order #", "Bestellung", "commande"... |
| `<ADDRESS>`  | street addresses: US / GB / CA by pyap; DE, AT, CH, FR, ES, IT, NL by rules     |
| `<POSTCODE>` | a postcode after "postcode", "zip", "PLZ", "code postal" ...                  |
| `<PHONE>`    | phone numbers: `+`/`00` prefixed, or valid in a common region (phonenumbers)  |
| `<NAME>`     | person names: a first name of the gazetteer (gender-guesser's 40k-name list,  |
|              | European and beyond) followed by a surname, a name after a title or a cue    |
|              | ("ask for", "spoke to", "Herr", "Mme"), after greetings and before sign-offs |

Cheap prefilters keep it fast: the digit-based detectors run only on texts with digits,
the e-mail ones only on texts with "@" or " at ", the address parser only when a street
word is present, and the name gazetteer only looks at capitalised words.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Callable, Iterable
from importlib import resources

import phonenumbers
from stdnum import iban as std_iban
from stdnum import luhn

from feedback_lakehouse.text.pii_patterns import (
    ACCOUNT_RE,
    ADDRESS,
    ADDRESS_RES,
    CAPITALISED_RE,
    CARD,
    CARD_RE,
    COMMON_FIRST_NAMES,
    CUE_RE,
    DASH_SIGNATURE_RE,
    DATE_ONLY_RE,
    DOB,
    DOB_RE,
    DOTTED_OR_COLON_RE,
    EMAIL,
    EMAIL_RE,
    FOUR_DIGITS_RE,
    GREETING_RE,
    HAS_DIGIT_RE,
    HAS_EMAIL_HINT_RE,
    HAS_URL_RE,
    IBAN,
    IBAN_RE,
    ID,
    ID_RE,
    INTRO_RE,
    IP,
    IPV4_RE,
    IPV6_RE,
    LEAD_HINT_RE,
    NAME,
    NAME_PAIR_RE,
    NOT_NAMES,
    OBFUSCATED_EMAIL_RE,
    ORDER_CODE_RE,
    ORDER_ID,
    ORDER_REF_RE,
    PHONE,
    PHONE_CUE_RE,
    PHONE_RE,
    PHONE_REGIONS,
    POSTCODE,
    POSTCODE_RE,
    PRICE_OR_VERSION_RE,
    SECRET_PARAM_RE,
    SEVEN_DIGITS_RE,
    SIGNOFF_RE,
    SSN,
    SSN_RE,
    STOP_SURNAMES,
    STREET_HINT_RE,
    TITLE_RE,
    URL,
    URL_RE,
)


@functools.cache
def first_names() -> frozenset[str]:
    """The gazetteer: first names of gender-guesser's `nam_dict.txt` (lower case).

    ~48,000 names used in Europe and beyond (Jörg Michael's list, GNU FDL); read once
    (~0.3 s). Compound names ("Maria+da+Conceição") give their parts.
    """
    path = resources.files("gender_guesser") / "data" / "nam_dict.txt"
    names: set[str] = set()
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("#") or len(line) < 30:
                continue
            for part in line[3:29].strip().split("+"):
                if len(part) > 1 and part[0].isupper():
                    names.add(part.lower())
    return frozenset(names - COMMON_FIRST_NAMES)


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


Span = tuple[int, int, str]


class _Masker:
    """Collects non-overlapping spans (earlier detectors win), then replaces them."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.spans: list[Span] = []

    def free(self, start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e, _ in self.spans)

    def add(self, start: int, end: int, label: str) -> bool:
        if start >= end or not self.free(start, end):
            return False
        self.spans.append((start, end, label))
        return True

    def add_all(self, pattern: re.Pattern[str], label: str, group: str | int = 0) -> None:
        for match in pattern.finditer(self.text):
            self.add(match.start(group), match.end(group), label)

    def add_checked(
        self, pattern: re.Pattern[str], check: Callable[[re.Match[str]], str | None]
    ) -> None:
        for match in pattern.finditer(self.text):
            label = check(match)
            if label:
                self.add(match.start(), match.end(), label)

    def result(self) -> str:
        out = self.text
        for start, end, label in sorted(self.spans, reverse=True):
            out = out[:start] + label + out[end:]
        return out


def _iban(masker: _Masker, match: re.Match[str]) -> None:
    raw = match.group(0)
    # the pattern may run into the next word: keep the longest prefix that validates
    for end in range(len(raw), 14, -1):
        candidate = raw[:end].rstrip()
        if (end == len(raw) or not raw[end - 1].isspace()) and std_iban.is_valid(candidate):
            masker.add(match.start(), match.start() + len(candidate), IBAN)
            return


def _card(match: re.Match[str]) -> str | None:
    digits = re.sub(r"\D", "", match.group(0))
    if digits[0] != "0" and luhn.is_valid(digits):
        return CARD
    return None


def _ssn(match: re.Match[str]) -> str | None:
    # the format rules of python-stdnum (area not 000, 666 or 9xx; group and serial not
    # zero), without its list of famous invalid numbers: those are masked too
    area, group, serial = re.split(r"[- ]", match.group(0))
    if area in ("000", "666") or area[0] == "9" or group == "00" or serial == "0000":
        return None
    return SSN


def _ip(match: re.Match[str]) -> str | None:
    raw = match.group(0)
    if raw.count(":") >= 2 and "::" not in raw and raw.count(":") < 7:
        return None  # "10:30:45" is a time, not an IPv6 address
    try:
        ipaddress.ip_address(raw)
    except ValueError:
        return None
    return IP


def _phone(match: re.Match[str]) -> str | None:
    raw = match.group(0).strip()
    digits = _digits(raw)
    if digits < 7 or digits > 15 or DATE_ONLY_RE.match(raw) or PRICE_OR_VERSION_RE.match(raw):
        return None
    if raw.startswith(("+", "00")):
        try:
            number = phonenumbers.parse("+" + raw.lstrip("+")[2 if raw.startswith("00") else 0 :])
        except phonenumbers.NumberParseException:
            return None
        return PHONE if phonenumbers.is_possible_number(number) else None
    # a national number: a trunk prefix ("030 ...", "(212) ..."), 10+ digits or a word
    # that says it is one ("call me on", "Nummer", "numéro", "llámeme") right before it
    before = match.string[max(0, match.start() - 40) : match.start()]
    if not (raw.startswith(("0", "(")) or digits >= 10 or PHONE_CUE_RE.search(before)):
        return None
    for region in PHONE_REGIONS:
        try:
            number = phonenumbers.parse(raw, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return PHONE
    # no region's numbering plan knows it: body measurements ("34-29-38/39"), year
    # ranges ("1930-1940") and weights are no phone numbers
    return None


def _addresses(masker: _Masker, pyap_too: bool) -> None:
    import pyap  # imported on first use: its big patterns compile in ~0.1 s

    text = masker.text
    for country in ("US", "GB", "CA") if pyap_too else ():
        for address in pyap.parse(text, country=country):
            found = str(address.full_address)
            start = text.find(found)
            if start >= 0:
                masker.add(start, start + len(found), ADDRESS)
    for pattern in ADDRESS_RES:
        masker.add_all(pattern, ADDRESS)


def _names(masker: _Masker, gazetteer_hit: bool) -> None:
    text = masker.text
    for pattern in (TITLE_RE, CUE_RE) if gazetteer_hit else (TITLE_RE,):
        for match in pattern.finditer(text):
            name = match.group("name")
            if pattern is CUE_RE and not _is_first_name(name.split()[0]):
                continue
            masker.add(match.start("name"), match.end("name"), NAME)
    if not gazetteer_hit:
        return
    known = first_names()
    for word in CAPITALISED_RE.finditer(text):
        if word.group().lower() not in known:
            continue
        match = NAME_PAIR_RE.match(text, word.start())  # each first name may start a name
        if match is None:
            continue
        first, last = match.group("first"), match.group("last")
        if first.lower() not in known or last.split()[-1].lower() in STOP_SURNAMES:
            continue
        if last.split()[-1].lower() in COMMON_FIRST_NAMES:
            continue
        if (match.group("next") and not match.group("last2")) or _in_capitalised_run(
            text, word.start()
        ):
            continue  # "Aurora Desk Lamp", "Halo LED Floor Lamp": a product, not a name
        end = match.end("last2") if match.group("last2") else match.end("last")
        masker.add(match.start("first"), end, NAME)


_PREVIOUS_CAPITALISED_RE = re.compile(r"(?:^|(?<=\s))[A-ZÀ-Þ][\w'’-]*\s$")


def _in_capitalised_run(text: str, start: int) -> bool:
    """Whether a capitalised word that does not start a sentence comes right before."""
    previous = _PREVIOUS_CAPITALISED_RE.search(text, max(0, start - 40), start)
    if previous is None:
        return False
    before = text[: previous.start()].rstrip()
    return bool(before) and before[-1] not in ".!?:;\n\"'(“"


def _is_first_name(word: str) -> bool:
    return word.lower() in first_names()


def _capitalised_prefix(name: str) -> str:
    """The leading run of words that look like a name (capitalised, not a stop word)."""
    kept: list[str] = []
    for word in name.split():
        if not word[0].isupper() or word.lower() in NOT_NAMES or word.startswith("<"):
            break
        kept.append(word)
    return " ".join(kept)


def _context_name_sub(match: re.Match[str]) -> str:
    name = _capitalised_prefix(match.group("name"))
    if not name:
        return match.group(0)
    # after "Hi," or before "Regards" a name is one of the gazetteer ("Hi, Please help")
    if match.re in (GREETING_RE, SIGNOFF_RE) and not _is_first_name(name.split()[0]):
        return match.group(0)
    rest = match.group("name")[len(name) :]
    tail = match.groupdict().get("tail") or ""
    # a sign-off's name ends the text: "Thank you! Great support" is praise, not a
    # signature, since words that are no name ("support") follow the capitalised one
    if "tail" in match.re.groupindex and rest.strip():
        return match.group(0)
    return match.group("lead") + NAME + rest + tail


def mask_pii(text: str | None) -> str | None:
    """Return `text` with every kind of personal data listed above replaced by its token."""
    if not text:
        return text
    masker = _Masker(text)
    if HAS_URL_RE.search(text):
        for match in URL_RE.finditer(text):
            if SECRET_PARAM_RE.search(match.group(0)):
                masker.add(match.start(), match.end(), URL)
    if "@" in text:
        masker.add_all(EMAIL_RE, EMAIL)
    if HAS_EMAIL_HINT_RE.search(text):
        masker.add_all(OBFUSCATED_EMAIL_RE, EMAIL)
    if HAS_DIGIT_RE.search(text):
        _numbers(masker)
    known = first_names()
    gazetteer_hit = any(m.group().lower() in known for m in CAPITALISED_RE.finditer(text))
    _names(masker, gazetteer_hit)
    out = masker.result() if masker.spans else text
    patterns = [INTRO_RE]
    if gazetteer_hit:  # after a greeting or before a sign-off, a name is in the gazetteer
        patterns += [GREETING_RE, SIGNOFF_RE]
    if "\n" in out:
        patterns.append(DASH_SIGNATURE_RE)
    for pattern in patterns:
        out = pattern.sub(_context_name_sub, out)
    return out


def _numbers(masker: _Masker) -> None:
    """The detectors of things with digits, each behind a cheap prefilter."""
    text = masker.text
    many_digits = SEVEN_DIGITS_RE.search(text) is not None
    lead = LEAD_HINT_RE.search(text) is not None
    if many_digits:
        for match in IBAN_RE.finditer(text):
            _iban(masker, match)
        masker.add_checked(CARD_RE, _card)
        masker.add_checked(SSN_RE, _ssn)
    if DOTTED_OR_COLON_RE.search(text):
        masker.add_checked(IPV4_RE, _ip)
        if text.count(":") >= 2:
            masker.add_checked(IPV6_RE, _ip)
    if lead:
        masker.add_all(ACCOUNT_RE, IBAN, "id")
        for match in ID_RE.finditer(text):
            words = match.group("lead").lower()
            label = SSN if ("ssn" in words or "social security" in words) else ID
            masker.add(match.start("id"), match.end("id"), label)
        masker.add_all(DOB_RE, DOB, "date")
        masker.add_all(ORDER_CODE_RE, ORDER_ID)
        for match in ORDER_REF_RE.finditer(text):
            if any(ch.isdigit() for ch in match.group("id")):
                masker.add(match.start("id"), match.end("id"), ORDER_ID)
    street = STREET_HINT_RE.search(text) is not None
    if street or FOUR_DIGITS_RE.search(text):  # GB: "10 Downing Street, London SW1A 2AA"
        _addresses(masker, pyap_too=street)
    if lead:
        masker.add_all(POSTCODE_RE, POSTCODE, "code")
    if many_digits:
        masker.add_checked(PHONE_RE, _phone)


def mask_many(texts: Iterable[str | None]) -> list[str | None]:
    """`mask_pii` of each text (the batch entry the SQL layer's UDFs call)."""
    return [mask_pii(text) for text in texts]
