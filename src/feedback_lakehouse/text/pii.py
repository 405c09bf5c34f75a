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

EMAIL = "<EMAIL>"
PHONE = "<PHONE>"
ORDER_ID = "<ORDER_ID>"
CARD = "<CARD>"
IBAN = "<IBAN>"
NAME = "<NAME>"
IP = "<IP>"
SSN = "<SSN>"
DOB = "<DOB>"
ADDRESS = "<ADDRESS>"
POSTCODE = "<POSTCODE>"
ID = "<ID>"
URL = "<URL>"

LABELS = (URL, EMAIL, IBAN, CARD, SSN, IP, ID, DOB, ORDER_ID, ADDRESS, POSTCODE, PHONE, NAME)

# ---------------------------------------------------------------------------- links
_URL_RE = re.compile(r"\b(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
_SECRET_PARAM_RE = re.compile(
    r"[?&#;](?:[\w-]*(?:token|key|secret|sig|signature|session|sessionid|sid|auth|password|"
    r"passwd|pwd|code|otp|reset)[\w-]*)=",
    re.IGNORECASE,
)

# ---------------------------------------------------------------------------- e-mail
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")
_TLDS = (
    # not "in" or "me": "me at a point in the ..." is English, not an address
    "com|org|net|edu|gov|io|co|uk|de|fr|es|it|nl|be|ch|at|pl|pt|se|no|dk|fi|ie|eu|us|ca|au|"
    "info|biz|mx|br|ar|jp|cn|ru|cz|sk|hu|ro|gr|lu|li|si|hr|bg|lt|lv|ee|tr|nz|za|uk"
)
# a plain "." only without spaces: "too tight at home. it's" is no address
_DOT = (
    r"(?:\.|\s*(?:\[\s*dot\s*\]|\(\s*dot\s*\)|\{\s*dot\s*\})\s*|"
    r"\s+(?:dot|punkt|point|punto|punt)\s+)"
)
_AT = (
    r"(?:\s*(?:@|\[\s*(?:at|@)\s*\]|\(\s*(?:at|@)\s*\)|\{\s*at\s*\})\s*|"
    r"\s+(?:at|chez|arroba|bei|chiocciola|apenstaartje|klammeraffe)\s+)"
)
_OBFUSCATED_EMAIL_RE = re.compile(
    rf"\b[\w+-]+(?:{_DOT}[\w+-]+)*{_AT}[\w-]+(?:{_DOT}[\w-]+)*{_DOT}(?:{_TLDS})\b",
    re.IGNORECASE,
)

# ---------------------------------------------------------------------------- numbers
_IBAN_RE = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){11,30}\b", re.IGNORECASE)
_CARD_RE = re.compile(r"(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])")
_SSN_RE = re.compile(r"(?<![\w-])\d{3}[- ]\d{2}[- ]\d{4}(?![\w-])")
_IPV4_RE = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.]*\d)")
_IPV6_RE = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")

_ID_WORDS = (
    r"passport|passport (?:no\.?|number|#)|reisepass(?:nummer)?|passeport|pasaporte|passaporto|"
    r"paspoort|id card|identity card|national id|id (?:no\.?|number)|personalausweis(?:nummer)?|"
    r"ausweis(?:nummer)?|carte d'identité|carte d’identité|cni|dni|nie|nif|carta d'identità|"
    r"codice fiscale|driver'?s licen[cs]e|driving licen[cs]e|licen[cs]e (?:no\.?|number)|"
    r"führerschein(?:nummer)?|permis de conduire|steuer-?id|tax id|steuernummer|"
    r"sozialversicherungsnummer|national insurance(?: number)?|ni number|nhs number|"
    r"numéro de sécurité sociale|bsn|burgerservicenummer|social security(?: number)?|ssn"
)
_ID_RE = re.compile(
    rf"(?P<lead>\b(?:{_ID_WORDS})\b\s*(?:is|ist|est|es|è|:|#|no\.?|nr\.?|n°|number|nummer|"
    r"numéro|número|numero)?\s*(?:is|ist|est|:)?\s*)"
    r"(?P<id>(?=[A-Z]{0,6}\d)[A-Z0-9]{5,20}\b(?:[ -]\d{1,6}\b)*|\d{1,3}(?: \d{2,3}){4,6}\b)",
    re.IGNORECASE,
)
_ACCOUNT_RE = re.compile(
    r"(?P<lead>\b(?:iban|konto(?:nummer)?|account(?: number| no\.?)?|compte|cuenta|conto|"
    r"rekening(?:nummer)?)\b\s*(?:is|ist|est|:|#|no\.?|nr\.?)?\s*)"
    r"(?P<id>[A-Z]{0,2}\d[\d ]{5,32}\d)",
    re.IGNORECASE,
)

