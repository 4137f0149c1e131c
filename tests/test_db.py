"""Migrations: an empty file and an old-version file both upgrade; models match them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text

from emulator.db.database import Database
from emulator.db.migrate import alembic_config
from emulator.db.models import Base


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head() or ""


def revision_of(path: Path) -> str:
    with sqlite3.connect(path) as connection:
        return connection.execute("select version_num from alembic_version").fetchone()[0]


async def test_empty_file_upgrades_to_head(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    db = Database(str(path))
    await db.start()
    await db.close()
    assert revision_of(path) == head_revision()


async def test_old_version_file_upgrades_and_keeps_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        config = alembic_config(connection)
        command.upgrade(config, "0001")
        connection.exec_driver_sql(
            "insert into organisations (id, name, created_at) values ('o1', 'Old', '2025-01-01')"
        )
    engine.dispose()
    assert revision_of(path) == "0001"

    db = Database(str(path))
    await db.start()
    await db.close()

    assert revision_of(path) == head_revision() != "0001"
    with sqlite3.connect(path) as connection:
        assert connection.execute("select name from organisations").fetchall() == [("Old",)]


def test_models_match_migrations(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert diff == [], "models and migrations differ: add a migration (see README)"


async def test_wal_mode_and_memory_database(tmp_path: Path) -> None:
    path = tmp_path / "wal.db"
    db = Database(str(path))
    await db.start()
    async with db.read() as session:
        mode = (await session.execute(text("pragma journal_mode"))).scalar()
    await db.close()
    assert mode == "wal"

    memory = Database(":memory:")
    await memory.start()
    await memory.close()


def test_head_revision_constant_is_alembics_head() -> None:
    from emulator.db.migrate import HEAD_REVISION

    assert HEAD_REVISION == head_revision(), "update HEAD_REVISION in emulator/db/migrate.py"


async def test_fresh_file_fast_path_builds_the_migrated_schema(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.db"
    db = Database(str(fresh))
    await db.start()  # create_all + stamp, no Alembic
    await db.close()
    migrated = tmp_path / "migrated.db"
    engine = create_engine(f"sqlite:///{migrated}")
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
    engine.dispose()

    def schema(path: Path) -> set[tuple[str, str]]:
        with sqlite3.connect(path) as connection:
            rows = connection.execute(
                "select type, name from sqlite_master where name not like 'sqlite_%'"
            )
            return set(rows.fetchall())

    assert schema(fresh) == schema(migrated)
    assert revision_of(fresh) == head_revision()


def test_ids_are_time_ordered_uuids() -> None:
    import uuid

    from emulator.db.models import new_id

    ids = [new_id() for _ in range(2000)]
    parsed = [uuid.UUID(value) for value in ids]
    assert {u.version for u in parsed} == {7}
    assert {u.variant for u in parsed} == {uuid.RFC_4122}
    assert len(set(ids)) == len(ids)
    millis = [u.int >> 80 for u in parsed]
    assert millis == sorted(millis)
