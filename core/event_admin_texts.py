"""What staff read while publishing: the wizard's and the edit's questions, why an answer
was refused, refusals and confirmations. Pure rendering in the reader's language (call it
inside an i18n context); anything typed by staff is escaped."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.text_decorations import html_decoration

from core.bidi import isolate
from core.city import CityData
from core.event_fields import (
    BROADCAST_LIMIT,
    CAPACITY_LIMIT,
    DESCRIPTION_LIMIT,
    PLACE_LIMIT,
    TITLE_LIMIT,
    FieldProblem,
)
from core.event_notice_texts import broadcast_text
from core.event_texts import event_card, kind_name, moment_text
from core.event_wizard import WizardDraft, preview_event
from core.formats import format_list
from core.languages import language_name, reading_locale
from core.services.event_publishing import Audience

quote = html_decoration.quote


def _language(code: str | None, locale: str) -> str:
    return language_name(code, locale) if code else ""


def wizard_question(step: str, draft: WizardDraft, locale: str, tz: ZoneInfo) -> str:
    """The question of a step of /newevent (the preview is `preview_text`)."""
    language = _language(draft.extra_lang, locale)
    if step == "kind":
        return _("📅 <b>New event</b>\n\nWhat kind of event is it?")
    if step == "title":
        return _("What is the event's title? (in {language}, at most {limit} characters)").format(
            language=_language(draft.lang, locale), limit=TITLE_LIMIT
        )
    if step == "languages":
        return _(
            "Should residents also read the title and description in another language? "
            "Written so far: {languages}."
        ).format(
            languages=format_list(
                [_language(code, locale) for code in draft.titles], locale=locale
            )
        )
    if step == "extra_title":
        return _("The title in {language}:").format(language=language)
    if step == "extra_description":
        return _("The description in {language}, or skip this:").format(language=language)
    if step == "end" and draft.starts_at is not None:
        return _(
            "It starts {start}. When does it end? The time alone is enough for the same day, "
            "e.g. <code>20:00</code>."
        ).format(start=moment_text(draft.starts_at, locale, tz))
    return _fixed_question(step)


def _fixed_question(step: str) -> str:
    questions = {
        "description": _("Describe the event in a few sentences, or skip this."),
        "start": _(
            "When does it start? Write the date and time in Malmö's time, e.g. "
            "<code>3 dec 18:00</code>, <code>3/12 18:00</code> or "
            "<code>2026-12-03 18:00</code>."
        ),
        "place": _("Where is it? Write the address, or the link for an online event."),
        "area": _("Which area is it for?"),
        "capacity": _("How many places are there? Write a number, or skip if there is no limit."),
        "signup": _(
            "Is there a sign-up or information page? Send its link (https://…), or skip this."
        ),
        "publish_at": _(
            "When should it be published? Write the date and time, e.g. <code>1 dec 09:00</code>."
        ),
    }
    return questions[step]


def preview_text(draft: WizardDraft, city: CityData, locale: str, tz: ZoneInfo) -> str:
    event = preview_event(draft.event_draft())
    return "\n".join(
        [
            _("👀 <b>Preview</b> — this is how residents will see it:"),
            "",
            event_card(event, city, locale, tz),
            "",
            _("Starts: {start}\nEnds: {end}").format(
                start=moment_text(event.starts_at, locale, tz),
                end=moment_text(event.ends_at, locale, tz),
            ),
        ]
    )


def edit_question(field: str) -> str:
    """The question for a new value of a field in /editevent."""
    questions = {
        "title": _("Write the new title:"),
        "description": _("Write the new description, or skip to remove it:"),
        "start": _(
            "Write the new start, e.g. <code>3 dec 18:00</code>. The end moves with it, "
            "so the event keeps its length."
        ),
        "end": _("Write the new end, e.g. <code>20:00</code>:"),
        "place": _("Write the new place (address or link):"),
        "area": _("Which area is it for?"),
        "publish": _(
            "When should it be published? Write the date and time, e.g. <code>1 dec 09:00</code>."
        ),
        "capacity": _("Write the new number of places, or skip for no limit:"),
        "signup": _("Send the new link (https://…), or skip to remove it:"),
    }
    return questions[field]


def field_names(*, scheduled: bool) -> dict[str, str]:
    """The fields /editevent offers; the publish time only until the event is published."""
    names = {
        "title": _("Title"),
        "description": _("Description"),
        "start": _("Start"),
        "end": _("End"),
        "place": _("Place"),
        "area": _("Area"),
        "capacity": _("Places"),
        "signup": _("Sign-up link"),
    }
    if scheduled:
        names["publish"] = _("Publish time")
    return names


def _date_problem(reason: str, start: str) -> str | None:
    texts = {
        "unreadable": _(
            "Sorry, I couldn't read that. Please write the date and time like "
            "<code>3 dec 18:00</code>, <code>3/12 18:00</code> or "
            "<code>2026-12-03 18:00</code>."
        ),
        "past": _("That moment has already passed. Please write a date and time ahead."),
        "end_before_start": _(
            "The end must come after the start ({start}). Please write the end, "
            "e.g. <code>20:00</code>."
        ).format(start=start),
        "nonexistent": _(
            "That time does not exist that night: the clocks move forward an hour. "
            "Please choose another time."
        ),
        "after_start": _(
            "The event starts {start}, so it must be published before that. "
            "Please write an earlier time."
        ).format(start=start),
    }
    return texts.get(reason)


def problem_text(problem: FieldProblem, locale: str, tz: ZoneInfo) -> str:
    """Why a typed answer was refused, and what to write instead."""
    start = moment_text(problem.start, locale, tz) if problem.start else ""
    dated = _date_problem(problem.reason, start)
    if dated is not None:
        return dated
    texts = {
        "title_empty": _("Please write the title in words."),
        "title_long": _("Please keep the title to at most {limit} characters.").format(
            limit=TITLE_LIMIT
        ),
        "description_empty": _("Please write the description in words, or skip this."),
        "description_long": _("Please keep the description to at most {limit} characters.").format(
            limit=DESCRIPTION_LIMIT
        ),
        "place_empty": _("Please write where the event is."),
        "place_long": _("Please keep the place to at most {limit} characters.").format(
            limit=PLACE_LIMIT
        ),
        "capacity": _(
            "Please write the number of places as a whole number from 1 to {limit}, "
            "or skip if there is no limit."
        ).format(limit=CAPACITY_LIMIT),
        "url": _(
            "That doesn't look like a web link. Please send a full link starting with "
            "https://, or skip this."
        ),
        "broadcast_empty": _("Please write the announcement as text."),
        "broadcast_long": _("Please keep it to at most {limit} characters.").format(
            limit=BROADCAST_LIMIT
        ),
    }
    return texts.get(problem.reason) or _date_problem("unreadable", start) or ""


def refusal_text(reason: str) -> str:
    texts = {
        "not_your_area": _(
            "You can publish events city-wide and in the areas your incubators serve."
        ),
        "not_yours": _(
            "Someone else published this city-wide event. Please ask them or an admin to "
            "change it."
        ),
        "unknown_area": _("I don't know that area."),
        "not_found": _("I can't find an event with that number that is still on."),
        "started": _("That event has already started, so it can't be changed any more."),
        "stale": _("The event was changed in the meantime. Please start again."),
        "end_before_start": _("The end would come before the start. Change the end first."),
        "publish_after_start": _(
            "The event would start before it is published. Change the publish time first."
        ),
        "already_published": _("The event is published already."),
        "not_staff": _("Only the programme's admins and coordinators can do that."),
    }
    return texts.get(reason, _("Sorry, you can't do that."))


def usage_text(command: str) -> str:
    """The one-line hint when the event's number is missing or unreadable."""
    if command == "cancelevent":
        return _("Please add the event's number, e.g. /cancelevent 12.")
    return _("Please add the event's number, e.g. /editevent 12.")


