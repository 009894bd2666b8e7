"""The pitch card coordinators work with, and what residents are told when it changes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from aiogram.types import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.text_decorations import html_decoration

from core import erasure_texts
from core import pitch_texts as texts
from core import pitch_workflow as workflow
from core.bidi import isolate, ltr
from core.callbacks import CardCB, RelayCB
from core.city import CityData, Incubator
from core.config import Settings
from core.languages import reading_locale
from core.pitch_rules import Block, pack_blocks
from storage.models import Pitch

quote = html_decoration.quote


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def card_body(pitch: Pitch, city: CityData, locale: str, settings: Settings) -> list[str]:
    """The pitch as the resident wrote it (escaped), with its facts; one or more messages."""
    incubator = city.incubator(pitch.incubator_code)
    facts = "\n".join(
        (
            _("💡 <b>New idea {reference}</b>").format(reference=ltr(pitch.reference, locale)),
            _("Incubator: {name}").format(name=_incubator_name(incubator, locale)),
            _("Where: {place}").format(place=quote(texts.place_label(pitch, city, locale))),
            _("Theme: {theme}").format(theme=quote(texts.theme_label(pitch, city, locale))),
            _("Support wanted: {support}").format(
                support=quote(texts.support_label(pitch, city, locale))
            ),
            _("Written in: {language}").format(
                language=texts.language_label(pitch.language, locale)
            ),
            _("From: {who}").format(who=quote(texts.submitter_label(pitch, locale))),
            _("Contact: {contact}").format(
                contact="–" if pitch.erased_at else quote(texts.contact_label(pitch, locale))
            ),
            _("Submitted: {when}").format(
                when=texts.when_label(_aware(pitch.submitted_at), settings.tz, locale)
            ),
        )
    )
    blocks = [
        Block(facts, ""),
        Block(_("<b>Title</b>") + "\n", pitch.title),
        Block(_("<b>The need</b>") + "\n", pitch.need),
    ]
    if pitch.idea_text:
        blocks.append(Block(_("<b>The idea</b>") + "\n", pitch.idea_text))
    if pitch.media:
        blocks.append(
            Block(_("📎 Attachments sent below: {count}").format(count=len(pitch.media)), "")
        )
    return pack_blocks(blocks, escape=quote)


def control_text(pitch: Pitch, city: CityData, locale: str, settings: Settings) -> str:
    """The card's status line, edited in place so every chat shows the same truth."""
    incubator = city.incubator(pitch.incubator_code)
    lines = [
        _("📌 <b>{reference}</b> · {title}").format(
            reference=ltr(pitch.reference, locale), title=isolate(quote(pitch.title), locale)
        ),
        _("Status: {status}").format(status=texts.statuses().get(pitch.status, pitch.status)),
        _("Incubator: {name}").format(name=_incubator_name(incubator, locale)),
    ]
    if pitch.assignee_name:
        lines.append(
            _("Handled by {name} · {when}").format(
                name=isolate(quote(pitch.assignee_name), locale),
                when=texts.when_label(_aware(pitch.updated_at), settings.tz, locale),
            )
        )
    elif pitch.status == "received":
        lines.append(_("Nobody has taken it yet."))
    if pitch.erased_at is not None:
        lines.append(erasure_texts.card_erased_line())
    elif pitch.status in workflow.OPEN_STATUSES:
        lines.append(_("Reply to this message to write to the resident."))
    return "\n".join(lines)


def _incubator_name(incubator: Incubator | None, locale: str) -> str:
    """The incubator's name as HTML, isolated for a right-to-left reader; '–' if unknown."""
    return isolate(quote(incubator.name(locale)), locale) if incubator else "–"


