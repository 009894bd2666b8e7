"""Each step's question and keyboard, in the reader's language."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.text_decorations import html_decoration

from core import pitch_rules as rules
from core import pitch_texts as texts
from core.bidi import isolate, page_arrows
from core.city import CityData
from handlers.pitch.markup import button, keyboard, nav_row
from storage.models import PitchDraft

quote = html_decoration.quote


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


Question = tuple[str, InlineKeyboardMarkup]


def question(draft: PitchDraft, city: CityData, locale: str) -> Question:
    """The question of the draft's current step (not the summary)."""
    return _QUESTIONS[draft.step](draft, city, locale)


def title_question(_draft: PitchDraft, _city: CityData, _locale: str) -> Question:
    body = _(
        "What would you call your idea? A few words are enough (at most {limit} characters)."
    ).format(limit=rules.TITLE_MAX)
    return f"{header('title')}\n{body}", keyboard([], nav_row("title"))


def need_question(_draft: PitchDraft, _city: CityData, _locale: str) -> Question:
    body = _(
        "What local problem or wish does it answer? Tell it in your own words "
        "(at most {limit} characters)."
    ).format(limit=rules.NEED_MAX)
    return f"{header('need')}\n{body}", keyboard([], nav_row("need"))


def theme_question(_draft: PitchDraft, city: CityData, locale: str) -> Question:
    themes = [
        button(f"{theme.emoji} {theme.name(locale)}".strip(), "theme", "theme", theme.code)
        for theme in city.themes
    ]
    body = _("Which theme fits your idea best?")
    return f"{header('theme')}\n{body}", keyboard(themes, nav_row("theme"), width=2)


def who_question(_draft: PitchDraft, _city: CityData, _locale: str) -> Question:
    kinds = [button(label, "who", "kind", kind) for kind, label in texts.submitter_kinds().items()]
    body = _("Who are you? This is optional, and it helps the incubator to know.")
    return f"{header('who')}\n{body}", keyboard(kinds, nav_row("who", skip=True), width=2)


def contact_question(_draft: PitchDraft, _city: CityData, _locale: str) -> Question:
    choices = [
        button(_("💬 Here in the chat only"), "contact", "chat"),
        button(_("📞 Also by phone"), "contact", "phone"),
        button(_("✉️ Also by e-mail"), "contact", "email"),
    ]
    body = _(
        "How may the incubator reach you? They can always answer you here in this chat, "
        "through the bot."
    )
    return f"{header('contact')}\n{body}", keyboard(choices, nav_row("contact"))


def idea_question(draft: PitchDraft, _city: CityData | None = None, _locale: str = "") -> Question:
    if draft.idea_text or draft.media:
        body = _(
            "Saved ✓ You can add a photo or a voice note, send a new text to replace the "
            "old one, or go on."
        )
        answers = [button(_("Next ➡️"), "idea", "next")]
    else:
        body = _(
            "What would you like to do? Write it (at most {limit} characters), or send a "
            "voice note or a photo instead, or as well."
        ).format(limit=rules.IDEA_MAX)
        answers = []
    return f"{header('idea')}\n{body}", keyboard(answers, nav_row("idea"))


def where_question(draft: PitchDraft, city: CityData, locale: str) -> Question:
    """The areas; with an area but no neighbourhood yet (a poster's link), its neighbourhoods."""
    if draft.area_code and not draft.neighbourhood_code and city.area(draft.area_code):
        return neighbourhood_question(city, draft.area_code, 0, locale)
    return area_question(draft, city, locale)


def area_question(draft: PitchDraft, city: CityData, locale: str) -> Question:
    areas = [button(area.name(locale), "where", "area", area.code) for area in city.areas]
    body = _(
        "Where in {city} would it happen? Choose an area, use your location, or choose "
        "the whole city."
    ).format(city=city.name(locale))
    if draft.area_code or draft.whole_city:
        body += "\n" + _("Now: {place}").format(
            place=quote(texts.place_label(draft, city, locale))
        )
    markup = keyboard(
        areas,
        [button(_("📍 Use my location"), "where", "locate")],
        [button(_("🏙 The whole city"), "where", "city")],
        nav_row("where"),
        width=2,
    )
    return f"{header('where')}\n{body}", markup


