"""Retention on SQLite and PostgreSQL, with an injected clock: each period removes exactly what
it has passed (rows a minute past the cut-off go, rows a minute short of it stay), a closed
pitch keeps or loses its own text as the city chose, nobody with a reason to be kept is
deleted, and a dry run counts the same and removes nothing."""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic import command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import SQLModel

from core import pitch_workflow as workflow
from core.city import load_city
from core.retention import RetentionPolicy
from core.services import pitch_review
from core.services.city_sync import sync_city_data
from core.services.retention import KINDS, apply_retention
from core.services.roles import Roles
from storage.anonymising import ERASED_TEXT
from storage.database import create_engine, create_sessionmaker
from storage.migrate import alembic_config
from storage.models import (
    AuditEntry,
    Campaign,
    ConsentRecord,
    Coordinator,
    DeliveryAttempt,
    Event,
    FsmRecord,
    OutboxMessage,
    Pitch,
    PitchDraft,
    PitchEvent,
    PitchMessage,
    PromotedAdmin,
    Rsvp,
    Subscription,
    User,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
POLICY = RetentionPolicy()  # the defaults: 30 days, 90 days, 24, 24 and 12 months
JUST = timedelta(minutes=1)
CITY = load_city()
INCUBATOR = CITY.incubators[0].code

DRAFTS = POLICY.drafts_before(NOW)
OUTBOX = POLICY.outbox_before(NOW)
CLOSED = POLICY.closed_pitches_before(NOW)
AUDIT = POLICY.audit_before(NOW)
INACTIVE = POLICY.inactive_users_before(NOW)
NEW_COLUMNS = {"closed_at", "anonymised_at", "erased_at"}  # those added after revision 0006


def aware(moment: datetime | None) -> datetime | None:
    """SQLite gives times back without their zone; they are stored in UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


@pytest.fixture
async def city(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker() as session:
        await sync_city_data(session, CITY, now=NOW)


async def add(sessionmaker: async_sessionmaker[AsyncSession], *rows: SQLModel) -> None:
    async with sessionmaker() as session:
        for row in rows:
            session.add(row)
            await session.flush()
        await session.commit()


def person(telegram_id: int, *, seen: datetime = NOW) -> User:
    return User(telegram_id=telegram_id, locale="sv", first_seen_at=seen, last_seen_at=seen)


def pitch(number: int, *, user_id: int | None, status: str = "received", **values: Any) -> Pitch:
    return Pitch(
        id=number,
        reference=f"MT-2024-{number:04d}",
        user_id=user_id,
        status=status,
        language="sv",
        title=f"Läxhjälp {number}",
        need="Barn behöver stöd",
        idea_text="En studiecirkel i Holma",
        media=[{"kind": "voice", "file_id": f"voice-{number}"}],
        submitter_name="Amina Yusuf",
        contact_phone="0701234567",
        contact_email="amina@example.se",
        incubator_code=INCUBATOR,
        consent_at=NOW - timedelta(days=900),
        submitted_at=NOW - timedelta(days=900),
        updated_at=NOW - timedelta(days=900),
        **values,
    )


def event(number: int, *, ends: datetime) -> Event:
    return Event(
        id=number,
        kind="meetup",
        titles={"sv": "Träff"},
        default_locale="sv",
        starts_at=ends - timedelta(hours=2),
        ends_at=ends,
        place="Stadshuset",
        status="published",
    )


async def run(
    sessionmaker: async_sessionmaker[AsyncSession], *, dry_run: bool = False, **options: Any
) -> dict[str, int]:
    async with sessionmaker() as session:
        report = await apply_retention(session, POLICY, NOW, dry_run=dry_run, **options)
    assert report.dry_run is dry_run
    return report.counts


def only(**counts: int) -> dict[str, int]:
    """A report's counts: these, and nothing of every other kind."""
    return {kind: counts.get(kind, 0) for kind in KINDS}


async def ids(sessionmaker: async_sessionmaker[AsyncSession], column: Any) -> set[Any]:
    async with sessionmaker() as session:
        return set((await session.execute(select(column))).scalars().all())


async def snapshot(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, list[str]]:
    """Every row of every table, as text: to see that nothing at all changed."""
    tables = {}
    async with sessionmaker() as session:
        for table in SQLModel.metadata.sorted_tables:
            rows = (await session.execute(select(table))).all()
            tables[table.name] = sorted(repr(tuple(row)) for row in rows)
    return tables


# --- each period ----------------------------------------------------------------------------


async def test_drafts_untouched_past_their_period_go(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await add(sessionmaker, person(1), person(2))
    await add(
        sessionmaker,
        PitchDraft(user_id=1, language="sv", title="gammal", updated_at=DRAFTS - JUST),
        PitchDraft(user_id=2, language="sv", title="ny", updated_at=DRAFTS + JUST),
    )
    assert await run(sessionmaker) == only(drafts=1)
    assert await ids(sessionmaker, PitchDraft.user_id) == {2}
    assert await ids(sessionmaker, User.telegram_id) == {1, 2}  # recently seen: both stay


async def test_outbox_rows_their_attempts_and_finished_campaigns_go(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    old, recent = OUTBOX - JUST, OUTBOX + JUST
    await add(
        sessionmaker,
        Campaign(id=1, kind="broadcast", created_at=old, finished_at=old),  # all rows old
        Campaign(id=2, kind="broadcast", created_at=old, finished_at=None),  # still running
        Campaign(id=3, kind="broadcast", created_at=old, finished_at=recent),  # a recent row
        Campaign(id=4, kind="digest", created_at=recent, finished_at=recent),  # too young
    )
    payload = {"method": "sendMessage", "text": "Hej Amina, din idé …"}
    rows = [
        (10, 1, "sent", old),
        (11, 1, "failed", old),
        (12, 2, "queued", old),
        (13, 3, "blocked", old),
        (14, 3, "sent", recent),
        (15, None, "sent", old),
        (16, None, "queued", recent),
    ]
    await add(
        sessionmaker,
        *(
            OutboxMessage(
                id=i,
                campaign_id=c,
                chat_id=500 + i,
                payload=payload,
                status=s,
                created_at=at,
                next_attempt_at=at,
            )
            for i, c, s, at in rows
        ),
    )
    await add(
        sessionmaker,
        DeliveryAttempt(outbox_id=10, outcome="server_error", at=old),
        DeliveryAttempt(outbox_id=10, outcome="sent", at=old),
        DeliveryAttempt(outbox_id=11, outcome="bad_request", at=old),
        DeliveryAttempt(outbox_id=14, outcome="sent", at=recent),
    )
    counts = await run(sessionmaker)
    assert counts == only(outbox_messages=5, delivery_attempts=3, campaigns=1)
    assert await ids(sessionmaker, OutboxMessage.id) == {14, 16}
    assert await ids(sessionmaker, DeliveryAttempt.outbox_id) == {14}
    assert await ids(sessionmaker, Campaign.id) == {2, 3, 4}


async def seed_closed_pitches(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Pitch 1 closed a minute past the period, 2 a minute short of it, 3 still open; each
    with a conversation, records of the bot's messages and consents."""
    await add(sessionmaker, person(7), person(8), person(9))
    await add(
        sessionmaker,
        pitch(1, user_id=7, status="accepted", closed_at=CLOSED - JUST),
        pitch(2, user_id=8, status="declined", closed_at=CLOSED + JUST),
        pitch(3, user_id=9, status="in_review"),
    )
    for number in (1, 2, 3):
        at = NOW - timedelta(days=800)
        await add(
            sessionmaker,
            PitchEvent(
                pitch_id=number,
                kind="ask",
                actor_id=90,
                actor_name="Sara",
                detail="Var i Holma?",
                created_at=at,
            ),
            PitchEvent(
                pitch_id=number, kind="reply", detail="Vid skolan, ring 0701234567", created_at=at
            ),
            PitchEvent(
                pitch_id=number,
                kind="message",
                actor_id=90,
                actor_name="Sara",
                detail="Tack Amina!",
                created_at=at,
            ),
            PitchEvent(
                pitch_id=number,
                kind="decline",
                actor_id=90,
                actor_name="Sara",
                from_status="in_review",
                to_status="declined",
                detail="capacity",
                created_at=at,
            ),
            PitchEvent(
                pitch_id=number,
                kind="decline",
                actor_id=90,
                actor_name="Sara",
                from_status="in_review",
                to_status="declined",
                detail="Amina, vi har tyvärr inte plats",  # a reason written, not chosen
                created_at=at,
            ),
            PitchMessage(
                chat_id=6 + number, message_id=100 + number, pitch_id=number, purpose="relay"
            ),
            PitchMessage(chat_id=-1001, message_id=200 + number, pitch_id=number, purpose="card"),
            ConsentRecord(
                user_id=6 + number,
                pitch_id=number,
                kind="pitch",
                notice_version="2026-11",
                given_at=at,
            ),
            ConsentRecord(
                user_id=6 + number,
                pitch_id=number,
                kind="contact",
                notice_version="2026-11",
                given_at=at,
            ),
        )


async def pitches_by_id(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[int, Pitch]:
    async with sessionmaker() as session:
        return {p.id: p for p in (await session.execute(select(Pitch))).scalars().all()}  # type: ignore[misc]


@pytest.mark.parametrize("erase_text", [False, True], ids=["text-kept", "text-erased"])
async def test_closed_pitches_lose_personal_data_once(
    sessionmaker: async_sessionmaker[AsyncSession], city: None, erase_text: bool
) -> None:
    await seed_closed_pitches(sessionmaker)
    before = await pitches_by_id(sessionmaker)
    counts = await run(sessionmaker, erase_pitch_text=erase_text)
    assert counts == only(closed_pitches=1, relayed_texts=4, pitch_message_records=2)

    after = await pitches_by_id(sessionmaker)
    gone = after[1]
    assert (gone.user_id, gone.submitter_name, gone.contact_phone, gone.contact_email) == (
        None,
        None,
        None,
        None,
    )
    assert gone.media == []
    assert aware(gone.anonymised_at) == NOW
    if erase_text:
        assert (gone.title, gone.need, gone.idea_text) == (ERASED_TEXT, ERASED_TEXT, None)
    else:  # the incubator's record of the idea stays
        assert (gone.title, gone.need, gone.idea_text) == (
            "Läxhjälp 1",
            "Barn behöver stöd",
            "En studiecirkel i Holma",
        )
    assert (gone.status, gone.reference, gone.incubator_code) == (
        "accepted",
        "MT-2024-0001",
        INCUBATOR,
    )
    for number in (2, 3):  # closed too recently, or still open: exactly as they were
        assert after[number].model_dump() == before[number].model_dump()

    async with sessionmaker() as session:
        events = (await session.execute(select(PitchEvent).order_by(PitchEvent.id))).scalars()
        texts = [(e.pitch_id, e.kind, e.detail) for e in events]
        consents = (await session.execute(select(ConsentRecord))).scalars().all()
    # The words written either way go; a reason chosen from the templates is no one's words.
    assert [(kind, detail) for number, kind, detail in texts if number == 1] == [
        ("ask", None),
        ("reply", None),
        ("message", None),
        ("decline", "capacity"),
        ("decline", None),
    ]
    for number in (2, 3):
        assert [detail for pitch_id, _kind, detail in texts if pitch_id == number] == [
            "Var i Holma?",
            "Vid skolan, ring 0701234567",
            "Tack Amina!",
            "capacity",
            "Amina, vi har tyvärr inte plats",
        ]
    assert await ids(sessionmaker, PitchMessage.pitch_id) == {2, 3}
    assert sorted((c.pitch_id, c.user_id) for c in consents) == [
        (1, None),
        (1, None),
        (2, 8),
        (2, 8),
        (3, 9),
        (3, 9),
    ]
    # Marked as done: a second run finds nothing, and the resident is still a person here.
    assert await run(sessionmaker, erase_pitch_text=erase_text) == only()
    assert await ids(sessionmaker, User.telegram_id) == {7, 8, 9}


async def test_audit_entries_past_their_period_go(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await add(
        sessionmaker,
        AuditEntry(id=1, actor_id=5, action="refused", created_at=AUDIT - JUST),
        AuditEntry(id=2, actor_id=5, action="refused", created_at=AUDIT + JUST),
        AuditEntry(id=3, actor_id=None, action="pitch_accept", created_at=NOW),
    )
    assert await run(sessionmaker) == only(audit_entries=1)
    assert await ids(sessionmaker, AuditEntry.id) == {2, 3}


async def test_only_people_with_nothing_to_keep_them_are_deleted(
    sessionmaker: async_sessionmaker[AsyncSession], city: None
) -> None:
    old, recent = INACTIVE - JUST, INACTIVE + JUST
    await add(
        sessionmaker,
        person(20, seen=old),  # nothing: goes, with all that is keyed by them
        person(21, seen=recent),  # seen within the period
        person(22, seen=old),  # has a pitch
        person(23, seen=old),  # subscribes
        person(24, seen=old),  # answered a meeting still to come
        person(25, seen=old),  # answered a meeting long past: goes
        person(26, seen=old),  # a promoted admin
        person(27, seen=old),  # a coordinator
        person(28, seen=old),  # an admin of the configuration (ADMIN_IDS)
        person(29, seen=old),  # only pitch closed long ago: anonymised, then goes, same run
        event(1, ends=NOW + timedelta(days=3)),
        event(2, ends=NOW - timedelta(days=400)),
    )
    await add(
        sessionmaker,
        pitch(1, user_id=22),
        pitch(2, user_id=29, status="declined", closed_at=CLOSED - JUST),
        Subscription(user_id=23),
        Rsvp(event_id=1, user_id=24, status="going"),
        Rsvp(event_id=2, user_id=25, status="going"),
        Rsvp(event_id=2, user_id=20, status="not_going"),
        PromotedAdmin(user_id=26),
        Coordinator(incubator_code=INCUBATOR, user_id=27),
        FsmRecord(key="fsm:20:20:default", state="PitchForm:title", data='{"a": 1}'),
        FsmRecord(key="fsm:-1001:20:default", state=None, data='{"b": 2}'),
        FsmRecord(key="fsm:120:120:default", state="PitchForm:title"),  # someone else
        FsmRecord(key="fsm:21:21:default", state="PitchForm:title"),
        OutboxMessage(id=1, chat_id=20, payload={"text": "Hej"}, created_at=NOW),
        OutboxMessage(id=2, chat_id=21, payload={"text": "Hej"}, created_at=NOW),
        PitchMessage(chat_id=20, message_id=5, pitch_id=1, purpose="relay"),
        AuditEntry(id=1, actor_id=20, action="refused", created_at=NOW),
    )
    await add(sessionmaker, DeliveryAttempt(outbox_id=1, outcome="server_error", at=NOW))

    counts = await run(sessionmaker, keep_user_ids=[28])
    assert counts == only(users=3, closed_pitches=1)
    assert await ids(sessionmaker, User.telegram_id) == {21, 22, 23, 24, 26, 27, 28}
    assert await ids(sessionmaker, FsmRecord.key) == {"fsm:120:120:default", "fsm:21:21:default"}
    assert await ids(sessionmaker, Rsvp.user_id) == {24}
    assert await ids(sessionmaker, OutboxMessage.id) == {2}
    assert await ids(sessionmaker, DeliveryAttempt.id) == set()
    assert await ids(sessionmaker, PitchMessage.chat_id) == set()
    assert await ids(sessionmaker, AuditEntry.actor_id) == {20}  # kept by id for its period
    assert await run(sessionmaker, keep_user_ids=[28]) == only()


async def test_deciding_a_pitch_records_when_it_closed(
    sessionmaker: async_sessionmaker[AsyncSession], city: None
) -> None:
    await add(sessionmaker, person(7))
    await add(sessionmaker, pitch(1, user_id=7))
    admin = Roles(user_id=90, is_admin=True, incubators=frozenset())
    for action, closes in (("take", False), ("accept", True)):
        async with sessionmaker() as session:
            current = await session.get(Pitch, 1)
            assert current is not None
            values = workflow.changes(
                action, assignee_id=current.assignee_id, actor_id=90, actor_name="Sara"
            )
            moment = NOW + timedelta(minutes=len(action))
            changed = await pitch_review.commit_decision(
                session,
                pitch=current,
                action=action,
                actor=admin,
                actor_name="Sara",
                now=moment,
                detail=None,
                values=values,
            )
        assert changed is not None
        assert aware(changed.closed_at) == (moment if closes else None)


# --- a dry run and the command --------------------------------------------------------------


async def seed_everything(sessionmaker: async_sessionmaker[AsyncSession], now: datetime) -> None:
    """Something of each kind past its period, and something short of it, as of `now`."""
    day = timedelta(days=1)
    policy = POLICY
    await add(
        sessionmaker,
        person(1, seen=now),
        person(2, seen=policy.inactive_users_before(now) - day),
        person(3, seen=policy.inactive_users_before(now) - day),
        Campaign(
            id=1,
            kind="broadcast",
            created_at=policy.outbox_before(now) - day,
            finished_at=policy.outbox_before(now) - day,
        ),
    )
    closed = policy.closed_pitches_before(now)
    await add(
        sessionmaker,
        PitchDraft(user_id=1, language="sv", updated_at=policy.drafts_before(now) - day),
        PitchDraft(user_id=3, language="sv", updated_at=policy.drafts_before(now) - day),
        pitch(1, user_id=1, status="accepted", closed_at=closed - day),
        pitch(2, user_id=1, status="accepted", closed_at=closed + day),
        OutboxMessage(
            id=1,
            campaign_id=1,
            chat_id=1,
            payload={"text": "Hej"},
            created_at=policy.outbox_before(now) - day,
        ),
        OutboxMessage(id=2, chat_id=1, payload={"text": "Hej"}, created_at=now),
        AuditEntry(actor_id=1, action="refused", created_at=policy.audit_before(now) - day),
        AuditEntry(actor_id=1, action="refused", created_at=now),
    )
    await add(
        sessionmaker,
        DeliveryAttempt(outbox_id=1, outcome="sent", at=now),
        PitchEvent(pitch_id=1, kind="reply", detail="Ring mig", created_at=closed - day),
        PitchMessage(chat_id=1, message_id=9, pitch_id=1, purpose="relay"),
    )


EXPECTED = only(
    drafts=2,
    outbox_messages=1,
    delivery_attempts=1,
    campaigns=1,
    closed_pitches=1,
    relayed_texts=1,
    pitch_message_records=1,
    audit_entries=1,
    users=2,
)


async def test_a_dry_run_counts_what_a_run_removes_and_changes_nothing(
    sessionmaker: async_sessionmaker[AsyncSession], city: None
) -> None:
    await seed_everything(sessionmaker, NOW)
    before = await snapshot(sessionmaker)
    assert await run(sessionmaker, dry_run=True, batch_size=1) == EXPECTED
    assert await snapshot(sessionmaker) == before
    assert await run(sessionmaker, batch_size=1) == EXPECTED
    assert await snapshot(sessionmaker) != before


@pytest.fixture
def restore_logging() -> Any:
    """`main` sets up the process's logging; give the test session its own back."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


async def test_the_command_prints_counts_and_a_dry_run_removes_nothing(
    sessionmaker: async_sessionmaker[AsyncSession],
    city: None,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    restore_logging: None,
) -> None:
    from bot.__main__ import main

    await seed_everything(sessionmaker, datetime.now(UTC))
    before = await snapshot(sessionmaker)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("BOT_TOKEN", raising=False)

    assert await asyncio.to_thread(main, ["retention", "--dry-run"]) == 0
    dry = capsys.readouterr().out.splitlines()
    assert await snapshot(sessionmaker) == before
    assert dry[-1] == "dry run: nothing removed"
    assert await asyncio.to_thread(main, ["retention"]) == 0
    real = capsys.readouterr().out.splitlines()
    assert real[-1] == f"removed: {sum(EXPECTED.values())}"

    def counts(lines: list[str]) -> dict[str, int]:
        return {line.split()[0]: int(line.split()[1]) for line in lines[1:-1]}

    assert counts(dry) == counts(real) == EXPECTED
    cutoff = POLICY.drafts_before(datetime.now(UTC)).strftime("%Y-%m-%d")
    assert any(line.startswith("drafts") and cutoff in line for line in dry)
    assert await run(sessionmaker) == only()  # nothing left for the job either


async def test_the_command_refuses_a_database_without_the_newest_schema(
    empty_database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    restore_logging: None,
) -> None:
    from bot.__main__ import main

    monkeypatch.setenv("DATABASE_URL", empty_database_url)
    assert await asyncio.to_thread(main, ["retention", "--dry-run"]) == 2
    printed = capsys.readouterr()
    assert printed.out == ""
    assert "run `python -m bot migrate` first" in printed.err


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="TEST_REDIS_URL is not set")
async def test_a_conversation_in_redis_expires_with_the_inactivity_period(
    database_url: str,
) -> None:
    """Conversation state in Redis cannot be deleted with its person; it expires instead,
    untouched for as long as the person would be kept."""
    from aiogram.fsm.storage.base import DefaultKeyBuilder, StorageKey
    from aiogram.fsm.storage.redis import RedisStorage

    from bot.app import create_fsm_storage
    from core.config import Settings

    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        bot_token="1:x",
        database_url=database_url,
        redis_url=os.environ["TEST_REDIS_URL"],
        retention_inactive_user_months=2,
    )
    storage, _isolation = create_fsm_storage(settings, None)  # type: ignore[arg-type]
    assert isinstance(storage, RedisStorage)
    key = StorageKey(bot_id=1, chat_id=uuid.uuid4().int % 10**9, user_id=5)
    names = DefaultKeyBuilder(with_destiny=True)
    try:
        await storage.set_state(key, "PitchForm:title")
        await storage.set_data(key, {"title": "Cykelverkstad"})
        for part in ("state", "data"):
            seconds = await storage.redis.ttl(names.build(key, part))  # type: ignore[arg-type]
            assert 60 * 86400 - 60 <= seconds <= 60 * 86400
    finally:
        await storage.set_state(key, None)
        await storage.set_data(key, {})
        await storage.close()


# --- a property: whatever the ages, exactly what is past the cut-off goes ----------------------

ages = st.lists(st.integers(min_value=-3, max_value=3), max_size=8)


async def test_exactly_the_rows_past_each_cut_off_go(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """Audit entries and outbox rows at random ages around their cut-offs (in minutes), in
    batches of random size: the rows past the cut-off go, the others stay, and a dry run
    before says so."""
    loop = asyncio.get_running_loop()
    run_on_loop: Callable[[Awaitable[Any]], Any] = lambda step: asyncio.run_coroutine_threadsafe(  # noqa: E731
        step, loop
    ).result(timeout=120)

    async def example(audit_ages: list[int], outbox_ages: list[int], batch: int) -> None:
        async with sessionmaker() as session:
            for table in (AuditEntry, OutboxMessage):
                await session.execute(table.__table__.delete())  # type: ignore[attr-defined]
            for n, age in enumerate(audit_ages):
                at = AUDIT - timedelta(minutes=age)
                session.add(AuditEntry(id=n + 1, action=f"a{age}", created_at=at))
            for n, age in enumerate(outbox_ages):
                at = OUTBOX - timedelta(minutes=age)
                session.add(OutboxMessage(id=n + 1, chat_id=n, payload={}, created_at=at))
            await session.commit()
        past_audit = {n + 1 for n, age in enumerate(audit_ages) if age > 0}
        past_outbox = {n + 1 for n, age in enumerate(outbox_ages) if age > 0}
        expected = only(audit_entries=len(past_audit), outbox_messages=len(past_outbox))
        assert await run(sessionmaker, dry_run=True, batch_size=batch) == expected
        assert await run(sessionmaker, batch_size=batch) == expected
        assert (
            await ids(sessionmaker, AuditEntry.id)
            == set(range(1, len(audit_ages) + 1)) - past_audit
        )
        assert (
            await ids(sessionmaker, OutboxMessage.id)
            == set(range(1, len(outbox_ages) + 1)) - past_outbox
        )

    @settings(
        max_examples=25,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(audit_ages=ages, outbox_ages=ages, batch=st.integers(min_value=1, max_value=4))
    def check(audit_ages: list[int], outbox_ages: list[int], batch: int) -> None:
        run_on_loop(example(audit_ages, outbox_ages, batch))

    await asyncio.to_thread(check)


async def test_the_counting_query_sees_no_row_twice(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """Batches cover a table larger than a batch exactly once."""
    await add(
        sessionmaker,
        *(AuditEntry(id=n, action="refused", created_at=AUDIT - JUST) for n in range(1, 8)),
    )
    assert await run(sessionmaker, batch_size=3) == only(audit_entries=7)
    async with sessionmaker() as session:
        left = (await session.execute(select(func.count()).select_from(AuditEntry))).scalar_one()
    assert left == 0


async def test_the_migration_finds_when_earlier_pitches_closed(empty_database_url: str) -> None:
    """0007 gives each pitch accepted or declined before it the time of that decision (else
    its last change); open pitches stay without one. It can be undone and done again."""

    def migrate(connection: Any, revision: str, down: bool = False) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)

    def row(number: int, status: str) -> dict[str, Any]:
        values = pitch(number, user_id=None, status=status).model_dump()
        return {key: value for key, value in values.items() if key not in NEW_COLUMNS}

    decided = NOW - timedelta(days=40)
    engine = create_engine(empty_database_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(migrate, "0006")
        async with create_sessionmaker(engine)() as session:
            await sync_city_data(session, CITY, now=NOW)
            pitches, events = Pitch.__table__, PitchEvent.__table__  # type: ignore[attr-defined]
            await session.execute(
                insert(pitches), [row(1, "accepted"), row(2, "declined"), row(3, "in_review")]
            )
            await session.execute(
                insert(events),
                [
                    {"pitch_id": 1, "kind": "take", "created_at": decided - timedelta(days=1)},
                    {"pitch_id": 1, "kind": "accept", "created_at": decided},
                    {"pitch_id": 1, "kind": "reply", "created_at": NOW},
                ],
            )
            await session.commit()
        for _round in range(2):
            async with engine.begin() as connection:
                await connection.run_sync(migrate, "head")
            async with create_sessionmaker(engine)() as session:
                closed = dict((await session.execute(select(Pitch.id, Pitch.closed_at))).all())
            assert {number: aware(at) for number, at in closed.items()} == {
                1: decided,
                2: NOW - timedelta(days=900),  # no decision in its history: its last change
                3: None,
            }
            async with engine.begin() as connection:
                await connection.run_sync(migrate, "0006", True)
    finally:
        await engine.dispose()
