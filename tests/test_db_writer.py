"""The inline writer (emulator/db/database.py): it never waits for a lock on the loop's
thread, and its WAL gets checkpointed although it never checkpoints itself."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Connection

from emulator.db import database
from emulator.db.database import Database


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    db = Database(str(tmp_path / "writer.db"))
    await db.start()
    yield db
    await db.close()


def add_organisation(name: str, size: int = 10):  # type: ignore[no-untyped-def]
    def work(connection: Connection) -> str:
        connection.exec_driver_sql(
            "insert into organisations (id, name, created_at) values (?, ?, '2025-01-01')",
            (name, name * size),
        )
        return name

    return work


def file_size(path: str) -> int:
    return Path(path).stat().st_size


def names(path: str) -> list[str]:
    with sqlite3.connect(path) as connection:
        return [row[0] for row in connection.execute("select id from organisations order by id")]


async def test_a_write_lock_held_by_another_process_is_waited_for_off_the_loop(
    db: Database,
) -> None:
    other = sqlite3.connect(db.path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # another process (here: connection) holds the lock
    write = asyncio.create_task(db.run_write(add_organisation("waited")))

    # The loop keeps running while the write waits: a round trip through a thread ends
    # and the write is still pending (on the writer thread, with the busy timeout).
    await asyncio.to_thread(lambda: None)
    await asyncio.to_thread(lambda: None)
    assert not write.done()

    await asyncio.to_thread(other.commit)  # releases the lock
    assert await write == "waited"
    other.close()
    assert names(db.path) == ["waited"]

    # Back to the inline path: the next write neither waits nor fails.
    assert await db.run_write(add_organisation("inline")) == "inline"
    assert names(db.path) == ["inline", "waited"]


async def test_a_write_that_fails_rolls_back_and_keeps_earlier_rows(db: Database) -> None:
    await db.run_write(add_organisation("kept"))

    def half_then_fail(connection: Connection) -> None:
        add_organisation("dropped")(connection)
        raise ValueError("work failed")

    with pytest.raises(ValueError, match="work failed"):
        await db.run_write(half_then_fail)
    assert names(db.path) == ["kept"]
    assert await db.run_write(add_organisation("after")) == "after"


async def test_the_wal_is_checkpointed_into_the_database_file(db: Database) -> None:
    before = file_size(db.path)
    for n in range(database.CHECKPOINT_EVERY):  # each adds a ~4 KB row: new pages
        await db.run_write(add_organisation(f"org-{n:04}", size=400))
    assert db._checkpoint is not None  # started by the CHECKPOINT_EVERY-th commit
    await db._checkpoint
    # Only a checkpoint copies pages from the WAL into the main file; the writer
    # connection has wal_autocheckpoint=0, so without ours the file would not grow.
    assert file_size(db.path) > before + 100 * 4096
    assert len(names(db.path)) == database.CHECKPOINT_EVERY
