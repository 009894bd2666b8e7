"""The outbox sender against the Bot API emulator, on an injected clock."""

from __future__ import annotations

import asyncio
import base64
import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from aiogram import Bot
from aiogram.methods import CopyMessage, SendDocument, SendMessage
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery import OutboxSender
from bot.delivery_outcomes import DeliveryOptions
from bot.outbox_methods import build_method
from core.config import ConfigError, load_settings
from core.languages import create_i18n
from core.outbox_messages import (
    document_payload,
    open_progress_message,
    progress_text,
    text_payload,
)
from playground.emulator import TelegramEmulator
from storage import outbox
from storage.models import (
    Campaign,
    DeliveryAttempt,
    OutboxMessage,
    Subscription,
    SubscriptionKind,
    User,
)
from storage.outbox import QueuedMessage
from tests.conftest import RunningBot


class FakeClock:
    """Time that moves only when the sender sleeps."""

    def __init__(self) -> None:
        self.moment = datetime.now(UTC).replace(microsecond=0)
        self.slept = 0.0

    def now(self) -> datetime:
        return self.moment

    async def sleep(self, seconds: float) -> None:
        seconds = max(seconds, 0.0)
        self.moment += timedelta(seconds=seconds)
        self.slept += seconds
        await asyncio.sleep(0)


@pytest.fixture
def i18n() -> I18n:
    return create_i18n("sv")


@pytest.fixture
async def bot(emulator: TelegramEmulator) -> AsyncIterator[Bot]:
    bot = emulator.create_bot()
    try:
        yield bot
    finally:
        await bot.session.close()


def sender_for(
    bot: Bot,
    sessionmaker: async_sessionmaker[AsyncSession],
    i18n: I18n,
    clock: FakeClock,
    **options: object,
) -> OutboxSender:
    return OutboxSender(
        bot,
        sessionmaker,
        i18n,
        options=DeliveryOptions(**options),  # type: ignore[arg-type]
        clock=clock,
    )


async def queue_texts(
    session: AsyncSession,
    chat_ids: list[int],
    clock: FakeClock,
    *,
    campaign: Campaign | None = None,
    tag: str = "hello",
) -> None:
    messages = [
        QueuedMessage(
            chat_id, text_payload(f"{tag} <b>{n}</b>"), dedupe_key=f"test:{tag}:{n}:{chat_id}"
        )
        for n, chat_id in enumerate(chat_ids)
    ]
    await outbox.enqueue(session, messages, campaign=campaign, now=clock.now())
    await session.commit()


async def add_subscriber(session: AsyncSession, user_id: int) -> None:
    session.add(User(telegram_id=user_id, locale="sv"))
    session.add(Subscription(user_id=user_id))
    await session.flush()
    session.add(SubscriptionKind(user_id=user_id, kind="meetup"))
    await session.commit()


async def rows_by_chat(session: AsyncSession) -> dict[int, list[OutboxMessage]]:
    rows = (await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars()
    grouped: dict[int, list[OutboxMessage]] = {}
    for row in rows:
        grouped.setdefault(row.chat_id, []).append(row)
    return grouped


async def all_attempts(session: AsyncSession) -> list[tuple[int, DeliveryAttempt]]:
    """(chat id, attempt) in the order the attempts were made."""
    result = await session.execute(
        select(OutboxMessage.chat_id, DeliveryAttempt)
        .join(OutboxMessage, OutboxMessage.id == DeliveryAttempt.outbox_id)
        .order_by(DeliveryAttempt.at, DeliveryAttempt.id)
    )
    return [(chat_id, attempt) for chat_id, attempt in result.all()]


def seconds(moment: datetime) -> float:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


# -- payloads ----------------------------------------------------------------------------------


def test_text_payload_is_the_outbox_format() -> None:
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Going", callback_data="rsvp:1:going")]]
    )
    assert text_payload("<b>Hej</b>", markup) == {
        "method": "sendMessage",
        "text": "<b>Hej</b>",
        "parse_mode": "HTML",
        "reply_markup": {
            "inline_keyboard": [[{"text": "Going", "callback_data": "rsvp:1:going"}]]
        },
    }
    assert text_payload("x") == {"method": "sendMessage", "text": "x", "parse_mode": "HTML"}


