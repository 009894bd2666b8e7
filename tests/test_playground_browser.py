"""The playground in a real browser: people walk the bot's journeys on the page alone."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web
from playwright.async_api import Browser, async_playwright, expect

from core import bidi
from playground.__main__ import listening_socket
from playground.personas import ADMIN_ID, GROUP_ID
from playground.runtime import Playground
from playground.server import create_app
from tests.journeys import CITY, translator
from tests.playground_steps import (
    BrowserPage,
    ServedPlayground,
    answered,
    button,
    chromium_path,
    last_bot_message,
    plain,
    pressed,
    type_in,
)

AMAL = 7014  # the Arabic-speaking resident
LUCIA = 7013  # the Spanish-speaking resident, subscribed by the demo data
REFERENCE = re.compile(r"MT-\d{4}-\d{4}")
AR, SV, EN, ES = (translator(code) for code in ("ar", "sv", "en", "es"))


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[ServedPlayground]:
    """The playground with its demo data, its page on a free port of 127.0.0.1."""
    playground = Playground(tmp_path / "playground", demo_data=True)
    runner = web.AppRunner(create_app(playground), access_log=None, shutdown_timeout=1.0)
    sock = listening_socket("127.0.0.1", 0)
    try:
        await playground.start()
        await runner.setup()
        await web.SockSite(runner, sock).start()
        yield ServedPlayground(playground, f"http://127.0.0.1:{sock.getsockname()[1]}")
    finally:
        await runner.cleanup()
        await playground.stop()
        sock.close()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=chromium_path())
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def page(browser: Browser, served: ServedPlayground) -> AsyncIterator[BrowserPage]:
    """The page opened, every console error and page error kept for the test to check."""
    context = await browser.new_context(viewport={"width": 1600, "height": 900})
    opened = BrowserPage(await context.new_page())
    opened.page.on(
        "console",
        lambda message: (
            opened.errors.append(f"{message.text} ({message.location})")
            if message.type == "error"
            else None
        ),
    )
    opened.page.on("pageerror", lambda error: opened.errors.append(str(error)))
    await opened.page.goto(served.url)
    await expect(opened.page.locator("section.chat")).to_have_count(
        len(served.playground.personas)
    )
    try:
        yield opened
    finally:
        await context.close()


def in_days(days: int, hour: int) -> str:
    """A start as an admin types it ("D/M HH:00"), `days` ahead in Malmö's time."""
    day = (datetime.now(ZoneInfo("Europe/Stockholm")) + timedelta(days=days)).date()
    return f"{day.day}/{day.month} {hour}:00"


def step(t: object, number: int) -> str:
    return plain(t("<b>Step {number} of {total}</b>")).format(number=number, total=8)  # type: ignore[operator]


