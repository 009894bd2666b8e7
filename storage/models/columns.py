"""Column helpers shared by the tables: times in UTC, Telegram's 52-bit ids."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, Column, DateTime


def utcnow() -> datetime:
    return datetime.now(UTC)


def utc_column(**kwargs: object) -> Column:
    return Column(DateTime(timezone=True), **kwargs)  # type: ignore[arg-type]


def big_id_column(**kwargs: object) -> Column:
    return Column(BigInteger, **kwargs)  # type: ignore[arg-type]
