"""What erasing a person does to the rows that must stay (the audit log) and to
conversations, on SQLite and PostgreSQL."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.city import load_city
from core.pitch_workflow import DECLINE_REASONS
from core.services.city_sync import sync_city_data
from storage.erasure import anonymise_pitch, conversation_of, delete_person
from storage.models import AuditEntry, FsmRecord, Pitch, PitchEvent, User, utcnow

PERSON = 123
NEIGHBOUR = 1234  # an id that contains the person's digits
STAFF = 9001


async def test_the_audit_log_keeps_staff_actions_and_loses_the_residents_id(
    session: AsyncSession,
) -> None:
    now = utcnow()
    session.add(User(telegram_id=PERSON, locale="sv", first_seen_at=now, last_seen_at=now))
    entries = [
        AuditEntry(actor_id=PERSON, action="refused", subject="pitch:7", created_at=now),
        AuditEntry(actor_id=STAFF, action="admin_added", subject=str(PERSON), created_at=now),
        AuditEntry(actor_id=STAFF, action="admin_added", subject=str(NEIGHBOUR), created_at=now),
        AuditEntry(actor_id=PERSON, action="pitch_take", subject="MT-2026-0001", created_at=now),
    ]
    session.add_all(entries)
    await session.commit()

    await delete_person(session, PERSON)
    await session.commit()

    rows = (await session.execute(select(AuditEntry).order_by(AuditEntry.id))).scalars().all()  # type: ignore[arg-type]
    assert [(row.actor_id, row.action, row.subject) for row in rows] == [
        (None, "refused", "pitch:7"),  # the resident's own refused press: no one's now
        (STAFF, "admin_added", "erased"),  # about the person: they are no longer named
        (STAFF, "admin_added", str(NEIGHBOUR)),  # someone else
        (PERSON, "pitch_take", "MT-2026-0001"),  # what they did as staff stays, by id
    ]
    assert await session.get(User, PERSON) is None


async def test_the_persons_conversations_go_and_only_theirs(session: AsyncSession) -> None:
    keys = {
        f"fsm:42:{PERSON}:{PERSON}:default": False,  # their private chat
        f"fsm:42:-100500:{PERSON}:default": False,  # theirs in a group
        f"fsm:42:{NEIGHBOUR}:{NEIGHBOUR}:default": True,
        f"fsm:42:-100500:{NEIGHBOUR}:default": True,
    }
    session.add_all(FsmRecord(key=key, state="PitchForm:title") for key in keys)
    await session.commit()

    await delete_person(session, PERSON)
    await session.commit()

    left = set((await session.execute(select(FsmRecord.key))).scalars())
    assert left == {key for key, stays in keys.items() if stays}


@given(
    bot=st.integers(1, 2**40),
    chat=st.integers(-(2**52), 2**52),
    user=st.integers(1, 2**52),
    person=st.integers(1, 2**52),
)
def test_a_conversation_key_is_the_persons_only_when_it_names_them(
    bot: int, chat: int, user: int, person: int
) -> None:
    key = f"fsm:{bot}:{chat}:{user}:default"
    assert conversation_of(key, person) == (person in (chat, user))


async def test_anonymising_keeps_the_history_but_not_anyones_words(session: AsyncSession) -> None:
    now = utcnow()
    await sync_city_data(session, load_city(), now=now)
    pitch = Pitch(
        reference="MT-2026-0001",
        user_id=None,
        language="sv",
        title="Läxhjälp",
        need="Ett rum",
        submitter_name="Samira",
        contact_phone="+46701112233",
        media=[{"kind": "voice", "file_id": "voice-file-1"}],
        incubator_code="soder",
        consent_at=now,
    )
    session.add(pitch)
    await session.flush()
    details = {
        "ask": "Hur många barn?",
        "reply": "Tolv barn",
        "message": "Välkommen",
        "decline": "fit",
        "move": "soder>vaster",
    }
    for kind, detail in [*details.items(), ("decline", "Vi har inte tid, Samira")]:
        session.add(PitchEvent(pitch_id=pitch.id, kind=kind, detail=detail, created_at=now))  # type: ignore[arg-type]
    await session.commit()

    assert await anonymise_pitch(
        session,
        pitch_id=pitch.id,
        erase_text=False,
        now=now,
        template_reasons=DECLINE_REASONS,  # type: ignore[arg-type]
    )
    assert not await anonymise_pitch(session, pitch_id=pitch.id, erase_text=False, now=now)  # type: ignore[arg-type]
    await session.commit()

    rows = (
        await session.execute(select(PitchEvent.kind, PitchEvent.detail).order_by(PitchEvent.id))  # type: ignore[arg-type]
    ).all()
    assert [tuple(row) for row in rows] == [
        ("ask", None),
        ("reply", None),
        ("message", None),
        ("decline", "fit"),  # a template's code: no one's words
        ("move", "soder>vaster"),
        ("decline", None),  # a written reason
    ]
    stored = await session.get(Pitch, pitch.id, populate_existing=True)
    assert stored is not None and stored.erased_at is not None
    assert (stored.submitter_name, stored.contact_phone, stored.media) == (None, None, [])
    assert (stored.title, stored.need) == ("Läxhjälp", "Ett rum")  # the incubator's record
