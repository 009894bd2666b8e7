"""What residents read about their data: the privacy notice (/privacy, GDPR art. 13), the
summary of /mydata (art. 15) and the notice of a new version. In the reader's language (call
inside the reader's locale); the city's names and contacts come from its data file."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram.utils.text_decorations import html_decoration

from core.bidi import isolate, ltr
from core.callbacks import MenuCB, PrivacyCB
from core.city import Privacy
from core.formats import format_date, format_unit
from core.languages import language_name, reading_locale
from core.pitch_rules import Block, pack_blocks
from core.retention import RetentionPolicy

quote = html_decoration.quote
MESSAGE_LIMIT = 4096


def days(count: int, locale: str) -> str:
    return format_unit(count, "duration-day", length="long", locale=locale)


def months(count: int, locale: str) -> str:
    return format_unit(count, "duration-month", length="long", locale=locale)


def in_messages(sections: Sequence[str]) -> list[str]:
    """Sections joined into as few messages as Telegram takes (4096 characters each)."""
    return pack_blocks([Block(section, "") for section in sections], escape=quote)


# --- the notice -----------------------------------------------------------------------------


def notice_heading(version: str) -> str:
    return "\n".join(
        (
            _("🔒 <b>Privacy notice</b> · version {version}").format(version=quote(version)),
            _(
                "How the Tillsammans bot of Malmö Together handles your personal data, and "
                "your rights under the GDPR."
            ),
        )
    )


def controller_section(privacy: Privacy, locale: str) -> str:
    return "\n".join(
        (
            _("<b>Who is responsible</b>"),
            _("{controller} is responsible for your data (the controller).").format(
                controller=isolate(quote(privacy.controller_name(locale)), locale)
            ),
            _("Contact: {contact}").format(contact=ltr(quote(privacy.controller_contact), locale)),
            _("Data protection officer: {dpo}").format(
                dpo=ltr(quote(privacy.dpo_contact), locale)
            ),
        )
    )


def kept_section() -> str:
    return "\n".join(
        (
            _("<b>What we keep and why</b>"),
            _(
                "• <b>You</b>: your Telegram id, the language you chose, when you first and "
                "last wrote, the link you came from, and whether you blocked the bot. Why: to "
                "answer you in your language; running the programme is a task the city does "
                "in the public interest."
            ),
            _(
                "• <b>Your ideas</b>: what you wrote (title, need, idea), your photos and voice "
                "notes, where and what it is about, the support you ask for, who you are and "
                "the name you give, and your phone number and e-mail if you give them. Why: "
                "you agree to it when you send an idea (consent), and we keep your consent "
                "with the version of this notice you saw."
            ),
            _(
                "• <b>Messages about your ideas</b>, both ways between you and the incubator, "
                "and the idea's history. Why: to work on your idea with you (consent)."
            ),
            _(
                "• <b>An unsent idea</b> (a draft), so you can go on later. Why: you asked "
                "us to write it down."
            ),
            _(
                "• <b>Subscriptions and meetings</b>: what you want to hear about, reminders, "
                "the weekly digest, your answers to meetings and your place on a waiting "
                "list. Why: to tell you what you asked for (public interest)."
            ),
            _(
                "• <b>Messages to you</b> waiting to be sent or sent, and whether each "
                "arrived. Why: to send them within Telegram's limits, and never twice."
            ),
            _(
                "• <b>A security log</b> of what staff do with ideas and of refused attempts, "
                "by Telegram id only. Why: to keep the service safe and accountable."
            ),
            _(
                "Giving us your data is voluntary, and no decision about you is made "
                "automatically."
            ),
        )
    )


def recipients_section() -> str:
    return "\n".join(
        (
            _("<b>Who sees it</b>"),
            _(
                "The coordinators of the incubator that handles your idea, and the "
                "programme's admins at the city. They see the name and contact you chose, "
                "never your Telegram account. No one outside the city gets your data; we "
                "never sell it or use it for advertising. Telegram carries the messages, "
                "under its own privacy policy."
            ),
        )
    )


def retention_section(policy: RetentionPolicy, locale: str, *, erase_pitch_text: bool) -> str:
    lines = [
        _("<b>How long we keep it</b>"),
        _("• An unsent idea: {period} after your last answer.").format(
            period=days(policy.draft_days, locale)
        ),
        _("• Messages to you and their delivery records: {period}.").format(
            period=days(policy.outbox_days, locale)
        ),
        _(
            "• Your name, contact details and the messages about an idea: {period} after "
            "the idea is closed."
        ).format(period=months(policy.closed_pitch_months, locale)),
        _("• The security log: {period}.").format(period=months(policy.audit_months, locale)),
        _(
            "• Your profile, when you have no idea, subscription or meeting answer: "
            "{period} after you last wrote."
        ).format(period=months(policy.inactive_user_months, locale)),
    ]
    if erase_pitch_text:
        lines.append(_("When you ask to be forgotten, your ideas' texts are removed as well."))
    else:
        lines.append(
            _(
                "An idea sent to the city can be an official document, so its text stays, "
                "without your name or contact details, as the incubator's record, also "
                "after you ask to be forgotten."
            )
        )
    return "\n".join(lines)


def rights_section(privacy: Privacy) -> str:
    return "\n".join(
        (
            _("<b>Your rights</b>"),
            _("• /mydata – see everything we keep about you, at once (access)."),
            _("• /forget – have your data erased (erasure)."),
            _(
                "• /mypitches – withdraw your consent to one idea, or to being contacted "
                "by phone or e-mail."
            ),
            _(
                "• To correct something, write to the incubator in the chat about your idea "
                "(rectification)."
            ),
            _(
                "• To object to how we use your data or to have it restricted, write to the "
                "data protection officer: {dpo}"
            ).format(dpo=ltr(quote(privacy.dpo_contact), reading_locale())),
        )
    )


def complaint_section() -> str:
    return "\n".join(
        (
            _("<b>If you are not satisfied</b>"),
            _(
                "You can complain to the Swedish Authority for Privacy Protection "
                "(Integritetsskyddsmyndigheten, IMY): imy.se"
            ),
        )
    )


def privacy_notice(
    privacy: Privacy, policy: RetentionPolicy, locale: str, *, erase_pitch_text: bool
) -> list[str]:
    """The whole notice, in as few messages as fit."""
    return in_messages(
        (
            notice_heading(privacy.notice_version),
            controller_section(privacy, locale),
            kept_section(),
            recipients_section(),
            retention_section(policy, locale, erase_pitch_text=erase_pitch_text),
            rights_section(privacy),
            complaint_section(),
        )
    )


def about_text() -> str:
    """The short text of the menu's "About and privacy" and /about."""
    return "\n\n".join(
        (
            _(
                "<b>Malmö Together</b> (Malmöandan) is a programme where residents, "
                "the City of Malmö, associations and local businesses make ideas happen "
                "together. Every city area has a grassroots incubator with coordinators "
                "who help ideas grow. No idea is too small."
            ),
            _(
                "<b>Your data</b>\n"
                "An idea you pitch is kept only if you agree, and is shown only to the city's "
                "coordinators and admins. Read the whole privacy notice with /privacy, see "
                "everything we keep about you with /mydata."
            ),
        )
    )


