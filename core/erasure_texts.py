"""What people read about erasure: /forget, /erase, withdrawing a consent, and the notes to
coordinators and the card when a resident's data is removed."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.text_decorations import html_decoration

from core import bidi
from core.callbacks import ConsentCB, EraseCB, ForgetCB
from core.languages import reading_locale
from storage.erasure import PersonData
from storage.models import Pitch

quote = html_decoration.quote


def _ref(reference: str) -> str:
    """A pitch reference, kept left to right in a right-to-left reader's sentence."""
    return bidi.ltr(reference, reading_locale())


def _name(text: str) -> str:
    """Typed text for a sentence: escaped, in its own direction."""
    return bidi.isolate(quote(text), reading_locale())


def _button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data)


def text_kept_line(erase_text: bool) -> str:
    """What becomes of an idea's own text, by the city's public-records setting."""
    if erase_text:
        return _("The ideas' own text is removed too; only the reference, theme and place stay.")
    return _(
        "The ideas' own text stays, without anything that says who you are, as the "
        "incubator's record: an idea sent to the city can be an official document."
    )


# --- /forget --------------------------------------------------------------------------------


def forget_question(data: PersonData, erase_text: bool) -> str:
    lines = [
        _("<b>Forget me</b>"),
        _(
            "If you go on, I will remove everything stored about you here: your profile and "
            "language, your unfinished idea, your subscriptions, your answers to meetings (a "
            "place you hold goes to the next person waiting), our conversation and messages "
            "waiting to be sent to you."
        ),
    ]
    if data.pitches:
        lines.append(
            _(
                "Your ideas ({count}) are anonymised: your name, phone, e-mail, photos, voice "
                "notes and the messages about them are removed, and the incubator is told "
                "that you asked to be forgotten."
            ).format(count=data.pitches)
        )
        lines.append(text_kept_line(erase_text))
    lines.append(_("This cannot be undone. Do you want me to forget you?"))
    return "\n\n".join(lines)


def forget_keyboard(since: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(_("🗑 Yes, forget me"), ForgetCB(action="yes", since=since).pack())],
            [_button(_("↩️ No, keep my data"), ForgetCB(action="no", since=since).pack())],
        ]
    )


def forget_kept() -> str:
    return _("Good, nothing was removed.")


def last_message(references: Sequence[str], erase_text: bool) -> str:
    """The resident's last message: what went, what the city keeps and why."""
    lines = [
        _("🗑 <b>Done: I have forgotten you.</b>"),
        _(
            "Removed: your profile and language, your unfinished idea, your subscriptions, "
            "your answers to meetings, our conversation and the messages waiting to be sent "
            "to you."
        ),
    ]
    if references:
        lines.append(
            _(
                "From your ideas {references} your name, phone, e-mail, photos, voice notes "
                "and messages were removed, and the incubator was told."
            ).format(references=", ".join(_ref(reference) for reference in references))
        )
        lines.append(text_kept_line(erase_text))
    lines.append(
        _(
            "The city also keeps its log of what staff did, by their id, to show that "
            "your data was handled correctly."
        )
    )
    lines.append(_("If you write to me again, you start afresh as a new person. Take care!"))
    return "\n\n".join(lines)


# --- withdrawing a consent (/mypitches) ------------------------------------------------


def privacy_button(pitch: Pitch) -> InlineKeyboardButton:
    data = ConsentCB(action="open", pitch_id=pitch.id or 0).pack()
    return _button(_("🔒 My data in {reference}").format(reference=_ref(pitch.reference)), data)


def pitch_privacy(pitch: Pitch) -> tuple[str, InlineKeyboardMarkup]:
    """The choices for one pitch: withdraw the consent, or stop contact by phone/e-mail."""
    text = "\n\n".join(
        (
            bidi.line(f"<b>{_ref(pitch.reference)}</b> · {_name(pitch.title)}", reading_locale()),
            _("What would you like to do with your data in this idea?"),
        )
    )
    pitch_id = pitch.id or 0
    rows = [
        [
            _button(
                _("🗑 Withdraw my consent"), ConsentCB(action="withdraw", pitch_id=pitch_id).pack()
            )
        ]
    ]
    if pitch.contact_phone or pitch.contact_email:
        rows.append(
            [
                _button(
                    _("📵 Stop contact by phone and e-mail"),
                    ConsentCB(action="contact", pitch_id=pitch_id).pack(),
                )
            ]
        )
    rows.append(
        [_button(_("↩️ Keep it as it is"), ConsentCB(action="keep", pitch_id=pitch_id).pack())]
    )
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


def _yes_no(yes: str, action: str, pitch_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(yes, ConsentCB(action=action, pitch_id=pitch_id).pack())],
            [_button(_("↩️ No, keep it"), ConsentCB(action="keep", pitch_id=pitch_id).pack())],
        ]
    )


