"""The whole stored state as data: read it, put it back, and its JSON file format.

Generic over the schema: every table of the SQLAlchemy metadata, parents before children
(`sorted_tables`), every column, ids written as they are, so tables added later (agents)
are covered without a change here. Only Core statements: the SQL stays backend-neutral.

The file (`telex-emulator export`) is one JSON object:
`{"format": "telex-emulator-state", "version": 1, "schema": "<migration>",
"exported_at": "<ISO time>", "tables": {"<table>": [{"<column>": value, ...}, ...]}}`;
times are ISO 8601 strings, JSON columns their JSON. A table left out is empty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Connection,
    DateTime,
    Dialect,
    Float,
    Integer,
    String,
    Table,
    event,
    select,
)

from emulator.db.database import Database, insert_rows, prepared_insert
from emulator.db.migrate import HEAD_REVISION
from emulator.db.models import Base
from emulator.findings import Finding, json_path, json_type_name

FORMAT = "telex-emulator-state"
VERSION = 1
# table name -> its rows, each a dict of every column (Python values, as the ORM gives them)
State = dict[str, list[dict[str, Any]]]


def tables() -> list[Table]:
    """Every table, parents before children."""
    return list(Base.metadata.sorted_tables)


async def read_state(db: Database) -> State:
    """Every row of every table, read in one transaction."""
    state: State = {}
    async with db.read() as session, session.begin():
        for table in tables():
            result = await session.execute(table.select())
            state[table.name] = [dict(row) for row in result.mappings()]
    return state


def write_state(connection: Connection, state: State) -> None:
    """Replace every row of every table with `state` (inside the caller's transaction)."""
    ordered = tables()
    for table in reversed(ordered):
        connection.execute(table.delete())
    for table in ordered:
        insert_rows(connection, table, state.get(table.name, []))


Mark = tuple[int, dict[str, int], dict[str, int]]  # unplaced writes, inserts, rewrites
_CHUNK = 500  # ids per DELETE … IN (…)


class WriteTracker:
    """Counts the writes to each table, seen as the statements go to the database.

    A restore then touches only the tables written since the state was last read or
    written: a table that only got INSERTs loses the rows added since (a test's new
    messages), a table updated or deleted from is rewritten, with every table whose
    foreign keys point at it (a cascade may have emptied them). Writes from another
    process on the same file are not seen: snapshots assume one emulator per database.
    """

    _WRITE = re.compile(
        r'^\s*(INSERT\s+INTO|INSERT\s+OR\s+\w+\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.I
    )
    _MAYBE_WRITE = re.compile(r"^\s*(?:INSERT|UPDATE|DELETE|REPLACE|WITH|MERGE)\b", re.I)

    def __init__(self, db: Database) -> None:
        self.inserts: dict[str, int] = {table.name: 0 for table in tables()}
        self.rewrites: dict[str, int] = dict(self.inserts)
        self._unplaced = 0  # a write this tracker cannot place: every table is dirty
        for engine in db.engines():
            event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        found = self._WRITE.match(statement)
        if found is not None and found[2] in self.inserts:
            verb = found[1].upper()
            plain_insert = verb.startswith("INSERT") and " OR " not in verb
            counter = self.inserts if plain_insert else self.rewrites
            counter[found[2]] += 1
        elif found is not None or self._MAYBE_WRITE.match(statement):
            self._unplaced += 1

    def mark(self) -> Mark:
        """The write counts now, to compare with later."""
        return self._unplaced, dict(self.inserts), dict(self.rewrites)

    def changes_since(self, mark: Mark | None) -> tuple[set[str], set[str]]:
        """(tables to rewrite, tables that only got new rows) since `mark`."""
        every = [table.name for table in tables()]
        if mark is None or mark[0] != self._unplaced:
            return set(every), set()
        appended = {name for name in every if self.inserts[name] != mark[1].get(name)}
        # Only a single-column key tells new rows apart cheaply; others are rewritten.
        rewrite = {name for name in every if self.rewrites[name] != mark[2].get(name)}
        rewrite |= {t.name for t in tables() if t.name in appended and len(t.primary_key) != 1}
        grew = True
        while grew:  # a cascade from a rewritten parent empties its children too
            more = {
                table.name
                for table in tables()
                if any(key.column.table.name in rewrite for key in table.foreign_keys)
            }
            grew = not more <= rewrite
            rewrite |= more
        return rewrite, appended - rewrite


class BoundState:
    """A state kept with its INSERT parameters already processed (JSON encoded, times
    converted), per dialect: restoring it again is little more than the database's work.
    With a WriteTracker, a restore touches only the tables written since."""

    def __init__(
        self, state: State, tracker: WriteTracker | None = None, mark: Mark | None = None
    ) -> None:
        """`mark`: the tracker's mark taken before `state` was read (a write landing in
        between then counts as a change, never the other way round)."""
        self.state = state
        self._tracker = tracker
        self._mark = mark
        self._bound: dict[type[Dialect], dict[str, tuple[str, list[Any]]]] = {}
        self._keys: dict[str, set[Any]] = {}

    def write(self, connection: Connection) -> None:
        """Put the state back (inside the caller's transaction)."""
        dialect = connection.dialect
        bound = self._bound.get(type(dialect))
        if bound is None:
            bound = self._bound[type(dialect)] = {
                table.name: prepared_insert(table).bound(dialect, self.state[table.name])
                for table in tables()
                if self.state.get(table.name)
            }
        if self._tracker is None:
            rewrite, appended = {table.name for table in tables()}, set()
        else:
            rewrite, appended = self._tracker.changes_since(self._mark)
        for table in tables():
            if table.name in appended:
                self._drop_new_rows(connection, table)
        ordered = [table for table in tables() if table.name in rewrite]
        for table in reversed(ordered):
            connection.execute(table.delete())
        for table in ordered:
            if table.name in bound:
                connection.exec_driver_sql(*bound[table.name])
        if self._tracker is not None:
            self._mark = self._tracker.mark()  # after our own writes: now equal again

    def _drop_new_rows(self, connection: Connection, table: Table) -> None:
        """Delete the rows of `table` whose key the state does not have."""
        (key,) = table.primary_key.columns
        kept = self._keys.get(table.name)
        if kept is None:
            kept = self._keys[table.name] = {row[key.key] for row in self.state.get(table.name, [])}
        new = [value for (value,) in connection.execute(select(key)) if value not in kept]
        for start in range(0, len(new), _CHUNK):
            connection.execute(table.delete().where(key.in_(new[start : start + _CHUNK])))


def counts(state: State) -> dict[str, int]:
    return {name: len(rows) for name, rows in state.items()}


# -- the file format -----------------------------------------------------------------------


def to_document(state: State, exported_at: datetime) -> dict[str, Any]:
    """The JSON object of an export."""
    by_name = {table.name: table for table in tables()}
    return {
        "format": FORMAT,
        "version": VERSION,
        "schema": HEAD_REVISION,
        "exported_at": exported_at.isoformat(),
        "tables": {
            name: [_encoded(by_name[name], row) for row in rows] for name, rows in state.items()
        },
    }


def _encoded(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for column in table.columns:
        value = out.get(column.key)
        if isinstance(value, datetime):
            out[column.key] = value.isoformat()
    return out


@dataclass
class StateFileError(Exception):
    """An import file that cannot be used; nothing was changed."""

    findings: list[Finding]

    def __str__(self) -> str:
        return f"{len(self.findings)} problem(s); first: {self.findings[0].message}"


def from_document(document: Any) -> State:
    """The state a file holds; StateFileError listing every problem (path and hint)."""
    problems: list[Finding] = []

    def bad(path: str, message: str, hint: str) -> None:
        problems.append(Finding("error", path, message, hint))

    if not isinstance(document, dict):
        bad(
            "$",
            f"the file holds {json_type_name(document)}",
            "export one with `telex-emulator export`",
        )
        raise StateFileError(problems)
    if document.get("format") != FORMAT:
        bad("$.format", f"format is {document.get('format')!r}", f'an export says "{FORMAT}"')
    if document.get("version") != VERSION:
        bad(
            "$.version",
            f"version {document.get('version')!r}",
            f"this emulator reads version {VERSION}",
        )
    raw_tables = document.get("tables")
    if not isinstance(raw_tables, dict):
        bad("$.tables", "tables is missing or not an object", 'an export has {"tables": {...}}')
        raise StateFileError(problems)
    by_name = {table.name: table for table in tables()}
    state: State = {}
    for name, rows in raw_tables.items():
        path = json_path("$.tables", name)
        table = by_name.get(name)
        if table is None:
            bad(path, f"no table {name!r} in this emulator", f"tables: {', '.join(by_name)}")
            continue
        if not isinstance(rows, list):
            bad(path, f"{json_type_name(rows)}, not a list of rows", "a list of row objects")
            continue
        state[name] = [
            _decoded(table, row, json_path("$.tables", name, index), bad)
            for index, row in enumerate(rows)
        ]
    if problems:
        raise StateFileError(problems)
    return state


def _decoded(table: Table, row: Any, path: str, bad: Any) -> dict[str, Any]:
    if not isinstance(row, dict):
        bad(path, f"a row is {json_type_name(row)}", "each row is an object of column values")
        return {}
    columns = {column.key: column for column in table.columns}
    for name in row:
        if name not in columns:
            bad(
                json_path(path, name),
                f"no column {name!r} in {table.name}",
                f"columns: {', '.join(columns)}",
            )
    out: dict[str, Any] = {}
    for key, column in columns.items():
        value = row.get(key)
        where = json_path(path, key)
        if value is None:
            if not column.nullable:
                bad(where, f"{key} is missing or null", f"{table.name}.{key} needs a value")
            out[key] = None
            continue
        out[key] = _typed(column.type, value, where, bad)
    return out


def _typed(kind: Any, value: Any, where: str, bad: Any) -> Any:
    if isinstance(kind, JSON):
        return value
    if isinstance(kind, DateTime) or isinstance(getattr(kind, "impl", None), DateTime):
        if isinstance(value, str):
            try:
                at = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                pass
            else:
                return at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)
        bad(where, f"got {value!r}", 'an ISO 8601 time, e.g. "2025-01-01T12:00:00+00:00"')
        return None
    expected: tuple[type, ...]
    if isinstance(kind, Boolean):
        expected, hint = (bool,), "true or false"
    elif isinstance(kind, Integer):
        expected, hint = (int,), "a whole number"
    elif isinstance(kind, Float):
        expected, hint = (int, float), "a number"
    elif isinstance(kind, String):  # Text is a String
        expected, hint = (str,), "a string"
    else:  # pragma: no cover - a column type this module does not know yet
        return value
    if not isinstance(value, expected) or (bool not in expected and isinstance(value, bool)):
        bad(where, f"{json_type_name(value)}, not {hint}", f"write {hint}")
    return value
