"""Pure rules of the pitch journey: the steps, what a valid answer is, references."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from core.text_input import visible_text

# The steps a resident sees, in order ("step N of M"); the summary comes after them.
STEPS: tuple[str, ...] = ("title", "need", "idea", "where", "theme", "support", "who", "contact")
SUMMARY = "summary"
OPTIONAL_STEPS = frozenset({"support", "who"})

TITLE_MAX = 80
NEED_MAX = 1000
IDEA_MAX = 2000
NAME_MAX = 100
MEDIA_MAX = 5
DRAFT_MAX_AGE_DAYS = 30

SUBMITTER_KINDS: tuple[str, ...] = ("resident", "group", "association", "company")
STATUSES: tuple[str, ...] = ("received", "in_review", "needs_info", "accepted", "declined")

# Deliberately simple: one @, a dot in the domain, no spaces. Typos like "name@gmail" fail.
_EMAIL = re.compile(
    r"^[^@\s<>]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)


class InvalidAnswer(ValueError):
    """An answer the step cannot take; `reason` is 'empty', 'too_long' or 'invalid'."""

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


def clean_text(text: str | None, *, limit: int) -> str:
    """The answer without invisible characters around it, or InvalidAnswer ('empty' when
    nothing in it is visible)."""
    value = visible_text(text)
    if not value:
        raise InvalidAnswer("empty")
    if len(value) > limit:
        raise InvalidAnswer("too_long", limit=limit, length=len(value))
    return value


def clean_email(text: str | None) -> str:
    value = visible_text(text)
    if not value:
        raise InvalidAnswer("empty")
    if len(value) > 254 or not _EMAIL.match(value):
        raise InvalidAnswer("invalid")
    return value


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
