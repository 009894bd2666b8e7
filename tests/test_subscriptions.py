"""The subscription screen's rules, without Telegram: which buttons name a choice, what each
does, and the choice kept in the conversation state."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from core.city import load_city
from core.services import subscriptions
from core.services.subscriptions import SubscriptionChoice
from storage.models import EVENT_KINDS

CITY = load_city()
AREAS = [area.code for area in CITY.areas]

choices = st.builds(
    SubscriptionChoice,
    kinds=st.frozensets(st.sampled_from(EVENT_KINDS)),
    areas=st.frozensets(st.sampled_from(AREAS)),
    reminders=st.booleans(),
    digest=st.booleans(),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)


def test_kind_and_area_buttons_must_name_what_the_city_has() -> None:
    assert subscriptions.names_a_choice("kind", "lunch_learn", CITY)
    assert not subscriptions.names_a_choice("kind", "poker", CITY)
    assert subscriptions.names_a_choice("area", AREAS[0], CITY)
    assert not subscriptions.names_a_choice("area", "atlantis", CITY)
    assert not subscriptions.names_a_choice("area", "", CITY)
    assert subscriptions.names_a_choice("save", "", CITY)


@given(choices, st.sampled_from(EVENT_KINDS), st.sampled_from(AREAS))
def test_each_button_toggles_its_own_part_only(
    choice: SubscriptionChoice, kind: str, area: str
) -> None:
    kinds = subscriptions.toggle_kind(choice, kind)
    assert kinds.kinds ^ choice.kinds == {kind}
    assert (kinds.areas, kinds.reminders, kinds.digest) == (
        choice.areas,
        choice.reminders,
        choice.digest,
    )
    assert subscriptions.toggle_kind(kinds, kind) == choice
    assert subscriptions.toggle_area(subscriptions.toggle_area(choice, area), area) == choice
    assert subscriptions.toggle_reminders(choice).reminders is not choice.reminders
    assert subscriptions.toggle_digest(choice).digest is not choice.digest
    everywhere = subscriptions.all_areas(choice)
    assert everywhere.areas == frozenset()
    assert everywhere.kinds == choice.kinds


@given(choices)
def test_the_choice_survives_the_conversation_state(choice: SubscriptionChoice) -> None:
    assert subscriptions.choice_from_data(subscriptions.choice_to_data(choice)) == choice


@given(json_values)
def test_unreadable_state_reads_as_a_choice_never_an_error(values: object) -> None:
    choice = subscriptions.choice_from_data(values)
    assert all(isinstance(code, str) for code in choice.kinds | choice.areas)
