"""The composition root: resources start in dependency order and a failed start closes
every one already open (one cleanup context per resource)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from emulator.config import Config
from emulator.server import start_site


async def test_a_failed_start_closes_every_resource_opened_before_it(tmp_path: Path) -> None:
    config = Config(port=0, db_path=str(tmp_path / "emulator.db"), clock_mode="virtual")
    runner, _ = await start_site(config)
    await runner.cleanup()
    # The schema says "up to date" but a table is gone: the scheduler's first write fails.
    with sqlite3.connect(config.db_path) as connection:
        connection.execute("DROP TABLE ticks")
    connection.close()
    threads_before = set(threading.enumerate())

    with pytest.raises(OperationalError, match="no such table: ticks"):
        await start_site(config)

    # The database's connection threads and the HTTP session must not outlive the failure.
    left = [thread for thread in set(threading.enumerate()) - threads_before if thread.is_alive()]
    for thread in left:
        thread.join(timeout=5)  # a closed connection's thread ends on its own, soon
    assert [thread.name for thread in left if thread.is_alive()] == []
