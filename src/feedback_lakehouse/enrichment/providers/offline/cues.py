"""What the offline sentiment reads besides VADER's lexicon: the cues of a complaint.

Customer feedback is not the social-media text VADER was tuned on. Three things in it
mislead a general sentiment lexicon, and each has a small, general rule here:

- A *problem report* (something failed, broke, was lost, is late or was charged wrongly:
  "crashes", "never arrived", "still waiting", "charged twice", "stopped working",
  "refund not received") is a complaint whatever words surround it. These are the
  "problem statement" and "negated expectation" moves of complaint discourse (a thing
  that should have happened did not): patterns over verbs of failure and damage,
  negated arrival/receipt, and persistence ("still", "keeps"). A cue right after a
  negation ("no crashes", "never broke") is not a report, and one followed by a repair
  ("support fixed it") is resolved.
- *Politeness and request formulae* ("please fix", "thanks in advance", "kind regards")
  are in VADER's lexicon as positive words ("please" +1.3, "thanks" +1.9, "help"
  +1.7): in feedback they frame the request, not the opinion, so they are not scored.
- *Handles, hashtags, links, masked tokens and names* ("@united", "#blessed", "<URL>",
  "the Smart Heated Mug") are not sentiment words either: an airline named United is
  not a positive word.

Emphasis (emoji, "!!!", CAPITALS) is read from the text as written: it raises intensity
and urgency, never the label.
"""

from __future__ import annotations

import re

# Complaint phrases of product reviews that VADER scores neutral: returning the item,
# disappointed hopes, poor make (offline-rules-v2; a penalty per cue).
COMPLAINT_CUES = (
    r"\breturn(?:ed|ing)?\b",
    r"\bsen(?:t|d|ding) (?:it |this |them )?back\b",
    r"\bgoing back\b",
    r"\bwanted to (?:love|like)\b",
    r"\bhad (?:such )?high hopes\b",
    r"\bunfortunately\b",
    r"\bsadly\b",
    r"\bpoor(?:ly)? (?:quality|made)\b",
    r"\bcheap(?:ly)?\b",
    r"\bunflattering\b",
    r"\bnot flattering\b",
    r"\bwould not recommend\b",
    r"\bwouldn'?t recommend\b",
    r"\bnot worth\b",
    r"\bwaste\b",
    r"\bdisappoint\w*",
    r"\bnot (?:as|what) (?:pictured|shown|described)\b",
    r"\bdid not work\b",
    r"\bdidn'?t work\b",
    r"\bnot for me\b",
)

_NEG = r"(?:not|never|no|n't|cannot|can'?t|won'?t|didn'?t|doesn'?t|don'?t|isn'?t|wasn'?t)"
_NOT_YET = r"(?:not|never|n't|still not|not yet|yet to be)"
# "not" and the verbs with "n't" ("don't", "hasn't", "won't"), from a word boundary
_NOT = r"(?:not|(?:do|did|does|is|was|are|were|has|have|had|ca|could|wo|would|should)n'?t)"

