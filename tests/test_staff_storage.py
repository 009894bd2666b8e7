"""Storage for roles and the desk, on SQLite and PostgreSQL: numbers and texts that don't fit a
column never reach the database, and a search looks for `%` and `_` as written."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.city import load_city
from core.services.city_sync import sync_city_data
from storage import coordination as data
from storage.models import Coordinator, Pitch, PromotedAdmin
from storage.upsert import ValueOutOfRange

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("user_id", [10**25, 2**63, -(2**63) - 1])
async def test_an_id_too_big_for_its_column_is_refused_before_the_database(
    session: AsyncSession, user_id: int
) -> None:
    with pytest.raises(ValueOutOfRange):
        await data.add_promoted_admin(session, user_id=user_id, granted_by=1, now=NOW)
    # The session is still usable: nothing was sent.
    await data.add_promoted_admin(session, user_id=2**52 - 1, granted_by=1, now=NOW)
    await session.commit()
    stored = (await session.execute(select(PromotedAdmin.user_id))).scalars().all()
    assert stored == [2**52 - 1]


async def test_a_code_too_long_for_its_column_is_refused_on_both_databases(
    session: AsyncSession,
) -> None:
    await sync_city_data(session, load_city(), now=NOW)
    with pytest.raises(ValueOutOfRange):
        await data.add_coordinator(
            session, incubator_code="s" * 25, user_id=5, added_by=1, now=NOW
        )
    await data.add_coordinator(session, incubator_code="soder", user_id=5, added_by=1, now=NOW)
    await session.commit()
    assert (await session.execute(select(Coordinator.user_id))).scalars().all() == [5]


async def test_search_takes_percent_and_underscore_as_written(session: AsyncSession) -> None:
    await sync_city_data(session, load_city(), now=NOW)
    for number, title in enumerate(["Rabatt 50% på fika", "Cykel_verkstad", "Läxhjälp"], 1):
        session.add(
            Pitch(
                reference=f"MT-2026-{number:04d}",
                language="sv",
                title=title,
                need="Behov",
                area_code="soder",
                incubator_code="soder",
                consent_at=NOW,
                submitted_at=NOW,
                updated_at=NOW,
            )
        )
    await session.commit()

    async def titles(*words: str) -> list[str]:
        found = await data.search_pitches(session, words=words, incubators=None, limit=10)
        return sorted(pitch.title for pitch in found)

    assert await titles("%") == ["Rabatt 50% på fika"]
    assert await titles("_") == ["Cykel_verkstad"]
    assert await titles("\\") == []
    assert await titles("l_x") == []
    assert await titles("50%", "fika") == ["Rabatt 50% på fika"]
