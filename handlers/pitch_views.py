"""What the pitch journey shows: each step's question and keyboard, the summary, notes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC
from zoneinfo import ZoneInfo

from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)
from aiogram.utils.i18n import gettext as _
from aiogram.utils.text_decorations import html_decoration
from babel.dates import format_date

from core import pitch_rules as rules
from core import pitch_texts as texts
from core.callbacks import PitchCB
from core.city import CityData
from core.pitch_rules import Block, InvalidAnswer, pack_blocks
from storage.models import Pitch, PitchDraft

NEIGHBOURHOODS_PER_PAGE = 8
quote = html_decoration.quote


def _button(text: str, step: str, action: str, value: str = "") -> InlineKeyboardButton:
    data = PitchCB(step=step, action=action, value=value)
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def _nav_row(step: str, *, skip: bool = False) -> list[InlineKeyboardButton]:
    """The Back / Skip / Cancel row every step has (no Back on the first)."""
    row = []
    if step != rules.STEPS[0]:
        row.append(_button(_("⬅️ Back"), step, "back"))
    if skip:
        row.append(_button(_("Skip ➡️"), step, "done"))
    row.append(_button(_("✖️ Cancel"), step, "cancel"))
    return row


def _keyboard(
    answers: list[InlineKeyboardButton], *rows: list[InlineKeyboardButton], width: int = 1
) -> InlineKeyboardMarkup:
    """Answer buttons `width` to a row, then the given rows (navigation) below."""
    grid = [answers[i : i + width] for i in range(0, len(answers), width)]
    return InlineKeyboardMarkup(inline_keyboard=[*grid, *[row for row in rows if row]])


def header(step: str) -> str:
    return _("<b>Step {number} of {total}</b>").format(
        number=rules.step_number(step), total=len(rules.STEPS)
    )


def intro() -> str:
    return _(
        "Wonderful, let's hear it! No idea is too small. I will ask {total} short "
        "questions. You can go back, skip the optional ones or cancel at any time, and "
        "your answers are saved as you go, so you can also continue another day. Nothing "
        "is shared before you send it."
    ).format(total=len(rules.STEPS))


def question(draft: PitchDraft, city: CityData, locale: str) -> tuple[str, InlineKeyboardMarkup]:
    """The question of the draft's current step (not the summary)."""
    step = draft.step
    if step == "title":
        body = _(
            "What would you call your idea? A few words are enough (at most {limit} characters)."
        ).format(limit=rules.TITLE_MAX)
        return f"{header(step)}\n{body}", _keyboard([], _nav_row(step))
    if step == "need":
        body = _(
            "What local problem or wish does it answer? Tell it in your own words "
            "(at most {limit} characters)."
        ).format(limit=rules.NEED_MAX)
        return f"{header(step)}\n{body}", _keyboard([], _nav_row(step))
    if step == "idea":
        return idea_question(draft)
    if step == "where":
        return where_question(draft, city, locale)
    if step == "theme":
        themes = [
            _button(f"{theme.emoji} {theme.name(locale)}".strip(), step, "theme", theme.code)
            for theme in city.themes
        ]
        body = _("Which theme fits your idea best?")
        return f"{header(step)}\n{body}", _keyboard(themes, _nav_row(step), width=2)
    if step == "support":
        return support_question(draft, city, locale)
    if step == "who":
        kinds = [
            _button(label, step, "kind", kind) for kind, label in texts.submitter_kinds().items()
        ]
        body = _("Who are you? This is optional, and it helps the incubator to know.")
        return f"{header(step)}\n{body}", _keyboard(kinds, _nav_row(step, skip=True), width=2)
    if step == "contact":
        choices = [
            _button(_("💬 Here in the chat only"), step, "chat"),
            _button(_("📞 Also by phone"), step, "phone"),
            _button(_("✉️ Also by e-mail"), step, "email"),
        ]
        body = _(
            "How may the incubator reach you? They can always answer you here in this chat, "
            "through the bot."
        )
        return f"{header(step)}\n{body}", _keyboard(choices, _nav_row(step))
    raise ValueError(f"no question for step {step!r}")


def idea_question(draft: PitchDraft) -> tuple[str, InlineKeyboardMarkup]:
    if draft.idea_text or draft.media:
        body = _(
            "Saved ✓ You can add a photo or a voice note, send a new text to replace the "
            "old one, or go on."
        )
        answers = [_button(_("Next ➡️"), "idea", "next")]
    else:
        body = _(
            "What would you like to do? Write it (at most {limit} characters), or send a "
            "voice note or a photo instead, or as well."
        ).format(limit=rules.IDEA_MAX)
        answers = []
    return f"{header('idea')}\n{body}", _keyboard(answers, _nav_row("idea"))