# Problem reports: failure, defect, loss, delay and wrong charges (matched on the
# lower-cased text with typographic apostrophes made plain). Two kinds: a failure or
# defect word, which a negation before it cancels ("no crashes", "never broke") ...
DEFECT_CUES = (
    r"\bcrash(?:es|ed|ing)?\b",
    r"\bfr(?:eez(?:es|ing)|oze|ozen)\b",
    r"\b(?:stopped|stops) \w+ing\b|\b(?:quit|quits) (?:working|charging|connecting)\b",
    r"\bkeeps? (?:crashing|failing|freezing|disconnecting|logging me out|breaking)\b",
    r"\b(?:error|bug|buggy|glitch\w*|fail(?:s|ed|ing|ure)?)\b",
    r"\blocked out\b",
    r"\b(?:broken|broke|damaged|defective|faulty|cracked|shattered|smashed|dented"
    r"|ripped|torn|leak(?:s|ed|ing)?|fell apart|came apart|falling apart)\b",
    r"\bwrong (?:item|size|colou?r|order|product|parcel|address)\b",
    r"\bmissing (?:parts?|pieces?|items?|screws?|buttons?|from)\b",
    r"\b(?:delayed|lost (?:in|my|the|our)|got lost|arrived late|late delivery)\b",
    r"\b(?:charged|billed) (?:me )?(?:twice|double|two times|again|extra|after)\b",
    r"\b(?:double[- ]charged|overcharged)\b",
    r"\b(?:gave (?:up|out)|conked out|died on me|in (?:pieces|shards)|wrecked)\b",
    # a wait that has not ended ("pending since forever", "taking so long": 19 banking77
    # queries of half A, all waits; not "waited so long to buy it", a wish, nor "it took
    # so long to find one", a story: clothing reviews)
    r"\b(?:takes|taking|spins|spinning|loads|loading|pending|been waiting|still waiting)"
    r" (?:so long|forever|ages)\b|\bsince forever\b",
    # a thing that split ("split open / in half / after a week"), not a style ("split
    # neck", "split on the sides", "split back")
    r"\b(?:split|splits) (?:open|in (?:two|half)|after|within)\b",
    # a request for a remedy names a problem: "please fix this", "sort it out"
    r"\b(?:fix (?:this|it|that)|sort (?:this|it|that) out)\b",
    # ... and so does an elliptic one pressed for time, asked ("fix ASAP", "please sort
    # it now", "can you fix it today"), not told ("they sort it out right away"). The
    # leading \b changes no match (a "fix" there always starts a word), but lets `re` skip
    # ahead to where a match can start: without it the whole alternation took 49 us a
    # text instead of 13 (each pattern here starts at a word boundary: test_cue_speed)
    r"\b(?:^|(?<=[.!?,;:] )|(?<=[.!?,;:])|(?<=please )|(?<=pls )|(?<=just )|(?<=you )"
    r"|(?<=someone ))(?:fix|sort)(?: (?:this|it|that))?(?: out)? (?:asap|now|immediately"
    r"|urgently|right away|straight away|today)\b",
    # a refusal: a payment, a claim or an account turned down or stopped ("my card was
    # declined", "the transfer got rejected", "my account is blocked")
    r"\bdeclin(?:ed|es|ing)\b|\b(?:was|were|got|get|gets|getting|been|being|is|are"
    r"|keeps? (?:getting|being)) (?:rejected|refused|blocked|suspended|cancell?ed|reverted"
    r"|reversed|revoked|denied)\b",
    # a loss to theft or fraud ("stolen", "my account was hacked"; not "hacked off the hem")
    r"\b(?:stolen|mugged|robbed|fraud(?:ulent)?|scam(?:med)?|unauthori[sz]ed|compromised)\b"
    r"|\b(?:been|got|get|was|were|is|are) hacked\b|\bhacked (?:my|our|into)\b",
)
# a word every `DEFECT_CUES` match contains (one per pattern at least): a text with none
# of them has no defect cue, and the alternation (91% of `problem_cues`' time on 22.6k
# clothing reviews, which 15% pass this test) is not run. Keep in step with DEFECT_CUES
# (tests/python/test_selftrain_speed.py checks each pattern has one)
DEFECT_WORDS = (
    "crash", "freez", "froze", "stop", "quit", "keep", "error", "bug", "glitch", "fail",
    "locked out", "broke", "damaged", "defective", "faulty", "cracked", "shattered",
    "smashed", "dented", "ripped", "torn", "leak", "apart", "wrong", "missing", "delayed",
    "lost", "late", "charged", "billed", "gave", "conked", "died on me", "in pieces",
    "in shards", "wrecked", "fix", "sort", "forever", "so long", "ages", "split", "declin",
    "rejected", "refused", "blocked", "suspended", "cancel", "reverted", "reversed",
    "revoked", "denied", "stolen", "mugged", "robbed", "fraud", "scam", "unauthori",
    "hacked", "compromised",
)  # fmt: skip
# ... and a negated expectation, which carries its own negation: something that should
# have worked, arrived or been refunded did not, or still has not.
EXPECTATION_CUES = (
    rf"\b{_NEG} (?:work|working|load|loading|open|opening|start|turn on|connect|charge"
    r"|let me|log me|log ?in|sign ?in|get in|get into|access)\b",
    r"\b(?:unable|impossible) to\b",
    rf"\b{_NOT_YET} (?:arrived|received|come|came|delivered|shipped|refunded|showed up"
    r"|turned up|got it)\b",
    r"\b(?:has|have|had)n'?t (?:arrived|come|been (?:delivered|shipped|refunded|received))\b",
    r"\bstill (?:waiting|no\b|not\b|nothing|hasn'?t|haven'?t|have not|has not|missing)",
    r"\bwhere is my\b",
    r"\bno (?:response|reply|answer|update|refund)\b",
    r"\b(?:nobody|no one|no-one) (?:answered|replied|responded|called|got back|helped|came)\b",
    r"\b(?:has|have|had)n'?t (?:shown up|showed up|turned up|got here|come through"
    r"|moved|updated)\b",
    r"\b(?:no sign of|nowhere to be (?:seen|found))\b",
    r"\bnever (?:comes|came|arrives|answers|answered|works|worked)\b",
    r"\brefund (?:not|never|still|has not|hasn'?t)\b",
    # a repair that did not happen, and its sarcastic thanks
    r"\bwithout (?:fixing|solving|resolving|sorting|answering|replying|helping)\b",
    r"\bthanks? for nothing\b",
    # money asked back: "I want my money back", "can I get the difference back"
    r"\b(?:want|get|have) (?:my|our|the) (?:money|refund|difference|deposit|payment|cash) back\b"
    r"|\bwhere(?:'?s| is) my money\b",
    # a thing that refuses ("isn't letting me", "would not accept my card", "can't use
    # it"; "won't let me" is a negated expectation above)
    r"\b(?:isn'?t|is not|aren'?t|are not|wasn'?t|was not) letting me\b"
    r"|\b(?:won'?t|wouldn'?t|will not|would not|doesn'?t|does not|didn'?t|did not)"
    r" (?:allow me|accept)\b|\b(?:can'?t|cannot|can not|couldn'?t|could not) use\b",
    # a charge nobody made ("a payment I don't recognise"), and money that has not landed
    # ("didn't go through", "hasn't been credited"), not a detail a photo does not show
    # ("doesn't come through in the pictures": clothing). Each branch starts at a word
    # boundary: a branch that does not ("n't" alone) stops `re` from skipping ahead to
    # the words that can start a match, and made this alternation 5x slower
    rf"\b{_NOT} (?:recogni[sz]e|(?:been )?(?:reflected|credited|processed)"
    r"|(?:gone|go|went) through|showing up)\b",
)

