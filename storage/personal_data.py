"""Where a person's data lives, and everything stored about one person (for /mydata).

`CLASSIFICATION` names, for every table, the columns that hold a person's Telegram id and
the ones that hold other personal data (names, contacts, what people wrote, file ids), and
whether /mydata exports the table, or why not. tests/test_personal_data.py fails when a
table has no entry (so a new table must be classified) or an entry names a column that no
longer exists. No commits here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    ConsentRecord,
    DeliveryAttempt,
    Event,
    OutboxMessage,
    Pitch,
    PitchDraft,
    PitchEvent,
    Rsvp,
    Subscription,
    SubscriptionArea,
    SubscriptionKind,
    User,
)


@dataclass(frozen=True, slots=True)
class TableUse:
    """How a table holds personal data.

    `people`: columns holding a person's Telegram id; `personal`: columns holding other
    personal data; `withheld`: columns of an exported table that /mydata leaves out, each
    with its reason; `not_people`: big-integer columns that are not a person (message ids,
    group chats), named so that every Telegram-sized id column is accounted for.
    """

    exported: bool
    reason: str
    people: tuple[str, ...] = ()
    personal: tuple[str, ...] = ()
    withheld: dict[str, str] = field(default_factory=dict)
    not_people: tuple[str, ...] = ()

    @property
    def columns(self) -> set[str]:
        return {*self.people, *self.personal, *self.withheld, *self.not_people}


_REFERENCE = TableUse(exported=False, reason="the city's reference data; nothing personal")
_STAFF = "a staff role given by an admin, kept by id for access control; not a resident's data"

CLASSIFICATION: dict[str, TableUse] = {
    # The person and what they chose.
    "users": TableUse(
        exported=True,
        reason="the profile",
        people=("telegram_id",),
        personal=("locale", "start_payload", "first_seen_at", "last_seen_at", "blocked_at"),
    ),
    "fsm_records": TableUse(
        exported=False,
        reason=(
            "the conversation's passing state (which step a dialogue is at); the answers of "
            "an unsent idea are kept in the draft, which is exported"
        ),
        personal=("key", "data"),
    ),
    "pitch_drafts": TableUse(
        exported=True,
        reason="the unsent idea",
        people=("user_id",),
        personal=(
            "title",
            "need",
            "idea_text",
            "media",
            "submitter_kind",
            "submitter_name",
            "contact_phone",
            "contact_email",
        ),
    ),
    "pitches": TableUse(
        exported=True,
        reason="the ideas sent",
        people=("user_id",),
        personal=(
            "title",
            "need",
            "idea_text",
            "media",
            "submitter_kind",
            "submitter_name",
            "contact_phone",
            "contact_email",
        ),
        withheld={
            "assignee_id": "the coordinator handling it: a staff member's identity",
            "assignee_name": "the coordinator handling it: a staff member's identity",
        },
    ),
    "pitch_events": TableUse(
        exported=True,
        reason="the history of the person's ideas, as the resident was told of it",
        personal=("detail",),
        withheld={
            "actor_id": "which coordinator acted: a staff member's identity",
            "actor_name": "which coordinator acted: a staff member's identity",
        },
    ),
    "pitch_messages": TableUse(
        exported=False,
        reason=(
            "which of the bot's messages belong to which idea, so a reply finds its idea; "
            "no content (the messages themselves are exported with the idea's history)"
        ),
        people=("chat_id",),
        not_people=("message_id",),
    ),
    "consent_records": TableUse(exported=True, reason="the consents", people=("user_id",)),
    "subscriptions": TableUse(exported=True, reason="the subscription", people=("user_id",)),
    "subscription_kinds": TableUse(
        exported=True, reason="the subscription's kinds", people=("user_id",)
    ),
    "subscription_areas": TableUse(
        exported=True, reason="the subscription's areas", people=("user_id",)
    ),
    "event_rsvps": TableUse(
        exported=True, reason="answers to meetings, waiting places", people=("user_id",)
    ),
    "outbox": TableUse(
        exported=True,
        reason="messages to the person, queued or sent",
        people=("chat_id",),
        personal=("payload",),
        withheld={"dedupe_key": "an internal key that stops a message being queued twice"},
        not_people=("telegram_message_id", "id"),
    ),
    "delivery_attempts": TableUse(
        exported=True,
        reason="delivery records, summarised per message (count, outcomes, last attempt)",
        not_people=("outbox_id",),
    ),
    # Staff's work and the security log.
    "audit_log": TableUse(
        exported=False,
        reason=(
            "the security log of staff actions and refused attempts, kept by Telegram id "
            "only, for accountability; deleted after RETENTION_AUDIT_MONTHS"
        ),
        people=("actor_id",),
        personal=("subject", "details"),
    ),
    "admins": TableUse(exported=False, reason=_STAFF, people=("user_id", "granted_by")),
    "coordinators": TableUse(exported=False, reason=_STAFF, people=("user_id", "added_by")),
    "incubator_chats": TableUse(
        exported=False,
        reason="a staff group bound to an incubator; who bound it, for accountability",
        people=("bound_by",),
        not_people=("chat_id",),
    ),
    "events": TableUse(
        exported=False,
        reason="meetings published by staff; the creator's id decides who may change them",
        people=("created_by",),
    ),
    "campaigns": TableUse(
        exported=False,
        reason="mass sends started by staff, with where their progress is shown",
        people=("created_by", "report_chat_id"),
        not_people=("report_message_id",),
    ),
    "group_chats": TableUse(
        exported=False, reason="a group's language; groups are not people", not_people=("chat_id",)
    ),
    # The city's data and counters.
    "areas": _REFERENCE,
    "neighbourhoods": _REFERENCE,
    "themes": _REFERENCE,
    "support_options": _REFERENCE,
    "incubators": _REFERENCE,
    "city_data_versions": _REFERENCE,
    "reference_counters": TableUse(exported=False, reason="the last pitch number of a year"),
    "handled_updates": TableUse(
        exported=False,
        reason="the ids of updates taken from Telegram, kept a day so a resent one is handled "
        "once; an update id names no one",
        not_people=("update_id",),
    ),
    "privacy_notice_announcements": TableUse(
        exported=False, reason="the notice version residents were last told of; nothing personal"
    ),
}


@dataclass(frozen=True, slots=True)
class DeliverySummary:
    outbox_id: int
    attempts: int
    outcomes: dict[str, int]
    last_at: object


@dataclass(frozen=True, slots=True)
class RsvpWithEvent:
    rsvp: Rsvp
    event: Event
    place_in_line: int | None


@dataclass(frozen=True, slots=True)
class PersonalRecord:
    """Everything stored about one person, as rows (read-only use)."""

    user: User | None
    consents: Sequence[ConsentRecord]
    pitches: Sequence[Pitch]
    events: dict[int, list[PitchEvent]]
    draft: PitchDraft | None
    subscription: Subscription | None
    kinds: Sequence[str]
    areas: Sequence[str]
    rsvps: Sequence[RsvpWithEvent]
    outbox: Sequence[OutboxMessage]
    deliveries: dict[int, DeliverySummary]


async def personal_record(session: AsyncSession, user_id: int) -> PersonalRecord:
    pitches = await _all(
        session,
        select(Pitch).where(Pitch.user_id == user_id).order_by(Pitch.id),  # type: ignore[arg-type]
    )
    outbox = await _all(
        session,
        select(OutboxMessage)
        .where(OutboxMessage.chat_id == user_id)  # type: ignore[arg-type]
        .order_by(OutboxMessage.id),  # type: ignore[arg-type]
    )
    return PersonalRecord(
        user=await session.get(User, user_id),
        consents=await _all(
            session,
            select(ConsentRecord)
            .where(ConsentRecord.user_id == user_id)  # type: ignore[arg-type]
            .order_by(ConsentRecord.id),  # type: ignore[arg-type]
        ),
        pitches=pitches,
        events=await _events_of(session, [p.id for p in pitches]),  # type: ignore[misc]
        draft=await session.get(PitchDraft, user_id),
        subscription=await session.get(Subscription, user_id),
        kinds=await _all(
            session,
            select(SubscriptionKind.kind)
            .where(SubscriptionKind.user_id == user_id)  # type: ignore[arg-type]
            .order_by(SubscriptionKind.kind),
        ),
        areas=await _all(
            session,
            select(SubscriptionArea.area_code)
            .where(SubscriptionArea.user_id == user_id)  # type: ignore[arg-type]
            .order_by(SubscriptionArea.area_code),
        ),
        rsvps=await _rsvps_of(session, user_id),
        outbox=outbox,
        deliveries=await _deliveries(session, [m.id for m in outbox]),  # type: ignore[misc]
    )


async def _all(session: AsyncSession, statement: object) -> list:  # type: ignore[type-arg]
    return list((await session.execute(statement)).scalars())  # type: ignore[call-overload]


async def _events_of(session: AsyncSession, pitch_ids: list[int]) -> dict[int, list[PitchEvent]]:
    found: dict[int, list[PitchEvent]] = {pitch_id: [] for pitch_id in pitch_ids}
    if pitch_ids:
        rows = await _all(
            session,
            select(PitchEvent)
            .where(PitchEvent.pitch_id.in_(pitch_ids))  # type: ignore[attr-defined]
            .order_by(PitchEvent.id),  # type: ignore[arg-type]
        )
        for event in rows:
            found[event.pitch_id].append(event)
    return found


async def _rsvps_of(session: AsyncSession, user_id: int) -> list[RsvpWithEvent]:
    result = await session.execute(
        select(Rsvp, Event)
        .join(Event, Event.id == Rsvp.event_id)  # type: ignore[arg-type]
        .where(Rsvp.user_id == user_id)  # type: ignore[arg-type]
        .order_by(Event.starts_at, Event.id)
    )
    rows = []
    for rsvp, event in result.all():
        place = None
        if rsvp.status == "waiting" and rsvp.waiting_number is not None:
            ahead = await session.execute(
                select(func.count()).where(
                    Rsvp.event_id == rsvp.event_id,  # type: ignore[arg-type]
                    Rsvp.status == "waiting",  # type: ignore[arg-type]
                    Rsvp.waiting_number < rsvp.waiting_number,  # type: ignore[operator]
                )
            )
            place = int(ahead.scalar_one()) + 1
        rows.append(RsvpWithEvent(rsvp, event, place))
    return rows


async def _deliveries(session: AsyncSession, outbox_ids: list[int]) -> dict[int, DeliverySummary]:
    if not outbox_ids:
        return {}
    result = await session.execute(
        select(
            DeliveryAttempt.outbox_id,
            DeliveryAttempt.outcome,
            func.count(),
            func.max(DeliveryAttempt.at),
        )
        .where(DeliveryAttempt.outbox_id.in_(outbox_ids))  # type: ignore[attr-defined]
        .group_by(DeliveryAttempt.outbox_id, DeliveryAttempt.outcome)
    )
    summaries: dict[int, DeliverySummary] = {}
    for outbox_id, outcome, count, last_at in result.all():
        before = summaries.get(outbox_id)
        outcomes = {**(before.outcomes if before else {}), outcome: int(count)}
        latest = max(filter(None, (before.last_at if before else None, last_at)), default=None)
        summaries[outbox_id] = DeliverySummary(outbox_id, sum(outcomes.values()), outcomes, latest)
    return summaries
