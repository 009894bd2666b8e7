"""The privacy notice: complete in every language, its periods from the settings, in parts
Telegram takes; /privacy and the menu through the emulator; and a new version told once to
each resident with an open pitch, through the outbox, across restarts."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.city import DEFAULT_CITY_FILE, load_city
from core.config import SUPPORTED_LOCALES
from core.languages import create_i18n
from core.pitch_rules import format_reference
from core.privacy_texts import privacy_notice
from core.retention import RetentionPolicy
from playground.emulator import TelegramEmulator
from storage.consents import add_consent
from storage.models import OutboxMessage, Pitch, User, utcnow
from tests.conftest import RunningBot, make_settings
from tests.journeys import translator
from tests.staff_steps import wait_until

CITY = load_city()
I18N = create_i18n("sv")
NEW_VERSION = "2027-02-01"


def _notice(locale: str, policy: RetentionPolicy, *, erase: bool = False) -> list[str]:
    with I18N.context(), I18N.use_locale(locale):
        return privacy_notice(CITY.privacy, policy, locale, erase_pitch_text=erase)


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_the_notice_is_complete_in_every_language(locale: str) -> None:
    t = translator(locale)
    policy = RetentionPolicy(draft_days=14, outbox_days=60, audit_months=36)
    parts = _notice(locale, policy)
    assert parts and all(len(part) <= 4096 for part in parts)
    text = "\n".join(parts)
    assert CITY.privacy.notice_version in text
    assert CITY.privacy.controller_name(locale) in text
    assert CITY.privacy.controller_contact in text
    assert CITY.privacy.dpo_contact in text
    for command in ("/mydata", "/forget", "/mypitches"):
        assert command in text
    assert "Integritetsskyddsmyndigheten" in text and "imy.se" in text
    periods = {
        "• An unsent idea: {period} after your last answer.": "14",
        "• Messages to you and their delivery records: {period}.": "60",
        "• The security log: {period}.": "36",
    }
    for template, number in periods.items():
        line = next(line for line in text.splitlines() if line.startswith(t(template)[:6]))
        assert number in line, line
    kept = t(
        "An idea sent to the city can be an official document, so its text stays, without "
        "your name or contact details, as the incubator's record, also after you ask to be "
        "forgotten."
    )
    assert kept in text
    erased = "\n".join(_notice(locale, policy, erase=True))
    assert kept not in erased
    assert t("When you ask to be forgotten, your ideas' texts are removed as well.") in erased


def test_the_summary_of_many_pitches_comes_in_parts_telegram_takes() -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from core.privacy_texts import HeldCounts, my_data_messages

    references = [format_reference(2026, n) for n in range(1, 401)]
    counts = HeldCounts(
        pitches=[(reference, "Mottagen <ny>") for reference in references],
        messages=3,
        consents_given=2,
        consents_withdrawn=0,
        has_draft=False,
        subscribed=False,
        going=0,
        waiting=0,
        outbox=0,
    )
    with I18N.context(), I18N.use_locale("sv"):
        parts = my_data_messages(
            counts,
            telegram_id=42,
            first_seen_at=datetime(2026, 1, 2, tzinfo=UTC),
            now=datetime(2026, 12, 4, tzinfo=UTC),
            privacy=CITY.privacy,
            policy=RetentionPolicy(),
            tz=ZoneInfo("Europe/Stockholm"),
            locale="sv",
            erase_pitch_text=False,
        )
    assert len(parts) > 2 and all(len(part) <= 4096 for part in parts)
    text = "\n".join(parts)
    assert all(reference in text for reference in references)
    assert "Mottagen &lt;ny&gt; · MT-2026-0400" in text and "2 januari 2026" in text
    assert "imy.se" in parts[-1]


async def test_privacy_and_the_menu_show_the_notice(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    t = translator("es")
    omar = emulator.user(7301, first_name="Omar", language_code="es")
    await omar.send("/start")
    greeting = await omar.next_message()

    await omar.send("/privacy")
    notice = await omar.next_message()
    assert (notice.text or "").startswith(
        t("🔒 <b>Privacy notice</b> · version {version}").format(
            version=CITY.privacy.notice_version
        )
    )
    assert CITY.privacy.controller_name("es") in (notice.text or "")
    assert notice.button_labels == [t("⬅️ Main menu")]

    await omar.press(t("ℹ️ About and privacy"), message=greeting)
    about = await omar.next_message()
    await omar.press(t("🔒 Privacy notice"), message=about)
    assert (await omar.next_message()).text == notice.text

    # Someone who has only said hello: their profile, and nothing else.
    await omar.press(t("📦 My data"), message=about)
    summary = await omar.next_message()
    assert t("• No unsent idea") in (summary.text or "")
    assert t("• No subscription") in (summary.text or "")
    document = await omar.next_message()
    assert document.document is not None
    exported = json.loads(document.document.content.decode("utf-8"))
    assert exported["profile"]["telegram_id"] == omar.id
    assert exported["pitches"] == [] and exported["draft"] is None


async def test_the_notice_in_arabic_reads_right_to_left(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    amina = emulator.user(7302, first_name="Amina", language_code="ar")
    await amina.send("/privacy")
    notice = await amina.next_message()
    text = notice.text or ""
    assert "إشعار الخصوصية" in text and "imy.se" in text
    assert "\u200f• /mydata" in text


# --- a new version of the notice ----------------------------------------------------------

OPEN_SV, OPEN_AR, CLOSED_ES, MIXED_EN, BLOCKED_SV, NEW_SV = 7401, 7402, 7403, 7404, 7405, 7406


def _city_file_with_version(folder: Path, version: str) -> Path:
    source = DEFAULT_CITY_FILE.read_text(encoding="utf-8")
    old = f'notice_version = "{CITY.privacy.notice_version}"'
    assert old in source
    target = folder / "city.toml"
    target.write_text(source.replace(old, f'notice_version = "{version}"'), encoding="utf-8")
    return target


async def _residents_with_pitches(running_bot: RunningBot) -> None:
    """Pitches sent under the notice as it was: open, closed, both; and a resident who
    blocked the bot; and one whose pitch was sent under the new version already."""
    now = utcnow()
    old = CITY.privacy.notice_version
    plan = [
        (OPEN_SV, "sv", ["received"], old),
        (OPEN_AR, "ar", ["needs_info"], old),
        (CLOSED_ES, "es", ["accepted"], old),
        (MIXED_EN, "en", ["declined", "in_review"], old),
        (BLOCKED_SV, "sv", ["received"], old),
        (NEW_SV, "sv", ["received"], NEW_VERSION),
    ]
    async with running_bot.sessionmaker() as session:
        number = 0
        for user_id, locale, statuses, version in plan:
            blocked = now if user_id == BLOCKED_SV else None
            session.add(User(telegram_id=user_id, locale=locale, blocked_at=blocked))
            await session.flush()
            for status in statuses:
                number += 1
                pitch = Pitch(
                    reference=format_reference(now.year, 9000 + number),
                    user_id=user_id,
                    status=status,
                    language=locale,
                    title="Idé",
                    need="Behov",
                    area_code="soder",
                    incubator_code="soder",
                    consent_at=now,
                )
                session.add(pitch)
                await session.flush()
                await add_consent(
                    session,
                    user_id=user_id,
                    pitch_id=pitch.id,  # type: ignore[arg-type]
                    kind="pitch",
                    notice_version=version,
                    given_at=now,
                )
        await session.commit()


async def _notices_queued(running_bot: RunningBot) -> int:
    async with running_bot.sessionmaker() as session:
        result = await session.execute(
            select(func.count()).where(
                OutboxMessage.dedupe_key.like("privacy-notice:%")  # type: ignore[union-attr]
            )
        )
        return int(result.scalar_one())


async def test_a_new_notice_version_is_told_once_to_residents_with_open_pitches(
    emulator: TelegramEmulator, database_url: str, tmp_path: Path
) -> None:
    people = {
        user_id: emulator.user(user_id, first_name=f"R{user_id}", language_code=locale)
        for user_id, locale in (
            (OPEN_SV, "sv"),
            (OPEN_AR, "ar"),
            (CLOSED_ES, "es"),
            (MIXED_EN, "en"),
            (BLOCKED_SV, "sv"),
            (NEW_SV, "sv"),
        )
    }
    first = RunningBot(emulator, make_settings(emulator, database_url))
    await first.start()
    try:
        await _residents_with_pitches(first)
    finally:
        await first.stop()

    city_file = _city_file_with_version(tmp_path, NEW_VERSION)
    bot = RunningBot(emulator, make_settings(emulator, database_url, city_data_file=city_file))
    await bot.start()
    try:
        told = {OPEN_SV: "sv", OPEN_AR: "ar", MIXED_EN: "en"}
        for user_id, locale in told.items():
            message = await people[user_id].next_message()
            t = translator(locale)
            assert message.text == t(
                "🔒 Our privacy notice has changed (version {version}). It says what we keep "
                "about you and your idea, why, for how long, and your rights. Read it with "
                "/privacy."
            ).format(version=NEW_VERSION)
            assert message.button_labels == [t("🔒 Privacy notice"), t("📦 My data")]
        await _all_sent(emulator, bot)
        assert await _notices_queued(bot) == 3
        for user_id in (CLOSED_ES, BLOCKED_SV, NEW_SV):
            people[user_id].assert_no_new_message()

        # The button opens the notice of the new version.
        await people[OPEN_SV].press(translator("sv")("🔒 Privacy notice"))
        notice = await people[OPEN_SV].next_message()
        assert f"version {NEW_VERSION}" in (notice.text or "")

        await bot.restart()
        await _all_sent(emulator, bot)
        assert await _notices_queued(bot) == 3
        for person in people.values():
            person.assert_no_new_message()
    finally:
        await bot.stop()


async def _all_sent(emulator: TelegramEmulator, bot: RunningBot) -> None:
    """Wait until nothing is left queued in the outbox, and the emulator is quiet."""

    async def queued() -> int:
        async with bot.sessionmaker() as session:
            result = await session.execute(
                select(func.count()).where(OutboxMessage.status == "queued")  # type: ignore[arg-type]
            )
            return int(result.scalar_one())

    async def empty() -> bool:
        return await queued() == 0

    await wait_until(empty)
    await emulator.idle()


async def test_telling_again_after_a_lost_marker_queues_nothing_twice(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """Two processes, or a restart before the version was stored: the outbox's key per
    person and version keeps it to one message each."""
    from core.services.city_sync import sync_city_data
    from core.services.privacy import announce_notice_version
    from storage.models import PrivacyNoticeAnnouncement

    city = replace(CITY, privacy=replace(CITY.privacy, notice_version=NEW_VERSION))
    now = utcnow()
    async with sessionmaker() as session:
        await sync_city_data(session, CITY, now=now)
        session.add(User(telegram_id=OPEN_SV, locale="sv"))
        await session.flush()
        pitch = Pitch(
            reference=format_reference(now.year, 1),
            user_id=OPEN_SV,
            language="sv",
            title="Idé",
            need="Behov",
            incubator_code="soder",
            consent_at=now,
        )
        session.add(pitch)
        await session.commit()
    for _run in range(2):
        async with sessionmaker() as session:
            await session.execute(delete(PrivacyNoticeAnnouncement))
            await session.commit()
            queued = await announce_notice_version(session, city=city, i18n=I18N, now=now)
        assert queued == (1 if _run == 0 else 0)
    async with sessionmaker() as session:
        assert await announce_notice_version(session, city=city, i18n=I18N, now=now) is None
        rows = (await session.execute(select(OutboxMessage))).scalars().all()
    assert [(row.chat_id, row.dedupe_key) for row in rows] == [
        (OPEN_SV, f"privacy-notice:{NEW_VERSION}:{OPEN_SV}")
    ]
