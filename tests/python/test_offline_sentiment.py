"""Offline sentiment that knows feedback (issue 18, part 1): a problem report is negative
whatever polite words surround it, names and handles are not sentiment words, and
emphasis (emoji, "!!!", CAPITALS) raises intensity and urgency."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedback_lakehouse.contracts import TextItem
from feedback_lakehouse.enrichment.providers.offline.provider import OfflineProvider
from feedback_lakehouse.enrichment.taxonomy import Taxonomy

CATEGORIES_CSV = (
    Path(__file__).resolve().parents[2] / "seeds" / "taxonomy" / "taxonomy_categories.csv"
)
URGENCY_RANK = {"low": 0, "medium": 1, "high": 2, "critical": 3}


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return Taxonomy.from_csv(CATEGORIES_CSV, "v1")


@pytest.fixture(scope="module")
def provider() -> OfflineProvider:
    return OfflineProvider()


def enrich(provider: OfflineProvider, taxonomy: Taxonomy, *texts: str):
    items = [TextItem(text_hash=f"h{i}", text=t) for i, t in enumerate(texts)]
    return provider.enrich(items, taxonomy)


# each scored positive or neutral by offline-rules-v2
PROBLEM_REPORTS = [
    "Login screen crashes the app. Please fix ASAP!!!",
    "Login screen crashes the app. Please fix asap.",
    "My order never arrived. Thanks in advance for your help!",
    "Still waiting for my refund, thank you.",
    "I was charged twice, please help, thanks!",
    "Refund not received yet. Kind regards",
    "The kettle arrived broken. Thanks",
    "The app stopped working after the update. Please fix, thanks!",
]


# issue 18 part 7: problem reports in other words, each neutral or positive before
PROBLEM_REPORTS += [
    "Ordered on the 3rd and it hasn't shown up.",
    "The kettle gave up after a month.",
    "The courier's map hasn't moved since Monday.",
    "No sign of the replacement you promised.",
    "Support never answered my email.",
    "Please fix it, the lid is wobbly.",
]
# issue 18 goals (b)/(d): a wait that has not ended and a thing that split, each read
# positive or neutral before (texts written for this test). Real half A: "taking forever /
# so long", "pending since forever" in 19 banking77 queries, all waits
PROBLEM_REPORTS += [
    "My transfer to my landlord has been pending forever.",
    "The checkout keeps spinning forever, thanks in advance!",
    "Why is my top up taking so long? Thanks",
    "Nice jumper, but the seam split after the second wash.",
    "Cute sandals. The strap split in half on day one.",
]


# support failures that are neither broken things nor late ones: a refusal, a theft, a
# charge nobody made, a thing that will not let one do something, money that has not
# landed (each read neutral or positive before; texts written for this test, the cue
# kinds chosen on half A of banking77's failure intents, scripts/measure_sentiment.py)
PROBLEM_REPORTS += [
    "My card payment was declined at the till, thanks.",
    "Hi, my claim was denied, can you help?",
    "My card is blocked, can you help?",
    "Help, my flight got cancelled!",
    "Help! My account has been hacked.",
    "Help! My card got stolen on holiday.",
    "There is a payment on my statement that I don't recognise. Please help!",
    "The site isn't letting me check out, help!",
    "I can't use my card in the shop, can you help?",
    "The payment didn't go through, can you help?",
    "The refund is not showing up in my account, thanks!",
]


@pytest.mark.parametrize("text", PROBLEM_REPORTS)
def test_problem_report_is_negative_whatever_the_polite_words(
    provider: OfflineProvider, text: str
) -> None:
    label, _, _ = provider.sentiment(text)
    assert label == "negative", text


@pytest.mark.parametrize(
    "text",
    [
        "No problems at all, it arrived on time and works great.",
        "Never had an issue with it, love it!",
        "Was broken at first but support fixed it fast, thanks!",
        # what a photo does not show, a hem cut by hand, a wish: no failure (clothing)
        "The beading doesn't come through in the photos, but in person it is lovely.",
        "The colour doesn't show up well in the picture, but it is gorgeous.",
        "It doesn't show dirt and washes well.",
        "I hacked off the hem myself and now it fits great.",
        "I can't wait to wear it, so pretty!",
    ],
)
def test_resolved_or_negated_problems_stay_non_negative(
    provider: OfflineProvider, text: str
) -> None:
    label, _, _ = provider.sentiment(text)
    assert label != "negative", text


@pytest.mark.parametrize(
    "text",
    [
        "Login screen crashes the app. Please fix ASAP!!!",
        "My order never arrived!!!",
        "Still waiting for my refund. Sort it out ASAP",
        "Ordered on the 3rd and it hasn't shown up!!!",
        "Can someone sort this out ASAP, the blender smells of burning.",
        # a theft or a break-in is a security incident, as fraud and scams already were
        # (`critical_words`): banking77's card-theft and unrecognised-charge queries at
        # high urgency or above, half B, 5.4% -> 17.9% (information queries 0.6% either way)
        "My card was stolen",
        "I think someone hacked my account.",
        "There is an unauthorised payment on my statement.",
        "My card details were compromised in a data breach.",
    ],
)
def test_pressed_problem_report_or_theft_is_at_least_high(
    provider: OfflineProvider, taxonomy: Taxonomy, text: str
) -> None:
    (record,) = enrich(provider, taxonomy, text)
    assert record.sentiment == "negative", record.rationale
    assert URGENCY_RANK[record.urgency] >= URGENCY_RANK["high"], record.rationale


@pytest.mark.parametrize(
    "text",
    [
        "@united my flight to Denver is at 6pm",
        "Flight to Denver tomorrow #blessed @united <URL>",
        "The Smart Heated Mug arrived today.",
    ],
)
def test_mentions_hashtags_urls_and_names_are_not_sentiment_words(
    provider: OfflineProvider, text: str
) -> None:
    label, intensity, _ = provider.sentiment(text)
    assert label == "neutral", (text, intensity)


def test_a_mention_does_not_change_the_score(provider: OfflineProvider) -> None:
    plain = provider.sentiment("the crew was rude and the seat was broken")
    mentioned = provider.sentiment("@united the crew was rude and the seat was broken #fail")
    assert mentioned[:2] == plain[:2]


def test_emoji_exclamations_and_capitals_raise_intensity_and_urgency(
    provider: OfflineProvider, taxonomy: Taxonomy
) -> None:
    plain, emoji, shouted = enrich(
        provider,
        taxonomy,
        "The app crashes on login",
        "The app crashes on login 😡😡",
        "THE APP CRASHES ON LOGIN!!!",
    )
    assert plain.sentiment == emoji.sentiment == shouted.sentiment == "negative"
    assert emoji.sentiment_intensity > plain.sentiment_intensity
    assert shouted.sentiment_intensity > plain.sentiment_intensity
    assert URGENCY_RANK[shouted.urgency] > URGENCY_RANK[plain.urgency]
    assert URGENCY_RANK[emoji.urgency] >= URGENCY_RANK[plain.urgency]


def test_scoring_change_changes_the_prompt_version(
    provider: OfflineProvider, taxonomy: Taxonomy
) -> None:
    # offline-rules-v2 labelled the texts above wrongly: its labels must be re-scored
    assert provider.prompt_version(taxonomy).startswith("offline-rules-v4+")
    assert "problem_cues" in provider.options.rules_payload(provider.model)


def test_sentence_cleaning_memo_keeps_each_texts_context() -> None:
    """Cleaned sentences are memoised, but a sentence is cleaned in its text's context
    (a text with a politeness word drops a greeting line that another text keeps): a
    sentence seen before in another text must clean as it does when seen first."""
    from feedback_lakehouse.enrichment.providers.offline import cues, rules
    from feedback_lakehouse.enrichment.providers.offline.lexicon import reset_sentiment_memo

    def scored(text: str) -> list[str]:
        return cues.for_scoring(text, [s for s in rules._SENTENCE_SPLIT.split(text) if s.strip()])

    texts = ["Thanks\n  hi Bob ok", "Great\n  hi Bob ok", "@shop\n  hi Bob ok <URL> fine"]
    cold = {}
    for text in texts:
        reset_sentiment_memo()
        cold[text] = scored(text)
    reset_sentiment_memo()
    assert {text: scored(text) for text in texts} == cold
    assert cold[texts[0]] != cold[texts[1]]  # the context matters here


# issue 18 goal (b): complaints under time pressure that offline-rules-v4 left below high
# (a negative text without a defect word, a negation in the previous sentence that
# cancelled the next sentence's request for a remedy, "nobody answered")
@pytest.mark.parametrize(
    "text",
    [
        "What a waste of money!!!",
        "Useless. I need this resolved urgently.",
        "Worst purchase ever, I need a replacement ASAP",
        "It was supposed to arrive Monday. It did not. Sort it out!!!",
        "Thanks for nothing!!! Nobody answered my three emails.",
    ],
)
def test_pressed_complaint_without_a_defect_word_is_at_least_high(
    provider: OfflineProvider, taxonomy: Taxonomy, text: str
) -> None:
    (record,) = enrich(provider, taxonomy, text)
    assert record.sentiment == "negative", record.rationale
    assert URGENCY_RANK[record.urgency] >= URGENCY_RANK["high"], record.rationale


@pytest.mark.parametrize(
    "text", ["Love it!!!", "Fast delivery, love it ASAP!!!", "Order arrived TODAY!! 😍"]
)
def test_emphasis_alone_does_not_make_a_text_urgent(
    provider: OfflineProvider, taxonomy: Taxonomy, text: str
) -> None:
    # praise never presses; a neutral text's emphasis without "!!!" or ASAP does not
    (record,) = enrich(provider, taxonomy, text)
    assert URGENCY_RANK[record.urgency] < URGENCY_RANK["high"], record.rationale


# issue 18 goal (b): a neutral text that presses ("!!!", ASAP, urgent: cues.presses, the
# rule of the SQL macro emphasis_presses) is at least high, as a problem report the rules
# read neutral or a request for speed is; the same text without the press is not
@pytest.mark.parametrize(
    ("pressing", "calm"),
    [
        (
            "My order status has said 'on its way' for four days now!!!",
            "My order status has said 'on its way' for four days now.",
        ),
        ("I need this transfer done urgently.", "I need this transfer done."),
        ("Can you send me the invoice ASAP?", "Can you send me the invoice?"),
    ],
)
def test_a_neutral_text_that_presses_is_at_least_high(
    provider: OfflineProvider, taxonomy: Taxonomy, pressing: str, calm: str
) -> None:
    pressed, quiet = enrich(provider, taxonomy, pressing, calm)
    assert pressed.sentiment == quiet.sentiment == "neutral", pressed.rationale
    assert URGENCY_RANK[pressed.urgency] >= URGENCY_RANK["high"], pressed.rationale
    assert URGENCY_RANK[quiet.urgency] < URGENCY_RANK["high"], quiet.rationale


def test_presses_reads_the_text_as_written() -> None:
    from feedback_lakehouse.enrichment.providers.offline import cues

    assert cues.presses("Where is it!!!") and cues.presses("URGENT: refund")
    assert cues.presses("fix it asap") and cues.presses("Please, urgently.")
    assert not cues.presses("Where is it!!") and not cues.presses("wasap")
    assert not cues.presses("I ordered it immediately")


def test_a_negation_does_not_cancel_a_cue_in_the_next_sentence() -> None:
    from feedback_lakehouse.enrichment.providers.offline import cues

    assert cues.problem_cues(cues.lowered("It did not. Sort it out")) == ["sort it out"]
    assert cues.problem_cues(cues.lowered("It was not broken")) == []


# issue 18 goal (b): an elliptic request for a remedy ("fix ASAP", "sort it now") names a
# problem as "please fix this" does; offline-rules-v4 read these neutral and low
@pytest.mark.parametrize(
    "text",
    [
        "Please fix ASAP!!!",
        "Checkout page. Fix ASAP!!!",
        "The app logs me out every time. Sort it ASAP!!!",
        "Payment page hangs. Fix it now!!!",
    ],
)
def test_elliptic_request_for_a_remedy_is_a_pressed_problem_report(
    provider: OfflineProvider, taxonomy: Taxonomy, text: str
) -> None:
    (record,) = enrich(provider, taxonomy, text)
    assert record.sentiment == "negative", record.rationale
    assert URGENCY_RANK[record.urgency] >= URGENCY_RANK["high"], record.rationale


# "fix it" as someone's plan is no request for a remedy (in half A of the clothing
# reviews 11 of 16 texts with a "fix it" cue had 4-5 stars): no cue; a request stays one
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A tailor can fix it in minutes, love this dress", []),
        ("I'll fix it up myself, great find", []),
        ("The hem is long but a belt will fix that. Gorgeous!", []),
        ("They will sort it out, I am sure", []),
        ("Can you fix it?", ["fix it"]),
        ("You should fix this.", ["fix this"]),
        ("Please help me fix it", ["fix it"]),
        ("Someone sort this out", ["sort this out"]),
    ],
)
def test_fix_it_as_a_plan_is_no_request(text: str, expected: list[str]) -> None:
    from feedback_lakehouse.enrichment.providers.offline import cues

    assert cues.problem_cues(cues.lowered(text)) == expected, text


@pytest.mark.parametrize(
    "text",
    ["Support fixed it right away, great service!!!", "Fixed now, thanks!!!", "Sorted quickly"],
)
def test_a_done_repair_is_no_request_for_a_remedy(text: str) -> None:
    from feedback_lakehouse.enrichment.providers.offline import cues

    assert cues.problem_cues(cues.lowered(text)) == [], text


# issue 18 goals (b)/(d): "split" is also a style in the clothing reviews ("split neck"),
# and a long wait can be a wish: no problem report (the reports are in PROBLEM_REPORTS)
@pytest.mark.parametrize(
    "text",
    [
        "Love the split neck, so flattering.",
        "The split hem is gorgeous and the fit is perfect.",
        "Sturdy seams that did not split after many washes, love it.",
        "I will keep this dress forever.",
        "I waited so long to buy it and it is perfect.",
        "It took so long to find a coat this warm.",
        "The seams split on the sides, a lovely detail.",
    ],
)
def test_a_split_style_or_a_long_wish_is_no_problem_report(text: str) -> None:
    from feedback_lakehouse.enrichment.providers.offline import cues

    assert cues.problem_cues(cues.lowered(text)) == [], text


def test_a_pressed_complaint_after_polite_praise_is_high(
    provider: OfflineProvider, taxonomy: Taxonomy
) -> None:
    (record,) = enrich(
        provider,
        taxonomy,
        "Lovely kettle when it behaves, but the lid split after a fortnight!!!",
    )
    assert record.sentiment == "negative", record.rationale
    assert URGENCY_RANK[record.urgency] >= URGENCY_RANK["high"], record.rationale


# support queries ask about what the lexicon reads as praise ("support", "accept", "top",
# "credit", "free", "like"): banking77's information queries read positive 21.2% (half
# B) with the rules, 7.1% when a question does not praise (scripts/measure_sentiment.py)
@pytest.mark.parametrize(
    "text",
    [
        "Do you support SWIFT transfers?",
        "Can I top up with my credit card?",
        "Is my card accepted in the EU?",
        "Hi, is the delivery free for orders over 50 euros?",
    ],
)
def test_a_question_does_not_praise(provider: OfflineProvider, text: str) -> None:
    assert provider.sentiment(text)[0] == "neutral", text


def test_praise_beside_a_question_and_a_question_that_complains_keep_their_label(
    provider: OfflineProvider,
) -> None:
    assert provider.sentiment("Love it, great quality! Can I order another one in blue?")[0] == (
        "positive"
    )
    assert provider.sentiment("Why is the app so awful and slow?")[0] == "negative"
    # the option off: a question's positive words count as before
    asked = OfflineProvider(questions_not_praise=False)
    assert asked.sentiment("Do you support SWIFT transfers?")[0] == "positive"
