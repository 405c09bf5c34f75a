"""The patterns `pii.py` masks with: its tokens, regular expressions, word lists and
the cheap prefilters that decide which detectors run on a text.

A data table: only compiled patterns and constants, no logic (see `pii.py` for how they
are applied and in which order).
"""

from __future__ import annotations

import re

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
URL_RE = re.compile(r"\b(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
SECRET_PARAM_RE = re.compile(
    r"[?&#;](?:[\w-]*(?:token|key|secret|sig|signature|session|sessionid|sid|auth|password|"
    r"passwd|pwd|code|otp|reset)[\w-]*)=",
    re.IGNORECASE,
)

# ---------------------------------------------------------------------------- e-mail
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")
TLDS = (
    # not "in" or "me": "me at a point in the ..." is English, not an address
    "com|org|net|edu|gov|io|co|uk|de|fr|es|it|nl|be|ch|at|pl|pt|se|no|dk|fi|ie|eu|us|ca|au|"
    "info|biz|mx|br|ar|jp|cn|ru|cz|sk|hu|ro|gr|lu|li|si|hr|bg|lt|lv|ee|tr|nz|za|uk"
)
# a plain "." only without spaces: "too tight at home. it's" is no address
DOT = (
    r"(?:\.|\s*(?:\[\s*dot\s*\]|\(\s*dot\s*\)|\{\s*dot\s*\})\s*|"
    r"\s+(?:dot|punkt|point|punto|punt)\s+)"
)
AT = (
    r"(?:\s*(?:@|\[\s*(?:at|@)\s*\]|\(\s*(?:at|@)\s*\)|\{\s*at\s*\})\s*|"
    r"\s+(?:at|chez|arroba|bei|chiocciola|apenstaartje|klammeraffe)\s+)"
)
OBFUSCATED_EMAIL_RE = re.compile(
    rf"\b[\w+-]+(?:{DOT}[\w+-]+)*{AT}[\w-]+(?:{DOT}[\w-]+)*{DOT}(?:{TLDS})\b",
    re.IGNORECASE,
)

# ---------------------------------------------------------------------------- numbers
IBAN_RE = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){11,30}\b", re.IGNORECASE)
CARD_RE = re.compile(r"(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])")
SSN_RE = re.compile(r"(?<![\w-])\d{3}[- ]\d{2}[- ]\d{4}(?![\w-])")
IPV4_RE = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.]*\d)")
IPV6_RE = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")

ID_WORDS = (
    r"passport|passport (?:no\.?|number|#)|reisepass(?:nummer)?|passeport|pasaporte|passaporto|"
    r"paspoort|id card|identity card|national id|id (?:no\.?|number)|personalausweis(?:nummer)?|"
    r"ausweis(?:nummer)?|carte d'identité|carte d’identité|cni|dni|nie|nif|carta d'identità|"
    r"codice fiscale|driver'?s licen[cs]e|driving licen[cs]e|licen[cs]e (?:no\.?|number)|"
    r"führerschein(?:nummer)?|permis de conduire|steuer-?id|tax id|steuernummer|"
    r"sozialversicherungsnummer|national insurance(?: number)?|ni number|nhs number|"
    r"numéro de sécurité sociale|bsn|burgerservicenummer|social security(?: number)?|ssn"
)
ID_RE = re.compile(
    rf"(?P<lead>\b(?:{ID_WORDS})\b\s*(?:is|ist|est|es|è|:|#|no\.?|nr\.?|n°|number|nummer|"
    r"numéro|número|numero)?\s*(?:is|ist|est|:)?\s*)"
    r"(?P<id>(?=[A-Z]{0,6}\d)[A-Z0-9]{5,20}\b(?:[ -]\d{1,6}\b)*|\d{1,3}(?: \d{2,3}){4,6}\b)",
    re.IGNORECASE,
)
ACCOUNT_RE = re.compile(
    r"(?P<lead>\b(?:iban|konto(?:nummer)?|account(?: number| no\.?)?|compte|cuenta|conto|"
    r"rekening(?:nummer)?)\b\s*(?:is|ist|est|:|#|no\.?|nr\.?)?\s*)"
    r"(?P<id>[A-Z]{0,2}\d[\d ]{5,32}\d)",
    re.IGNORECASE,
)

