"""HTML in exported text (helpdesk tickets carry `<p>`, `<br>`, `&amp;`) read as plain
text, so that enrichment and the marts see the customer's words, not markup.

Only HTML's own tag names are taken as tags: a '<' that opens none ("I <3 it", "<ctrl>")
is the customer's text, which a general HTML parser would drop. Entities are decoded by
the standard library's `html.unescape`."""

from __future__ import annotations

import html
import re

_BLOCK = r"p|br|div|li|ul|ol|tr|table|h[1-6]|blockquote|pre|hr"
_INLINE = r"span|b|i|u|em|strong|a|font|td|th|img|code|small|sup|sub|s"
_TAG = re.compile(rf"</?(?:(?P<block>{_BLOCK})|{_INLINE})\b[^<>]*/?>", re.IGNORECASE)
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+\d*);")
_BREAKS = re.compile(r"[ \t]*\n[\s]*")


def has_markup(text: str) -> bool:
    """Whether the text holds an HTML tag or a character entity."""
    return bool(_TAG.search(text) or _ENTITY.search(text))


def plain_text(text: str) -> str:
    """The text without HTML tags (a block tag becomes a line break) and with entities
    decoded, also when escaped several times over; a text without markup is returned
    unchanged."""
    if not has_markup(text):
        return text
    stripped = _TAG.sub(lambda m: "\n" if m.group("block") else "", text)
    for _ in range(8):  # escaped more than once ("&amp;amp;amp;#39;" in real reviews)
        if not _ENTITY.search(stripped):
            break
        stripped = html.unescape(stripped)
    return _BREAKS.sub("\n", stripped).strip()
