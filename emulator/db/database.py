"""The engine, read sessions and the single writer.

SQLite allows one writer at a time; an asyncio lock makes writers queue inside the
process instead of failing with "database is locked". `write()` and `run_write()` commit
before they return, so an HTTP answer sent after them reports a durable row.

Hot paths (messages, deliveries, returns) use `run_write`: a plain function of a sync
Connection, run whole on one writer thread with its own connection. aiosqlite makes a
thread round trip per DBAPI call (cursor, execute, fetch, close, commit); a transaction
of three inserts cost about ten of them, most of a message's write time.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy import Connection, Dialect, Engine, Table, bindparam, create_engine, event, insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool
from sqlalchemy.sql.base import Executable

from emulator.db.migrate import upgrade_to_head

T = TypeVar("T")


def sqlite_url(path: str) -> str:
    return "sqlite+aiosqlite:///:memory:" if path == ":memory:" else f"sqlite+aiosqlite:///{path}"


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL: readers never block the writer; NORMAL sync is safe against a killed process.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA temp_store=MEMORY")  # sorts and temp indexes never touch disk
    cursor.close()


class Prepared:
    """A statement compiled once per dialect, then run as driver SQL with processed values.

    For hot inserts and key lookups: SQLAlchemy's per-call work (cache key, compiled
    cache, parameter setup) costs a few times what SQLite needs for the row itself. The
    SQL and the type processing (UTCDateTime, JSON) still come from SQLAlchemy, so the
    statement stays portable. Rows come back as the driver returns them, unprocessed:
    select plain string or integer columns only.
    """

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        # By dialect class: every engine here uses the default JSON serializer, and a key
        # per engine would grow with each Database a test suite opens.
        self._compiled: dict[type[Dialect], tuple[str, list[tuple[str, Any]]]] = {}

    def _for(self, dialect: Dialect) -> tuple[str, list[tuple[str, Any]]]:
        found = self._compiled.get(type(dialect))
        if found is None:
            compiled = self.statement.compile(dialect=dialect)
            names = compiled.positiontup or list(compiled.binds)  # in the SQL's order
            binds = compiled.binds
            processors = [(name, binds[name].type.bind_processor(dialect)) for name in names]
            found = self._compiled[type(dialect)] = (str(compiled), processors)
        return found

    def _params(self, dialect: Dialect, values: dict[str, Any]) -> tuple[str, Any]:
        sql, processors = self._for(dialect)
        processed = [
            (name, values[name] if process is None else process(values[name]))
            for name, process in processors
        ]
        if dialect.positional:
            return sql, tuple(value for _, value in processed)
        return sql, dict(processed)

    def execute(self, connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
        """Run for every dict of `rows` (one executemany)."""
        if not rows:
            return
        params = [self._params(connection.dialect, row) for row in rows]
        connection.exec_driver_sql(params[0][0], [values for _, values in params])

    def fetch(self, connection: Connection, values: dict[str, Any]) -> list[Any]:
        """Run once; every row as the driver returns it."""
        sql, params = self._params(connection.dialect, values)
        return list(connection.exec_driver_sql(sql, params).all())


_INSERTS: dict[Table, Prepared] = {}


def insert_rows(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT `rows` (dicts of every column: `values_of` or full dicts) in one executemany."""
    prepared = _INSERTS.get(table)
    if prepared is None:
        columns = {column.key: bindparam(column.key) for column in table.columns}
        prepared = _INSERTS[table] = Prepared(insert(table).values(columns))
    prepared.execute(connection, rows)


def values_of(row: Any) -> dict[str, Any]:
    """A mapped object's column values for a Core insert, without a unit-of-work flush.

    Unset columns get their Python-side default, written back to `row` as a flush would,
    so views built from `row` afterwards show what was stored.
    """
    state = row.__dict__
    values: dict[str, Any] = {}
    for column in row.__table__.columns:
        key = column.key
        if key in state:
            values[key] = state[key]
            continue
        default = column.default
        value = None
        if default is not None and default.is_scalar:
            value = default.arg
        elif default is not None and default.is_callable:
            value = default.arg(None)  # SQLAlchemy wraps zero-argument callables
        setattr(row, key, value)
        values[key] = value
    return values


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
        # A file gets a writer thread with its own connection; `:memory:` cannot (a second
        # connection would open a second, empty database) and runs writes on the engine.
        self._writer_engine: Engine | None = None
        self._writer_thread: ThreadPoolExecutor | None = None
        if path != ":memory:":
            self._writer_engine = create_engine(f"sqlite:///{path}", pool_size=1)
            event.listen(self._writer_engine, "connect", _tune_sqlite)
            self._writer_thread = ThreadPoolExecutor(1, thread_name_prefix="telex-db-writer")
        self._writer_used = False

    async def start(self) -> None:
        """Create or upgrade the schema to the newest migration."""
        async with self.engine.begin() as connection:
            await connection.run_sync(upgrade_to_head)

    async def close(self) -> None:
        if self._writer_thread is not None and self._writer_engine is not None:
            if self._writer_used:  # its connection belongs to its thread: close it there
                loop = asyncio.get_running_loop()
                await loop.run_in_executor(self._writer_thread, self._writer_engine.dispose)
            self._writer_thread.shutdown(wait=False)
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

    async def run_write(self, work: Callable[[Connection], T]) -> T:
        """`work(connection)` in one write transaction, committed before this returns.

        `work` is plain code (Core statements, no awaits) and runs on the writer thread:
        one thread hop per transaction however many statements it makes. It must not
        touch state the event loop changes meanwhile.
        """
        async with self._write_lock:
            if self._writer_thread is None:
                async with self.engine.begin() as connection:
                    return await connection.run_sync(work)
            self._writer_used = True
            done = asyncio.get_running_loop().run_in_executor(
                self._writer_thread, self._transaction, work
            )
            try:
                return await asyncio.shield(done)
            except asyncio.CancelledError:
                # Keep the lock until the thread has committed or rolled back.
                await asyncio.wait([done])
                raise

    def _transaction(self, work: Callable[[Connection], T]) -> T:
        assert self._writer_engine is not None
        with self._writer_engine.begin() as connection:
            return work(connection)

    async def reset(self) -> None:
        """Delete every row of every table, children first; the schema stays."""
        from emulator.db.models import Base

        def delete_all(connection: Connection) -> None:
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(table.delete())

        await self.run_write(delete_all)
