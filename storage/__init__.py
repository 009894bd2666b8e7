"""Persistence: SQLModel tables, the async engine, data functions and migrations.

Nothing here imports `bot` or `handlers`; data functions never commit.
"""