def notice_keyboard(*, with_menu: bool = False) -> InlineKeyboardMarkup:
    """Buttons to the whole notice and to the reader's data (and back to the menu)."""
    builder = InlineKeyboardBuilder()
    builder.button(text=_("🔒 Privacy notice"), callback_data=PrivacyCB(action="notice"))
    builder.button(text=_("📦 My data"), callback_data=PrivacyCB(action="mydata"))
    if with_menu:
        builder.button(text=_("⬅️ Main menu"), callback_data=MenuCB(action="menu"))
    builder.adjust(2, 1)
    return builder.as_markup()


def notice_changed(version: str) -> str:
    """To a resident with an open idea, once per new version of the notice."""
    return _(
        "🔒 Our privacy notice has changed (version {version}). It says what we keep about "
        "you and your idea, why, for how long, and your rights. Read it with /privacy."
    ).format(version=quote(version))


# --- /mydata ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HeldCounts:
    """How much of each kind /mydata found, for its summary."""

    pitches: Sequence[tuple[str, str]]  # (reference, status name)
    messages: int
    consents_given: int
    consents_withdrawn: int
    has_draft: bool
    subscribed: bool
    going: int
    waiting: int
    outbox: int


def held_blocks(counts: HeldCounts, telegram_id: int, language: str, since: str) -> list[Block]:
    """What we hold, by kind; the list of ideas may be long, so it is cut where it must be."""
    top = [
        _("<b>What we keep about you</b>"),
        _("• Your profile: Telegram id {id}, language {language}, with us since {since}.").format(
            id=telegram_id, language=quote(language), since=quote(since)
        ),
        ngettext("• {count} idea sent", "• {count} ideas sent", len(counts.pitches)).format(
            count=len(counts.pitches)
        ),
    ]
    # The status first: a line in Arabic then starts right to left, like the rest.
    ideas = "\n".join(f"{status} · {reference}" for reference, status in counts.pitches)
    rest = [
        ngettext(
            "• {count} message about your ideas",
            "• {count} messages about your ideas",
            counts.messages,
        ).format(count=counts.messages),
        _("• Consents: {given} given, {withdrawn} withdrawn").format(
            given=counts.consents_given, withdrawn=counts.consents_withdrawn
        ),
        _("• An unsent idea (draft)") if counts.has_draft else _("• No unsent idea"),
        _("• A subscription to news of meetings") if counts.subscribed else _("• No subscription"),
        _("• Meetings: going to {going}, waiting for a place at {waiting}").format(
            going=counts.going, waiting=counts.waiting
        ),
        ngettext(
            "• {count} message to you, queued or sent, with its delivery records",
            "• {count} messages to you, queued or sent, with their delivery records",
            counts.outbox,
        ).format(count=counts.outbox),
    ]
    blocks = [Block("\n".join(top), "")]
    if ideas:
        blocks.append(Block("", ideas))
    blocks.append(Block("\n".join(rest), ""))
    return blocks