def _button(text: str, pitch: Pitch, action: str, value: str = "") -> InlineKeyboardButton:
    data = CardCB(action=action, pitch_id=pitch.id or 0, status=pitch.status, value=value)
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def control_keyboard(pitch: Pitch) -> InlineKeyboardMarkup | None:
    if pitch.status not in workflow.OPEN_STATUSES or pitch.erased_at is not None:
        return None
    rows = [
        [
            _button(_("🙋 Take it"), pitch, "take"),
            _button(_("❓ Ask for more info"), pitch, "ask"),
        ],
        [
            _button(_("✅ Accept"), pitch, "accept"),
            _button(_("🚫 Not taken forward"), pitch, "decline"),
        ],
        [_button(_("🔀 Move to another incubator"), pitch, "move")],
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def decline_reasons() -> dict[str, str]:
    """Short templates; the resident gets the one chosen, in their own language."""
    return {
        "fit": _("It doesn't fit what our incubator can do."),
        "capacity": _("We don't have the capacity to take it on right now."),
        "exists": _("Something very similar already exists nearby."),
        "unclear": _("We couldn't understand it well enough to act on it."),
    }


def reasons_keyboard(pitch: Pitch) -> InlineKeyboardMarkup:
    rows = [[_button(label, pitch, "decline", code)] for code, label in decline_reasons().items()]
    rows.append([_button(_("✍️ Write a reason"), pitch, "reason")])
    rows.append([_button(_("⬅️ Back"), pitch, "card")])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def move_keyboard(pitch: Pitch, city: CityData, locale: str) -> InlineKeyboardMarkup:
    rows = [
        [_button(incubator.name(locale), pitch, "move", incubator.code)]
        for incubator in city.incubators
        if incubator.code != pitch.incubator_code
    ]
    rows.append([_button(_("⬅️ Back"), pitch, "card")])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def write_prompt(pitch: Pitch, purpose: str) -> tuple[str, ForceReply]:
    """Asks a coordinator to write (a question or a reason) by replying to this message."""
    if purpose == "ask":
        text = _(
            "❓ Write your question to the resident about {reference} as a reply to this message."
        ).format(reference=ltr(pitch.reference, reading_locale()))
    else:
        text = _(
            "✍️ Write the reason for not taking {reference} forward as a reply to this "
            "message. The resident will read it."
        ).format(reference=ltr(pitch.reference, reading_locale()))
    return text, ForceReply(force_reply=True, selective=True)


def reply_keyboard(pitch: Pitch) -> InlineKeyboardMarkup:
    data = RelayCB(pitch_id=pitch.id or 0)
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=_("↩️ Reply"), callback_data=data.pack())]]
    )


TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
# Marks where a person's words go in a translated sentence, so they can be cut to fit.
_SLOT = "\x00"


def _around(sentence: str) -> tuple[str, str]:
    """A sentence formatted with `_SLOT` for the words: the markup before and after them."""
    before, _slot, after = sentence.partition(_SLOT)
    return before, after


def _notice_header(pitch: Pitch, action: str, city: CityData, locale: str) -> str:
    incubator = city.incubator(pitch.incubator_code)
    values = {
        "reference": ltr(pitch.reference, locale),
        "incubator": _incubator_name(incubator, locale) if incubator else "",
    }
    headers = {
        "take": _(
            "🙋 Good news: a coordinator at {incubator} is now looking at your idea {reference}."
        ),
        "accept": _(
            "🎉 Your idea {reference} has been accepted into {incubator}! A coordinator "
            "will be in touch here about the next steps."
        ),
        "move": _(
            "🔀 Your idea {reference} has been moved to {incubator}, which is a better "
            "fit for it. They will look at it."
        ),
        "decline": _(
            "Thank you for your idea {reference}. {incubator} will not take it forward this time."
        ),
        "ask": _("❓ {incubator} has a question about your idea {reference}:"),
    }
    default = _("💬 {incubator} about your idea {reference}:")
    return headers.get(action, default).format(**values)


def resident_messages(
    pitch: Pitch, action: str, city: CityData, locale: str, *, detail: str | None = None
) -> list[str]:
    """What the resident is told, in their language, in messages Telegram takes: a
    coordinator's words as written (escaped), cut where they are too long for one."""
    header = _notice_header(pitch, action, city, locale)
    if action == "decline":
        reason = decline_reasons().get(detail or "")
        before, after = _around(_("The reason: {reason}").format(reason=_SLOT))
        blocks = [
            Block(header, ""),
            Block(before + reason + after, "") if reason else Block(before, detail or "", after),
            Block(
                _(
                    "You're welcome to develop it and pitch it again, or to pitch a new idea "
                    "any time."
                ),
                "",
            ),
        ]
    elif action in {"ask", "message"} and detail:
        blocks = [Block(header, ""), Block("", detail)]
    else:
        blocks = [Block(header, "")]
    return pack_blocks(blocks, escape=quote, limit=TEXT_LIMIT)


def resident_reply_header(pitch: Pitch) -> str:
    return _("💬 The resident answers about {reference}:").format(
        reference=ltr(pitch.reference, reading_locale())
    )


def incubator_messages(pitch: Pitch, text: str) -> list[str]:
    """A resident's written answer for the incubator's chats, cut to fit."""
    return pack_blocks(
        [Block(resident_reply_header(pitch), ""), Block("", text)], escape=quote, limit=TEXT_LIMIT
    )


def caption_with(header: str, caption: str | None) -> str | None:
    """The header and the sender's caption as one caption, or None if that is too long
    (then the header goes as a message of its own and the media keeps its own caption)."""
    joined = f"{header}\n\n{quote(caption)}" if caption else header
    return joined if len(joined) <= CAPTION_LIMIT else None


def untaken_reminder(references: Sequence[str]) -> list[str]:
    """The daily reminder of pitches nobody has taken, in messages Telegram takes."""
    before, after = _around(
        _(
            "⏰ These pitches have waited more than 7 days without anyone taking "
            "them: {references}. Open one with /pitch and its reference."
        ).format(references=_SLOT)
    )
    return pack_blocks(
        [Block(before, ", ".join(references), after)], escape=quote, limit=TEXT_LIMIT
    )
