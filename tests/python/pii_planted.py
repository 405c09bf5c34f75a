# ruff: noqa: E501 - one planted sentence per line reads best
"""A planted set of personal data: sentences in six languages, each with one secret.

`PLANTED` is a list of `Planted(kind, lang, text, secret, label)`: masking must remove
`secret` from `text` and put `label` in its place. Values are invented (test card
numbers, IBANs with valid checksums from the public examples of each country's format,
reserved phone ranges where a country has one). Half `dev` (even index) is where the
rules were chosen; half `holdout` (odd index) is reported beside it.
"""

from __future__ import annotations

from itertools import cycle
from typing import NamedTuple


class Planted(NamedTuple):
    kind: str
    lang: str
    text: str
    secret: str
    label: str


def _build(kind: str, label: str, templates: list[tuple[str, str]], values: list[str]):
    out = []
    for (lang, template), value in zip(cycle(templates), values, strict=False):
        out.append(Planted(kind, lang, template.format(v=value), value, label))
    return out


EMAILS = [
    "maria.gonzalez@gmail.com", "j.smith+orders@example.co.uk", "hans_mueller@web.de",
    "claire.dubois@orange.fr", "luca.rossi@libero.it", "pieter.de.vries@ziggo.nl",
    "ana-lopez@correo.es", "k.novak@firma.cz", "support.user123@outlook.com",
    "sven.berg@telia.se", "olga@mail.example.org", "tomasz.k@wp.pl", "info@shop-24.de",
    "a.b.c@sub.domain.example.com",
]  # fmt: skip
EMAIL_T = [
    ("en", "Please write to {v} about the refund."), ("de", "Schreiben Sie mir an {v}, danke."),
    ("fr", "Contactez-moi à {v} svp"), ("es", "Mi correo es {v} por favor"),
    ("it", "Scrivetemi a {v} grazie"), ("nl", "Mail mij op {v} aub"),
]  # fmt: skip
OBF = [
    "maria dot gonzalez at gmail dot com", "jsmith at example dot co dot uk",
    "hans [at] web [dot] de", "claire (at) orange (dot) fr", "luca punto rossi at libero dot it",
    "pieter at ziggo dot nl", "ana.lopez arroba correo.es", "john dot doe at outlook dot com",
    "k [dot] novak [at] firma [dot] cz", "m.weber bei gmx punkt de", "sophie chez free point fr",
    "tom at gmail dot com",
]  # fmt: skip
PHONES = [
    "+49 30 1234567", "+49 (0)171 2345678", "+33 1 42 68 53 00", "+33 6 12 34 56 78",
    "+44 20 7946 0958", "+44 7700 900123", "+1 (415) 555-0132", "+34 912 345 678",
    "+39 06 6988 1234", "+31 20 123 4567", "030 12345678", "01 42 68 53 00", "020 7946 0958",
    "(212) 555-0198", "0171 2345678", "0049 89 1234567", "06 12 34 56 78", "912 345 678",
]  # fmt: skip
PHONE_T = [
    ("en", "Call me back on {v} please."), ("de", "Rufen Sie mich unter {v} zurück."),
    ("fr", "Mon numéro est le {v}, merci."), ("es", "Llámeme al {v} por favor."),
    ("it", "Il mio numero è {v}."), ("nl", "Bel me op {v} aub."),
]  # fmt: skip
CARDS = [
    "4111 1111 1111 1111", "5500 0000 0000 0004", "4000 0566 5566 5556", "378282246310005",
    "4111-1111-1111-1111", "6011 1111 1111 1117", "3530 1113 3330 0000", "5105105105105100",
    "4012 8888 8888 1881", "3782 822463 10005", "2223 0031 2200 3222", "4242424242424242",
]  # fmt: skip
CARD_T = [
    ("en", "I paid with card {v} twice"), ("de", "Meine Karte {v} wurde belastet"),
    ("fr", "Débité sur la carte {v} deux fois"), ("es", "Pagué con la tarjeta {v}"),
    ("it", "Ho pagato con {v}"), ("nl", "Betaald met kaart {v}"),
]  # fmt: skip
IBANS = [
    "DE89 3704 0044 0532 0130 00", "GB82 WEST 1234 5698 7654 32", "FR14 2004 1010 0505 0001 3M02 606",
    "ES91 2100 0418 4502 0005 1332", "IT60 X054 2811 1010 0000 0123 456", "NL91 ABNA 0417 1643 00",
    "BE68 5390 0754 7034", "AT61 1904 3002 3457 3201", "CH93 0076 2011 6238 5295 7",
    "DE89370400440532013000", "GB33BUKB20201555555555", "PL61 1090 1014 0000 0712 1981 2874",
]  # fmt: skip
IBAN_T = [
    ("en", "Refund to IBAN {v} please"), ("de", "Bitte erstatten auf {v}, danke"),
    ("fr", "Remboursez sur le compte {v} svp"), ("es", "Devuelvan el dinero a {v}"),
    ("it", "Rimborso sul conto {v} grazie"), ("nl", "Terugbetalen op {v} aub"),
]  # fmt: skip
IPS = [
    "192.168.1.23", "10.0.0.254", "172.16.254.1", "203.0.113.42", "8.8.8.8", "198.51.100.7",
    "2001:db8::1", "fe80::1ff:fe23:4567:890a", "2001:0db8:85a3:0000:0000:8a2e:0370:7334",
    "::1", "100.64.12.9", "2a02:810d:1b80::5",
]  # fmt: skip
IP_T = [
    ("en", "The app blocks my IP {v} since Monday"), ("de", "Meine IP-Adresse {v} ist gesperrt"),
    ("fr", "Mon adresse IP {v} est bloquée"), ("es", "Mi IP es {v} y no entra"),
]  # fmt: skip
SSNS = [
    "123-45-6789", "078-05-1121", "219-09-9999", "536-22-1234", "457-55-5462",
    "212-67-3398", "301-44-9182", "123 45 6780", "401-23-4567", "665-12-3456",
]  # fmt: skip
SSN_T = [
    ("en", "They asked for my SSN {v} on the phone"), ("en", "my social security number is {v}"),
    ("es", "Me pidieron el SSN {v} por teléfono"),
]  # fmt: skip
DOBS = [
    "12/03/1985", "1990-07-21", "3 March 1978", "March 3, 1978", "21.07.1990", "3 avril 1990",
    "12. März 1985", "5 de mayo de 1982", "14 luglio 1975", "02/11/1969", "8 juni 1988", "1 Jan 2001",
]  # fmt: skip
DOB_T = [
    ("en", "I was born on {v} so I am not a minor"), ("de", "Ich bin geboren am {v}."),
    ("fr", "Je suis née le {v}."), ("es", "Fecha de nacimiento: {v}"),
    ("it", "Data di nascita {v}"), ("nl", "Geboortedatum: {v}"), ("en", "My date of birth is {v}"),
]  # fmt: skip
ADDRESSES = [
    ("en", "Deliver to 221B Baker Street, London NW1 6XE instead", "221B Baker Street, London NW1 6XE"),
    ("en", "Ship it to 1600 Amphitheatre Parkway, Mountain View, CA 94043 please", "1600 Amphitheatre Parkway, Mountain View, CA 94043"),
    ("en", "I live at 10 Downing Street, London SW1A 2AA", "10 Downing Street, London SW1A 2AA"),
    ("en", "Send it to 350 Fifth Avenue, New York, NY 10118 thanks", "350 Fifth Avenue, New York, NY 10118"),
    ("en", "My address is 42 High Street, Manchester M1 1AE", "42 High Street, Manchester M1 1AE"),
    ("en", "It went to 500 Oak Drive, Austin, TX 78701 by mistake", "500 Oak Drive, Austin, TX 78701"),
    ("en", "Return label for 77 Elm Road, Leeds LS1 4AP please", "77 Elm Road, Leeds LS1 4AP"),
    ("en", "The parcel is at 1 Infinite Loop, Cupertino, CA 95014", "1 Infinite Loop, Cupertino, CA 95014"),
    ("de", "Bitte an Hauptstraße 5, 10115 Berlin liefern", "Hauptstraße 5, 10115 Berlin"),
    ("de", "Meine Adresse ist Lindenallee 12a, 50667 Köln", "Lindenallee 12a, 50667 Köln"),
    ("de", "Lieferung an Goethestr. 44, 80336 München bitte", "Goethestr. 44, 80336 München"),
    ("de", "Wohne in der Bahnhofstrasse 7, 8001 Zürich", "Bahnhofstrasse 7, 8001 Zürich"),
    ("de", "Paket ging an Am Ring 3, 1010 Wien", "Ring 3, 1010 Wien"),
    ("de", "Adresse: Schillerplatz 9, 70173 Stuttgart", "Schillerplatz 9, 70173 Stuttgart"),
    ("fr", "Livrez au 12 rue de la Paix, 75002 Paris svp", "12 rue de la Paix, 75002 Paris"),
    ("fr", "J'habite 5 bis avenue Foch 69006 Lyon", "5 bis avenue Foch 69006 Lyon"),
    ("fr", "Adresse : 8 boulevard Haussmann, 75009 Paris", "8 boulevard Haussmann, 75009 Paris"),
    ("fr", "Colis envoyé au 3 place Bellecour, 69002 Lyon", "3 place Bellecour, 69002 Lyon"),
    ("fr", "Mon adresse est 27 chemin des Vignes, 13090 Aix-en-Provence", "27 chemin des Vignes, 13090 Aix-en-Provence"),
    ("es", "Envíenlo a Calle Mayor 12, 28013 Madrid por favor", "Calle Mayor 12, 28013 Madrid"),
    ("es", "Mi dirección es Avenida de la Constitución 5, 41001 Sevilla", "Avenida de la Constitución 5, 41001 Sevilla"),
    ("it", "Spedite a Via Roma 10, 00184 Roma grazie", "Via Roma 10, 00184 Roma"),
    ("it", "Abito in Piazza Garibaldi 3, 80142 Napoli", "Piazza Garibaldi 3, 80142 Napoli"),
    ("nl", "Stuur het naar Keizersgracht 123, 1015 CJ Amsterdam", "Keizersgracht 123, 1015 CJ Amsterdam"),
    ("nl", "Mijn adres is Dorpsstraat 8, 3512 AB Utrecht", "Dorpsstraat 8, 3512 AB Utrecht"),
]  # fmt: skip
NAMES = [
    ("en", "ask for Maria Gonzalez at the desk", "Maria Gonzalez"),
    ("en", "I spoke to John Peterson yesterday and nothing happened", "John Peterson"),
    ("en", "Your agent Sarah was rude to me", "Sarah"),
    ("en", "The courier Michael Brown left it outside", "Michael Brown"),
    ("en", "Yesterday Emily Clarke from your team promised a refund", "Emily Clarke"),
    ("en", "please tell Robert Miller that the desk arrived broken", "Robert Miller"),
    ("en", "I ordered it for my wife Jennifer Walsh and she hates it", "Jennifer Walsh"),
    ("en", "Mr. Thompson never called back", "Thompson"),
    ("de", "Ihr Kollege Thomas Müller hat mir nicht geholfen", "Thomas Müller"),
    ("de", "Ich habe mit Frau Schneider telefoniert", "Schneider"),
    ("de", "Bitte fragen Sie nach Katrin Becker an der Kasse", "Katrin Becker"),
    ("de", "Herr Wolfgang Schmidt hat die Lieferung angenommen", "Wolfgang Schmidt"),
    ("de", "Gestern hat Jürgen Hoffmann angerufen", "Jürgen Hoffmann"),
    ("fr", "J'ai parlé avec Claire Dubois au service client", "Claire Dubois"),
    ("fr", "Mme Lefèvre m'a promis un remboursement", "Lefèvre"),
    ("fr", "Le livreur Pierre Martin a laissé le colis dehors", "Pierre Martin"),
    ("fr", "Merci à Sophie Laurent pour son aide", "Sophie Laurent"),
    ("es", "Hablé con Carlos García y no me ayudó", "Carlos García"),
    ("es", "La señora Lucía Fernández me atendió muy mal", "Lucía Fernández"),
    ("es", "Pregunte por Javier Moreno en la tienda", "Javier Moreno"),
    ("it", "Ho parlato con Giulia Bianchi ieri", "Giulia Bianchi"),
    ("it", "Il corriere Marco Ferrari non è mai arrivato", "Marco Ferrari"),
    ("nl", "Ik sprak met Sanne de Vries van de klantenservice", "Sanne de Vries"),
    ("nl", "Vraag naar Pieter Jansen bij de balie", "Pieter Jansen"),
    ("en", "Dear Mrs. Hamilton, the chair is broken", "Hamilton"),
    ("en", "Hi, I'm Laura Chen and my lamp flickers", "Laura Chen"),
    ("de", "Mein Name ist Anna Weber, die Lampe ist kaputt", "Anna Weber"),
    ("fr", "Je m'appelle Julien Moreau et ma commande est en retard", "Julien Moreau"),
    ("es", "Me llamo Isabel Ruiz y el pedido no llegó", "Isabel Ruiz"),
    ("en", "Great mug. Kind regards, Oliver Stone", "Oliver Stone"),
]  # fmt: skip
ORDER_IDS = [
    "ORD-123456", "ORD123456", "#48213", "778899", "A12-9981", "AB-2024-5531", "700981234",
    "ORD-99887766", "12345-XZ", "#9981231", "DE-445566", "W9918273",
]  # fmt: skip
ORDER_T = [
    ("en", "where is my order {v}?"), ("de", "Meine Bestellung {v} ist nicht angekommen"),
    ("fr", "Ma commande {v} est en retard"), ("es", "Mi pedido {v} no ha llegado"),
    ("it", "Il mio ordine {v} non è arrivato"), ("nl", "Mijn bestelling {v} is kwijt"),
]  # fmt: skip
IDS = [
    ("en", "my passport number is C01X00T47 for the customs form", "C01X00T47"),
    ("en", "Passport: 533380006 was scanned twice", "533380006"),
    ("de", "Meine Personalausweisnummer ist T22000129", "T22000129"),
    ("de", "Reisepass C4J6R7KL9 wurde verlangt", "C4J6R7KL9"),
    ("fr", "Mon passeport 09AB12345 est expiré", "09AB12345"),
    ("fr", "Numéro de sécurité sociale 1 85 05 78 006 084 36 demandé", "1 85 05 78 006 084 36"),
    ("es", "Mi DNI es 12345678Z", "12345678Z"),
    ("es", "NIE X1234567L para la factura", "X1234567L"),
    ("it", "Codice fiscale RSSMRA85T10A562S", "RSSMRA85T10A562S"),
    ("nl", "Mijn BSN is 111222333", "111222333"),
    ("en", "National Insurance number QQ123456C on file", "QQ123456C"),
    ("en", "driver's license D1234567 was copied", "D1234567"),
]  # fmt: skip
URLS = [
    ("en", "reset link https://shop.example.com/reset?token=8f3a9c2e7b1d", "https://shop.example.com/reset?token=8f3a9c2e7b1d"),
    ("en", "open https://app.example.io/login?session=abc123def456&x=1 it fails", "https://app.example.io/login?session=abc123def456&x=1"),
    ("de", "der Link https://example.de/konto?auth=ZXk3NDk2 geht nicht", "https://example.de/konto?auth=ZXk3NDk2"),
    ("fr", "le lien http://example.fr/suivi?key=77AA88BB99 est cassé", "http://example.fr/suivi?key=77AA88BB99"),
    ("es", "este enlace www.example.es/pago?sig=0a1b2c3d4e no va", "www.example.es/pago?sig=0a1b2c3d4e"),
    ("en", "see https://files.example.com/invoice.pdf?access_token=eyJhbGciOi", "https://files.example.com/invoice.pdf?access_token=eyJhbGciOi"),
    ("it", "il link https://example.it/ordine?code=998877 non funziona", "https://example.it/ordine?code=998877"),
    ("nl", "de link https://example.nl/track?sid=55ff66ee werkt niet", "https://example.nl/track?sid=55ff66ee"),
    ("en", "https://example.com/unsubscribe?email=x&token=q1w2e3r4 does nothing", "https://example.com/unsubscribe?email=x&token=q1w2e3r4"),
    ("de", "Passwort-Link https://example.at/pw?reset=Z9Y8X7 abgelaufen", "https://example.at/pw?reset=Z9Y8X7"),
]  # fmt: skip
POSTCODES = [
    ("en", "my postcode is SW1A 1AA and you say you can't deliver", "SW1A 1AA"),
    ("en", "zip code 94043 is not accepted at checkout", "94043"),
    ("de", "PLZ 10115 wird nicht akzeptiert", "10115"),
    ("fr", "code postal 75002 refusé", "75002"),
    ("es", "el código postal 28013 no funciona", "28013"),
    ("nl", "postcode 1015 CJ klopt niet", "1015 CJ"),
    ("en", "Postcode: M1 1AE keeps failing validation", "M1 1AE"),
    ("en", "my zip is 10118-0110 and it fails", "10118-0110"),
    ("it", "il CAP 00184 non è valido", "00184"),
    ("en", "postal code EC1A 1BB not found", "EC1A 1BB"),
]  # fmt: skip

