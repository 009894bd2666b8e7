"""Every inline button's callback data, in one place: short prefixes (64-byte limit) and
strict fields (core.inputs), so forged or stale data never reaches a handler as a value.
Handlers still re-check on the server what the data claim (ownership, role, state)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData

from core.config import SUPPORTED_LOCALES
from core.event_wizard import ALL_STEPS as EVENT_WIZARD_STEPS
from core.inputs import DbId, OptionalDbId, Page, Stamp, Token, UserId, Version, one_of
from core.pitch_rules import STATUSES, STEPS, SUMMARY

MENU_ACTIONS = ("pitch", "events", "subscriptions", "language", "about", "menu", "resubscribe")
EVENT_ACTIONS = ("details", "going", "not_going", "ics", "unsubscribe")
SUBSCRIPTION_ACTIONS = ("kind", "area", "all", "reminders", "digest", "save", "cancel")
PITCH_STEPS = (*STEPS, SUMMARY)
PITCH_ACTIONS = (
    # on every step: navigation and the cancel question, the resume offer
    "back", "cancel", "discard", "keep", "resume", "restart",
    # idea, where, theme, support, who
    "next", "area", "page", "areas", "hood", "wholearea", "city", "locate",
    "theme", "toggle", "done", "kind",
    # contact and consent
    "chat", "phone", "email", "contact", "yes", "no",
    # the summary and its edit menu
    "submit", "edit", "field", "summary",
)  # fmt: skip
# The inbox's filters: every pitch still being worked on, or one status.
INBOX_STATUSES = ("open", *STATUSES)
# The staff's event journeys: the wizard's steps, the edit's and the announcement's.
EVENT_ADMIN_STEPS = (*EVENT_WIZARD_STEPS, "field", "value", "text", "audience", "confirm")
EVENT_ADMIN_ACTIONS = (
    "pick", "language", "next", "skip", "back", "cancel", "publish", "later", "send",
)  # fmt: skip
# A card's buttons: the decisions (pitch_workflow.ACTIONS), back to the card ("card"), and
# writing a reason for not taking it forward ("reason").
CARD_ACTIONS = ("card", "take", "ask", "accept", "decline", "reason", "move")


class MenuCB(CallbackData, prefix="m"):
    """A main-menu button."""

    action: one_of(*MENU_ACTIONS)  # type: ignore[valid-type]


class LanguageCB(CallbackData, prefix="lang"):
    """A language chosen by a person in a private chat."""

    code: one_of(*SUPPORTED_LOCALES)  # type: ignore[valid-type]


class GroupLanguageCB(CallbackData, prefix="glang"):
    """A language chosen for a coordinators' group."""

    code: one_of(*SUPPORTED_LOCALES)  # type: ignore[valid-type]


class PitchCB(CallbackData, prefix="p"):
    """A button of the pitch journey. `step` is the draft's step when the button was shown:
    a press on a button of another step is refused as stale. `value` is a code of the city's
    data, a step, or an area and a page of its neighbourhoods ('innerstaden.1')."""

    step: one_of(*PITCH_STEPS)  # type: ignore[valid-type]
    action: one_of(*PITCH_ACTIONS)  # type: ignore[valid-type]
    value: Token = ""


class MyPitchesCB(CallbackData, prefix="mp"):
    """A page of the resident's own pitches (/mypitches)."""

    page: Page


class InboxCB(CallbackData, prefix="ib"):
    """A page of a coordinator's inbox, filtered by status."""

    status: one_of(*INBOX_STATUSES)  # type: ignore[valid-type]
    page: Page


class HistoryCB(CallbackData, prefix="ph"):
    """A page of a pitch's history (/pitch <reference>); rights are checked on every press."""

    pitch_id: DbId
    page: Page


class CardCB(CallbackData, prefix="c"):
    """A card button. `status` is the status the card showed: if the pitch has moved on
    since, the press is stale and refused. `value` carries a reason or an incubator."""

    action: one_of(*CARD_ACTIONS)  # type: ignore[valid-type]
    pitch_id: DbId
    status: one_of(*STATUSES)  # type: ignore[valid-type]
    value: Token = ""


class RelayCB(CallbackData, prefix="r"):
    """The resident's Reply button under a message about their pitch."""

    pitch_id: DbId


class EventCB(CallbackData, prefix="ev"):
    """A button about an event. `version` is the event's version when the button was made:
    a press on a button of an older version is refused. The one-tap unsubscribe names no
    event (0)."""

    action: one_of(*EVENT_ACTIONS)  # type: ignore[valid-type]
    event_id: OptionalDbId
    version: Version


class EventsPageCB(CallbackData, prefix="evp"):
    """A page of the coming events."""

    page: Page


class SubscriptionCB(CallbackData, prefix="sub"):
    """A button of the subscription screen."""

    action: one_of(*SUBSCRIPTION_ACTIONS)  # type: ignore[valid-type]
    value: Token = ""


class EventAdminCB(CallbackData, prefix="eva"):
    """A button of the staff's event journeys; `step` is the state it was shown in: a press
    on a button of another step is refused as stale. `value` is a kind, a language, an area,
    a field or an audience, checked by the handler against what is offered."""

    step: one_of(*EVENT_ADMIN_STEPS)  # type: ignore[valid-type]
    action: one_of(*EVENT_ADMIN_ACTIONS)  # type: ignore[valid-type]
    value: Token = ""


class EventCancelCB(CallbackData, prefix="evc"):
    """Yes or no to cancelling an event, as it was (`version`) when the question was asked."""

    action: one_of("yes", "no")  # type: ignore[valid-type]
    event_id: DbId
    version: Version


PRIVACY_ACTIONS = ("notice", "mydata")


class PrivacyCB(CallbackData, prefix="priv"):
    """A button that opens the privacy notice or the resident's own data."""

    action: one_of(*PRIVACY_ACTIONS)  # type: ignore[valid-type]


class ForgetCB(CallbackData, prefix="fg"):
    """Yes or no to /forget. `since` is when the person was first seen (microseconds): a
    button of a person already forgotten (a new person since) is refused as stale."""

    action: one_of("yes", "no")  # type: ignore[valid-type]
    since: Stamp


class ConsentCB(CallbackData, prefix="cs"):
    """A resident's choices about their data in one pitch (/mypitches): open the choices,
    withdraw the consent or stop contact by phone/e-mail (asked, then confirmed), or keep."""

    action: one_of("open", "withdraw", "withdraw_yes", "contact", "contact_yes", "keep")  # type: ignore[valid-type]
    pitch_id: DbId


class EraseCB(CallbackData, prefix="er"):
    """An admin's yes or no to /erase: a person (`target` is their Telegram id) or one
    pitch's personal data (`target` is the pitch's id)."""

    action: one_of("yes", "no")  # type: ignore[valid-type]
    kind: one_of("person", "pitch")  # type: ignore[valid-type]
    target: UserId