def neighbourhood_question(city: CityData, area_code: str, page: int, locale: str) -> Question:
    """One page of an area's neighbourhoods; callers have read `area_code` and `page` with
    core.pitch_rules.read_area_page."""
    area = city.area(area_code)
    area_name = area.name(locale) if area else area_code
    hoods = city.neighbourhoods_in(area_code)
    per_page = rules.NEIGHBOURHOODS_PER_PAGE
    pages = rules.page_count(len(hoods), per_page)
    page = min(max(page, 0), pages - 1)
    shown = hoods[page * per_page : (page + 1) * per_page]
    previous, following = page_arrows(locale)
    paging = []
    if page > 0:
        paging.append(button(previous, "where", "page", f"{area_code}.{page - 1}"))
    if page + 1 < pages:
        paging.append(button(following, "where", "page", f"{area_code}.{page + 1}"))
    markup = keyboard(
        [button(hood.name(locale), "where", "hood", hood.code) for hood in shown],
        paging,
        [button(_("All of {area}").format(area=area_name), "where", "wholearea", area_code)],
        [button(_("⬅️ Other areas"), "where", "areas"), button(_("✖️ Cancel"), "where", "cancel")],
        width=2,
    )
    body = _("Which neighbourhood in {area}?").format(area=isolate(quote(area_name), locale))
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


def location_proposal(city: CityData, neighbourhood_code: str, locale: str) -> Question:
    hood = city.neighbourhood(neighbourhood_code)
    if hood is None:
        raise ValueError(f"unknown neighbourhood {neighbourhood_code!r}")
    area = city.area(hood.area)
    markup = keyboard(
        [
            button(_("✅ Yes"), "where", "hood", hood.code),
            button(_("No, let me choose"), "where", "areas"),
        ],
        width=2,
    )
    text = _("Is it near {neighbourhood} ({area})?").format(
        neighbourhood=hood.name(locale), area=area.name(locale) if area else ""
    )
    return text, markup


def support_question(draft: PitchDraft, city: CityData, locale: str) -> Question:
    options = [
        button(
            ("✅ " if option.code in draft.support_codes else "") + option.name(locale),
            "support",
            "toggle",
            option.code,
        )
        for option in city.support_options
    ]
    done = _("Done ➡️") if draft.support_codes else _("Skip ➡️")
    markup = keyboard(
        options,
        [button(done, "support", "done")],
        [button(_("⬅️ Back"), "support", "back"), button(_("✖️ Cancel"), "support", "cancel")],
        width=2,
    )
    body = _(
        "What support would help you? Choose as many as you like, then press Done. "
        "This is optional."
    )
    return f"{header('support')}\n{body}", markup


def who_name_question() -> Question:
    body = _(
        "What name should the incubator use for you or your group? This is optional "
        "(at most {limit} characters)."
    ).format(limit=rules.NAME_MAX)
    return f"{header('who')}\n{body}", keyboard([], nav_row("who", skip=True))


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


def email_question() -> Question:
    markup = keyboard([], [button(_("⬅️ Back"), "contact", "contact")])
    return _("Please write your e-mail address."), markup


def consent_question(incubator_name: str) -> Question:
    markup = keyboard(
        [button(_("✅ Yes, I agree"), "contact", "yes"), button(_("No"), "contact", "no")],
        [button(_("⬅️ Back"), "contact", "contact")],
        width=2,
    )
    text = _(
        "May we store your idea and share it, with the contact details you chose, with "
        "{incubator}? Only its coordinators will see it. How we handle your data: /privacy"
    ).format(incubator=quote(incubator_name))
    return text, markup


def no_consent() -> Question:
    markup = keyboard(
        [
            button(_("⬅️ Back"), "contact", "contact"),
            button(_("🗑 Delete my draft"), "contact", "discard"),
        ],
        width=2,
    )
    text = _(
        "Without your consent I can't store or share your idea, so it can't be sent. "
        "You can go back and change your choices, or delete the draft."
    )
    return text, markup


_QUESTIONS = {
    "title": title_question,
    "need": need_question,
    "idea": idea_question,
    "where": where_question,
    "theme": theme_question,
    "support": support_question,
    "who": who_question,
    "contact": contact_question,
}
