"""PostgreSQL advisory locks for roles only one process may play (the outbox sender, the
clock). A session-level lock lives as long as the connection that took it: it is released
when that connection closes, also when the process holding it dies."""

from __future__ import annotations

import zlib

from sqlalchemy import NullPool, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

# The server notices a holder that vanished without closing its connection (a network cut,
# a frozen machine) after about idle + interval * count seconds, and frees the lock.
KEEPALIVES = {
    "tcp_keepalives_idle": "10",
    "tcp_keepalives_interval": "5",
    "tcp_keepalives_count": "3",
}


def lock_key(name: str) -> int:
    """A stable 64-bit key for a role's name (advisory locks are numbered)."""
    return 0x7E11_0000_0000 + zlib.crc32(name.encode())


def create_lock_engine(database_url: str, application_name: str) -> AsyncEngine:
    """An engine outside the bot's pool: each connection it gives is the lock's own."""
    return create_async_engine(
        database_url,
        poolclass=NullPool,
        connect_args={
            "server_settings": {"application_name": application_name[:63], **KEEPALIVES}
        },
    )


async def open_lock_connection(engine: AsyncEngine) -> AsyncConnection:
    """A connection in autocommit mode: holding it never keeps a transaction open."""
    connection = await engine.connect()
    return await connection.execution_options(isolation_level="AUTOCOMMIT")


async def try_advisory_lock(connection: AsyncConnection, key: int) -> bool:
    """Take the lock for this connection's session if nobody holds it; never waits."""
    result = await connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key})
    return bool(result.scalar_one())


async def release_advisory_lock(connection: AsyncConnection, key: int) -> None:
    """Let the lock go now (closing the connection frees it too, but a moment later)."""
    await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})


async def holds_advisory_lock(connection: AsyncConnection, key: int) -> bool:
    """Whether this connection still works and its session holds the lock."""
    result = await connection.execute(
        text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND objsubid = 1 AND pid = pg_backend_pid() "
            "AND ((classid::bigint << 32) | objid::bigint) = :key"
        ),
        {"key": key},
    )
    return result.scalar_one() > 0
