"""One reading of free text typed by a person: what counts as empty, and what a link is.

Every free-text answer (a pitch's title, need and idea, a name, an event's title, place or
description) goes through `visible_text`, so text made only of spaces, zero-width
characters, direction marks or filler characters (U+3164, U+2800, …) counts as empty.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

# Letters and symbols that draw nothing, although Unicode does not call them spaces.
_BLANK_GLYPHS = frozenset(
    "\u115f\u1160\u3164\uffa0"  # Hangul fillers
    "\u2800"  # Braille pattern blank
    "\u180e"  # Mongolian vowel separator
    "\u034f"  # combining grapheme joiner
    "\u17b4\u17b5"  # Khmer inherent vowels
)
# Unicode categories that draw nothing on their own: format (zero-width, direction marks),
# separators (spaces), controls, unassigned, and marks with nothing to sit on.
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Zs", "Zl", "Zp", "Cc", "Cn", "Co", "Cs"})
_KEPT_CONTROLS = frozenset("\n\t")

MAX_URL_LENGTH = 2048


def is_invisible(char: str) -> bool:
    """True for a character that draws nothing by itself."""
    return char in _BLANK_GLYPHS or unicodedata.category(char) in _INVISIBLE_CATEGORIES


def has_visible_character(text: str) -> bool:
    """True if some character draws something (a combining mark alone does not)."""
    return any(
        not is_invisible(char) and not unicodedata.category(char).startswith("M") for char in text
    )


def visible_text(text: str | None) -> str:
    """The text without invisible characters at either end and without control characters
    (new lines and tabs kept); '' when nothing in it is visible."""
    if not text:
        return ""
    kept = "".join(
        char for char in text if unicodedata.category(char) != "Cc" or char in _KEPT_CONTROLS
    )
    start, end = 0, len(kept)
    while start < end and is_invisible(kept[start]):
        start += 1
    while end > start and is_invisible(kept[end - 1]):
        end -= 1
    value = kept[start:end]
    return value if has_visible_character(value) else ""


def read_url(text: str | None) -> str | None:
    """A web link as typed: http or https, a host, no spaces, quotes, angle brackets or
    control characters, at most 2048 characters. None when it is not one."""
    value = visible_text(text)
    if not value or len(value) > MAX_URL_LENGTH:
        return None
    if any(char in "\"'<>\\`" or is_invisible(char) for char in value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        return None
    return value