def test_payloads_become_aiogram_methods() -> None:
    message = build_method(5, text_payload("hi"), paid_broadcast=True)
    assert isinstance(message, SendMessage)
    assert (message.chat_id, message.text, message.allow_paid_broadcast) == (5, "hi", True)
    document = build_method(5, document_payload("event.ics", b"BEGIN:VCALENDAR", "<b>Add</b>"))
    assert isinstance(document, SendDocument)
    assert document.document.filename == "event.ics"  # type: ignore[union-attr]
    assert document.caption == "<b>Add</b>"
    copy = build_method(5, {"method": "copyMessage", "from_chat_id": 7, "message_id": 3})
    assert isinstance(copy, CopyMessage)


def test_progress_numbers_follow_the_readers_locale(i18n: I18n) -> None:
    with i18n.context(), i18n.use_locale("sv"):
        text = progress_text({"sent": 1200, "blocked": 3, "failed": 2}, 5000, "sv", final=False)
    assert "1\xa0200" in text and "5\xa0000" in text


def test_rates_are_validated_and_paid_broadcast_lifts_the_ceiling() -> None:
    with pytest.raises(ConfigError, match="DELIVERY_RATE"):
        load_settings(_env_file=None, delivery_rate=31)
    with pytest.raises(ConfigError, match="PAID_BROADCAST_RATE"):
        load_settings(_env_file=None, paid_broadcast_rate=1001)
    plain = load_settings(_env_file=None)
    assert DeliveryOptions.from_settings(plain).rate == 25
    paid = load_settings(_env_file=None, allow_paid_broadcast=True, paid_broadcast_rate=500)
    options = DeliveryOptions.from_settings(paid)
    assert (options.rate, options.paid_broadcast) == (500, True)


# -- delivery ----------------------------------------------------------------------------------


async def test_errors_are_retried_refused_or_blocked_and_every_attempt_is_kept(
    emulator: TelegramEmulator,
    bot: Bot,
    sessionmaker: async_sessionmaker[AsyncSession],
    i18n: I18n,
) -> None:
    clock = FakeClock()
    chats = list(range(1001, 1013))
    blocked, flaky, slow, refused, broken, throttled = 1004, 1002, 1003, 1005, 1006, 1001
    async with sessionmaker() as session:
        await add_subscriber(session, blocked)
        await queue_texts(session, chats, clock)
        await queue_texts(session, [blocked], clock, tag="again")
    emulator.user(blocked).blocked = True
    emulator.inject_error("sendMessage", 429, retry_after=7, chat_id=throttled)
    emulator.inject_error("sendMessage", 502, times=2, chat_id=flaky)
    emulator.inject_error("sendMessage", 500, times=2, chat_id=slow, delay=0.6)
    emulator.inject_error("sendMessage", 400, chat_id=refused)
    emulator.inject_error("sendMessage", 500, times=None, chat_id=broken)
    sender = sender_for(
        bot, sessionmaker, i18n, clock, rate=20, concurrency=1, max_attempts=3, request_timeout=0.2
    )

    await sender.run_until_idle()

    reachable = [chat for chat in chats if chat not in {blocked, refused, broken}]
    assert emulator.message_counts("sendMessage") == dict.fromkeys(reachable, 1)
    async with sessionmaker() as session:
        rows = await rows_by_chat(session)
        assert [row.status for row in rows[blocked]] == ["blocked", "blocked"]
        assert rows[refused][0].status == "failed" and rows[broken][0].status == "failed"
        assert all(rows[chat][0].status == "sent" for chat in reachable)
        assert all(rows[chat][0].telegram_message_id for chat in reachable)
        user = await session.get(User, blocked)
        assert user is not None and user.blocked_at is not None
        assert await session.get(Subscription, blocked) is None
        kinds = await session.execute(
            select(SubscriptionKind).where(SubscriptionKind.user_id == blocked)
        )
        assert kinds.first() is None
        attempts = await all_attempts(session)

    def outcomes(chat: int) -> list[str]:
        return [attempt.outcome for chat_id, attempt in attempts if chat_id == chat]

    assert outcomes(throttled) == ["retry_after", "sent"]
    assert outcomes(flaky) == ["server_error", "server_error", "sent"]
    assert outcomes(slow) == ["timeout", "timeout", "sent"]
    assert outcomes(refused) == ["bad_request"]
    assert outcomes(broken) == ["server_error"] * 3
    # The second message is stopped by the first 403 (or, sent meanwhile, refused too).
    assert set(outcomes(blocked)) == {"blocked"}
    # A 429 pauses every send for its retry_after, not only that chat's.
    throttle = next(a for chat, a in attempts if chat == throttled)
    assert throttle.retry_after == 7
    later = [a for _chat, a in attempts if a.id > throttle.id]
    assert later and min(seconds(a.at) for a in later) >= seconds(throttle.at) + 7 - 1e-6
    # 5xx answers back off exponentially: 2 s, then 4 s.
    tries = [seconds(a.at) for chat, a in attempts if chat == flaky]
    assert tries[1] - tries[0] >= 2 - 1e-6 and tries[2] - tries[1] >= 4 - 1e-6


