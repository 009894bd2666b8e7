"""The one reading of typed event fields, the wizard's draft and who may change what (pure)."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import event_fields, event_rights
from core.callbacks import EVENT_ADMIN_ACTIONS, EVENT_ADMIN_STEPS, EventAdminCB, EventCancelCB
from core.city import load_city
from core.event_fields import CAPACITY_LIMIT, URL_LIMIT, FieldProblem, SoFar
from core.event_wizard import STEPS, WizardDraft, next_step
from core.services.roles import Roles
from core.text_input import visible_text
from playground.emulator import parse_telegram_html
from storage.models import Event

TZ = ZoneInfo("Europe/Stockholm")
NOW = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
CITY = load_city()
INVISIBLE = ["", " ", "\u00a0", "\u200b", "\u2060\u00a0\u3164", "\u200f\u200e", "\u2800\n\t"]


@pytest.mark.parametrize("typed", INVISIBLE)
def test_text_with_nothing_visible_is_no_title_description_or_place(typed: str) -> None:
    for read, reason in (
        (event_fields.read_title, "title_empty"),
        (event_fields.read_description, "description_empty"),
        (event_fields.read_place, "place_empty"),
        (event_fields.read_broadcast, "broadcast_empty"),
    ):
        with pytest.raises(FieldProblem) as problem:
            read(typed)
        assert problem.value.reason == reason


def test_texts_are_trimmed_of_invisible_ends_and_kept_within_their_limits() -> None:
    assert event_fields.read_title("\u200b Lunch & lärande \u00a0") == "Lunch & lärande"
    assert event_fields.read_title("x" * event_fields.TITLE_LIMIT) == "x" * 120
    with pytest.raises(FieldProblem, match="title_long"):
        event_fields.read_title("x" * 121)
    with pytest.raises(FieldProblem, match="place_long"):
        event_fields.read_place("x" * 301)


@pytest.mark.parametrize(
    "typed", ["²", "١٢", "12.0", "-5", "0", "1" * 25, "10001", "12 people", "", "\u00a0"]
)
def test_the_number_of_places_is_ascii_digits_within_range(typed: str) -> None:
    with pytest.raises(FieldProblem, match="capacity"):
        event_fields.read_capacity(typed)


def test_a_number_of_places_may_have_spaces_around_it() -> None:
    assert event_fields.read_capacity(" 30\u00a0") == 30
    assert event_fields.read_capacity(str(CAPACITY_LIMIT)) == CAPACITY_LIMIT


@pytest.mark.parametrize(
    "typed",
    [
        'https://malmo.se/anmal?namn="Ada"',
        "https://malmo.se/<b>",
        "https://malmo.se/a'b",
        "https://malmo.se/a b",
        "malmo.se",
        "ftp://malmo.se",
        "javascript:alert(1)",
        "https://" + "a" * URL_LIMIT + ".se",
    ],
)
def test_links_that_would_break_an_attribute_or_are_no_web_links_are_refused(typed: str) -> None:
    with pytest.raises(FieldProblem, match="url"):
        event_fields.read_signup_url(typed)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30))
def test_any_text_is_a_number_of_places_or_a_problem(typed: str) -> None:
    try:
        number = event_fields.read_capacity(typed)
    except FieldProblem as problem:
        assert problem.reason == "capacity"
    else:
        digits = visible_text(typed)
        assert 1 <= number <= CAPACITY_LIMIT
        assert digits.isascii() and digits.isdigit() and int(digits) == number


LINKISH = st.text(
    alphabet=st.sampled_from(list("https:/.?=&#%\"'<>` \\\u00a0\u200baz09-_~()[]{}@!$*+,;é")),
    max_size=40,
).map(lambda rest: "https://malmo.se/" + rest)


@settings(max_examples=300, deadline=None)
@given(st.one_of(LINKISH, st.text(max_size=40)))
def test_an_accepted_link_is_one_safe_link_in_telegram_html(typed: str) -> None:
    try:
        url = event_fields.read_signup_url(typed)
    except FieldProblem:
        return
    assert not any(char in url for char in "\"'<>` \\")
    assert len(url) <= URL_LIMIT
    text, entities = parse_telegram_html(f'<a href="{html.escape(url, quote=True)}">x</a>')
    assert (text, [entity["url"] for entity in entities]) == ("x", [url])


def test_the_end_moves_with_the_start_and_needs_one() -> None:
    start = datetime(2026, 12, 3, 11, 0, tzinfo=UTC)
    so_far = SoFar(starts_at=start, ends_at=start + timedelta(hours=2))
    moved = event_fields.read_answer(
        "start", "10 dec 18:00", locale="sv", so_far=so_far, now=NOW, tz=TZ
    )
    assert moved["ends_at"] - moved["starts_at"] == timedelta(hours=2)
    assert (
        event_fields.read_answer(
            "start", "10 dec 18:00", locale="sv", so_far=SoFar(), now=NOW, tz=TZ
        )["ends_at"]
        is None
    )
    with pytest.raises(FieldProblem, match="no_start"):
        event_fields.read_answer("end", "20:00", locale="sv", so_far=SoFar(), now=NOW, tz=TZ)


def test_titles_and_descriptions_are_kept_per_language() -> None:
    so_far = SoFar(titles={"sv": "Lunch"}, descriptions={"sv": "Mat", "en": "Food"})
    read = event_fields.read_answer(
        "title", "Almuerzo", locale="es", so_far=so_far, now=NOW, tz=TZ
    )
    assert read == {"titles": {"sv": "Lunch", "es": "Almuerzo"}}
    skipped = event_fields.skipped("description", locale="en", so_far=so_far)
    assert skipped == {"descriptions": {"sv": "Mat"}}


@settings(max_examples=100, deadline=None)
@given(
    titles=st.dictionaries(st.sampled_from(["sv", "en", "es", "ar"]), st.text(min_size=1)),
    capacity=st.one_of(st.none(), st.integers(1, CAPACITY_LIMIT)),
    area=st.one_of(st.none(), st.just(""), st.sampled_from(["soder", "norr"])),
    start=st.one_of(
        st.none(), st.datetimes(min_value=datetime(2026, 1, 1), timezones=st.just(UTC))
    ),
)
def test_the_draft_survives_the_conversation_state(
    titles: dict[str, str], capacity: int | None, area: str | None, start: datetime | None
) -> None:
    draft = WizardDraft(
        lang="sv",
        kind="lecture",
        titles=titles,
        starts_at=start,
        capacity=capacity,
        area_chosen=area is not None,
        area_code=area or None,
    )
    assert WizardDraft.from_data(draft.to_data(), default_locale="en") == draft


def test_the_wizard_asks_first_what_a_step_builds_on() -> None:
    draft = WizardDraft(lang="sv", kind="lecture", titles={"sv": "Föreläsning"})
    assert draft.step_to_ask("end") == "start"
    assert draft.step_to_ask("preview") == "start"
    assert draft.step_to_ask("publish_at") == "start"
    assert draft.step_to_ask("description") == "description"
    assert [next_step(step) for step in STEPS[:-1]] == list(STEPS[1:])
    assert draft.with_kind("party") is None
    assert draft.with_extra_language("sv") is None  # written already
    assert draft.with_extra_language("xx") is None


def _event(area_code: str | None, created_by: int) -> Event:
    return Event(
        id=1,
        kind="lecture",
        titles={"sv": "x"},
        default_locale="sv",
        starts_at=NOW,
        ends_at=NOW,
        place="x",
        area_code=area_code,
        created_by=created_by,
    )


@pytest.mark.parametrize(
    ("incubators", "is_admin", "area", "created_by", "refusal"),
    [
        ((), True, "norr", 9, None),
        (("soder",), False, "soder", 9, None),  # another coordinator's event, same area
        (("soder",), False, "norr", 5, "not_your_area"),  # their own, not their area now
        (("citywide",), False, "norr", 9, None),  # a city-wide incubator serves every area
        (("soder",), False, None, 5, None),  # their own city-wide event
        (("soder",), False, None, 9, "not_yours"),
        (("citywide",), False, None, 9, None),
        (("gone",), False, "soder", 5, "not_your_area"),  # an incubator no longer in the city
        ((), False, None, 5, "not_staff"),
    ],
)
def test_who_may_change_an_event(
    incubators: tuple[str, ...],
    is_admin: bool,
    area: str | None,
    created_by: int,
    refusal: str | None,
) -> None:
    roles = Roles(user_id=5, is_admin=is_admin, incubators=frozenset(incubators))
    assert event_rights.change_refusal(roles, _event(area, created_by), CITY) == refusal


def test_who_may_publish_where() -> None:
    soder = Roles(user_id=5, is_admin=False, incubators=frozenset({"soder"}))
    assert event_rights.areas_open_to(soder, CITY) == ["soder"]
    assert event_rights.publish_refusal(soder, None, CITY) is None
    assert event_rights.publish_refusal(soder, "norr", CITY) == "not_your_area"
    assert event_rights.publish_refusal(soder, "atlantis", CITY) == "unknown_area"
    nobody = Roles(user_id=6, is_admin=False, incubators=frozenset())
    assert event_rights.publish_refusal(nobody, None, CITY) == "not_staff"


PARTS = st.one_of(
    st.sampled_from([*EVENT_ADMIN_STEPS, *EVENT_ADMIN_ACTIONS, "cancel_event", "yes", "no"]),
    st.text(max_size=12),
    st.integers(min_value=-(10**25), max_value=10**25).map(str),
)


@settings(max_examples=300, deadline=None)
@given(prefix=st.sampled_from(["eva", "evc"]), parts=st.lists(PARTS, max_size=5))
def test_button_data_reads_strictly_or_not_at_all(prefix: str, parts: list[str]) -> None:
    data = ":".join([prefix, *parts])
    kind = EventAdminCB if prefix == "eva" else EventCancelCB
    try:
        button = kind.unpack(data)
    except (TypeError, ValueError):
        return
    assert button.pack() == data
    if isinstance(button, EventAdminCB):
        assert button.step in EVENT_ADMIN_STEPS and button.action in EVENT_ADMIN_ACTIONS
    else:
        assert 1 <= button.event_id < 2**31 and 0 <= button.version < 2**31