PLANTED: list[Planted] = [
    *_build("email", "<EMAIL>", EMAIL_T, EMAILS),
    *_build(
        "obfuscated_email", "<EMAIL>",
        [("en", "reach me at {v} please"), ("de", "Schreib an {v}"), ("fr", "écrivez à {v}"),
         ("es", "correo: {v}")],
        OBF,
    ),
    *[p._replace(kind="phone_intl" if p.secret.startswith(("+", "00")) else "phone_national")
      for p in _build("phone", "<PHONE>", PHONE_T, PHONES)],
    *_build("card", "<CARD>", CARD_T, CARDS),
    *_build("iban", "<IBAN>", IBAN_T, IBANS),
    *_build("ip", "<IP>", IP_T, IPS),
    *_build("ssn", "<SSN>", SSN_T, SSNS),
    *_build("dob", "<DOB>", DOB_T, DOBS),
    *[Planted("address", lang, text, secret, "<ADDRESS>") for lang, text, secret in ADDRESSES],
    *[Planted("name", lang, text, secret, "<NAME>") for lang, text, secret in NAMES],
    *_build("order_id", "<ORDER_ID>", ORDER_T, ORDER_IDS),
    *[Planted("id_number", lang, text, secret, "<ID>") for lang, text, secret in IDS],
    *[Planted("url_token", lang, text, secret, "<URL>") for lang, text, secret in URLS],
    *[Planted("postcode", lang, text, secret, "<POSTCODE>") for lang, text, secret in POSTCODES],
]  # fmt: skip


def half(name: str) -> list[Planted]:
    """`dev` (even positions: rules chosen here) or `holdout` (odd positions: reported)."""
    return PLANTED[0 if name == "dev" else 1 :: 2]