# A repair after the problem ("support fixed it", "works now"): the report is resolved.
RESOLUTION_CUES = (
    r"(?<!please )(?<!get it )(?<!be )\b(?:fixed|resolved|sorted) "
    r"(?:it|this|that|my|the|everything|quickly|fast|right away|immediately|in)\b",
    r"\b(?:works|working) (?:now|again|fine now|perfectly now)\b",
    r"\bnow (?:works|working)\b",
)

# Request and politeness formulae: framing, not opinion (removed before scoring).
POLITENESS = (
    r"\bthank(?:s| you)(?: (?:so|very) much)?(?: in advance)?(?: for (?:your|the) help)?\b",
    r"\b(?:many )?thanks\b",
    r"\bthx\b",
    r"\bplease(?: help(?: me)?)?\b",
    r"\b(?:kind|best|warm) regards\b",
    r"\bregards\b",
    r"\bcheers\b",
    r"\b(?:i would|i'd|would) appreciate(?: it)?(?: if)?\b",
    r"\b(?:i )?hope (?:you(?:'re| are)|this finds you) (?:well|doing well)\b",
    r"\bsorry to (?:bother|trouble) you\b",
    r"^\s*(?:hi|hello|dear)\b[^,.!?\n]*[,.!]?",
)

# Not sentiment words: @handles, #hashtags, links, masked tokens such as <URL>, <EMAIL>.
_NOT_WORDS = re.compile(r"[@#][\w.-]+|\bhttps?://\S+|\bwww\.\S+|<[A-Z][A-Z_]*>")
_POLITENESS = re.compile("|".join(POLITENESS), re.IGNORECASE | re.MULTILINE)
_DEFECT = re.compile("|".join(DEFECT_CUES))
_EXPECTATION = re.compile("|".join(EXPECTATION_CUES))
_RESOLUTION = re.compile("|".join(RESOLUTION_CUES))
_COMPLAINT = re.compile("|".join(COMPLAINT_CUES))
_APOSTROPHE = str.maketrans({"’": "'", "`": "'", "´": "'"})
# the words before a cue that cancel it: "no crashes", "never broke", "not damaged";
# within its sentence only ("It did not. Sort it out" is a request for a remedy)
_CANCELLED_BY = re.compile(
    r"(?:\b(?:no|not|never|without|nothing|zero)|n't|\b(?:didnt|doesnt|hasnt|havent|wasnt|isnt|wont|dont))"
    r"[^\w.!?\n]+(?:\w+[^\w.!?\n]+)?$"
)
# the words before "fix it" / "sort this out" that make it someone's plan, not a request
# for a remedy: "a tailor can fix it", "I'll fix it up", "a scarf will fix this" (11 of
# the 16 texts with such a cue in half A of the clothing reviews had 4-5 stars, 4 after);
# "can you fix it", "you should fix this", "please fix it", "help me fix it" stay requests
NOT_A_REQUEST = r"(?:(?<!you )\b(?:can|could|will|would|might|may|should)|'ll|'d)\s+$"
_NOT_A_REQUEST = re.compile(NOT_A_REQUEST)
_NOT_WORD_MARKS = ("@", "#", "<", "http", "www.")
_POLITE_WORDS = ("thank", "thx", "please", "regards", "cheers", "appreciate", "hope", "sorry to")
_INNER_CAPITAL = re.compile(r"\s[A-Z][a-z]")
_CAPITALS = re.compile(r"[A-Z]{3}")
_TITLE_WORD = re.compile(r"^[A-Z][a-z]+(?:[-'][A-Za-z]+)?$")
_EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]")
_SHOUT = re.compile(r"\b[A-Z]{3,}\b")
_EXCLAIMED = re.compile(r"!{3,}|(?:!\s*){3,}|\?!|!\?")


