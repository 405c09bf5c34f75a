"""Sentiment of German, Spanish and French feedback, which VADER (English) cannot read.

VADER scores a German complaint by the few English-looking words in it ("super
nervig" is +0.6: "super" is an English word), so it would call complaints positive.
Instead, per language, two short hand-written lists: problem and complaint cues
("kaputt", "no funciona", "jamais reçu", "leider") and praise words ("zufrieden",
"me encanta", "je recommande"), matched as whole tokens with the matcher's regular
inflections. A problem cue makes the text negative (as in English, a problem report is
never positive; a negation right before the cue cancels it: "kein Problem", "sin
problemas"); praise words alone make it positive, unless negated ("nicht gut", "no me
gusta": neither); greetings that hold a praise word ("Guten Tag", "buenos días") are
no evidence; nothing found is neutral.
Intensity is modest and grows with the number of cues. A coarse rule, not a model:
it reads the label a reviewer would start from, and says so in the rationale.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from feedback_lakehouse.enrichment.providers.offline.matcher import PhraseMatcher, words


@dataclass(frozen=True)
class LanguageCues:
    negations: frozenset[str]
    problems: tuple[str, ...]
    praise: tuple[str, ...]
    greetings: tuple[str, ...] = ()  # formulae that hold a praise word: no evidence


CUES: dict[str, LanguageCues] = {
    "de": LanguageCues(
        negations=words("nicht kein keine keinen keinem keiner keinerlei nie niemals ohne nichts"),
        problems=(
            "kaputt",
            "defekt",
            "beschädigt",
            "zerbrochen",
            "gerissen",
            "funktioniert nicht",
            "geht nicht",
            "klappt nicht",
            "stürzt",
            "stürzt ab",
            "abgestürzt",
            "absturz",
            "fehler",
            "fehlerhaft",
            "problem",
            "probleme",
            "mangelhaft",
            "schlecht",
            "enttäuscht",
            "enttäuschend",
            "enttäuschung",
            "ärgerlich",
            "verärgert",
            "nervig",
            "frustrierend",
            "katastrophe",
            "katastrophal",
            "unverschämt",
            "inakzeptabel",
            "nicht angekommen",
            "nie angekommen",
            "immer noch nicht",
            "warte immer noch",
            "warte seit",
            "verspätet",
            "verspätung",
            "zu spät",
            "fehlt",
            "falsch",
            "doppelt abgebucht",
            "zweimal abgebucht",
            "keine antwort",
            "antwortet nicht",
            "keine rückmeldung",
            "unfreundlich",
            "reklamation",
            "beschwerde",
            "zurückgeschickt",
            "betrug",
            "abzocke",
            "leider",
            "unbrauchbar",
            "nutzlos",
            "schrecklich",
            "furchtbar",
            "miserabel",
            "mies",
            "nie wieder",
            "hängt sich auf",
            "friert ein",
            "lädt nicht",
            "gesperrt",
            "überteuert",
            "zu teuer",
            "ärgere",
            "verloren",
        ),
        praise=(
            "gut",
            "gute",
            "guter",
            "gutes",
            "sehr gut",
            "super",
            "toll",
            "klasse",
            "prima",
            "perfekt",
            "zufrieden",
            "begeistert",
            "empfehlenswert",
            "empfehle",
            "hervorragend",
            "ausgezeichnet",
            "wunderbar",
            "wunderschön",
            "schön",
            "danke",
            "vielen dank",
            "liebe es",
            "gerne wieder",
            "freundlich",
            "hilfsbereit",
            "großartig",
            "spitze",
        ),
        greetings=("guten tag", "guten morgen", "guten abend", "mit freundlichen grüßen"),
    ),
    "es": LanguageCues(
        negations=words("no nunca sin ni jamás tampoco nada ningún ninguna"),
        problems=(
            "roto",
            "rompió",
            "defectuoso",
            "dañado",
            "no funciona",
            "no sirve",
            "no llegó",
            "nunca llegó",
            "todavía no",
            "aún no",
            "sigo esperando",
            "retraso",
            "llegó tarde",
            "error",
            "fallo",
            "falla",
            "problema",
            "mala calidad",
            "malo",
            "pésimo",
            "horrible",
            "terrible",
            "decepcionado",
            "decepción",
            "decepcionante",
            "molesto",
            "enfadado",
            "harto",
            "vergüenza",
            "inaceptable",
            "queja",
            "reclamación",
            "cobraron dos veces",
            "cobro doble",
            "se cuelga",
            "se cierra",
            "se bloquea",
            "lento",
            "bloqueado",
            "no puedo",
            "demasiado caro",
            "estafa",
            "fraude",
            "nadie responde",
            "no responde",
            "sin respuesta",
            "grosero",
            "maleducado",
            "lamentablemente",
            "por desgracia",
            "desgraciadamente",
            "inútil",
            "nunca más",
            "falta",
            "faltan",
            "incorrecto",
            "equivocado",
            "perdido",
        ),
        praise=(
            "bueno",
            "muy bien",
            "funciona bien",
            "excelente",
            "genial",
            "perfecto",
            "encantado",
            "me encanta",
            "contento",
            "satisfecho",
            "feliz",
            "recomiendo",
            "maravilloso",
            "fantástico",
            "increíble",
            "gracias",
            "estupendo",
            "amable",
            "me gusta",
        ),
        greetings=("buenos días", "buenas tardes", "buenas noches"),
    ),
    "fr": LanguageCues(
        negations=words("pas jamais sans ni aucun aucune rien"),
        problems=(
            "cassé",
            "abîmé",
            "endommagé",
            "défectueux",
            "défectueuse",
            "fonctionne pas",
            "marche pas",
            "marche plus",
            "en panne",
            "plante",
            "bug",
            "bugue",
            "erreur",
            "problème",
            "mauvaise qualité",
            "mauvais",
            "mauvaise",
            "nul",
            "horrible",
            "déçu",
            "décevant",
            "déception",
            "inadmissible",
            "inacceptable",
            "scandaleux",
            "honteux",
            "en retard",
            "retard",
            "jamais reçu",
            "pas reçu",
            "jamais arrivé",
            "pas arrivé",
            "toujours pas",
            "j'attends toujours",
            "réclamation",
            "plainte",
            "prélevé deux fois",
            "débité deux fois",
            "lent",
            "bloqué",
            "impossible de",
            "trop cher",
            "arnaque",
            "escroquerie",
            "aucune réponse",
            "pas de réponse",
            "sans réponse",
            "ne répond pas",
            "ne répond jamais",
            "impoli",
            "désagréable",
            "malheureusement",
            "hélas",
            "inutilisable",
            "manquant",
            "n'aime pas",
            "perdu",
        ),
        praise=(
            "très bien",
            "très bon",
            "super",
            "génial",
            "parfait",
            "parfaitement",
            "excellent",
            "ravi",
            "satisfait",
            "content",
            "recommande",
            "merci",
            "top",
            "magnifique",
            "j'adore",
            "adore",
            "j'aime",
            "formidable",
            "impeccable",
            "agréable",
        ),
        greetings=("bonne journée", "bonne soirée", "merci d'avance"),
    ),
}


@dataclass(frozen=True)
class CueSentiment:
    label: str
    intensity: float
    problems: tuple[str, ...]
    praise: tuple[str, ...]

    @property
    def note(self) -> str:
        """The evidence for the rationale."""
        found = ", ".join(self.problems + self.praise) or "none"
        return f"sentiment from cue words ({found})"

    def scores(self) -> dict[str, float]:
        """The cues as VADER-shaped scores (neg, neu, pos, compound), the shape the
        provider keeps beside each label."""
        neg, pos = float(len(self.problems)), float(len(self.praise))
        total = neg + pos
        sign = {"negative": -1.0, "positive": 1.0}.get(self.label, 0.0)
        return {
            "neg": neg / total if total else 0.0,
            "pos": pos / total if total else 0.0,
            "neu": 0.0 if total else 1.0,
            "compound": sign * self.intensity,
        }


@cache
def _matcher(language: str) -> PhraseMatcher:
    cues = CUES[language]
    phrases = (
        dict.fromkeys(cues.greetings, "greeting")
        | dict.fromkeys(cues.praise, "praise")
        | dict.fromkeys(cues.problems, "problem")
    )
    return PhraseMatcher(phrases, inflect=True, language=language)


def has_cues(language: str) -> bool:
    return language in CUES


def cue_payload(languages: Sequence[str]) -> dict[str, list[str]]:
    """The cue lists of `languages` for the prompt version (a changed list re-enriches)."""
    return {
        language: sorted(CUES[language].problems)
        + sorted(CUES[language].praise)
        + sorted(CUES[language].greetings)
        + sorted(CUES[language].negations)
        for language in sorted(languages)
        if language in CUES
    }


def sentiment_of(tokens: Sequence[str], language: str) -> CueSentiment:
    """The cue sentiment of one text's tokens (`lexicon.tokens_of`) in `language`;
    neutral with intensity 0 for a language without cues."""
    if language not in CUES:
        return CueSentiment("neutral", 0.0, (), ())
    negations = CUES[language].negations
    problems: list[str] = []
    praise: list[str] = []
    for start, phrase, kind in _matcher(language).find(tokens):
        # a negation up to two words before: "kein Problem", "pas de problème"; a cue
        # that is a negation itself ("aucune réponse") stays one after another
        negated = phrase.split(" ", 1)[0] not in negations and any(
            token in negations for token in tokens[max(0, start - 2) : start]
        )
        if kind == "problem" and not negated:
            problems.append(phrase)
        elif kind == "praise" and not negated:
            praise.append(phrase)
    if problems:
        label, count = "negative", len(problems)
    elif praise:
        label, count = "positive", len(praise)
    else:
        return CueSentiment("neutral", 0.0, (), ())
    intensity = round(min(1.0, 0.4 + 0.1 * (count - 1)), 4)
    return CueSentiment(label, intensity, tuple(problems), tuple(praise))
