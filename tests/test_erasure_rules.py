"""The /forget button's token: the moment a person was first seen, read the same way from
SQLite (naive, in UTC) and PostgreSQL (aware), and different for a person made later."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from core.services.erasure import is_current, person_token
from storage.models import User

moments = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)


def person(first_seen: datetime) -> User:
    return User(telegram_id=5, locale="sv", first_seen_at=first_seen, last_seen_at=first_seen)


@given(moments)
def test_naive_and_aware_readings_of_one_moment_give_one_token(moment: datetime) -> None:
    aware, naive = person(moment), person(moment.replace(tzinfo=None))
    assert person_token(aware) == person_token(naive)
    assert is_current(naive, person_token(aware))


@given(moments, st.integers(1, 10**9))
def test_a_person_first_seen_later_does_not_match(moment: datetime, later: int) -> None:
    old = person(moment)
    new = person(moment + timedelta(microseconds=later))
    assert not is_current(new, person_token(old))
