"""What the pitch journey answers besides its questions: the summary, the cancel and resume
questions, notes on answers it cannot take, and the resident's own pitches."""

from __future__ import annotations

from datetime import UTC
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.text_decorations import html_decoration

from core import erasure_texts
from core import pitch_texts as texts
from core.bidi import isolate, ltr, page_arrows
from core.bidi import line as rtl_line
from core.callbacks import MyPitchesCB
from core.city import CityData
from core.formats import format_date
from core.pitch_rules import Block, InvalidAnswer, pack_blocks
from core.services.pitching import PitchPage
from handlers.keyboards import main_menu_keyboard
from handlers.pitch.markup import button, keyboard
from storage.models import PitchDraft

quote = html_decoration.quote


def summary(
    draft: PitchDraft, city: CityData, locale: str
) -> tuple[list[str], InlineKeyboardMarkup]:
    """The summary messages (long answers may need several) and the Send/Edit/Cancel keyboard."""
    facts = "\n".join(
        (
            _("<b>Your idea, before you send it</b>"),
            _("Where: {place}").format(place=quote(texts.place_label(draft, city, locale))),
            _("Theme: {theme}").format(theme=quote(texts.theme_label(draft, city, locale))),
            _("Support wanted: {support}").format(
                support=quote(texts.support_label(draft, city, locale))
            ),
            _("From: {who}").format(who=quote(texts.submitter_label(draft, locale))),
            _("Contact: {contact}").format(contact=quote(texts.contact_label(draft, locale))),
        )
    )
    blocks = [
        Block(facts, ""),
        Block(_("<b>Title</b>") + "\n", draft.title or ""),
        Block(_("<b>The need</b>") + "\n", draft.need or ""),
    ]
    if draft.idea_text:
        blocks.append(Block(_("<b>The idea</b>") + "\n", draft.idea_text))
    if draft.media:
        blocks.append(Block(_("📎 Attachments: {count}").format(count=len(draft.media)), ""))
    markup = keyboard(
        [button(_("✅ Send it"), "summary", "submit")],
        [button(_("✏️ Edit"), "summary", "edit"), button(_("✖️ Cancel"), "summary", "cancel")],
    )
    return pack_blocks(blocks, escape=quote), markup


def edit_menu() -> tuple[str, InlineKeyboardMarkup]:
    labels = {
        "title": _("Title"),
        "need": _("The need"),
        "idea": _("The idea"),
        "where": _("Where"),
        "theme": _("Theme"),
        "support": _("Support wanted"),
        "who": _("Who you are"),
        "contact": _("Contact"),
    }
    markup = keyboard(
        [button(label, "summary", "field", step) for step, label in labels.items()],
        [button(_("⬅️ Back to the summary"), "summary", "summary")],
        width=2,
    )
    return _("What would you like to change?"), markup


def cancel_question(step: str) -> tuple[str, InlineKeyboardMarkup]:
    markup = keyboard(
        [
            button(_("🗑 Yes, delete it"), step, "discard"),
            button(_("Keep it for later"), step, "keep"),
            button(_("↩️ Continue"), step, "resume"),
        ]
    )
    return _("Do you want to delete this draft?"), markup


def resume_offer(draft: PitchDraft) -> tuple[str, InlineKeyboardMarkup]:
    markup = keyboard(
        [
            button(_("↩️ Continue"), draft.step, "resume"),
            button(_("🆕 Start over"), draft.step, "restart"),
        ],
        width=2,
    )
    if draft.title:
        text = _(
            "You have an idea you haven't sent yet: “{title}”. Would you like to continue "
            "where you left off, or start over?"
        ).format(title=quote(draft.title))
    else:
        text = _(
            "You have started on an idea but haven't sent it yet. Would you like to continue "
            "where you left off, or start over?"
        )
    return text, markup


def invalid_note(error: InvalidAnswer) -> str | None:
    """Why an answer could not be taken, kindly; None when the draft had moved on to another
    step (its question is simply asked)."""
    if error.reason == "stale":
        return None
    if error.reason == "too_long":
        return _(
            "That is {length} characters, but at most {limit} fit here. Could you make it "
            "shorter? Your message is still in the chat above, so you can copy it."
        ).format(length=error.length, limit=error.limit)
    if error.reason == "empty":
        return _("That looks empty. Please write a few words.")
    if error.reason == "too_many":
        return _(
            "That's as many attachments as I can take ({limit}). Press Next to go on."
        ).format(limit=error.limit)
    if error.reason in {"not_own", "invalid_phone"}:
        return _("Please share your own number with the button below.")
    if error.reason == "invalid_email":
        return _(
            "That doesn't look like an e-mail address. Please check it, for example "
            "name@example.com."
        )
    return buttons_needed_note()


