"""Alembic environment: upgrades the app's own connection, or a DB named on the shell."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import Connection, create_engine

from emulator.db.models import Base

target_metadata = Base.metadata


def run_migrations(connection: Connection) -> None:
    # render_as_batch: SQLite cannot ALTER most things; batch mode copies tables.
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:  # the app upgrading itself
    run_migrations(connection)
else:  # `alembic revision --autogenerate` from a shell: TELEX_EMULATOR_DB or the default
    path = os.environ.get("TELEX_EMULATOR_DB", "telex-emulator.db")
    with create_engine(f"sqlite:///{path}").connect() as sync_connection:
        run_migrations(sync_connection)
        sync_connection.commit()
