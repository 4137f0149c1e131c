"""The engine, read sessions and the single writer.

SQLite allows one writer at a time; an asyncio lock makes writers queue inside the
process instead of failing with "database is locked". `write()` and `run_write()` commit
before they return, so an HTTP answer sent after them reports a durable row.

Hot paths (messages, deliveries, returns) use `run_write`: a plain function of a sync
Connection, run whole in one transaction on a connection of its own. It runs right on the
event loop's thread: a group commit of a few small inserts takes tens of microseconds in
SQLite, less than handing it to a thread (bench/fanout.py measured the hand-off, with its
GIL round trips, at a fifth of a message's CPU). Two things would make it block the loop,
and neither is allowed to:
- waiting for another process's write lock: the transaction starts with BEGIN IMMEDIATE
  and no busy timeout, and if the lock is taken it is run again on the writer thread,
  which waits the usual 5 s;
- a WAL checkpoint (it copies pages and fsyncs): this connection never checkpoints by
  itself; every CHECKPOINT_EVERY commits the writer thread runs a passive one.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy import Connection, Dialect, Engine, Table, bindparam, create_engine, event, insert
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool
from sqlalchemy.sql.base import Executable

from emulator.db.migrate import upgrade_to_head

T = TypeVar("T")
log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000  # how long a connection waits for another process's lock
CHECKPOINT_EVERY = 100  # inline commits between passive WAL checkpoints (a few MB of WAL)
_SQLITE_BUSY = 5


def sqlite_url(path: str) -> str:
    return "sqlite+aiosqlite:///:memory:" if path == ":memory:" else f"sqlite+aiosqlite:///{path}"


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL: readers never block the writer; NORMAL sync is safe against a killed process.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA temp_store=MEMORY")  # sorts and temp indexes never touch disk
    cursor.close()


def _tune_inline_writer(dbapi_connection: Any, record: Any) -> None:
    """The loop-thread writer: never waits for a lock, never checkpoints (module doc)."""
    _tune_sqlite(dbapi_connection, record)
    dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" event emits BEGIN
    dbapi_connection.execute("PRAGMA busy_timeout=0")
    dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")


def _begin_immediate(connection: Connection) -> None:
    # Take the write lock first, so a busy database fails before `work` has run.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _is_busy(exc: OperationalError) -> bool:
    return isinstance(exc.orig, sqlite3.OperationalError) and (
        getattr(exc.orig, "sqlite_errorcode", None) == _SQLITE_BUSY
    )


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

    def bound(self, dialect: Dialect, rows: Sequence[dict[str, Any]]) -> tuple[str, list[Any]]:
        """The SQL and every row's processed parameters, to `exec_driver_sql` later."""
        return self._for(dialect)[0], [self._params(dialect, row)[1] for row in rows]

    def fetch(self, connection: Connection, values: dict[str, Any]) -> list[Any]:
        """Run once; every row as the driver returns it."""
        sql, params = self._params(connection.dialect, values)
        return list(connection.exec_driver_sql(sql, params).all())


_INSERTS: dict[Table, Prepared] = {}


def prepared_insert(table: Table) -> Prepared:
    """The INSERT of every column of `table`, compiled once."""
    prepared = _INSERTS.get(table)
    if prepared is None:
        columns = {column.key: bindparam(column.key) for column in table.columns}
        prepared = _INSERTS[table] = Prepared(insert(table).values(columns))
    return prepared