async def test_a_pitch_in_arabic_reaches_the_group_and_the_decision_comes_back(
    page: BrowserPage, tmp_path: Path
) -> None:
    amal = page.chat(AMAL)
    await type_in(amal, "/start")
    await expect(button(amal, AR("💡 Pitch an idea"))).to_be_visible()
    await pressed(amal, AR("💡 Pitch an idea"))
    await expect(last_bot_message(amal)).to_contain_text(step(AR, 1))
    await expect(await answered(amal, "مطبخ الحي")).to_contain_text(step(AR, 2))
    await expect(await answered(amal, "لا مكان للجيران <ليلتقوا> & يطبخوا")).to_contain_text(
        step(AR, 3)
    )
    await answered(amal, "مطبخ مفتوح كل سبت في نيدالا.")
    await expect(await pressed(amal, AR("Next ➡️"))).to_contain_text(step(AR, 4))
    soder = CITY.area("soder").name("ar")  # type: ignore[union-attr]
    await button(amal, soder).click()
    nydala = CITY.neighbourhood("nydala").name("ar")  # type: ignore[union-attr]
    await expect(button(amal, nydala)).to_be_visible()
    await expect(await pressed(amal, nydala)).to_contain_text(step(AR, 5))
    theme = CITY.theme("inclusion")
    await expect(
        await pressed(amal, f"{theme.emoji} {theme.name('ar')}")  # type: ignore[union-attr]
    ).to_contain_text(step(AR, 6))
    support = last_bot_message(amal).locator("button.inline-btn").first
    first_option = await support.inner_text()
    await support.click()
    await expect(button(amal, f"✅ {first_option}")).to_be_visible()
    await expect(await pressed(amal, AR("Done ➡️"))).to_contain_text(step(AR, 7))
    await expect(await pressed(amal, AR("A group of residents"))).to_contain_text(step(AR, 7))
    await expect(await answered(amal, "جيران نيدالا")).to_contain_text(step(AR, 8))
    await pressed(amal, AR("💬 Here in the chat only"))
    await pressed(amal, AR("✅ Yes, I agree"))
    await expect(button(amal, AR("✅ Send it"))).to_be_visible()
    confirmation = await pressed(amal, AR("✅ Send it"))
    await expect(confirmation).to_contain_text(REFERENCE)
    reference = REFERENCE.search(await confirmation.inner_text()).group()  # type: ignore[union-attr]

    group = page.chat(GROUP_ID)
    await group.page.get_by_role("button", name="Inkubatorn Söder – coordinators").click()
    control = group.locator("li.msg.bot", has_text=reference).filter(has_text=SV("🙋 Take it"))
    await expect(control).to_have_count(1)
    card = group.locator("li.msg.bot", has_text=reference).first
    await expect(card).to_contain_text("لا مكان للجيران <ليلتقوا> & يطبخوا")  # as typed, as text
    await control.get_by_role("button", name=SV("🙋 Take it"), exact=True).click()
    await expect(control).to_contain_text("Sara")
    await control.get_by_role("button", name=SV("✅ Accept"), exact=True).click()

    incubator = CITY.incubator("soder").name("ar")  # type: ignore[union-attr]
    accepted = AR(
        "🎉 Your idea {reference} has been accepted into {incubator}! A coordinator "
        "will be in touch here about the next steps."
    ).format(reference=bidi.ltr(reference, "ar"), incubator=bidi.isolate(incubator, "ar"))
    notice = amal.locator("li.msg.bot .text", has_text=reference).last
    await expect(notice).to_have_text(accepted)
    assert await notice.evaluate("node => getComputedStyle(node).direction") == "rtl"
    await page.page.screenshot(path=tmp_path / "pitch-accepted.png", full_page=True)
    assert page.errors == []


async def test_an_event_published_by_the_admin_is_answered_downloaded_and_reminded(
    page: BrowserPage, served: ServedPlayground, tmp_path: Path
) -> None:
    alma = page.chat(ADMIN_ID)
    await type_in(alma, "/newevent")
    await pressed(alma, "🥪 " + EN("Lärande Lunch (Lunch & Learn)"))
    await answered(alma, "Plantera i Nydala")
    await answered(alma, "Vi sår tomater tillsammans.")
    await pressed(alma, EN("Continue ➡️"))
    await answered(alma, in_days(5, 12))
    await answered(alma, "13:30")
    await answered(alma, "Nydala bibliotek")
    await pressed(alma, CITY.area("soder").name("en"))  # type: ignore[union-attr]
    await answered(alma, "30")
    preview = await answered(alma, "https://malmo.se/tillsammans")
    await expect(preview).to_contain_text("Plantera i Nydala")
    published = await pressed(alma, EN("✅ Publish now"))
    await expect(published).to_contain_text("/editevent")
    event_id = re.search(r"/editevent (\d+)", await published.inner_text()).group(1)  # type: ignore[union-attr]

    lucia = page.chat(LUCIA)
    announcement = lucia.locator("li.msg.bot", has_text="Plantera i Nydala").last
    await expect(announcement).to_contain_text(plain(ES("📣 <b>New event</b>")))
    await announcement.get_by_role("button", name=ES("✅ Going"), exact=True).click()
    await expect(
        lucia.get_by_role("button", name=ES("✅ Going ✓"), exact=True).first
    ).to_be_visible()
    await button(lucia, ES("📅 Add to calendar")).click()
    calendar = lucia.locator("a.document").last
    await expect(calendar).to_be_visible()
    async with page.page.expect_download() as download_info:
        await calendar.click()
    download = await download_info.value
    assert download.suggested_filename.endswith(".ics")
    saved = tmp_path / download.suggested_filename
    await download.save_as(saved)
    content = saved.read_text(encoding="utf-8")
    assert "BEGIN:VCALENDAR" in content
    assert "Plantera i Nydala" in content

    await page.page.get_by_text("Scheduled jobs").click()
    job = page.page.locator(f'li.job[data-job-id="event:{event_id}:remind:24h"]')
    await job.get_by_role("button", name=f"Run event:{event_id}:remind:24h now").click()
    reminder = lucia.locator("li.msg.bot", has_text=plain(ES("⏰ <b>Reminder: tomorrow</b>")))
    await expect(reminder).to_contain_text("Nydala bibliotek")
    await page.page.screenshot(path=tmp_path / "event-reminded.png", full_page=True)
    assert page.errors == []