_MONTHS = (
    r"jan(?:uary|uar|vier)?|feb(?:ruary|ruar)?|févr(?:ier)?|fevrier|mar(?:ch|s)?|märz|"
    r"apr(?:il)?|avr(?:il)?|may|mai|jun[ei]?|juin|jul[iy]?|juil(?:let)?|aug(?:ust)?|août|"
    r"sep(?:t(?:ember)?)?|sept(?:embre)?|oct(?:ober|obre)?|okt(?:ober)?|nov(?:ember|embre)?|"
    r"dec(?:ember)?|dez(?:ember)?|déc(?:embre)?|enero|febrero|marzo|abril|mayo|junio|julio|"
    r"agosto|septiembre|octubre|noviembre|diciembre|gennaio|febbraio|aprile|maggio|giugno|"
    r"luglio|settembre|ottobre|dicembre|januari|februari|maart|mei|juni|juli|augustus|oktober"
)
_DATE = (
    r"(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4}|"
    rf"\d{{1,2}}(?:st|nd|rd|th|er)?\.?\s+(?:de\s+)?(?:{_MONTHS})\.?,?\s+(?:de\s+)?\d{{4}}|"
    rf"(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})"
)
_DOB_RE = re.compile(
    r"(?P<lead>\b(?:born(?: on)?|date of birth|birth ?date|birthday|d\.?o\.?b\.?|"
    r"geboren(?: am)?|geburtsdatum|geburtstag|né(?:e)? le|date de naissance|"
    r"nacid[oa] el|fecha de nacimiento|nat[oa] il|data di nascita|geboortedatum|"
    r"geboren op)\b\s*(?:is|ist|est|:)?\s*)"
    rf"(?P<date>{_DATE})",
    re.IGNORECASE,
)

_ORDER_CODE_RE = re.compile(r"\bORD[-_ ]?\d{4,}\b", re.IGNORECASE)
_ORDER_REF_RE = re.compile(
    r"\b(?P<lead>(?:order|bestellung|bestellnummer|auftrag(?:snummer)?|commande|pedido|"
    r"ordine|bestelling|ordernummer)\s*(?:no\.?|nr\.?|num(?:ber)?\.?|id|n°|n\.?º|número|numéro|"
    r"numero|nummer)?\s*:?\s*)(?P<id>#?[A-Z0-9][A-Z0-9-]{3,})\b",
    re.IGNORECASE,
)

_PHONE_RE = re.compile(r"(?<![\w+(])(?:\+|\()?\d[\d ()./-]{5,}\d(?!\w)")
_DATE_ONLY_RE = re.compile(rf"^{_DATE}$", re.IGNORECASE)
_PRICE_OR_VERSION_RE = re.compile(r"^\d{1,6}[.,]\d{1,2}$|^\d+(?:\.\d+){1,3}$")
_PHONE_CUE_RE = re.compile(
    r"\b(?:call|phone|tel|mobile|cell|number|ring|text|whatsapp|sms|fax|reach|rufen|anrufen|"
    r"nummer|handy|telefon|erreichbar|numéro|appel|appelez|téléphone|portable|llam|teléfono|"
    r"móvil|número|chiama|telefono|cellulare|numero|bel|bellen)",
    re.IGNORECASE,
)
_PHONE_REGIONS = ("US", "GB", "DE", "FR", "ES", "IT", "NL", "CH", "AT", "BE")