MONTHS = (
    r"jan(?:uary|uar|vier)?|feb(?:ruary|ruar)?|févr(?:ier)?|fevrier|mar(?:ch|s)?|märz|"
    r"apr(?:il)?|avr(?:il)?|may|mai|jun[ei]?|juin|jul[iy]?|juil(?:let)?|aug(?:ust)?|août|"
    r"sep(?:t(?:ember)?)?|sept(?:embre)?|oct(?:ober|obre)?|okt(?:ober)?|nov(?:ember|embre)?|"
    r"dec(?:ember)?|dez(?:ember)?|déc(?:embre)?|enero|febrero|marzo|abril|mayo|junio|julio|"
    r"agosto|septiembre|octubre|noviembre|diciembre|gennaio|febbraio|aprile|maggio|giugno|"
    r"luglio|settembre|ottobre|dicembre|januari|februari|maart|mei|juni|juli|augustus|oktober"
)
DATE = (
    r"(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4}|"
    rf"\d{{1,2}}(?:st|nd|rd|th|er)?\.?\s+(?:de\s+)?(?:{MONTHS})\.?,?\s+(?:de\s+)?\d{{4}}|"
    rf"(?:{MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})"
)
DOB_RE = re.compile(
    r"(?P<lead>\b(?:born(?: on)?|date of birth|birth ?date|birthday|d\.?o\.?b\.?|"
    r"geboren(?: am)?|geburtsdatum|geburtstag|né(?:e)? le|date de naissance|"
    r"nacid[oa] el|fecha de nacimiento|nat[oa] il|data di nascita|geboortedatum|"
    r"geboren op)\b\s*(?:is|ist|est|:)?\s*)"
    rf"(?P<date>{DATE})",
    re.IGNORECASE,
)

ORDER_CODE_RE = re.compile(r"\bORD[-_ ]?\d{4,}\b", re.IGNORECASE)
ORDER_REF_RE = re.compile(
    r"\b(?P<lead>(?:order|bestellung|bestellnummer|auftrag(?:snummer)?|commande|pedido|"
    r"ordine|bestelling|ordernummer)\s*(?:no\.?|nr\.?|num(?:ber)?\.?|id|n°|n\.?º|número|numéro|"
    r"numero|nummer)?\s*:?\s*)(?P<id>#?[A-Z0-9][A-Z0-9-]{3,})\b",
    re.IGNORECASE,
)

PHONE_RE = re.compile(r"(?<![\w+(])(?:\+|\()?\d[\d ()./-]{5,}\d(?!\w)")
DATE_ONLY_RE = re.compile(rf"^{DATE}$", re.IGNORECASE)
PRICE_OR_VERSION_RE = re.compile(r"^\d{1,6}[.,]\d{1,2}$|^\d+(?:\.\d+){1,3}$")
PHONE_CUE_RE = re.compile(
    r"\b(?:call|phone|tel|mobile|cell|number|ring|text|whatsapp|sms|fax|reach|rufen|anrufen|"
    r"nummer|handy|telefon|erreichbar|numéro|appel|appelez|téléphone|portable|llam|teléfono|"
    r"móvil|número|chiama|telefono|cellulare|numero|bel|bellen)",
    re.IGNORECASE,
)
PHONE_REGIONS = ("US", "GB", "DE", "FR", "ES", "IT", "NL", "CH", "AT", "BE")

