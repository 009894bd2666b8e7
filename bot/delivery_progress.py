"""A mass send's progress: one message edited in place, then a final report."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramRetryAfter
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.pacing import Pacer
from core.outbox_messages import progress_text
from storage import outbox

logger = logging.getLogger(__name__)


class ProgressReporter:
    """Edits each running campaign's progress message, within the sender's pacing."""

    def __init__(
        self,
        bot: Bot,
        sessionmaker: async_sessionmaker[AsyncSession],
        i18n: I18n,
        pacer: Pacer,
        seconds: Callable[[], float],
        now: Callable[[], datetime],
        *,
        request_timeout: float,
        default_locale: str,
    ) -> None:
        self.bot = bot
        self._sessionmaker = sessionmaker
        self._i18n = i18n
        self._pacer = pacer
        self._seconds = seconds
        self._now = now
        self._request_timeout = request_timeout
        self._default_locale = default_locale
        self._report_texts: dict[int, str] = {}

    async def report(self) -> None:
        """Edit each running campaign's progress message (when its text changed), and write
        the final report of those with nothing queued any more."""
        async with self._sessionmaker() as session:
            campaigns = await outbox.unfinished_campaigns(session)
            for campaign in campaigns:
                assert campaign.id is not None
                counts = await outbox.count_by_status(session, campaign.id)
                final = counts.get("queued", 0) == 0
                if campaign.report_chat_id and campaign.report_message_id:
                    locale = campaign.report_locale or self._default_locale
                    with self._i18n.context(), self._i18n.use_locale(locale):
                        text = progress_text(counts, campaign.total, locale, final=final)
                    if self._report_texts.get(campaign.id) != text:
                        await self._edit(campaign.report_chat_id, campaign.report_message_id, text)
                        self._report_texts[campaign.id] = text
                if final:
                    await outbox.finish_campaign(session, campaign.id, now=self._now())
                    self._report_texts.pop(campaign.id, None)
                    logger.info("campaign %s finished: %s", campaign.id, counts)
            await session.commit()

    async def _edit(self, chat_id: int, message_id: int, text: str) -> None:
        await self._pacer.take()
        try:
            await self.bot.edit_message_text(
                text=text,
                chat_id=chat_id,
                message_id=message_id,
                request_timeout=int(self._request_timeout),
            )
        except TelegramRetryAfter as error:
            self._pacer.pause(self._seconds() + error.retry_after)
        except TelegramAPIError as error:
            logger.warning(
                "could not update the progress message in chat %s: %s",
                chat_id,
                type(error).__name__,
            )
