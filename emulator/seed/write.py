"""Writing a checked seed file: one transaction of Core statements, keyed by names.

Runs inside `Database.run_write` (plain code on a sync connection): a row is only
inserted when its key is new and only updated where a value differs, so applying the
same file twice writes nothing. An error raised here rolls the whole file back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, update

from emulator.db import models
from emulator.db.database import insert_rows
from emulator.errors import ValidationFailed
from emulator.findings import Finding, json_path
from emulator.integrations.channels import require_valid_interval
from emulator.integrations.settings import merged as merged_values
from emulator.seed.schema import ChannelSeed, IntegrationSeed, SeedFile
from emulator.shapes import spec_root
from emulator.spec.check import CheckedSpec, warnings_of
from emulator.spec.loader import SpecCheck
from emulator.spec.values import validate_values

ORGS = models.Organisation.__table__
CHANNELS = models.Channel.__table__
INTEGRATIONS = models.Integration.__table__
ACTIVATIONS = models.Activation.__table__


@dataclass
class Loaded:
    """One integration of the file, fetched and checked."""

    seed: IntegrationSeed
    path: tuple[Any, ...]
    checked: CheckedSpec
    check: SpecCheck
    org_settings: dict[str, Any]

    def declared(self) -> list[dict[str, Any]]:
        settings = spec_root(self.check.document).get("settings")
        return [i for i in settings if isinstance(i, dict)] if isinstance(settings, list) else []


@dataclass
class Report:
    """What applying changed: `created`/`updated` name each row as kind:name."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    warnings: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "warnings": self.warnings,
        }


class SeedConflict(ValidationFailed):
    """A value the stored state makes invalid (an active interval's crontab)."""


def _upsert(
    connection: Connection,
    table: Any,
    key: dict[str, Any],
    existing: dict[str, Any] | None,
    values: dict[str, Any],
    new_row: dict[str, Any],
    label: str,
    report: Report,
    now: datetime,
) -> dict[str, Any]:
    """Insert `new_row`, or update the `values` that differ; the row as stored."""
    if existing is None:
        insert_rows(connection, table, [new_row])
        report.created.append(label)
        return new_row
    changed = {name: value for name, value in values.items() if existing[name] != value}
    if not changed:
        report.unchanged += 1
        return existing
    if "updated_at" in table.c:
        changed["updated_at"] = now
    where = [table.c[name] == value for name, value in key.items()]
    connection.execute(update(table).where(*where).values(**changed))
    report.updated.append(label)
    return existing | changed


def _rows(connection: Connection, table: Any, *where: Any) -> list[dict[str, Any]]:
    return [dict(row) for row in connection.execute(table.select().where(*where)).mappings()]


def write_seed(
    connection: Connection,
    seed: SeedFile,
    loaded: dict[tuple[int, str], Loaded],
    report: Report,
    now: datetime,
) -> None:
    """Apply every organisation of the file (see the module doc)."""
    names = [org.name for org in seed.organisations]
    orgs = {row["name"]: row for row in _rows(connection, ORGS, ORGS.c.name.in_(names))}
    for o, org_seed in enumerate(seed.organisations):
        new_org = {"id": models.new_id(), "name": org_seed.name, "created_at": now}
        org = _upsert(connection, ORGS, {}, orgs.get(org_seed.name), {}, new_org,
                      f"organisation:{org_seed.name}", report, now)  # fmt: skip
        stored = {
            row["app_name"]: row
            for row in _rows(connection, INTEGRATIONS, INTEGRATIONS.c.organisation_id == org["id"])
        }
        rows = {
            item.name: _integration(
                connection, org["id"], loaded[(o, item.name)], stored, report, now
            )
            for item in org_seed.integrations
        }
        channels = {
            row["name"]: row
            for row in _rows(connection, CHANNELS, CHANNELS.c.organisation_id == org["id"])
        }
        for c, channel_seed in enumerate(org_seed.channels):
            existing = channels.get(channel_seed.name)
            new_channel = {
                "id": models.new_id(),
                "organisation_id": org["id"],
                "name": channel_seed.name,
                "description": channel_seed.description,
                "created_at": now,
            }
            channel = _upsert(
                connection,
                CHANNELS,
                {"id": existing["id"] if existing else None},
                existing,
                {"description": channel_seed.description},
                new_channel,
                f"channel:{org_seed.name}/{channel_seed.name}",
                report,
                now,
            )
            path = ("organisations", o, "channels", c)
            _activations(connection, channel, channel_seed, rows, loaded, o, path, report, now)


