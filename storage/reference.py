"""Data functions for the city's reference data (areas, neighbourhoods, themes, ...)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    AreaRecord,
    CityDataVersion,
    IncubatorRecord,
    NeighbourhoodRecord,
    SupportOptionRecord,
    ThemeRecord,
)
from storage.upsert import upsert

# Parents before children, so foreign keys hold while rows are written.
REFERENCE_TABLES: dict[str, type] = {
    "areas": AreaRecord,
    "neighbourhoods": NeighbourhoodRecord,
    "themes": ThemeRecord,
    "support_options": SupportOptionRecord,
    "incubators": IncubatorRecord,
}


async def loaded_checksum(session: AsyncSession, city_code: str) -> str | None:
    version = await session.get(CityDataVersion, city_code)
    return version.checksum if version else None


async def replace_reference_data(
    session: AsyncSession,
    *,
    city_code: str,
    checksum: str,
    rows: dict[str, Sequence[dict[str, Any]]],
    now: datetime,
) -> None:
    """Upsert every row given per table; rows no longer given become inactive, not deleted."""
    for table_name, model in REFERENCE_TABLES.items():
        table_rows = rows.get(table_name, ())
        await session.execute(update(model).values(active=False))
        for position, row in enumerate(table_rows):
            values = {**row, "position": position, "active": True}
            await upsert(session, model.__table__, keys=["code"], values=values)
    await upsert(
        session,
        CityDataVersion.__table__,
        keys=["city_code"],
        values={"city_code": city_code, "checksum": checksum, "loaded_at": now},
    )