def insert_rows(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT `rows` (dicts of every column: `values_of` or full dicts) in one executemany."""
    prepared_insert(table).execute(connection, rows)


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
        # A file gets a writer connection of its own (module doc) and a thread for what
        # must not block the loop; `:memory:` cannot (a second connection would open a
        # second, empty database) and runs writes on the engine.
        self._writer_engine: Engine | None = None
        self._writer_thread: ThreadPoolExecutor | None = None
        if path != ":memory:":
            self._writer_engine = create_engine(
                f"sqlite:///{path}",
                pool_size=1,
                # Used on the loop thread, and on the writer thread when busy; the asyncio
                # lock lets only one of them at a time.
                connect_args={"check_same_thread": False},
            )
            event.listen(self._writer_engine, "connect", _tune_inline_writer)
            event.listen(self._writer_engine, "begin", _begin_immediate)
            self._writer_thread = ThreadPoolExecutor(1, thread_name_prefix="telex-db-writer")
        self._commits = 0
        self._checkpointer: sqlite3.Connection | None = None  # lives on the writer thread
        self._checkpoint: asyncio.Future[None] | None = None

    def engines(self) -> list[Engine]:
        """Every sync engine that runs statements on this database (for event listeners)."""
        found = [self.engine.sync_engine]
        if self._writer_engine is not None:
            found.append(self._writer_engine)
        return found

    async def start(self) -> None:
        """Create or upgrade the schema to the newest migration."""
        async with self.engine.begin() as connection:
            await connection.run_sync(upgrade_to_head)

    async def close(self) -> None:
        if self._writer_thread is not None and self._writer_engine is not None:
            async with self._write_lock:
                self._writer_engine.dispose()
                # Queued after any checkpoint still running on the thread.
                await asyncio.get_running_loop().run_in_executor(
                    self._writer_thread, self._close_checkpointer
                )
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

        `work` is plain code (Core statements, no awaits, no I/O besides the database) and
        runs on the loop's thread, or on the writer thread while another process holds
        the write lock (module doc): keep it to one batch of small statements.
        """
        async with self._write_lock:
            if self._writer_engine is None:
                async with self.engine.begin() as connection:
                    return await connection.run_sync(work)
            try:
                result = self._transaction(work)
            except OperationalError as exc:
                if not _is_busy(exc):
                    raise
                result = await self._transaction_waiting(work)
            self._commits += 1
            if self._commits % CHECKPOINT_EVERY == 0:
                self._checkpoint_soon()
            return result

    def _transaction(self, work: Callable[[Connection], T]) -> T:
        assert self._writer_engine is not None
        with self._writer_engine.begin() as connection:
            return work(connection)

    async def _transaction_waiting(self, work: Callable[[Connection], T]) -> T:
        """`work` on the writer thread, waiting up to the busy timeout for the lock."""
        assert self._writer_thread is not None

        def waiting() -> T:
            assert self._writer_engine is not None
            with self._writer_engine.connect() as connection:
                raw = connection.connection.dbapi_connection
                assert raw is not None
                raw.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
                try:
                    with connection.begin():
                        return work(connection)
                finally:
                    raw.execute("PRAGMA busy_timeout=0")

        done = asyncio.get_running_loop().run_in_executor(self._writer_thread, waiting)
        try:
            return await asyncio.shield(done)
        except asyncio.CancelledError:
            # The caller holds the write lock until the thread has committed or rolled back.
            await asyncio.wait([done])
            raise

    def _checkpoint_soon(self) -> None:
        """A passive WAL checkpoint on the writer thread, unless one is still running."""
        if self._writer_thread is None or (
            self._checkpoint is not None and not self._checkpoint.done()
        ):
            return
        self._checkpoint = asyncio.get_running_loop().run_in_executor(
            self._writer_thread, self._run_checkpoint
        )
        self._checkpoint.add_done_callback(_log_checkpoint_failure)

    def _run_checkpoint(self) -> None:
        # Its own connection: the writer's may be busy on the loop thread meanwhile.
        if self._checkpointer is None:
            self._checkpointer = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000)
        self._checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    def _close_checkpointer(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.close()
            self._checkpointer = None

    async def reset(self) -> None:
        """Delete every row of every table, children first; the schema stays."""
        from emulator.db.models import Base

        def delete_all(connection: Connection) -> None:
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(table.delete())

        await self.run_write(delete_all)


def _log_checkpoint_failure(future: asyncio.Future[None]) -> None:
    # A failed checkpoint loses nothing (the WAL keeps the pages); the next one retries.
    if not future.cancelled() and future.exception() is not None:
        log.warning("WAL checkpoint failed: %s", future.exception())
