"""Keeping the database's reference tables in step with the city's data file."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.city import CityData
from storage import reference


async def sync_city_data(session: AsyncSession, city: CityData, *, now: datetime) -> bool:
    """Load the file's data on first start and whenever the file changed; True if loaded."""
    if await reference.loaded_checksum(session, city.code) == city.checksum:
        return False
    await reference.replace_reference_data(
        session, city_code=city.code, checksum=city.checksum, rows=_rows(city), now=now
    )
    await session.commit()
    return True


def _rows(city: CityData) -> dict[str, list[dict[str, Any]]]:
    return {
        "areas": [{"code": a.code, "names": dict(a.names)} for a in city.areas],
        "neighbourhoods": [
            {
                "code": n.code,
                "area_code": n.area,
                "names": dict(n.names),
                "latitude": n.lat,
                "longitude": n.lon,
            }
            for n in city.neighbourhoods
        ],
        "themes": [
            {"code": t.code, "names": dict(t.names), "emoji": t.emoji} for t in city.themes
        ],
        "support_options": [
            {"code": s.code, "names": dict(s.names)} for s in city.support_options
        ],
        "incubators": [
            {
                "code": i.code,
                "names": dict(i.names),
                "area_codes": list(i.areas),
                "theme_codes": list(i.themes),
                "is_fallback": i.fallback,
            }
            for i in city.incubators
        ],
    }
