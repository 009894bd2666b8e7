"""/mydata: everything stored about the person asking, as a readable summary and a JSON
document (GDPR art. 15). Read-only.

What the resident sees of an idea's history is what they were told: each status change, a
move to another incubator (by the incubator's name), a reason for not taking it forward,
and every message either way. Which coordinator acted (their id and name) is left out: it
is a staff member's identity, and the resident was only ever shown the incubator."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core import pitch_texts
from core.city import CityData
from core.config import Settings
from core.pitch_card_texts import decline_reasons
from core.privacy_texts import HeldCounts
from storage import personal_data
from storage.models import ConsentRecord, Pitch, PitchDraft, PitchEvent
from storage.personal_data import PersonalRecord, RsvpWithEvent

# History entries the resident was told of; anything else (e.g. a future internal note)
# stays out of the export until it is decided that residents see it.
MESSAGE_KINDS = ("ask", "message", "reply")
STATUS_KINDS = ("take", "accept", "decline", "move")
PITCH_FIELDS = (
    "title",
    "need",
    "idea_text",
    "media",
    "area_code",
    "neighbourhood_code",
    "theme_code",
    "support_codes",
    "submitter_kind",
    "submitter_name",
    "contact_phone",
    "contact_email",
)


@dataclass(frozen=True, slots=True)
class MyData:
    document: dict[str, Any]
    counts: HeldCounts
    first_seen_at: datetime | None

    def json_bytes(self) -> bytes:
        """The document as UTF-8 JSON, indented for reading."""
        return json.dumps(self.document, ensure_ascii=False, indent=2).encode("utf-8")


def _when(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.isoformat()


async def my_data(
    session: AsyncSession,
    *,
    user_id: int,
    city: CityData,
    settings: Settings,
    locale: str,
    now: datetime,
) -> MyData:
    """Everything about `user_id` (call in the reader's locale: names are translated)."""
    record = await personal_data.personal_record(session, user_id)
    document = {
        "about": {
            "service": "Tillsammans (Malmö Together)",
            "made_at": _when(now),
            "controller": city.privacy.controller_name(locale),
            "controller_contact": city.privacy.controller_contact,
            "data_protection_officer": city.privacy.dpo_contact,
            "privacy_notice_version": city.privacy.notice_version,
        },
        "profile": _profile(record, user_id),
        "consents": _consents(record),
        "pitches": [_pitch(record, pitch, city, locale) for pitch in record.pitches],
        "draft": _draft(record.draft, city, locale),
        "subscription": _subscription(record),
        "event_answers": [_rsvp(item, locale) for item in record.rsvps],
        "messages_to_you": _outbox(record),
    }
    return MyData(document, _counts(record), record.user.first_seen_at if record.user else None)


def _profile(record: PersonalRecord, user_id: int) -> dict[str, Any]:
    user = record.user
    return {
        "telegram_id": user_id,
        "language": user.locale if user else None,
        "first_seen_at": _when(user.first_seen_at) if user else None,
        "last_seen_at": _when(user.last_seen_at) if user else None,
        "start_payload": user.start_payload if user else None,
        "blocked_at": _when(user.blocked_at) if user else None,
    }


def _consents(record: PersonalRecord) -> list[dict[str, Any]]:
    references = {pitch.id: pitch.reference for pitch in record.pitches}
    return [_consent(consent, references.get(consent.pitch_id)) for consent in record.consents]


def _consent(consent: ConsentRecord, reference: str | None) -> dict[str, Any]:
    return {
        "pitch": reference,
        "kind": consent.kind,
        "notice_version": consent.notice_version,
        "given_at": _when(consent.given_at),
        "withdrawn_at": _when(consent.withdrawn_at),
    }


def _pitch(record: PersonalRecord, pitch: Pitch, city: CityData, locale: str) -> dict[str, Any]:
    incubator = city.incubator(pitch.incubator_code)
    return {
        "reference": pitch.reference,
        "status": pitch.status,
        "status_name": pitch_texts.statuses().get(pitch.status, pitch.status),
        "incubator": incubator.name(locale) if incubator else pitch.incubator_code,
        "language": pitch.language,
        **_answers(pitch, city, locale),
        "consent_at": _when(pitch.consent_at),
        "submitted_at": _when(pitch.submitted_at),
        "updated_at": _when(pitch.updated_at),
        "history": [
            entry
            for event in record.events.get(pitch.id or 0, [])
            if (entry := _history_entry(event, city, locale)) is not None
        ],
    }


def _answers(answers: Pitch | PitchDraft, city: CityData, locale: str) -> dict[str, Any]:
    """The fields as stored, and the names of the codes among them in the reader's language."""
    values = {name: getattr(answers, name) for name in PITCH_FIELDS}
    area = city.area(answers.area_code or "")
    neighbourhood = city.neighbourhood(answers.neighbourhood_code or "")
    theme = city.theme(answers.theme_code or "")
    options = (city.support_option(code) for code in answers.support_codes)
    values["names"] = {
        "area": area.name(locale) if area else None,
        "neighbourhood": neighbourhood.name(locale) if neighbourhood else None,
        "theme": theme.name(locale) if theme else None,
        "support": [option.name(locale) for option in options if option is not None],
    }
    return values


def _history_entry(event: PitchEvent, city: CityData, locale: str) -> dict[str, Any] | None:
    entry: dict[str, Any] = {"at": _when(event.created_at), "kind": event.kind}
    if event.kind in MESSAGE_KINDS:
        entry["from"] = "you" if event.kind == "reply" else "incubator"
        entry["text"] = event.detail
    elif event.kind in STATUS_KINDS:
        entry["status"] = event.to_status
    else:
        return None
    if event.kind == "decline":
        entry["reason"] = decline_reasons().get(event.detail or "", event.detail)
    if event.kind == "move":
        target = city.incubator((event.detail or "").partition(">")[2])
        entry["moved_to"] = target.name(locale) if target else None
    return entry


def _draft(draft: PitchDraft | None, city: CityData, locale: str) -> dict[str, Any] | None:
    if draft is None:
        return None
    return {
        "step": draft.step,
        "language": draft.language,
        **_answers(draft, city, locale),
        "whole_city": draft.whole_city,
        "consent": draft.consent,
        "created_at": _when(draft.created_at),
        "updated_at": _when(draft.updated_at),
    }


def _subscription(record: PersonalRecord) -> dict[str, Any] | None:
    subscription = record.subscription
    if subscription is None:
        return None
    return {
        "kinds": list(record.kinds),
        "areas": list(record.areas) or "all",
        "reminders": subscription.reminders,
        "weekly_digest": subscription.digest,
        "created_at": _when(subscription.created_at),
        "updated_at": _when(subscription.updated_at),
    }


def _rsvp(item: RsvpWithEvent, locale: str) -> dict[str, Any]:
    event = item.event
    title = event.titles.get(locale) or event.titles.get(event.default_locale) or ""
    return {
        "event_id": event.id,
        "event": title,
        "starts_at": _when(event.starts_at),
        "answer": item.rsvp.status,
        "place_in_line": item.place_in_line,
        "answered_at": _when(item.rsvp.created_at),
        "updated_at": _when(item.rsvp.updated_at),
    }


def _outbox(record: PersonalRecord) -> list[dict[str, Any]]:
    rows = []
    for message in record.outbox:
        delivery = record.deliveries.get(message.id or 0)
        rows.append(
            {
                "status": message.status,
                "queued_at": _when(message.created_at),
                "sent_at": _when(message.sent_at),
                "message": message.payload,
                "delivery": {
                    "attempts": delivery.attempts if delivery else 0,
                    "outcomes": delivery.outcomes if delivery else {},
                    "last_attempt_at": _when(delivery.last_at) if delivery else None,  # type: ignore[arg-type]
                },
            }
        )
    return rows


def _counts(record: PersonalRecord) -> HeldCounts:
    names = pitch_texts.statuses()
    messages = sum(
        1 for events in record.events.values() for e in events if e.kind in MESSAGE_KINDS
    )
    return HeldCounts(
        pitches=[(p.reference, names.get(p.status, p.status)) for p in record.pitches],
        messages=messages,
        consents_given=len(record.consents),
        consents_withdrawn=sum(1 for c in record.consents if c.withdrawn_at is not None),
        has_draft=record.draft is not None,
        subscribed=record.subscription is not None,
        going=sum(1 for r in record.rsvps if r.rsvp.status == "going"),
        waiting=sum(1 for r in record.rsvps if r.rsvp.status == "waiting"),
        outbox=len(record.outbox),
    )