async def test_limits_hold_on_the_injected_clock(
    emulator: TelegramEmulator,
    bot: Bot,
    sessionmaker: async_sessionmaker[AsyncSession],
    i18n: I18n,
) -> None:
    clock = FakeClock()
    group = emulator.group(-5001, title="Coordinators").id
    crowd = list(range(3001, 3021))
    chats = crowd + [2001] * 5 + [group] * 25
    async with sessionmaker() as session:
        await queue_texts(session, chats, clock)
    sender = sender_for(bot, sessionmaker, i18n, clock, rate=10)

    await sender.run_until_idle()

    assert emulator.message_counts("sendMessage") == {
        **dict.fromkeys(crowd, 1),
        2001: 5,
        group: 25,
    }
    async with sessionmaker() as session:
        attempts = await all_attempts(session)
    assert all(a.outcome == "sent" for _chat, a in attempts)
    times = sorted(seconds(a.at) for _chat, a in attempts)
    # Overall: evenly spaced at 10/s, so no second holds more than 10.
    assert all(b - a >= 0.1 - 1e-6 for a, b in itertools.pairwise(times))
    assert max(sum(1 for t in times if start <= t < start + 1) for start in times) <= 10
    private = [seconds(a.at) for chat, a in attempts if chat == 2001]
    assert all(b - a >= 1 - 1e-6 for a, b in itertools.pairwise(private))
    in_group = [seconds(a.at) for chat, a in attempts if chat == group]
    assert all(in_group[n + 20] - in_group[n] >= 60 - 1e-6 for n in range(len(in_group) - 20))
    # The group's wait held nobody else up: the crowd was done within the first seconds.
    crowd_times = [seconds(a.at) for chat, a in attempts if chat in crowd]
    assert max(crowd_times) - min(times) < 10