# ---------------------------------------------------------------------------- addresses
# pyap (~0.6 ms a call per country) runs only where a number precedes a capitalised
# street type: "221B Baker Street", "1600 Amphitheatre Parkway"
_STREET_HINT_RE = re.compile(
    r"\b\d{1,5}[A-Za-z]?,?\s+(?:[A-Z][\w'.-]*\s+){1,4}(?:Street|St|Road|Rd|Avenue|Ave|Lane|"
    r"Ln|Drive|Dr|Way|Parkway|Pkwy|Boulevard|Blvd|Court|Ct|Place|Pl|Square|Sq|Close|Crescent|"
    r"Terrace|Highway|Hwy|Row|Hill|Gardens|Mews|Loop|Circle|Trail|Walk|Grove)\b"
)
_CITY = (
    r"[A-ZÀ-Þ][\w'’-]+"
    r"(?:[ -](?:am|an|im|sur|de|del|la|le|di|en|aan|den)?[ -]?[A-ZÀ-Þ][\w'’-]+){0,2}"
)
_STREET_NAME = r"[A-ZÀ-Þ][\w'’.-]*(?:[ -][\w'’.-]+){0,4}?"
_ADDRESS_RES = (
    # DE / AT / CH: "Hauptstraße 5a, 10115 Berlin", "Am Markt 3, 1010 Wien"
    re.compile(
        r"\b(?:[A-ZÄÖÜ][\w.-]*(?:[ -][\w.-]+){0,3}?)?(?i:straße|strasse|str\.|weg|allee|platz|"
        r"gasse|ring|damm|ufer|chaussee)\s+\d{1,4}\s?[a-z]?(?:,\s*|\s+)(?:D-|A-|CH-)?\d{4,5}\s+"
        + _CITY
    ),
    # FR: "12 rue de la Paix, 75002 Paris", "5 bis avenue Foch 69006 Lyon"
    re.compile(
        r"\b\d{1,4}(?:\s?(?:bis|ter))?,?\s+(?:rue|avenue|av\.|boulevard|bd|chemin|allée|"
        r"impasse|quai|place|route|cours)\s+" + _STREET_NAME + r",?\s+\d{5}\s+" + _CITY,
        re.IGNORECASE,
    ),
    # ES / IT: "Calle Mayor 12, 28013 Madrid", "Via Roma 10, 00184 Roma", "C/ Sol, 3"
    re.compile(
        r"\b(?:calle|c/|avenida|avda\.?|plaza|paseo|camino|via|viale|piazza|corso|largo)\s+"
        + _STREET_NAME
        + r",?\s+(?:n[.º°]\s?)?\d{1,4}[a-z]?(?:,?\s+\d{1,2}[º°]?\s?[a-z]?)?(?:,\s*|\s+)\d{5}\s+"
        + _CITY,
        re.IGNORECASE,
    ),
    # NL: "Keizersgracht 123, 1015 CJ Amsterdam"
    re.compile(
        r"\b[A-Z][\w-]*(?:straat|laan|plein|gracht|kade|singel|weg)\s+\d{1,4}\s?[a-zA-Z]?,?\s+"
        r"\d{4}\s?[A-Z]{2}\s+" + _CITY
    ),
)
_POSTCODE_RE = re.compile(
    r"(?P<lead>\b(?:post ?code|postal code|zip(?: code)?|plz|postleitzahl|code postal|"
    r"código postal|codice postale|cap|postcode)\b\s*(?:is|ist|est|:)?\s*)"
    r"(?P<code>[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}|\d{4,5}(?:-\d{4})?|\d{4}\s?[A-Z]{2})",
    re.IGNORECASE,
)

# ---------------------------------------------------------------------------- names
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

