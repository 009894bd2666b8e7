"""Steps the playground's browser tests share: finding Chromium, reading the page, acting
in a chat as a person would (typing, pressing) and waiting for the bot's answer."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field

import pytest
from playwright.async_api import Locator, Page, expect

from playground.runtime import Playground

TAGS = re.compile(r"<[^>]+>")


def plain(html: str) -> str:
    """What a reader sees of a Telegram-HTML text (the catalogs hold the tags)."""
    return TAGS.sub("", html).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


@dataclass
class ServedPlayground:
    playground: Playground
    url: str


def chromium_path() -> str:
    path = shutil.which("chromium")
    if path is None:
        pytest.fail(
            "The browser tests need Debian's chromium: apt-get install -y chromium "
            "(.ci/run installs it when it is missing)."
        )
    return path


@dataclass
class BrowserPage:
    page: Page
    errors: list[str] = field(default_factory=list)

    def chat(self, chat_id: int) -> Locator:
        return self.page.locator(f'section.chat[data-chat-id="{chat_id}"]')


def last_bot_message(chat: Locator) -> Locator:
    return chat.locator("li.msg.bot").last


async def last_bot_id(chat: Locator) -> str | None:
    messages = chat.locator("li.msg.bot")
    if await messages.count() == 0:
        return None
    return await messages.last.get_attribute("data-message-id")


async def type_in(chat: Locator, text: str) -> None:
    box = chat.locator("input.text")
    await box.fill(text)
    await box.press("Enter")


async def answered(chat: Locator, text: str) -> Locator:
    """Type and send `text`; the bot's next message."""
    before = await last_bot_id(chat)
    await type_in(chat, text)
    return await next_bot_message(chat, before)


async def pressed(chat: Locator, label: str) -> Locator:
    """Press the newest inline button with this label; the bot's next message."""
    before = await last_bot_id(chat)
    await button(chat, label).click()
    return await next_bot_message(chat, before)


async def next_bot_message(chat: Locator, before: str | None) -> Locator:
    newest = last_bot_message(chat)
    if before is not None:
        await expect(newest).not_to_have_attribute("data-message-id", before)
    else:
        await expect(newest).to_have_count(1)
    return newest


def button(chat: Locator, label: str) -> Locator:
    return chat.get_by_role("button", name=label, exact=True).last
