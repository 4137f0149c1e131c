"""Reading one row by primary key, or answering 404 with what to do about it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

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
