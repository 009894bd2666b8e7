"""The city's reference data, as loaded from its data file."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from storage.models.columns import utc_column as _utc_column
from storage.models.columns import utcnow


class CityDataVersion(SQLModel, table=True):
    """Which version (checksum) of a city's data file the reference tables hold."""

    __tablename__ = "city_data_versions"

    city_code: str = Field(primary_key=True, max_length=24)
    checksum: str = Field(max_length=64)
    loaded_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))


class AreaRecord(SQLModel, table=True):
    __tablename__ = "areas"

    code: str = Field(primary_key=True, max_length=24)
    names: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    position: int = 0
    active: bool = True


class NeighbourhoodRecord(SQLModel, table=True):
    __tablename__ = "neighbourhoods"

    code: str = Field(primary_key=True, max_length=24)
    area_code: str = Field(foreign_key="areas.code", max_length=24)
    names: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    latitude: float
    longitude: float
    position: int = 0
    active: bool = True


class ThemeRecord(SQLModel, table=True):
    __tablename__ = "themes"

    code: str = Field(primary_key=True, max_length=24)
    names: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    emoji: str = Field(default="", max_length=16)
    position: int = 0
    active: bool = True


class SupportOptionRecord(SQLModel, table=True):
    __tablename__ = "support_options"

    code: str = Field(primary_key=True, max_length=24)
    names: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    position: int = 0
    active: bool = True


class IncubatorRecord(SQLModel, table=True):
    __tablename__ = "incubators"

    code: str = Field(primary_key=True, max_length=24)
    names: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    area_codes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    theme_codes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    is_fallback: bool = False
    position: int = 0
    active: bool = True
