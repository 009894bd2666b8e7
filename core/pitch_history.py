"""A pitch's history for coordinators, in pages that each fit in one Telegram message.

Nothing is cut off: a long entry (a resident's answer may be 4096 characters, and escaping
makes it longer) goes on over as many pages as it needs, each part under the entry's date
and author again. Texts are cut before escaping, so no entity or tag is ever cut in half.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from aiogram.utils.i18n import gettext as _
from aiogram.utils.text_decorations import html_decoration

from core import erasure_texts
from core import pitch_texts as texts
from core.bidi import isolate
from core.city import CityData
from core.config import Settings
from core.pitch_rules import Block, pack_blocks
from storage.models import PitchEvent

quote = html_decoration.quote
MESSAGE_LIMIT = 4096
# Room kept on every page for its heading ("History · page 12 of 40" in any language).
HEADING_ROOM = 160


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _with_text(template: str, text: str, prefix: str, **values: str) -> Block:
    """A translated line whose `{text}` is someone's words: the words stay raw (to be cut
    and escaped), the rest of the line goes around them."""
    before, _marker, after = template.partition("{text}")
    return Block(prefix + before.format(**values), text, after.format(**values))


def history_entries(
    events: Sequence[PitchEvent], city: CityData, locale: str, settings: Settings
) -> list[Block]:
    """The pitch's history, oldest first: one block per event."""
    names = texts.statuses()
    entries = []
    for event in events:
        prefix = texts.when_label(_aware(event.created_at), settings.tz, locale) + " · "
        who = isolate(quote(event.actor_name or ""), locale)
        words = erasure_texts.removed_words() if event.detail is None else event.detail
        if event.kind in ("message", "ask"):
            template = _("{who} wrote to the resident: {text}")
            entries.append(_with_text(template, words, prefix, who=who))
        elif event.kind == "reply":
            template = _("The resident answered: {text}")
            entries.append(_with_text(template, words, prefix))
        elif event.kind == "erased":
            entries.append(Block(prefix + erasure_texts.card_erased_line(), ""))
        elif event.kind == "contact_withdrawn":
            entries.append(Block(prefix + erasure_texts.contact_withdrawn_entry(), ""))
        elif event.kind == "move":
            target = city.incubator((event.detail or "").partition(">")[2])
            what = _("{who} moved it to {incubator}").format(
                who=who, incubator=isolate(quote(target.name(locale)), locale) if target else ""
            )
            entries.append(Block(prefix + what, ""))
        else:
            status = names.get(event.to_status or "", event.to_status or "")
            entries.append(Block(prefix + _("{who}: {status}").format(who=who, status=status), ""))
    return entries


def paginate(entries: Sequence[Block], *, limit: int = MESSAGE_LIMIT - HEADING_ROOM) -> list[str]:
    """The entries as pages of at most `limit` characters, one entry a line; an entry too
    long for a page is cut into parts that follow each other."""
    pages: list[str] = []
    current = ""
    for entry in entries:
        for part in pack_blocks([entry], escape=quote, limit=limit):
            candidate = f"{current}\n{part}" if current else part
            if len(candidate) <= limit:
                current = candidate
            else:
                pages.append(current)
                current = part
    if current:
        pages.append(current)
    return pages


def history_pages(
    events: Sequence[PitchEvent], city: CityData, locale: str, settings: Settings
) -> list[str]:
    return paginate(history_entries(events, city, locale, settings))


def page_text(pages: Sequence[str], page: int) -> str:
    """One page with its heading; `page` counts from 0."""
    if len(pages) == 1:
        heading = _("<b>History</b>")
    else:
        heading = _("<b>History</b> · page {page} of {pages}").format(
            page=page + 1, pages=len(pages)
        )
    return f"{heading}\n{pages[page]}"