# First names of the gazetteer that are also ordinary words (colours, months, virtues,
# verbs): never a name on their own, only after a title or cue.
_COMMON_FIRST_NAMES = frozenset(
    {
        "will", "may", "june", "april", "august", "rose", "olive", "ruby", "amber", "jade",
        "ivy", "pearl", "coral", "violet", "iris", "hazel", "grace", "hope", "faith", "joy",
        "dawn", "summer", "autumn", "winter", "sky", "crystal", "penny", "bill", "mark", "pat",
        "sue", "don", "art", "guy", "jack", "frank", "rich", "bob", "ray", "sandy", "holly",
        "lily", "daisy", "heather", "ginger", "honey", "candy", "cherry", "brandy", "sunny",
        "misty", "happy", "precious", "star", "true", "love", "major", "royal", "prince",
        "king", "duke", "earl", "page", "chase", "hunter", "miles", "lane", "grant", "drew",
        "dean", "wade", "reed", "cliff", "glen", "dale", "forest", "river", "brook", "gale",
        "storm", "rain", "snow", "cloud", "sterling", "silver", "gold", "jewel", "diamond",
        "ebony", "scarlet", "blue", "gray", "grey", "black", "white", "brown", "green", "rusty",
        "lovely", "best", "sweet", "dear", "great", "super", "cute", "nice", "fine", "ok",
        "petite", "tall", "short", "long", "small", "large", "medium", "regular", "plus",
        "extra", "am", "an", "in", "on", "at", "of", "to", "so", "no", "not", "but", "and",
        "or", "the", "this", "that", "these", "those", "it", "its", "is", "are", "was", "were",
        "be", "been", "my", "me", "we", "us", "you", "he", "she", "they", "his", "her", "our",
        "their", "one", "two", "three", "like", "soft", "light", "dark", "deep", "bright",
        "easy", "fit", "flare", "lace", "tee", "top", "tops", "dress", "jeans", "skirt", "coat",
        "sweater", "wish", "lucky", "charming", "angel", "belle", "bella", "moss", "sage",
        "paige", "can", "just", "hi", "hello", "hey"
    }
)  # fmt: skip
_STOP_SURNAMES = frozenset(
    {
        "i", "i'm", "i've", "i'll", "i'd", "im", "the", "a", "an", "and", "or", "but", "so",
        "if", "it", "this", "that", "my", "me", "we", "you", "he", "she", "they", "is", "was",
        "are", "were", "in", "on", "at", "of", "to", "for", "with", "from", "by", "as", "not",
        "no", "yes", "very", "too", "also", "just", "really"
    }
)  # fmt: skip
_CAP_WORD = r"[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ'’]+(?:-[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ'’]+)?"
_PARTICLE = r"(?:(?:van|von|de|del|della|da|di|du|la|le|der|den|ter|ten|dos|das|y|zu|af)\s+){0,3}"
_NAME_PAIR_RE = re.compile(
    rf"\b(?P<first>{_CAP_WORD})\s+(?P<last>{_PARTICLE}{_CAP_WORD})(?P<last2>)"
    r"(?P<next>\s+[A-ZÀ-Þ]\w*)?"
)
_TITLE_WORDS = (
    r"(?:Mr|Mrs|Ms|Miss|Dr|Prof|Herr|Frau|Mme|Mlle|Monsieur|Madame|Mademoiselle|Señor|Señora|"
    r"Sra|Srta|Signor|Signora|Sig\.ra|Dott|Dhr|Mevr|Mevrouw|Meneer)\.?|(?:M|Hr|Fr|Sr|Sig)\."
)
_TITLE_RE = re.compile(
    rf"(?P<lead>\b(?:{_TITLE_WORDS})\s+)(?P<name>{_PARTICLE}{_CAP_WORD}(?:\s+{_CAP_WORD})?)"
)
_CUE_RE = re.compile(
    r"(?P<lead>\b(?i:ask(?:ed)? for|spoke (?:to|with)|talked (?:to|with)|speak (?:to|with)|"
    r"agent|colleague|manager|technician|driver|courier|named|called|signed by|kollegin|"
    r"kollege|mitarbeiterin|mitarbeiter|fahrer|techniker|collègue|livreur|conseill[eè]re?|"
    r"compañer[oa]|repartidor|collega|corriere|collega|medewerker|bezorger|"
    r"contact person|fragen sie nach|sprach mit|mit|demandez|parlé (?:à|avec)|"
    r"pregunte por|hablé con|chiedete di|ho parlato con|vraag naar|sprak met|"
    r"thanks to|merci à|danke an|gracias a|grazie a|dank aan|per|de la part de)\s+)"
    rf"(?P<name>{_CAP_WORD}(?:\s+{_PARTICLE}{_CAP_WORD})?)"
)
_NAME = r"(?P<name>[^\W\d_][\w'’-]*(?:[ \t]+[^\W\d_][\w'’-]*){0,2})"
_INTRO_RE = re.compile(
    r"(?P<lead>\b(?:my name is|my name's|name\s*:|ich heiße|ich heisse|mein name ist|"
    r"je m'appelle|je m’appelle|mon nom est|me llamo|mi nombre es|mi chiamo|ik heet|"
    r"mijn naam is)\s+)" + _NAME,
    re.IGNORECASE,
)
_GREETING_RE = re.compile(
    r"(?P<lead>(?:^|(?<=[.!?\n]))\s*(?:hi|hello|hey|dear|good (?:morning|afternoon|evening)|"
    r"hallo|bonjour|hola|ciao|salut)"
    r"[,!]?\s+(?:(?:i'm|i am|this is|it's|ich bin|je suis|soy|sono)\s+)?)" + _NAME,
    re.IGNORECASE,
)
_SIGNOFF_RE = re.compile(
    r"(?P<lead>\b(?:regards|best|cheers|thanks|thank you|sincerely|best wishes|kind regards|"
    r"many thanks|yours|grüße|gruß|cordialement|saludos|cordiali saluti|groeten)[,!.]?\s+"
    r"(?:[-–—]\s*)?)" + _NAME + r"(?P<tail>\s*[.!]?\s*)$",
    re.IGNORECASE,
)
_DASH_SIGNATURE_RE = re.compile(r"(?P<lead>\n\s*[-–—]\s*)" + _NAME + r"(?P<tail>\s*)$")

