"""An aiogram FSM storage on our own table, so conversations survive restarts."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import (
    BaseStorage,
    DefaultKeyBuilder,
    KeyBuilder,
    StateType,
    StorageKey,
)
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import FsmRecord, utcnow
from storage.upsert import upsert


class DatabaseFsmStorage(BaseStorage):
    """State and data per (chat, user) key, each write committed at once."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        key_builder: KeyBuilder | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._key_builder = key_builder or DefaultKeyBuilder(with_destiny=True)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self._write(key, state=value)

    async def get_state(self, key: StorageKey) -> str | None:
        record = await self._read(key)
        return record.state if record else None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._write(key, data=json.dumps(dict(data), ensure_ascii=False))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        record = await self._read(key)
        return json.loads(record.data) if record else {}

    async def close(self) -> None:
        """The engine belongs to the application, which disposes of it."""

    async def _read(self, key: StorageKey) -> FsmRecord | None:
        async with self._sessionmaker() as session:
            return await session.get(FsmRecord, self._key_builder.build(key))

    async def _write(self, key: StorageKey, **fields: Any) -> None:
        values = {"key": self._key_builder.build(key), "updated_at": utcnow(), **fields}
        async with self._sessionmaker() as session:
            await upsert(session, FsmRecord.__table__, keys=["key"], values=values)
            if fields.get("state", "") is not None and fields.get("data") != "{}":
                await session.commit()
                return
            # A cleared conversation leaves no row behind.
            await session.execute(
                delete(FsmRecord).where(
                    FsmRecord.key == values["key"],
                    FsmRecord.state.is_(None),  # type: ignore[union-attr]
                    FsmRecord.data == "{}",
                )
            )
            await session.commit()