def text_needed_note() -> str:
    return _("I need text for this step; stickers, photos and other files can't be used here.")


def idea_content_note() -> str:
    return _("Please write your idea, or send a photo or a voice note.")


def buttons_needed_note() -> str:
    return _("Please choose one of the buttons.")


def outside_city_note(city: CityData, locale: str) -> str:
    return _("That place seems to be outside {city}. Please choose an area instead.").format(
        city=city.name(locale)
    )


def draft_gone() -> str:
    return _("I couldn't find your draft any more. You're welcome to start again any time.")


def draft_deleted() -> str:
    return _("Your draft is deleted. You're welcome back with an idea any time!")


def draft_kept() -> str:
    return _("Your draft is saved. Continue any time with /pitch.")


def submitted(reference: str, title: str, incubator_name: str, locale: str) -> str:
    return "\n\n".join(
        (
            _("🎉 Thank you! Your idea “{title}” has been sent to {incubator}.").format(
                title=isolate(quote(title), locale),
                incubator=isolate(quote(incubator_name), locale),
            ),
            _("Your reference is <b>{reference}</b>.").format(reference=ltr(reference, locale)),
            _(
                "A coordinator will read it and answer you here in this chat. You can follow "
                "your ideas with /mypitches."
            ),
        )
    )


def my_pitches(found: PitchPage, city: CityData, locale: str, tz: ZoneInfo) -> str:
    """One page of the resident's pitches, newest first, with status."""
    if not found.pitches:
        return _("You haven't sent any ideas yet. Press “💡 Pitch an idea” whenever you have one!")
    heading = _("<b>Your ideas</b>")
    if found.pages > 1:
        page_note = _("(page {page} of {pages})").format(page=found.page + 1, pages=found.pages)
        heading = f"{heading} {page_note}"
    status_names = texts.statuses()
    entries = [heading]
    for pitch in found.pitches:
        incubator = city.incubator(pitch.incubator_code)
        submitted = pitch.submitted_at
        if submitted.tzinfo is None:
            submitted = submitted.replace(tzinfo=UTC)
        entries.append(
            "\n".join(
                (
                    _reference_line(pitch.reference, pitch.title, locale),
                    _("Status: {status}").format(status=status_names.get(pitch.status, "")),
                    _("Sent {date} to {incubator}").format(
                        date=format_date(submitted.astimezone(tz), format="long", locale=locale),
                        incubator=isolate(
                            quote(incubator.name(locale) if incubator else ""), locale
                        ),
                    ),
                )
            )
        )
    return "\n\n".join(entries)


def _reference_line(reference: str, title: str, locale: str) -> str:
    """'<b>MT-2026-0008</b> · title', laid out in the reader's direction: the line would
    otherwise begin with Latin letters and read left to right in Arabic."""
    text = f"<b>{ltr(reference, locale)}</b> · {isolate(quote(title), locale)}"
    return rtl_line(text, locale)


def my_pitches_keyboard(found: PitchPage, locale: str) -> InlineKeyboardMarkup:
    """A button per pitch for the resident's data in it, ◀️ ▶️ between pages when there
    are several (mirrored right to left), then the main menu."""
    previous, following = page_arrows(locale)
    paging = []
    if found.page > 0:
        paging.append(InlineKeyboardButton(text=previous, callback_data=_page(found.page - 1)))
    if found.page + 1 < found.pages:
        paging.append(InlineKeyboardButton(text=following, callback_data=_page(found.page + 1)))
    menu = main_menu_keyboard().inline_keyboard
    own = [[erasure_texts.privacy_button(pitch)] for pitch in found.pitches]
    return InlineKeyboardMarkup(inline_keyboard=[*own, paging, *menu] if paging else [*own, *menu])


def _page(page: int) -> str:
    return MyPitchesCB(page=page).pack()