def created_text(event_id: int, publish_at: datetime | None, locale: str, tz: ZoneInfo) -> str:
    if publish_at is None:
        return _(
            "✅ Published as event {id}. Subscribers get the announcement now. "
            "Change it with /editevent {id}, cancel it with /cancelevent {id}."
        ).format(id=event_id)
    return _(
        "🕒 Saved as event {id}. It will be published {when}. "
        "Change it with /editevent {id}, cancel it with /cancelevent {id}."
    ).format(id=event_id, when=moment_text(publish_at, locale, tz))


def changed_text(event_id: int, told: int) -> str:
    text = _("✓ Changed (event {id}).").format(id=event_id)
    if told:
        text += " " + ngettext(
            "{count} person who is coming is told.",
            "{count} people who are coming are told.",
            told,
        ).format(count=told)
    return text


def cancel_question(card: str) -> str:
    return "\n".join(
        [card, "", _("Cancel this event? Everyone coming or on the waiting list will be told.")]
    )


def cancelled_text(event_id: int, told: int) -> str:
    return ngettext(
        "❌ Event {id} is cancelled. {count} person is told.",
        "❌ Event {id} is cancelled. {count} people are told.",
        told,
    ).format(id=event_id, count=told)


def audience_name(audience: Audience, city: CityData, locale: str) -> str:
    """Who an announcement goes to (plain text)."""
    if audience.kind:
        return kind_name(audience.kind)
    if audience.area_code:
        area = city.area(audience.area_code)
        return area.name(locale) if area else audience.area_code
    return _("all subscribers")


def broadcast_preview(text: str, count: int, audience: str) -> str:
    return "\n".join(
        [
            _("👀 <b>Preview</b>:"),
            "",
            broadcast_text(text),
            "",
            ngettext(
                "It goes to {count} subscriber ({audience}).",
                "It goes to {count} subscribers ({audience}).",
                count,
            ).format(count=count, audience=isolate(quote(audience), reading_locale())),
        ]
    )


def broadcast_prompt() -> str:
    return _(
        "📣 <b>Announcement</b>\n\nWrite the announcement as you want subscribers to read "
        "it (at most {limit} characters)."
    ).format(limit=BROADCAST_LIMIT)
