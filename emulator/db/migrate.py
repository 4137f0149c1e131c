"""Bring the database schema to the newest migration, on the app's own connection.

Alembic is the schema's authority, but importing it costs ~80 ms and several MB, so the
common cases skip it: a database already at HEAD_REVISION needs nothing, and a brand-new
file gets `create_all` plus a stamp (Alembic's documented "create_all, then stamp head").
`tests/test_db.py` proves both paths give the schema the migrations build.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text

from emulator.db.models import Base

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

# The newest file in migrations/versions; test_db checks it against Alembic's own view.
HEAD_REVISION = "0003"


def migrations_folder() -> Path:
    """Wheel installs carry `emulator/_migrations`; a checkout has `migrations/`."""
    package_dir = Path(__file__).resolve().parents[1]
    shipped = package_dir / "_migrations"
    return shipped if shipped.is_dir() else package_dir.parent / "migrations"


def alembic_config(connection: Connection | None = None) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(migrations_folder()))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def current_revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("select version_num from alembic_version")).scalar()


def upgrade_to_head(connection: Connection) -> None:
    revision = current_revision(connection)
    if revision == HEAD_REVISION:
        return
    if revision is None and not inspect(connection).get_table_names():
        # One transaction for the whole schema and its stamp: pysqlite runs DDL outside
        # any transaction, so a kill half-way used to leave tables without
        # alembic_version, and every later start failed on "table … already exists".
        # (SAVEPOINT opens a transaction when none is open, and nests when one is.)
        connection.exec_driver_sql("SAVEPOINT fresh_schema")
        Base.metadata.create_all(connection)
        connection.execute(
            text("create table alembic_version (version_num varchar(32) not null primary key)")
        )
        connection.execute(
            text("insert into alembic_version values (:head)"), {"head": HEAD_REVISION}
        )
        connection.exec_driver_sql("RELEASE fresh_schema")
        return
    from alembic import command

    command.upgrade(alembic_config(connection), "head")
