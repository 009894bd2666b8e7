"""Who talks to the bot, and in which language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from core.config import SUPPORTED_LOCALES
from core.languages import pick_locale
from storage import users as user_data
from storage.models import User

# Writing `last_seen_at` on every update would be a write per message; this is precise enough.
LAST_SEEN_RESOLUTION = timedelta(hours=1)


async def ensure_user(
    session: AsyncSession,
    *,
    telegram_id: int,
    language_code: str | None,
    default_locale: str,
    now: datetime,
) -> User:
    """The stored user, created on first contact with Telegram's language if we ship it."""
    user = await user_data.get_user(session, telegram_id)
    if user is None:
        user = await user_data.add_user(
            session,
            telegram_id=telegram_id,
            locale=pick_locale(language_code, default_locale),
            now=now,
        )
        await session.commit()
    elif user.blocked_at is not None or now - _aware(user.last_seen_at) >= LAST_SEEN_RESOLUTION:
        # Writing again means they unblocked the bot: messages reach them again.
        user.blocked_at = None
        user.last_seen_at = now
        await session.commit()
    return user


async def set_locale(session: AsyncSession, *, user: User, locale: str) -> User:
    """Store the language the user chose; unknown codes are refused."""
    if locale not in SUPPORTED_LOCALES:
        raise ValueError(f"unsupported locale {locale!r}")
    user.locale = locale
    session.add(user)
    await session.commit()
    return user


async def remember_start_payload(session: AsyncSession, *, user: User, payload: str) -> None:
    """Keep the last recognised deep-link payload (e.g. a poster's area) for later steps."""
    user.start_payload = payload
    session.add(user)
    await session.commit()


async def stored_locale(session: AsyncSession, telegram_id: int) -> str | None:
    user = await user_data.get_user(session, telegram_id)
    return user.locale if user else None


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
