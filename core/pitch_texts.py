"""Labels of a pitch's answers, in the reader's language, for summaries and cards."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import gettext as _

from core.bidi import isolate, ltr
from core.city import CityData
from core.formats import format_datetime, format_list
from core.languages import language_name


class PitchAnswers(Protocol):
    """What drafts and pitches share."""

    area_code: str | None
    neighbourhood_code: str | None
    theme_code: str | None
    support_codes: list[str]
    submitter_kind: str | None
    submitter_name: str | None
    contact_phone: str | None
    contact_email: str | None


def submitter_kinds() -> dict[str, str]:
    return {
        "resident": _("A resident"),
        "group": _("A group of residents"),
        "association": _("An association"),
        "company": _("A company"),
    }


def statuses() -> dict[str, str]:
    return {
        "received": _("Received"),
        "in_review": _("In review"),
        "needs_info": _("Needs more information"),
        "accepted": _("Accepted"),
        "declined": _("Not taken forward"),
    }


def place_label(answers: PitchAnswers, city: CityData, locale: str) -> str:
    """'Möllevången · Innerstaden', 'Söder' or 'The whole city'."""
    neighbourhood = city.neighbourhood(answers.neighbourhood_code or "")
    area = city.area(neighbourhood.area if neighbourhood else (answers.area_code or ""))
    names = [
        isolate(place.name(locale), locale) for place in (neighbourhood, area) if place is not None
    ]
    return " · ".join(names) if names else _("The whole city")


def theme_label(answers: PitchAnswers, city: CityData, locale: str) -> str:
    theme = city.theme(answers.theme_code or "")
    return f"{theme.emoji} {theme.name(locale)}".strip() if theme else "–"


def support_label(answers: PitchAnswers, city: CityData, locale: str) -> str:
    names = [
        option.name(locale)
        for code in answers.support_codes
        if (option := city.support_option(code)) is not None
    ]
    if not names:
        return _("Nothing in particular")
    return format_list([names[0], *map(within_sentence, names[1:])], locale=locale)


def within_sentence(label: str) -> str:
    """A label written to stand alone ('A place to meet'), as it reads after the first item of
    a list ('a place to meet'). For the support options, none of which starts with a name; a
    first word in capitals (an acronym) or with a capital inside stays as is."""
    first = label.split(" ", 1)[0]
    if len(first) > 1 and (first.isupper() or not first[1:].islower()):
        return label
    return label[:1].lower() + label[1:]


def submitter_label(answers: PitchAnswers, locale: str) -> str:
    """The kind of submitter and their name; the name isolated for a right-to-left reader."""
    kind = submitter_kinds().get(answers.submitter_kind or "", "")
    name = isolate(answers.submitter_name or "", locale)
    parts = [part for part in (kind, name) if part]
    return " · ".join(parts) if parts else _("Not given")


def contact_label(answers: PitchAnswers, locale: str) -> str:
    """How the resident may be reached; phone and e-mail kept left to right in any locale."""
    parts = [_("In this chat")]
    if answers.contact_phone:
        parts.append(_("phone {phone}").format(phone=ltr(answers.contact_phone, locale)))
    if answers.contact_email:
        parts.append(_("e-mail {email}").format(email=ltr(answers.contact_email, locale)))
    return " · ".join(parts)


def language_label(code: str, locale: str, *, standalone: bool = False) -> str:
    """The language `code` named in the reader's language ('arabiska' to a Swedish reader)."""
    return language_name(code, locale, standalone=standalone)


def when_label(moment: datetime, tz: ZoneInfo, locale: str) -> str:
    """A moment in the city's time zone, formatted for the reader (e.g. '23 nov. 2026 14:05')."""
    return format_datetime(moment, tz=tz, locale=locale)