# ---------------------------------------------------------------------------- addresses
# pyap (~0.6 ms a call per country) runs only where a number precedes a capitalised
# street type: "221B Baker Street", "1600 Amphitheatre Parkway"
STREET_HINT_RE = re.compile(
    r"\b\d{1,5}[A-Za-z]?,?\s+(?:[A-Z][\w'.-]*\s+){1,4}(?:Street|St|Road|Rd|Avenue|Ave|Lane|"
    r"Ln|Drive|Dr|Way|Parkway|Pkwy|Boulevard|Blvd|Court|Ct|Place|Pl|Square|Sq|Close|Crescent|"
    r"Terrace|Highway|Hwy|Row|Hill|Gardens|Mews|Loop|Circle|Trail|Walk|Grove)\b"
)
CITY = (
    r"[A-ZÀ-Þ][\w'’-]+"
    r"(?:[ -](?:am|an|im|sur|de|del|la|le|di|en|aan|den)?[ -]?[A-ZÀ-Þ][\w'’-]+){0,2}"
)
STREET_NAME = r"[A-ZÀ-Þ][\w'’.-]*(?:[ -][\w'’.-]+){0,4}?"
ADDRESS_RES = (
    # DE / AT / CH: "Hauptstraße 5a, 10115 Berlin", "Am Markt 3, 1010 Wien"
    re.compile(
        r"\b(?:[A-ZÄÖÜ][\w.-]*(?:[ -][\w.-]+){0,3}?)?(?i:straße|strasse|str\.|weg|allee|platz|"
        r"gasse|ring|damm|ufer|chaussee)\s+\d{1,4}\s?[a-z]?(?:,\s*|\s+)(?:D-|A-|CH-)?\d{4,5}\s+"
        + CITY
    ),
    # FR: "12 rue de la Paix, 75002 Paris", "5 bis avenue Foch 69006 Lyon"
    re.compile(
        r"\b\d{1,4}(?:\s?(?:bis|ter))?,?\s+(?:rue|avenue|av\.|boulevard|bd|chemin|allée|"
        r"impasse|quai|place|route|cours)\s+" + STREET_NAME + r",?\s+\d{5}\s+" + CITY,
        re.IGNORECASE,
    ),
    # ES / IT: "Calle Mayor 12, 28013 Madrid", "Via Roma 10, 00184 Roma", "C/ Sol, 3"
    re.compile(
        r"\b(?:calle|c/|avenida|avda\.?|plaza|paseo|camino|via|viale|piazza|corso|largo)\s+"
        + STREET_NAME
        + r",?\s+(?:n[.º°]\s?)?\d{1,4}[a-z]?(?:,?\s+\d{1,2}[º°]?\s?[a-z]?)?(?:,\s*|\s+)\d{5}\s+"
        + CITY,
        re.IGNORECASE,
    ),
    # NL: "Keizersgracht 123, 1015 CJ Amsterdam"
    re.compile(
        r"\b[A-Z][\w-]*(?:straat|laan|plein|gracht|kade|singel|weg)\s+\d{1,4}\s?[a-zA-Z]?,?\s+"
        r"\d{4}\s?[A-Z]{2}\s+" + CITY
    ),
)
POSTCODE_RE = re.compile(
    r"(?P<lead>\b(?:post ?code|postal code|zip(?: code)?|plz|postleitzahl|code postal|"
    r"código postal|codice postale|cap|postcode)\b\s*(?:is|ist|est|:)?\s*)"
    r"(?P<code>[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}|\d{4,5}(?:-\d{4})?|\d{4}\s?[A-Z]{2})",
    re.IGNORECASE,
)

