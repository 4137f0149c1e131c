"""Keyword options to a Config for the test server, and URL rewrites in any usual form."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from emulator.config import Config, Rewrite


def rewrites(value: Any) -> tuple[Rewrite, ...]:
    """`{from: to}`, "FROM=TO", a Rewrite, or a list of those."""
    if value is None:
        return ()
    if isinstance(value, Rewrite):
        return (value,)
    if isinstance(value, str):
        return (Rewrite.parse(value),)
    if isinstance(value, Mapping):
        return tuple(Rewrite(str(source), str(target)) for source, target in value.items())
    return tuple(item for entry in value for item in rewrites(entry))


def server_config(db_path: str, overrides: Mapping[str, Any]) -> Config:
    """The test server's Config: loopback, a free port, the virtual clock, then `overrides`."""
    names = {f.name for f in dataclasses.fields(Config)}
    unknown = sorted(set(overrides) - names)
    if unknown:
        raise TypeError(
            f"unknown emulator option(s) {', '.join(unknown)}; "
            f"Config fields are: {', '.join(sorted(names))}"
        )
    options: dict[str, Any] = {"host": "127.0.0.1", "port": 0, "clock_mode": "virtual"}
    options.update(overrides)
    if "rewrites" in overrides:
        options["rewrites"] = rewrites(overrides["rewrites"])
    if isinstance(options.get("extra_allowed_origins"), list):
        options["extra_allowed_origins"] = tuple(options["extra_allowed_origins"])
    return Config(db_path=db_path, **options)
