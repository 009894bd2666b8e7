"""The personal-data map (storage/personal_data.py) covers every table and column: a new
table, or a new column holding a Telegram-sized id, fails here until it is classified."""

from __future__ import annotations

from sqlalchemy import BigInteger
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers every table on the metadata)
from storage.personal_data import CLASSIFICATION


def test_every_table_is_classified() -> None:
    tables = set(SQLModel.metadata.tables)
    missing = sorted(tables - set(CLASSIFICATION))
    assert not missing, f"classify these tables in storage/personal_data.py: {missing}"
    gone = sorted(set(CLASSIFICATION) - tables)
    assert not gone, f"classified tables that no longer exist: {gone}"


def test_every_classified_column_exists() -> None:
    problems = []
    for name, use in CLASSIFICATION.items():
        columns = set(SQLModel.metadata.tables[name].columns.keys())
        problems += [f"{name}.{column}" for column in sorted(use.columns - columns)]
    assert not problems, f"classified columns that no longer exist: {problems}"


def test_every_telegram_sized_id_column_is_accounted_for() -> None:
    """Telegram ids are stored as BIGINT: each such column is a person or named as not one."""
    unaccounted = [
        f"{table.name}.{column.name}"
        for table in SQLModel.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, BigInteger)
        and column.name not in CLASSIFICATION[table.name].columns
    ]
    assert not unaccounted, f"say whether these hold a person's id: {unaccounted}"


def test_each_table_says_what_mydata_does_with_it() -> None:
    for name, use in CLASSIFICATION.items():
        assert use.reason.strip(), name
        holds_people = bool(use.people or use.personal)
        if holds_people and not use.exported:
            assert len(use.reason) > 20, f"{name}: say why it is not exported"
        assert set(use.withheld) <= set(SQLModel.metadata.tables[name].columns.keys())
        assert all(reason.strip() for reason in use.withheld.values()), name


def test_tables_with_a_persons_id_in_the_profile_part_are_exported() -> None:
    """What belongs to the resident (not staff work, not the security log) is exported."""
    residents_own = {
        "users",
        "pitch_drafts",
        "pitches",
        "pitch_events",
        "consent_records",
        "subscriptions",
        "subscription_kinds",
        "subscription_areas",
        "event_rsvps",
        "outbox",
        "delivery_attempts",
    }
    assert {name for name, use in CLASSIFICATION.items() if use.exported} == residents_own