# ---------------------------------------------------------------------------- names
# Words that follow a greeting or sign-off but are not names.
NOT_NAMES = frozenset(
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
COMMON_FIRST_NAMES = frozenset(
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
STOP_SURNAMES = frozenset(
    {
        "i", "i'm", "i've", "i'll", "i'd", "im", "the", "a", "an", "and", "or", "but", "so",
        "if", "it", "this", "that", "my", "me", "we", "you", "he", "she", "they", "is", "was",
        "are", "were", "in", "on", "at", "of", "to", "for", "with", "from", "by", "as", "not",
        "no", "yes", "very", "too", "also", "just", "really"
    }
)  # fmt: skip
CAP_WORD = r"[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ'’]+(?:-[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ'’]+)?"
PARTICLE = r"(?:(?:van|von|de|del|della|da|di|du|la|le|der|den|ter|ten|dos|das|y|zu|af)\s+){0,3}"
NAME_PAIR_RE = re.compile(
    rf"\b(?P<first>{CAP_WORD})\s+(?P<last>{PARTICLE}{CAP_WORD})(?P<last2>)"
    r"(?P<next>\s+[A-ZÀ-Þ]\w*)?"
)
TITLE_WORDS = (
    r"(?:Mr|Mrs|Ms|Miss|Dr|Prof|Herr|Frau|Mme|Mlle|Monsieur|Madame|Mademoiselle|Señor|Señora|"
    r"Sra|Srta|Signor|Signora|Sig\.ra|Dott|Dhr|Mevr|Mevrouw|Meneer)\.?|(?:M|Hr|Fr|Sr|Sig)\."
)
TITLE_RE = re.compile(
    rf"(?P<lead>\b(?:{TITLE_WORDS})\s+)(?P<name>{PARTICLE}{CAP_WORD}(?:\s+{CAP_WORD})?)"
)
CUE_RE = re.compile(
    r"(?P<lead>\b(?i:ask(?:ed)? for|spoke (?:to|with)|talked (?:to|with)|speak (?:to|with)|"
    r"agent|colleague|manager|technician|driver|courier|named|called|signed by|kollegin|"
    r"kollege|mitarbeiterin|mitarbeiter|fahrer|techniker|collègue|livreur|conseill[eè]re?|"
    r"compañer[oa]|repartidor|collega|corriere|collega|medewerker|bezorger|"
    r"contact person|fragen sie nach|sprach mit|mit|demandez|parlé (?:à|avec)|"
    r"pregunte por|hablé con|chiedete di|ho parlato con|vraag naar|sprak met|"
    r"thanks to|merci à|danke an|gracias a|grazie a|dank aan|per|de la part de)\s+)"
    rf"(?P<name>{CAP_WORD}(?:\s+{PARTICLE}{CAP_WORD})?)"
)
NAME_PATTERN = r"(?P<name>[^\W\d_][\w'’-]*(?:[ \t]+[^\W\d_][\w'’-]*){0,2})"
INTRO_RE = re.compile(
    r"(?P<lead>\b(?:my name is|my name's|name\s*:|ich heiße|ich heisse|mein name ist|"
    r"je m'appelle|je m’appelle|mon nom est|me llamo|mi nombre es|mi chiamo|ik heet|"
    r"mijn naam is)\s+)" + NAME_PATTERN,
    re.IGNORECASE,
)
GREETING_RE = re.compile(
    r"(?P<lead>(?:^|(?<=[.!?\n]))\s*(?:hi|hello|hey|dear|good (?:morning|afternoon|evening)|"
    r"hallo|bonjour|hola|ciao|salut)"
    r"[,!]?\s+(?:(?:i'm|i am|this is|it's|ich bin|je suis|soy|sono)\s+)?)" + NAME_PATTERN,
    re.IGNORECASE,
)
SIGNOFF_RE = re.compile(
    r"(?P<lead>\b(?:regards|best|cheers|thanks|thank you|sincerely|best wishes|kind regards|"
    r"many thanks|yours|grüße|gruß|cordialement|saludos|cordiali saluti|groeten)[,!.]?\s+"
    r"(?:[-–—]\s*)?)" + NAME_PATTERN + r"(?P<tail>\s*[.!]?\s*)$",
    re.IGNORECASE,
)
DASH_SIGNATURE_RE = re.compile(r"(?P<lead>\n\s*[-–—]\s*)" + NAME_PATTERN + r"(?P<tail>\s*)$")

# ---------------------------------------------------------------------------- prefilters
HAS_DIGIT_RE = re.compile(r"\d")
HAS_EMAIL_HINT_RE = re.compile(r"@|\b(?:at|chez|arroba|bei|chiocciola)\b|\[at\]|\(at\)", re.I)
HAS_URL_RE = re.compile(r"https?://|www\.", re.IGNORECASE)
CAPITALISED_RE = re.compile(CAP_WORD)
SEVEN_DIGITS_RE = re.compile(r"\d(?:[ ./()-]{0,2}\d){6}")  # IBAN, card, SSN, phone, ids
FOUR_DIGITS_RE = re.compile(r"\d{4}")  # a postcode in an address, a year in a date
DOTTED_OR_COLON_RE = re.compile(r"\d\.\d|:.*:")  # IPv4 / IPv6
LEAD_HINT_RE = re.compile(
    r"iban|konto|account|compte|cuenta|conto|rekening|passport|pass|ausweis|identit|\bid\b|"
    r"\bcni\b|\bdni\b|\bnie\b|\bnif\b|codice|licen|führerschein|permis|steuer|tax|"
    r"sozialversicherung|insurance|\bni\b|nhs|sécurité|\bbsn\b|burgerservice|social|ssn|"
    r"born|birth|d\.?o\.?b|geboren|geburt|né|naissance|nacid|nacimiento|nat[oa]\b|nascita|"
    r"geboorte|ord|bestell|auftrag|commande|pedido|ordine|post|zip|plz|code|código|codice|\bcap\b",
    re.IGNORECASE,
)
