"""The engine, read sessions and the single writer.

SQLite allows one writer at a time; an asyncio lock makes writers queue inside the
process instead of failing with "database is locked". `write()` commits before it
returns, so an HTTP answer sent after it reports a durable row.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

from emulator.db.migrate import upgrade_to_head


def sqlite_url(path: str) -> str:
    return "sqlite+aiosqlite:///:memory:" if path == ":memory:" else f"sqlite+aiosqlite:///{path}"


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL: readers never block the writer; NORMAL sync is safe against a killed process.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


class Database:
    def __init__(self, path: str) -> None:
        self.path = path
        options: dict[str, Any] = {}
        if path == ":memory:":
            # One shared connection, or every session would see its own empty database.
            options = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
        self.engine = create_async_engine(sqlite_url(path), **options)
        event.listen(self.engine.sync_engine, "connect", _tune_sqlite)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._write_lock = asyncio.Lock()

    async def start(self) -> None:
        """Create or upgrade the schema to the newest migration."""
        async with self.engine.begin() as connection:
            await connection.run_sync(upgrade_to_head)

    async def close(self) -> None:
        await self.engine.dispose()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self._sessions() as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A short write transaction, committed on exit. Never await HTTP inside it."""
        async with self._write_lock, self._sessions() as session, session.begin():
            yield session

    async def reset(self) -> None:
        """Delete every row of every table, children first; the schema stays."""
        from emulator.db.models import Base

        async with self.write() as session:
            for table in reversed(Base.metadata.sorted_tables):
                await session.execute(table.delete())
