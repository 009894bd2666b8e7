"""Residents' journeys as reusable steps, for journey tests and benchmarks alike."""

from __future__ import annotations

from collections.abc import Callable

from core.city import load_city
from core.languages import create_i18n
from playground.emulator import FakeUser, SentMessage

_I18N = create_i18n("sv")
CITY = load_city()


def translator(locale: str) -> Callable[[str], str]:
    """The bot's own catalogs, so a test presses the same labels a resident sees."""
    return lambda text: _I18N.gettext(text, locale=locale)


def plural_translator(locale: str) -> Callable[[str, str, int], str]:
    """Like `translator`, for texts that depend on a count."""
    return lambda singular, plural, n: _I18N.gettext(singular, plural, n, locale=locale)


async def answer(user: FakeUser, text: str) -> SentMessage:
    await user.send(text)
    return await user.next_message()


async def press(user: FakeUser, label: str, message: SentMessage | None = None) -> SentMessage:
    await user.press(label, message=message)
    return await user.next_message()


def step_of(message: SentMessage, t: Callable[[str], str], number: int) -> bool:
    heading = t("<b>Step {number} of {total}</b>").format(number=number, total=8)
    return message.text is not None and message.text.startswith(heading)


async def walk_to_summary(
    user: FakeUser,
    locale: str,
    *,
    title: str = "Bike repair café",
    need: str = "Kids in Seved have broken bikes & nowhere to fix them <3",
    idea: str = "A Saturday café where neighbours fix bikes together.",
    area: str = "innerstaden",
    neighbourhood: str = "mollevangen",
    theme: str = "environment",
    group_name: str = "Sevedsgårdens cyklister",
) -> SentMessage:
    """The whole journey in `locale`, pressing the labels the resident sees; the summary."""
    t = translator(locale)
    await user.send("/pitch")
    intro = await user.next_message()
    assert intro.text == t(
        "Wonderful, let's hear it! No idea is too small. I will ask {total} short "
        "questions. You can go back, skip the optional ones or cancel at any time, and "
        "your answers are saved as you go, so you can also continue another day. Nothing "
        "is shared before you send it."
    ).format(total=8)
    assert step_of(await user.next_message(), t, 1)
    assert step_of(await answer(user, title), t, 2)
    assert step_of(await answer(user, need), t, 3)
    saved = await answer(user, idea)
    assert t("Next ➡️") in saved.button_labels
    where = await press(user, t("Next ➡️"), saved)
    assert step_of(where, t, 4)
    await user.press(CITY.area(area).name(locale), message=where)  # type: ignore[union-attr]
    await user.wait_for(lambda: where.edit_count == 1)
    hood = CITY.neighbourhood(neighbourhood)
    theme_question = await press(user, hood.name(locale), where)  # type: ignore[union-attr]
    assert step_of(theme_question, t, 5)
    chosen = CITY.theme(theme)
    theme_label = f"{chosen.emoji} {chosen.name(locale)}"  # type: ignore[union-attr]
    support = await press(user, theme_label, theme_question)
    assert step_of(support, t, 6)
    first_option = support.button_labels[0]
    await user.press(first_option, message=support)
    await user.wait_for(lambda: support.edit_count == 1)
    assert support.button_labels[0] == f"✅ {first_option}"
    who = await press(user, t("Done ➡️"), support)
    assert step_of(who, t, 7)
    name_question = await press(user, t("A group of residents"), who)
    assert step_of(name_question, t, 7)
    contact = await answer(user, group_name)
    assert step_of(contact, t, 8)
    consent = await press(user, t("💬 Here in the chat only"), contact)
    summary = await press(user, t("✅ Yes, I agree"), consent)
    while not summary.has_button(t("✅ Send it")):  # a long summary comes in several parts
        summary = await user.next_message()
    return summary