def lowered(text: str) -> str:
    """The text lower-cased with typographic apostrophes made plain (what cues match)."""
    return text.lower().translate(_APOSTROPHE)


def complaint_cues(low: str) -> int:
    """How many review-complaint phrases (`COMPLAINT_CUES`) the lower-cased text has."""
    return len(_COMPLAINT.findall(low))


def problem_cues(low: str) -> list[str]:
    """The problem-report cues of the lower-cased text: negated expectations, and
    failure or defect words not negated right before ("no crashes", "never broke");
    none when a repair follows the last one ("support fixed it", "works now")."""
    found = [(m.end(), m.group(0)) for m in _EXPECTATION.finditer(low)]
    defects = _DEFECT.finditer(low) if any(w in low for w in DEFECT_WORDS) else ()
    for match in defects:
        before = low[max(0, match.start() - 24) : match.start()]
        if _CANCELLED_BY.search(before):
            continue
        if match.group(0).startswith(("fix", "sort")) and _NOT_A_REQUEST.search(before):
            continue
        found.append((match.end(), match.group(0)))
    if found and _RESOLUTION.search(low, max(end for end, _ in found)):
        return []
    return [cue for _, cue in sorted(found)]


def _names_removed(sentence: str) -> str:
    """A sentence without its mid-sentence capitalised runs (names: "the Smart Heated
    Mug", "flew United"), unless most of its words are capitalised (a title such as
    "Great Fit And Lovely Colour")."""
    if not _INNER_CAPITAL.search(sentence):
        return sentence
    words = sentence.split()
    titled = [bool(_TITLE_WORD.match(w.strip('.,;:!?"()'))) for w in words]
    if sum(titled) > 0.7 * len(words):
        return sentence
    return " ".join(w for i, w in enumerate(words) if i == 0 or not titled[i])


