"""Reading rows: one by primary key (or a 404 saying what to do), or a listing filtered
by the columns a client named."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from emulator.errors import NotFound

Row = TypeVar("Row")


async def require_row(
    session: AsyncSession,
    model: type[Row],
    key: Any,
    missing: str,
    belongs: Callable[[Row], bool] | None = None,
) -> Row:
    """The `model` row with primary key `key`; a 404 saying `missing` when there is none, or
    when `belongs` rejects it (a row of another organisation is as missing as no row)."""
    row = await session.get(model, key)
    if row is None or (belongs is not None and not belongs(row)):
        raise NotFound(missing)
    return row


def where_equal(
    query: Select[Any], model: type, filters: Mapping[str, str], names: Iterable[str]
) -> Select[Any]:
    """`query` narrowed to rows whose column equals each non-empty filter among `names`."""
    for name in names:
        if filters.get(name):
            query = query.where(getattr(model, name) == filters[name])
    return query
