"""Apply Alembic migrations on the app's own connection, inside its running loop."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Connection


def migrations_folder() -> Path:
    """Wheel installs carry `emulator/_migrations`; a checkout has `migrations/`."""
    package_dir = Path(__file__).resolve().parents[1]
    shipped = package_dir / "_migrations"
    return shipped if shipped.is_dir() else package_dir.parent / "migrations"


def alembic_config(connection: Connection | None = None) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(migrations_folder()))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade_to_head(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")