def for_scoring(text: str, sentences: list[str]) -> list[str]:
    """Each sentence of `text` without handles, hashtags, links, masked tokens, names
    and politeness formulae (what VADER scores); sentences left empty are dropped.
    Each pattern runs only when a cheap test on the text says it can match."""
    low = text.lower()
    handles = any(mark in text for mark in _NOT_WORD_MARKS)
    polite = any(word in low for word in _POLITE_WORDS)
    out: list[str] = []
    for sentence in sentences:
        key = (sentence, handles, polite)
        cleaned = _cleaned.get(key)
        if cleaned is None:
            cleaned = _cleaned_sentence(sentence, handles, polite)
            if len(_cleaned) >= 100_000:
                _cleaned.clear()
            _cleaned[key] = cleaned
        if cleaned:
            out.append(cleaned)
    return out


# each sentence's cleaned form by (sentence, handles, polite): feedback repeats sentences
# ("Thanks!", "Great product."); 9% of the provider's time on a 15k-text sample
_cleaned: dict[tuple[str, bool, bool], str] = {}


def reset_memo() -> None:
    """Forget the cleaned sentences (benchmarks time every run from cold)."""
    _cleaned.clear()


def _cleaned_sentence(sentence: str, handles: bool, polite: bool) -> str:
    """One sentence as `for_scoring` keeps it, "" when nothing is left to score."""
    cleaned = _NOT_WORDS.sub(" ", sentence) if handles else sentence
    if polite or sentence[:6].lower().startswith(("hi", "hello", "dear")):
        cleaned = _POLITENESS.sub(" ", cleaned)
    cleaned = _names_removed(cleaned).strip(" ,;:-")
    if any(ch.isalnum() for ch in cleaned) or not cleaned.isascii():
        return cleaned
    return ""


# what presses for time as written, which raises a neutral text's urgency too
# (`rules.pressed`): a run of three "!" or ASAP / urgent (the dbt macro emphasis_presses
# is the same rule, on each record's clean_text)
PRESSES = r"!!!|\b(?:asap|urgent|urgently)\b"
_PRESSES = re.compile(PRESSES, re.IGNORECASE)


def presses(text: str) -> bool:
    """Whether the text as written presses for time: "!!!" or the word ASAP, urgent or
    urgently in any case (the SQL twin: macro `emphasis_presses`)."""
    return bool(_PRESSES.search(text))


def emphasis_of(text: str) -> tuple[int, int, int]:
    """(emoji, runs of "!!!" or "?!", words in CAPITALS) in the text as written
    (handles, links and masked tokens such as <URL> left out)."""
    if any(mark in text for mark in _NOT_WORD_MARKS):
        text = _NOT_WORDS.sub(" ", text)
    return (
        0 if text.isascii() else len(_EMOJI.findall(text)),
        len(_EXCLAIMED.findall(text)) if "!" in text else 0,
        len(_SHOUT.findall(text)) if _CAPITALS.search(text) else 0,
    )