# ---------------------------------------------------------------------------- prefilters
_HAS_DIGIT_RE = re.compile(r"\d")
_HAS_EMAIL_HINT_RE = re.compile(r"@|\b(?:at|chez|arroba|bei|chiocciola)\b|\[at\]|\(at\)", re.I)
_HAS_URL_RE = re.compile(r"https?://|www\.", re.IGNORECASE)
_CAPITALISED_RE = re.compile(_CAP_WORD)
_SEVEN_DIGITS_RE = re.compile(r"\d(?:[ ./()-]{0,2}\d){6}")  # IBAN, card, SSN, phone, ids
_FOUR_DIGITS_RE = re.compile(r"\d{4}")  # a postcode in an address, a year in a date
_DOTTED_OR_COLON_RE = re.compile(r"\d\.\d|:.*:")  # IPv4 / IPv6
_LEAD_HINT_RE = re.compile(
    r"iban|konto|account|compte|cuenta|conto|rekening|passport|pass|ausweis|identit|\bid\b|"
    r"\bcni\b|\bdni\b|\bnie\b|\bnif\b|codice|licen|führerschein|permis|steuer|tax|"
    r"sozialversicherung|insurance|\bni\b|nhs|sécurité|\bbsn\b|burgerservice|social|ssn|"
    r"born|birth|d\.?o\.?b|geboren|geburt|né|naissance|nacid|nacimiento|nat[oa]\b|nascita|"
    r"geboorte|ord|bestell|auftrag|commande|pedido|ordine|post|zip|plz|code|código|codice|\bcap\b",
    re.IGNORECASE,
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
    return frozenset(names - _COMMON_FIRST_NAMES)


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
    if digits < 7 or digits > 15 or _DATE_ONLY_RE.match(raw) or _PRICE_OR_VERSION_RE.match(raw):
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
    if not (raw.startswith(("0", "(")) or digits >= 10 or _PHONE_CUE_RE.search(before)):
        return None
    for region in _PHONE_REGIONS:
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
    for pattern in _ADDRESS_RES:
        masker.add_all(pattern, ADDRESS)


def _names(masker: _Masker, gazetteer_hit: bool) -> None:
    text = masker.text
    for pattern in (_TITLE_RE, _CUE_RE) if gazetteer_hit else (_TITLE_RE,):
        for match in pattern.finditer(text):
            name = match.group("name")
            if pattern is _CUE_RE and not _is_first_name(name.split()[0]):
                continue
            masker.add(match.start("name"), match.end("name"), NAME)
    if not gazetteer_hit:
        return
    known = first_names()
    for word in _CAPITALISED_RE.finditer(text):
        if word.group().lower() not in known:
            continue
        match = _NAME_PAIR_RE.match(text, word.start())  # each first name may start a name
        if match is None:
            continue
        first, last = match.group("first"), match.group("last")
        if first.lower() not in known or last.split()[-1].lower() in _STOP_SURNAMES:
            continue
        if last.split()[-1].lower() in _COMMON_FIRST_NAMES:
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
        if not word[0].isupper() or word.lower() in _NOT_NAMES or word.startswith("<"):
            break
        kept.append(word)
    return " ".join(kept)


def _context_name_sub(match: re.Match[str]) -> str:
    name = _capitalised_prefix(match.group("name"))
    if not name:
        return match.group(0)
    # after "Hi," or before "Regards" a name is one of the gazetteer ("Hi, Please help")
    if match.re in (_GREETING_RE, _SIGNOFF_RE) and not _is_first_name(name.split()[0]):
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
    if _HAS_URL_RE.search(text):
        for match in _URL_RE.finditer(text):
            if _SECRET_PARAM_RE.search(match.group(0)):
                masker.add(match.start(), match.end(), URL)
    if "@" in text:
        masker.add_all(_EMAIL_RE, EMAIL)
    if _HAS_EMAIL_HINT_RE.search(text):
        masker.add_all(_OBFUSCATED_EMAIL_RE, EMAIL)
    if _HAS_DIGIT_RE.search(text):
        _numbers(masker)
    known = first_names()
    gazetteer_hit = any(m.group().lower() in known for m in _CAPITALISED_RE.finditer(text))
    _names(masker, gazetteer_hit)
    out = masker.result() if masker.spans else text
    patterns = [_INTRO_RE]
    if gazetteer_hit:  # after a greeting or before a sign-off, a name is in the gazetteer
        patterns += [_GREETING_RE, _SIGNOFF_RE]
    if "\n" in out:
        patterns.append(_DASH_SIGNATURE_RE)
    for pattern in patterns:
        out = pattern.sub(_context_name_sub, out)
    return out


def _numbers(masker: _Masker) -> None:
    """The detectors of things with digits, each behind a cheap prefilter."""
    text = masker.text
    many_digits = _SEVEN_DIGITS_RE.search(text) is not None
    lead = _LEAD_HINT_RE.search(text) is not None
    if many_digits:
        for match in _IBAN_RE.finditer(text):
            _iban(masker, match)
        masker.add_checked(_CARD_RE, _card)
        masker.add_checked(_SSN_RE, _ssn)
    if _DOTTED_OR_COLON_RE.search(text):
        masker.add_checked(_IPV4_RE, _ip)
        if text.count(":") >= 2:
            masker.add_checked(_IPV6_RE, _ip)
    if lead:
        masker.add_all(_ACCOUNT_RE, IBAN, "id")
        for match in _ID_RE.finditer(text):
            words = match.group("lead").lower()
            label = SSN if ("ssn" in words or "social security" in words) else ID
            masker.add(match.start("id"), match.end("id"), label)
        masker.add_all(_DOB_RE, DOB, "date")
        masker.add_all(_ORDER_CODE_RE, ORDER_ID)
        for match in _ORDER_REF_RE.finditer(text):
            if any(ch.isdigit() for ch in match.group("id")):
                masker.add(match.start("id"), match.end("id"), ORDER_ID)
    street = _STREET_HINT_RE.search(text) is not None
    if street or _FOUR_DIGITS_RE.search(text):  # GB: "10 Downing Street, London SW1A 2AA"
        _addresses(masker, pyap_too=street)
    if lead:
        masker.add_all(_POSTCODE_RE, POSTCODE, "code")
    if many_digits:
        masker.add_checked(_PHONE_RE, _phone)


def mask_many(texts: Iterable[str | None]) -> list[str | None]:
    """`mask_pii` of each text (the batch entry the SQL layer's UDFs call)."""
    return [mask_pii(text) for text in texts]
