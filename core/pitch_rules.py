"""Pure rules of the pitch journey: the steps, what a valid answer is, references."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from core.city import CityData
from core.inputs import read_int
from core.text_input import is_invisible, visible_text

# The steps a resident sees, in order ("step N of M"); the summary comes after them.
STEPS: tuple[str, ...] = ("title", "need", "idea", "where", "theme", "support", "who", "contact")
SUMMARY = "summary"
OPTIONAL_STEPS = frozenset({"support", "who"})

TITLE_MAX = 80
NEED_MAX = 1000
IDEA_MAX = 2000
NAME_MAX = 100
EMAIL_MAX = 254
MEDIA_MAX = 5

NEIGHBOURHOODS_PER_PAGE = 8
MY_PITCHES_PER_PAGE = 5

# The buttons each step's messages carry; the cancel question and the resume offer can be
# shown on any step. A button its step does not offer is refused like a stale one.
ANY_STEP_ACTIONS = frozenset({"cancel", "discard", "keep", "resume", "restart"})
STEP_ACTIONS: dict[str, frozenset[str]] = {
    "title": frozenset(),
    "need": frozenset({"back"}),
    "idea": frozenset({"back", "next"}),
    "where": frozenset({"back", "area", "page", "areas", "hood", "wholearea", "city", "locate"}),
    "theme": frozenset({"back", "theme"}),
    "support": frozenset({"back", "toggle", "done"}),
    "who": frozenset({"back", "kind", "done"}),
    "contact": frozenset({"back", "chat", "phone", "email", "contact", "yes", "no"}),
    SUMMARY: frozenset({"submit", "edit", "field", "summary"}),
}

SUBMITTER_KINDS: tuple[str, ...] = ("resident", "group", "association", "company")
STATUSES: tuple[str, ...] = ("received", "in_review", "needs_info", "accepted", "declined")

# Deliberately simple: one @, a dot in the domain, no spaces. Typos like "name@gmail" fail.
_EMAIL = re.compile(
    r"^[^@\s<>]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)


_PHONE_SEPARATORS = re.compile(r"[ ()-]")
_PHONE_DIGITS = re.compile(r"[0-9]{4,20}")


class InvalidAnswer(ValueError):
    """An answer the step cannot take; `reason` is 'empty', 'too_long', 'too_many',
    'not_own', 'invalid_email', 'invalid_phone', 'invalid' (a code or choice that does not
    exist), 'incomplete', or 'stale' (the draft is at another step, or gone)."""

    def __init__(self, reason: str, *, limit: int | None = None, length: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.limit = limit
        self.length = length


def step_number(step: str) -> int:
    """1-based number of a step as shown to the resident."""
    return STEPS.index(step) + 1


def next_step(step: str) -> str:
    index = STEPS.index(step)
    return STEPS[index + 1] if index + 1 < len(STEPS) else SUMMARY


def previous_step(step: str) -> str | None:
    if step == SUMMARY:
        return STEPS[-1]
    index = STEPS.index(step)
    return STEPS[index - 1] if index > 0 else None


def button_fits(step: str, action: str) -> bool:
    """Whether a button with `action` belongs on a message of `step`."""
    return action in ANY_STEP_ACTIONS or action in STEP_ACTIONS.get(step, frozenset())


def page_count(items: int, per_page: int) -> int:
    """How many pages `items` fill (one page, empty, when there are none)."""
    return max(1, -(-items // per_page))


def read_area_page(value: str, city: CityData) -> tuple[str, int]:
    """A button's 'area' or 'area.page' as an area of the city and one of its pages of
    neighbourhoods; InvalidAnswer for anything else."""
    area_code, _sep, page_text = value.partition(".")
    if city.area(area_code) is None:
        raise InvalidAnswer("invalid")
    pages = page_count(len(city.neighbourhoods_in(area_code)), NEIGHBOURHOODS_PER_PAGE)
    page = read_int(page_text or "0", low=0, high=pages - 1)
    if page is None:
        raise InvalidAnswer("invalid")
    return area_code, page


def clean_text(text: str | None, *, limit: int) -> str:
    """The answer without invisible characters around it, or InvalidAnswer ('empty' when
    nothing in it is visible)."""
    value = visible_text(text)
    if not value:
        raise InvalidAnswer("empty")
    if len(value) > limit:
        raise InvalidAnswer("too_long", limit=limit, length=len(value))
    return value


def clean_caption(text: str | None) -> str | None:
    """A photo's or voice note's caption as the idea's text; None when nothing in it is
    visible (the attachment alone is the answer)."""
    if not visible_text(text):
        return None
    return clean_text(text, limit=IDEA_MAX)


def clean_email(text: str | None) -> str:
    value = visible_text(text)
    if not value:
        raise InvalidAnswer("empty")
    if len(value) > EMAIL_MAX or not _EMAIL.match(value) or any(map(is_invisible, value)):
        raise InvalidAnswer("invalid_email")
    return value


def clean_phone(text: str | None) -> str:
    """A number as Telegram shares it ('46701234567', '+46 70-123 45 67') in the form
    '+46701234567'; InvalidAnswer('invalid_phone') for anything else."""
    value = visible_text(text)
    digits = _PHONE_SEPARATORS.sub("", value.removeprefix("+"))
    if not _PHONE_DIGITS.fullmatch(digits):
        raise InvalidAnswer("invalid_phone")
    return f"+{digits}"


def format_reference(year: int, number: int) -> str:
    return f"MT-{year}-{number:04d}"


@dataclass(frozen=True, slots=True)
class Block:
    """A part of a message: HTML markup around text that still has to be escaped."""

    before: str
    text: str
    after: str = ""


def pack_blocks(
    blocks: list[Block], *, escape: Callable[[str], str], limit: int = 4096
) -> list[str]:
    """Join blocks into messages of at most `limit` characters, splitting long texts.

    `escape` turns raw text into HTML; texts are cut before escaping, so no entity or tag
    is ever cut in half. Each piece of a cut text gets its block's markup again.
    """
    pieces: list[str] = []
    for block in blocks:
        room = limit - len(block.before) - len(block.after)
        for part in _cut(block.text, room, escape):
            pieces.append(f"{block.before}{escape(part)}{block.after}")
    messages: list[str] = []
    current = ""
    for piece in pieces:
        candidate = f"{current}\n\n{piece}" if current else piece
        if len(candidate) <= limit:
            current = candidate
        else:
            messages.append(current)
            current = piece
    if current:
        messages.append(current)
    return messages


def _cut(text: str, room: int, escape: Callable[[str], str]) -> list[str]:
    """Cut raw text so that each escaped part fits in `room`, preferring line and word ends."""
    parts: list[str] = []
    rest = text
    while len(escape(rest)) > room:
        end = _longest_fitting_prefix(rest, room, escape)
        cut = max(rest.rfind("\n", 0, end), rest.rfind(" ", 0, end))
        if cut <= end // 2:
            cut = end
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    parts.append(rest)
    return parts


def _longest_fitting_prefix(text: str, room: int, escape: Callable[[str], str]) -> int:
    low, high = 1, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if len(escape(text[:middle])) <= room:
            low = middle
        else:
            high = middle - 1
    return low