def my_data_heading(date: str) -> str:
    return "\n".join(
        (
            _("📦 <b>Your data</b> · {date}").format(date=quote(date)),
            _(
                "Here is everything the bot keeps about you. It comes from you, and from your "
                "conversations with the incubators. The file below holds all of it in full "
                "(JSON, which any text editor opens)."
            ),
        )
    )


def date_label(moment: datetime | None, tz: ZoneInfo, locale: str) -> str:
    if moment is None:
        return "–"
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return format_date(aware.astimezone(tz).date(), format="long", locale=locale)


def my_data_messages(
    counts: HeldCounts,
    *,
    telegram_id: int,
    first_seen_at: datetime | None,
    now: datetime,
    privacy: Privacy,
    policy: RetentionPolicy,
    tz: ZoneInfo,
    locale: str,
    erase_pitch_text: bool,
) -> list[str]:
    """The readable part of /mydata: what we hold, why, who sees it, how long, the rights."""
    language = language_name(locale, locale)
    since = date_label(first_seen_at, tz, locale)
    explained = (
        kept_section(),
        recipients_section(),
        retention_section(policy, locale, erase_pitch_text=erase_pitch_text),
        rights_section(privacy),
        complaint_section(),
    )
    blocks = [
        Block(my_data_heading(date_label(now, tz, locale)), ""),
        *held_blocks(counts, telegram_id, language, since),
        *(Block(section, "") for section in explained),
    ]
    return pack_blocks(blocks, escape=quote)


def my_data_caption() -> str:
    return _("Your data, in full.")