def where_question(
    draft: PitchDraft, city: CityData, locale: str
) -> tuple[str, InlineKeyboardMarkup]:
    """The areas; with an area but no neighbourhood yet (a poster's link), its neighbourhoods."""
    if draft.area_code and not draft.neighbourhood_code and city.area(draft.area_code):
        return neighbourhood_question(city, draft.area_code, 0, locale)
    return area_question(draft, city, locale)


def area_question(
    draft: PitchDraft, city: CityData, locale: str
) -> tuple[str, InlineKeyboardMarkup]:
    areas = [_button(area.name(locale), "where", "area", area.code) for area in city.areas]
    body = _(
        "Where in {city} would it happen? Choose an area, use your location, or choose "
        "the whole city."
    ).format(city=city.name(locale))
    if draft.area_code or draft.whole_city:
        body += "\n" + _("Now: {place}").format(
            place=quote(texts.place_label(draft, city, locale))
        )
    markup = _keyboard(
        areas,
        [_button(_("📍 Use my location"), "where", "locate")],
        [_button(_("🏙 The whole city"), "where", "city")],
        _nav_row("where"),
        width=2,
    )
    return f"{header('where')}\n{body}", markup


def neighbourhood_question(
    city: CityData, area_code: str, page: int, locale: str
) -> tuple[str, InlineKeyboardMarkup]:
    """One page of an area's neighbourhoods; callers have checked `area_code`."""
    area = city.area(area_code)
    area_name = area.name(locale) if area else area_code
    hoods = city.neighbourhoods_in(area_code)
    pages = max(1, -(-len(hoods) // NEIGHBOURHOODS_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    shown = hoods[page * NEIGHBOURHOODS_PER_PAGE : (page + 1) * NEIGHBOURHOODS_PER_PAGE]
    paging = []
    if page > 0:
        paging.append(_button("◀️", "where", "page", f"{area_code}.{page - 1}"))
    if page + 1 < pages:
        paging.append(_button("▶️", "where", "page", f"{area_code}.{page + 1}"))
    markup = _keyboard(
        [_button(hood.name(locale), "where", "hood", hood.code) for hood in shown],
        paging,
        [_button(_("All of {area}").format(area=area_name), "where", "wholearea", area_code)],
        [_button(_("⬅️ Other areas"), "where", "areas"), _button(_("✖️ Cancel"), "where", "cancel")],
        width=2,
    )
    body = _("Which neighbourhood in {area}?").format(area=area_name)
    if pages > 1:
        body += " " + _("(page {page} of {pages})").format(page=page + 1, pages=pages)
    return f"{header('where')}\n{body}", markup


def location_request() -> tuple[str, ReplyKeyboardMarkup]:
    keyboard = ReplyKeyboardMarkup(
        keyboard=[
            [KeyboardButton(text=_("📍 Send my location"), request_location=True)],
            [KeyboardButton(text=choose_from_list_label())],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
    text = _(
        "Press the button below to send your location. I only use it to find the nearest "
        "neighbourhood; it is not stored."
    )
    return text, keyboard


def choose_from_list_label() -> str:
    return _("Choose from the list instead")


def location_proposal(
    city: CityData, neighbourhood_code: str, locale: str
) -> tuple[str, InlineKeyboardMarkup]:
    hood = city.neighbourhood(neighbourhood_code)
    if hood is None:
        raise ValueError(f"unknown neighbourhood {neighbourhood_code!r}")
    area = city.area(hood.area)
    markup = _keyboard(
        [
            _button(_("✅ Yes"), "where", "hood", hood.code),
            _button(_("No, let me choose"), "where", "areas"),
        ],
        width=2,
    )
    text = _("Is it near {neighbourhood} ({area})?").format(
        neighbourhood=hood.name(locale), area=area.name(locale) if area else ""
    )
    return text, markup


def support_question(
    draft: PitchDraft, city: CityData, locale: str
) -> tuple[str, InlineKeyboardMarkup]:
    options = [
        _button(
            ("✅ " if option.code in draft.support_codes else "") + option.name(locale),
            "support",
            "toggle",
            option.code,
        )
        for option in city.support_options
    ]
    done = _("Done ➡️") if draft.support_codes else _("Skip ➡️")
    markup = _keyboard(
        options,
        [_button(done, "support", "done")],
        [_button(_("⬅️ Back"), "support", "back"), _button(_("✖️ Cancel"), "support", "cancel")],
        width=2,
    )
    body = _(
        "What support would help you? Choose as many as you like, then press Done. "
        "This is optional."
    )
    return f"{header('support')}\n{body}", markup


def who_name_question() -> tuple[str, InlineKeyboardMarkup]:
    body = _(
        "What name should the incubator use for you or your group? This is optional "
        "(at most {limit} characters)."
    ).format(limit=rules.NAME_MAX)
    return f"{header('who')}\n{body}", _keyboard([], _nav_row("who", skip=True))


def phone_request() -> tuple[str, ReplyKeyboardMarkup]:
    keyboard = ReplyKeyboardMarkup(
        keyboard=[
            [KeyboardButton(text=_("📞 Share my number"), request_contact=True)],
            [KeyboardButton(text=back_label())],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
    return _("Press the button below to share your phone number with the incubator."), keyboard


def back_label() -> str:
    return _("⬅️ Back")


def email_question() -> tuple[str, InlineKeyboardMarkup]:
    markup = _keyboard([], [_button(_("⬅️ Back"), "contact", "contact")])
    return _("Please write your e-mail address."), markup


def consent_question(incubator_name: str) -> tuple[str, InlineKeyboardMarkup]:
    markup = _keyboard(
        [_button(_("✅ Yes, I agree"), "contact", "yes"), _button(_("No"), "contact", "no")],
        [_button(_("⬅️ Back"), "contact", "contact")],
        width=2,
    )
    text = _(
        "May we store your idea and share it, with the contact details you chose, with "
        "{incubator}? Only its coordinators will see it. How we handle your data: /privacy"
    ).format(incubator=quote(incubator_name))
    return text, markup


def no_consent() -> tuple[str, InlineKeyboardMarkup]:
    markup = _keyboard(
        [
            _button(_("⬅️ Back"), "contact", "contact"),
            _button(_("🗑 Delete my draft"), "contact", "discard"),
        ],
        width=2,
    )
    text = _(
        "Without your consent I can't store or share your idea, so it can't be sent. "
        "You can go back and change your choices, or delete the draft."
    )
    return text, markup


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
            _("From: {who}").format(who=quote(texts.submitter_label(draft))),
            _("Contact: {contact}").format(contact=quote(texts.contact_label(draft))),
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
    markup = _keyboard(
        [_button(_("✅ Send it"), "summary", "submit")],
        [_button(_("✏️ Edit"), "summary", "edit"), _button(_("✖️ Cancel"), "summary", "cancel")],
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
    markup = _keyboard(
        [_button(label, "summary", "field", step) for step, label in labels.items()],
        [_button(_("⬅️ Back to the summary"), "summary", "summary")],
        width=2,
    )
    return _("What would you like to change?"), markup


def cancel_question(step: str) -> tuple[str, InlineKeyboardMarkup]:
    markup = _keyboard(
        [
            _button(_("🗑 Yes, delete it"), step, "discard"),
            _button(_("Keep it for later"), step, "keep"),
            _button(_("↩️ Continue"), step, "resume"),
        ]
    )
    return _("Do you want to delete this draft?"), markup


def resume_offer(draft: PitchDraft) -> tuple[str, InlineKeyboardMarkup]:
    markup = _keyboard(
        [
            _button(_("↩️ Continue"), draft.step, "resume"),
            _button(_("🆕 Start over"), draft.step, "restart"),
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


def invalid_note(error: InvalidAnswer) -> str:
    """Why an answer could not be taken, kindly."""
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
    if error.reason == "not_own":
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


def submitted(reference: str, title: str, incubator_name: str) -> str:
    return "\n\n".join(
        (
            _("🎉 Thank you! Your idea “{title}” has been sent to {incubator}.").format(
                title=quote(title), incubator=quote(incubator_name)
            ),
            _("Your reference is <b>{reference}</b>.").format(reference=reference),
            _(
                "A coordinator will read it and answer you here in this chat. You can follow "
                "your ideas with /mypitches."
            ),
        )
    )


def my_pitches(pitches: Sequence[Pitch], city: CityData, locale: str, tz: ZoneInfo) -> str:
    """The resident's pitches, newest first, with status."""
    if not pitches:
        return _("You haven't sent any ideas yet. Press “💡 Pitch an idea” whenever you have one!")
    status_names = texts.statuses()
    entries = [_("<b>Your ideas</b>")]
    for pitch in pitches:
        incubator = city.incubator(pitch.incubator_code)
        submitted = pitch.submitted_at
        if submitted.tzinfo is None:
            submitted = submitted.replace(tzinfo=UTC)
        entries.append(
            "\n".join(
                (
                    f"<b>{pitch.reference}</b> · {quote(pitch.title)}",
                    _("Status: {status}").format(status=status_names.get(pitch.status, "")),
                    _("Sent {date} to {incubator}").format(
                        date=format_date(submitted.astimezone(tz), format="long", locale=locale),
                        incubator=quote(incubator.name(locale) if incubator else ""),
                    ),
                )
            )
        )
    return "\n\n".join(entries)