def withdraw_question(pitch: Pitch, erase_text: bool) -> tuple[str, InlineKeyboardMarkup]:
    text = "\n\n".join(
        (
            _(
                "If you withdraw your consent for {reference}, your name, phone, e-mail, "
                "photos, voice notes and the messages about it are removed, it leaves the "
                "incubator's inbox, and the incubator is told."
            ).format(reference=_ref(pitch.reference)),
            text_kept_line(erase_text),
            _("Your other ideas are not touched. Withdraw your consent?"),
        )
    )
    return text, _yes_no(_("✅ Yes, withdraw it"), "withdraw_yes", pitch.id or 0)


def withdrawn(reference: str) -> str:
    return _(
        "Done. Your consent for {reference} is withdrawn and your details are removed from it."
    ).format(reference=_ref(reference))


def contact_question(pitch: Pitch) -> tuple[str, InlineKeyboardMarkup]:
    text = _(
        "Stop contact by phone and e-mail for {reference}? Your phone number and e-mail are "
        "removed from it, and the incubator will write to you here in the chat only."
    ).format(reference=_ref(pitch.reference))
    return text, _yes_no(_("✅ Yes, stop it"), "contact_yes", pitch.id or 0)


def contact_stopped(reference: str) -> str:
    return _(
        "Done. Your phone number and e-mail are removed from {reference}; the incubator "
        "will write to you here."
    ).format(reference=_ref(reference))


def nothing_changed() -> str:
    return _("Nothing was changed.")


# --- /erase (admins) ---------------------------------------------------------------------


def erase_usage() -> str:
    return _("Write a Telegram id or a pitch reference, e.g. /erase 12345 or /erase MT-2026-0042.")


def erase_nobody(user_id: int) -> str:
    return _("I have nothing stored about {id}.").format(id=user_id)


def erase_no_pitch(reference: str) -> str:
    return _("I can't find a pitch {reference}.").format(reference=_ref(reference))


def erase_person_preview(user_id: int, data: PersonData, erase_text: bool) -> str:
    lines = [
        _("Erase everything about {id}?").format(id=user_id),
        _(
            "Stored: ideas {pitches}, drafts {drafts}, subscriptions {subscriptions}, "
            "answers to meetings {rsvps}, messages to them in the queue {queued}."
        ).format(
            pitches=data.pitches,
            drafts=data.drafts,
            subscriptions=data.subscriptions,
            rsvps=data.rsvps,
            queued=data.queued,
        ),
        _(
            "Their ideas are anonymised, places they hold go to those waiting, their "
            "incubators are told, and they get a last message if they can be reached."
        ),
    ]
    if data.pitches:
        lines.append(text_kept_line(erase_text))
    return "\n\n".join(lines)


def erase_pitch_preview(pitch: Pitch, erase_text: bool) -> str:
    return "\n\n".join(
        (
            _("Erase the personal data of {reference}?").format(reference=_ref(pitch.reference)),
            _(
                "The name, phone, e-mail, attachments and messages are removed, the consent "
                "is marked withdrawn, it leaves the inbox, and its incubator is told."
            ),
            text_kept_line(erase_text),
        )
    )


def erase_keyboard(kind: str, target: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(_("🗑 Erase"), EraseCB(action="yes", kind=kind, target=target).pack())],
            [_button(_("Cancel"), EraseCB(action="no", kind=kind, target=target).pack())],
        ]
    )


def erased_person(count: int) -> str:
    return _("Erased. Ideas anonymised: {count}.").format(count=count)


def erased_pitch(reference: str) -> str:
    return _("Erased the personal data of {reference}.").format(reference=_ref(reference))


def already_erased(reference: str) -> str:
    return _("The personal data of {reference} was removed already.").format(
        reference=_ref(reference)
    )


def nothing_erased() -> str:
    return _("Nothing was erased.")


def admins_only() -> str:
    return _("Sorry, that command is for the programme's admins.")


# --- coordinators, the card and the history ---------------------------------------------------


def coordinator_note(reference: str, why: str, erase_text: bool) -> str:
    """What the coordinators are told when a pitch's personal data goes."""
    notes = {
        "forgotten": _(
            "🔒 The resident who sent {reference} asked to be forgotten. Their name, contact "
            "details, attachments and messages have been removed, and the pitch has left "
            "the inbox."
        ),
        "withdrawn": _(
            "🔒 The resident withdrew their consent for {reference}. Their name, contact "
            "details, attachments and messages have been removed, and the pitch has left "
            "the inbox."
        ),
        "admin": _(
            "🔒 At the resident's request, the personal data of {reference} has been "
            "removed, and the pitch has left the inbox."
        ),
    }
    kept = (
        _("The idea's text was removed too.")
        if erase_text
        else _("The idea's text stays as the incubator's record.")
    )
    return notes[why].format(reference=_ref(reference)) + "\n" + kept


def contact_note(reference: str) -> str:
    return _(
        "📵 The resident of {reference} no longer wants to be contacted by phone or e-mail; "
        "their phone number and e-mail have been removed. Write to them by replying to the "
        "card."
    ).format(reference=_ref(reference))


def card_erased_line() -> str:
    return _("🔒 Personal data removed at the resident's request.")


def removed_words() -> str:
    return _("(removed at the resident's request)")


def contact_withdrawn_entry() -> str:
    return _("The resident withdrew consent to be contacted by phone or e-mail")