def _integration(
    connection: Connection,
    org_id: str,
    item: Loaded,
    stored: dict[str, dict[str, Any]],
    report: Report,
    now: datetime,
) -> dict[str, Any]:
    checked, check = item.checked, item.check
    existing = stored.get(checked.app_name)
    values = {
        "json_url": item.seed.json_url,
        "spec": check.document,
        "integration_type": checked.integration_type,
        "app_name": checked.app_name,
        "target_url": checked.target_url,
        "tick_url": checked.tick_url,
        "target_url_override": item.seed.target_url or None,
        "tick_url_override": item.seed.tick_url or None,
        "warnings": [f.as_dict() for f in warnings_of(check.findings)],
        "settings": merged_values(existing["settings"] if existing else {}, item.org_settings),
    }
    new_row = values | {
        "id": models.new_id(),
        "organisation_id": org_id,
        "created_at": now,
        "updated_at": now,
    }
    key = {"id": existing["id"] if existing else None}
    label = f"integration:{item.seed.name}"
    return _upsert(connection, INTEGRATIONS, key, existing, values, new_row, label, report, now)


def _activations(
    connection: Connection,
    channel: dict[str, Any],
    channel_seed: ChannelSeed,
    rows: dict[str, dict[str, Any]],
    loaded: dict[tuple[int, str], Loaded],
    o: int,
    path: tuple[Any, ...],
    report: Report,
    now: datetime,
) -> None:
    """Activations in the file's order (the chain order); unlisted ones keep theirs after."""
    existing = {
        row["integration_id"]: dict(row)
        for row in connection.execute(
            ACTIVATIONS.select()
            .where(ACTIVATIONS.c.channel_id == channel["id"])
            .order_by(ACTIVATIONS.c.position)
        ).mappings()
    }
    listed = [rows[a.name]["id"] for a in channel_seed.integrations]
    others = [i for i in existing if i not in listed]
    positions = {i: n for n, i in enumerate(listed + others, start=1)}
    for a, activation_seed in enumerate(channel_seed.integrations):
        row, item = rows[activation_seed.name], loaded[(o, activation_seed.name)]
        stored = existing.get(row["id"])
        settings = merged_values(
            dict(stored["settings"]) if stored else {},
            validate_values(item.declared(), activation_seed.settings),
        )
        values = {"is_active": activation_seed.active, "settings": settings,
                  "position": positions[row["id"]]}  # fmt: skip
        new_row = values | {"channel_id": channel["id"], "integration_id": row["id"],
                            "last_tick_for": None, "updated_at": now}  # fmt: skip
        key = {"channel_id": channel["id"], "integration_id": row["id"]}
        label = f"activation:{channel['name']}/{activation_seed.name}"
        _upsert(connection, ACTIVATIONS, key, stored, values, new_row, label, report, now)
        if activation_seed.active and row["integration_type"] == "interval":
            try:
                require_valid_interval(item.declared(), row["settings"], settings)
            except ValidationFailed as exc:  # raised inside the write: it rolls back
                raise _conflict(exc, (*path, "integrations", a)) from exc
    for integration_id in others:
        if existing[integration_id]["position"] != positions[integration_id]:
            connection.execute(
                update(ACTIVATIONS)
                .where(
                    ACTIVATIONS.c.channel_id == channel["id"],
                    ACTIVATIONS.c.integration_id == integration_id,
                )
                .values(position=positions[integration_id])
            )


def _conflict(exc: ValidationFailed, path: tuple[Any, ...]) -> SeedConflict:
    findings = [
        Finding("error", json_path("$", *path, *str(e["path"]).split(".")), e["message"], e["hint"])
        for e in exc.errors
    ]
    return SeedConflict(
        f"the seed file was not applied (nothing changed): {findings[0].path}: "
        f"{findings[0].message}",
        [f.as_dict() for f in findings],
    )