async def test_a_killed_sender_resumes_without_sending_twice(
    emulator: TelegramEmulator,
    bot: Bot,
    sessionmaker: async_sessionmaker[AsyncSession],
    i18n: I18n,
) -> None:
    clock = FakeClock()
    chats = list(range(4001, 4081))
    async with sessionmaker() as session:
        await queue_texts(session, chats, clock)
    emulator.inject_latency(0.01, "sendMessage")
    first = sender_for(bot, sessionmaker, i18n, clock, rate=None, concurrency=4)
    task = asyncio.create_task(first.run_until_idle())
    await emulator.wait_for(lambda: len(emulator.sent) >= 20, timeout=10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with sessionmaker() as session:
        rows = await rows_by_chat(session)
    sent_before = {chat for chat, chat_rows in rows.items() if chat_rows[0].status == "sent"}
    # Sends cut off in flight may have reached Telegram without being recorded.
    assert 0 < len(sent_before) <= len(emulator.sent) < len(chats)

    second_bot = emulator.create_bot()
    try:
        second = sender_for(second_bot, sessionmaker, i18n, clock, rate=None, concurrency=4)
        await second.run_until_idle()
    finally:
        await second_bot.session.close()

    counts = emulator.message_counts("sendMessage")
    assert set(counts) == set(chats)
    assert all(counts[chat] == 1 for chat in sent_before)
    # Only sends cut off in flight by the kill can have reached Telegram unrecorded.
    assert sum(counts.values()) - len(chats) <= 4
    async with sessionmaker() as session:
        rows = await rows_by_chat(session)
        sent_attempts = [a for _chat, a in await all_attempts(session) if a.outcome == "sent"]
    assert all(chat_rows[0].status == "sent" for chat_rows in rows.values())
    assert len(sent_attempts) == len(chats)


async def test_progress_is_edited_in_place_and_ends_with_the_final_report(
    emulator: TelegramEmulator,
    bot: Bot,
    sessionmaker: async_sessionmaker[AsyncSession],
    i18n: I18n,
) -> None:
    clock = FakeClock()
    admin = emulator.user(9001, language_code="en")
    report_id = await open_progress_message(bot, i18n, chat_id=admin.id, locale="en")
    chats = list(range(5001, 5013))
    async with sessionmaker() as session:
        await add_subscriber(session, 5003)
        campaign = await outbox.create_campaign(
            session,
            kind="broadcast",
            created_by=admin.id,
            report_chat_id=admin.id,
            report_message_id=report_id,
            report_locale="en",
        )
        await queue_texts(session, chats, clock, campaign=campaign)
        campaign_id = campaign.id
    emulator.user(5003).blocked = True
    sender = sender_for(bot, sessionmaker, i18n, clock, rate=2, progress_interval=2)

    await sender.run_until_idle()

    assert len(admin.messages) == 1
    report = emulator.get_message(admin.id, report_id)
    assert report is not None
    assert report.text == "✅ Done: sent 11 of 12 · 1 blocked · 0 failed"
    assert report.history[0] == "📤 Getting ready to send…"
    assert any(text and text.startswith("📤 Sending: ") for text in report.history[1:])
    async with sessionmaker() as session:
        stored = await session.get(Campaign, campaign_id)
        assert stored is not None and stored.finished_at is not None


async def test_documents_and_copies_are_delivered_and_paid_broadcast_is_passed(
    emulator: TelegramEmulator,
    bot: Bot,
    sessionmaker: async_sessionmaker[AsyncSession],
    i18n: I18n,
) -> None:
    clock = FakeClock()
    resident = emulator.user(6001)
    source = emulator.user(6002)
    original = await source.send("Meet us at Möllan")
    calendar = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    async with sessionmaker() as session:
        await outbox.enqueue(
            session,
            [
                QueuedMessage(resident.id, document_payload("event.ics", calendar, "Add it")),
                QueuedMessage(
                    resident.id,
                    {"method": "copyMessage", "from_chat_id": source.id, "message_id": original},
                ),
            ],
            now=clock.now(),
        )
        await session.commit()
    sender = sender_for(bot, sessionmaker, i18n, clock, rate=1000, paid_broadcast=True)

    assert await sender.drain_once() == 2

    document, copy = resident.messages
    assert document.document is not None and document.document.content == calendar
    assert document.document.filename == "event.ics"
    assert copy.text == "Meet us at Möllan"
    calls = emulator.calls_to("sendDocument") + emulator.calls_to("copyMessage")
    assert all(call.params.get("allow_paid_broadcast") is True for call in calls)
    assert base64.b64decode(document_payload("a", calendar, None)["document"]["content_base64"])


async def test_the_running_bot_delivers_what_is_queued_and_forgets_a_block_on_return(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    resident = emulator.user(7001, language_code="en")
    async with running_bot.sessionmaker() as session:
        await outbox.enqueue(session, [QueuedMessage(resident.id, text_payload("<b>News</b>"))])
        session.add(User(telegram_id=resident.id, locale="en", blocked_at=datetime.now(UTC)))
        await session.commit()
    running_bot.sender.wake()
    news = await resident.next_message()
    assert news.text == "<b>News</b>"
    await resident.send("/start")
    await resident.next_message()
    async with running_bot.sessionmaker() as session:
        user = await session.get(User, resident.id)
        assert user is not None and user.blocked_at is None
        row = (await session.execute(select(OutboxMessage))).scalar_one()
        assert row.status == "sent" and row.sent_at is not None
