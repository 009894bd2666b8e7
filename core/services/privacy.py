"""The privacy notice: reading it (/privacy), and telling residents with open ideas, once,
when its version changes.

The version can only change with the city's data file, which is read at start; so the
worker checks at start-up, right after loading the file, instead of a job asking every day.
Each resident's message has a key per person and version in the outbox: two processes, or a
restart before the version was stored, never tell anyone twice."""

from __future__ import annotations

import logging
from datetime import datetime

from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from core import privacy_texts as texts
from core.city import CityData
from core.config import Settings
from core.outbox_messages import text_payload
from core.pitch_workflow import OPEN_STATUSES
from storage import privacy_notices
from storage.outbox import QueuedMessage, enqueue

logger = logging.getLogger(__name__)


def notice_messages(city: CityData, settings: Settings, locale: str) -> list[str]:
    """The whole notice in the current locale, in messages Telegram takes."""
    return texts.privacy_notice(
        city.privacy, settings.retention, locale, erase_pitch_text=settings.erase_pitch_text
    )


def dedupe_key(version: str, user_id: int) -> str:
    return f"privacy-notice:{version}:{user_id}"


async def announce_notice_version(
    session: AsyncSession, *, city: CityData, i18n: I18n, now: datetime
) -> int | None:
    """If residents were not yet told of the city's notice version, queue one message to
    each resident with an open idea whose consent was given under another version, and
    store the version. Returns how many were queued (None: nothing new to tell)."""
    version = city.privacy.notice_version
    if await privacy_notices.announced_version(session, city.code) == version:
        return None
    residents = await privacy_notices.residents_not_told(
        session, version=version, open_statuses=OPEN_STATUSES
    )
    messages = []
    for user_id, locale in residents:
        with i18n.context(), i18n.use_locale(locale):
            payload = text_payload(texts.notice_changed(version), texts.notice_keyboard())
        messages.append(
            QueuedMessage(
                chat_id=user_id, payload=payload, dedupe_key=dedupe_key(version, user_id)
            )
        )
    queued = await enqueue(session, messages, now=now)
    await privacy_notices.set_announced_version(
        session, city_code=city.code, version=version, now=now
    )
    await session.commit()
    logger.info("privacy notice %s: %s residents with open pitches to be told", version, queued)
    return queued
