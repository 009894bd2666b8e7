"""Data functions for users. They never commit: the calling service does."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import User


async def get_user(session: AsyncSession, telegram_id: int) -> User | None:
    return await session.get(User, telegram_id)


async def add_user(session: AsyncSession, *, telegram_id: int, locale: str, now: datetime) -> User:
    user = User(telegram_id=telegram_id, locale=locale, first_seen_at=now, last_seen_at=now)
    session.add(user)
    await session.flush()
    return user
