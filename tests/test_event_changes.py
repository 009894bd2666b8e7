"""Changing and cancelling events at the service level: the use cases check the right on the
event and on its area, the event's state and the version the actor saw, themselves (not the
handler); a change or cancel made twice from one version goes through once."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.event_fields import FieldProblem
from core.event_texts import aware
from core.schedule import PlannedJob
from core.services import event_changes as changes
from core.services import event_publishing as publishing
from core.services.roles import NotAllowed, Roles
from storage.models import AuditEntry, Campaign, Event
from tests.test_event_jobs import ADMIN, NOW, STARTS, draft, people, renderer

SODER = Roles(user_id=21, is_admin=False, incubators=frozenset({"soder"}))
OSTER = Roles(user_id=22, is_admin=False, incubators=frozenset({"oster"}))
CITY_WIDE = Roles(user_id=23, is_admin=False, incubators=frozenset({"citywide"}))
RESIDENT = Roles(user_id=24, is_admin=False, incubators=frozenset())


@dataclass
class RecordedJobs:
    """The scheduler port, recording what the use cases plan."""

    placed: dict[int, list[PlannedJob]] = field(default_factory=dict)

    async def replace_event_jobs(self, event_id: int, planned: list[PlannedJob]) -> None:
        self.placed[event_id] = planned

    async def remove_event_jobs(self, event_id: int) -> None:
        self.placed.pop(event_id, None)


async def new_event(
    sessionmaker: async_sessionmaker[AsyncSession], actor: Roles = ADMIN, **fields: object
) -> Event:
    async with sessionmaker() as session:
        return await publishing.create_event(
            session,
            actor=actor,
            draft=draft(**fields),
            publish_at=None,
            now=NOW,
            renderer=renderer(),
            event_jobs=RecordedJobs(),
        )


async def edit(
    sessionmaker: async_sessionmaker[AsyncSession],
    actor: Roles,
    event: Event,
    *,
    now: datetime = NOW,
    version: int | None = None,
    **new: object,
) -> Event:
    assert event.id is not None
    async with sessionmaker() as session:
        edited, _told = await changes.edit_event(
            session,
            actor=actor,
            event_id=event.id,
            expected_version=event.version if version is None else version,
            changes=new,
            now=now,
            renderer=renderer(),
            event_jobs=RecordedJobs(),
        )
    return edited


async def cancel(
    sessionmaker: async_sessionmaker[AsyncSession],
    actor: Roles,
    event: Event,
    *,
    now: datetime = NOW,
    version: int | None = None,
) -> Event:
    assert event.id is not None
    async with sessionmaker() as session:
        cancelled, _told = await changes.cancel_event(
            session,
            actor=actor,
            event_id=event.id,
            expected_version=event.version if version is None else version,
            now=now,
            renderer=renderer(),
            event_jobs=RecordedJobs(),
        )
    return cancelled


async def stored(sessionmaker: async_sessionmaker[AsyncSession], event: Event) -> Event:
    async with sessionmaker() as session:
        found = await session.get(Event, event.id)
    assert found is not None
    return found


async def refusals(sessionmaker: async_sessionmaker[AsyncSession]) -> list[AuditEntry]:
    async with sessionmaker() as session:
        result = await session.execute(select(AuditEntry).where(AuditEntry.action == "refused"))
        return list(result.scalars())


async def test_the_service_checks_the_right_on_the_event_and_its_area(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await people(sessionmaker)
    in_oster = await new_event(sessionmaker, area_code="oster")
    # A coordinator of another area can neither change nor cancel it, calling the service
    # directly; each attempt is kept in the audit log.
    for attempt in (
        edit(sessionmaker, SODER, in_oster, place="Somewhere"),
        cancel(sessionmaker, SODER, in_oster),
    ):
        with pytest.raises(NotAllowed) as refused:
            await attempt
        assert refused.value.reason == "not_your_area"
    with pytest.raises(NotAllowed) as refused:
        await cancel(sessionmaker, RESIDENT, in_oster)
    assert refused.value.reason == "not_staff"
    assert (await stored(sessionmaker, in_oster)).version == in_oster.version
    logged = await refusals(sessionmaker)
    assert [(row.actor_id, row.subject) for row in logged] == [
        (SODER.user_id, f"event:{in_oster.id}"),
        (SODER.user_id, f"event:{in_oster.id}"),
        (RESIDENT.user_id, f"event:{in_oster.id}"),
    ]
    assert logged[0].details == {"attempt": "event_change:not_your_area"}

    # Öster's coordinator may change it, whoever created it; not move it to another area.
    moved = await edit(sessionmaker, OSTER, in_oster, place="Rosengårds bibliotek, sal 2")
    assert moved.version == in_oster.version + 1
    with pytest.raises(NotAllowed) as refused:
        await edit(sessionmaker, OSTER, moved, area_code="norr")
    assert refused.value.reason == "not_your_area"
    assert (await stored(sessionmaker, moved)).area_code == "oster"

    # The creator who no longer serves the area may not change it either.
    created_in_soder = await new_event(sessionmaker, SODER, area_code="soder")
    moved_on = Roles(user_id=SODER.user_id, is_admin=False, incubators=frozenset({"norr"}))
    with pytest.raises(NotAllowed) as refused:
        await cancel(sessionmaker, moved_on, created_in_soder)
    assert refused.value.reason == "not_your_area"


async def test_a_city_wide_event_belongs_to_its_creator_and_city_wide_coordinators(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await people(sessionmaker)
    by_admin = await new_event(sessionmaker, area_code=None)
    with pytest.raises(NotAllowed) as refused:
        await edit(sessionmaker, SODER, by_admin, place="Elsewhere")
    assert refused.value.reason == "not_yours"
    changed = await edit(sessionmaker, CITY_WIDE, by_admin, place="Stadshuset")
    assert changed.place == "Stadshuset"
    by_soder = await new_event(sessionmaker, SODER, area_code=None)
    assert (await cancel(sessionmaker, SODER, by_soder)).status == "cancelled"


async def test_a_stale_version_is_refused_by_the_service(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await people(sessionmaker)
    event = await new_event(sessionmaker)
    await edit(sessionmaker, ADMIN, event, place="Moved")
    for attempt in (
        cancel(sessionmaker, ADMIN, event, version=event.version),
        edit(sessionmaker, ADMIN, event, version=event.version, place="Back again"),
    ):
        with pytest.raises(NotAllowed) as refused:
            await attempt
        assert refused.value.reason == "stale"
    kept = await stored(sessionmaker, event)
    assert (kept.status, kept.place, kept.version) == ("published", "Moved", event.version + 1)


async def test_a_started_or_cancelled_event_cannot_be_changed(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await people(sessionmaker)
    event = await new_event(sessionmaker)
    started = STARTS + timedelta(minutes=5)
    for attempt in (
        edit(sessionmaker, ADMIN, event, now=started, place="Too late"),
        cancel(sessionmaker, ADMIN, event, now=started),
    ):
        with pytest.raises(NotAllowed) as refused:
            await attempt
        assert refused.value.reason == "started"
    cancelled = await cancel(sessionmaker, ADMIN, event)
    with pytest.raises(NotAllowed) as refused:
        await edit(sessionmaker, ADMIN, cancelled, place="Revived")
    assert refused.value.reason == "not_found"


@pytest.mark.parametrize("typed", [" ", "\u00a0", "\u200b\u200b", "\u00a0 \u2060\u3164"])
async def test_a_title_of_invisible_characters_is_refused_on_edit(
    sessionmaker: async_sessionmaker[AsyncSession], typed: str
) -> None:
    await people(sessionmaker)
    event = await new_event(sessionmaker)
    assert event.id is not None
    async with sessionmaker() as session:
        with pytest.raises(FieldProblem) as problem:
            await changes.answer_edit(
                session,
                actor=ADMIN,
                event_id=event.id,
                expected_version=event.version,
                field="title",
                text=typed,
                locale="sv",
                now=NOW,
                renderer=renderer(),
                event_jobs=RecordedJobs(),
            )
    assert problem.value.reason == "title_empty"
    kept = await stored(sessionmaker, event)
    assert (kept.titles, kept.version) == (event.titles, event.version)


async def test_two_cancels_or_edits_from_one_version_go_through_once(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await people(sessionmaker)
    for _round in range(6):
        event = await new_event(sessionmaker)
        results = await asyncio.gather(
            cancel(sessionmaker, ADMIN, event),
            cancel(sessionmaker, OSTER, event),
            return_exceptions=True,
        )
        assert sorted(type(result).__name__ for result in results) == ["Event", "NotAllowed"]
        kept = await stored(sessionmaker, event)
        assert (kept.status, kept.version) == ("cancelled", event.version + 1)

        event = await new_event(sessionmaker)
        results = await asyncio.gather(
            edit(sessionmaker, ADMIN, event, place="Here"),
            edit(sessionmaker, OSTER, event, place="There"),
            return_exceptions=True,
        )
        won = [result for result in results if isinstance(result, Event)]
        lost = [result for result in results if isinstance(result, NotAllowed)]
        assert len(won) == 1 and [refusal.reason for refusal in lost] == ["stale"]
        kept = await stored(sessionmaker, event)
        assert (kept.place, kept.version) == (won[0].place, event.version + 1)


async def test_publishing_at_the_moment_of_a_cancel_never_undoes_it(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await people(sessionmaker)
    for _round in range(6):
        async with sessionmaker() as session:
            event = await publishing.create_event(
                session,
                actor=ADMIN,
                draft=draft(),
                publish_at=NOW + timedelta(days=1),
                now=NOW,
                renderer=renderer(),
                event_jobs=RecordedJobs(),
            )
        assert event.id is not None

        async def publish(event_id: int = event.id) -> int | None:
            async with sessionmaker() as session:
                return await publishing.publish_event(
                    session, event_id=event_id, version=1, now=NOW, renderer=renderer()
                )

        await asyncio.gather(publish(), cancel(sessionmaker, ADMIN, event))
        assert (await stored(sessionmaker, event)).status == "cancelled"
    async with sessionmaker() as session:
        kinds = (await session.execute(select(Campaign.kind))).scalars().all()
    assert set(kinds) <= {"announcement", "cancellation"}


async def test_a_typed_title_and_start_are_stored_in_one_update(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await people(sessionmaker)
    event = await new_event(sessionmaker, descriptions={"sv": "Om staden"})
    assert event.id is not None
    for name, typed in (("title", "\u200b Malmötimmen <live> \u00a0"), ("start", "10 dec 18:00")):
        current = await stored(sessionmaker, event)
        async with sessionmaker() as session:
            await changes.answer_edit(
                session,
                actor=ADMIN,
                event_id=event.id,
                expected_version=current.version,
                field=name,
                text=typed,
                locale="en",
                now=NOW,
                renderer=renderer(),
                event_jobs=RecordedJobs(),
            )
    kept = await stored(sessionmaker, event)
    assert kept.titles == {"sv": "Malmötimmen i Rosengård", "en": "Malmötimmen <live>"}
    assert kept.descriptions == {"sv": "Om staden"}
    assert aware(kept.ends_at) - aware(kept.starts_at) == timedelta(hours=1)  # moved along
    assert aware(kept.starts_at) == datetime(2026, 12, 10, 17, 0, tzinfo=UTC)
    assert kept.version == event.version + 2
