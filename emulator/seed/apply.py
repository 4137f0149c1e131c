"""Applying a seed file: check everything first, then one write transaction.

Keys are names: an organisation by its name, a channel by its name in the organisation,
an integration by the `app_name` its JSON declares in the organisation. Applying the same
file twice changes nothing (rows are only touched when a value differs); a file with any
problem, including an integration JSON that cannot be fetched yet, changes nothing and
is answered with every problem, each with its path in the file and a hint.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from emulator.clock import Clock
from emulator.config import Config
from emulator.db import models
from emulator.db.database import Database
from emulator.errors import ValidationFailed
from emulator.findings import Finding, json_path
from emulator.integrations import (
    IntegrationService,
    declared_settings,
    merged_values,
    require_valid_interval,
    url_or_none,
)
from emulator.seed.schema import IntegrationSeed, SeedFile, parse
from emulator.spec.check import CheckedSpec, errors_of, warnings_of
from emulator.spec.loader import SpecCheck
from emulator.spec.values import validate_values


class SeedRejected(ValidationFailed):
    """A seed file with problems: nothing was changed."""


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


@dataclass
class _Loaded:
    seed: IntegrationSeed
    path: tuple[Any, ...]
    checked: CheckedSpec
    check: SpecCheck
    org_settings: dict[str, Any]


class Seeder:
    def __init__(
        self, db: Database, integrations: IntegrationService, config: Config, clock: Clock
    ) -> None:
        self._db = db
        self._integrations = integrations
        self._config = config
        self._clock = clock

    async def apply(self, document: Any, source: str = "seed") -> dict[str, Any]:
        """Check then apply; SeedRejected (422) listing every problem, nothing changed."""
        seed, problems = parse(document)
        if seed is None:
            raise _rejected(source, problems)
        loaded, problems = await self._load_all(seed)
        problems += _check_activations(seed, loaded)
        if problems:
            raise _rejected(source, problems)
        report = Report()
        async with self._db.write() as session:
            await self._write(session, seed, loaded, report)
        if report.created or report.updated:
            await self._integrations.changed_elsewhere("seeded")
        return report.as_dict()

    async def _load_all(
        self, seed: SeedFile
    ) -> tuple[dict[tuple[int, str], _Loaded], list[Finding]]:
        """Fetch and check every integration JSON at once; validate their settings."""
        jobs = [
            (o, integration, ("organisations", o, "integrations", i))
            for o, org in enumerate(seed.organisations)
            for i, integration in enumerate(org.integrations)
        ]
        checks = await asyncio.gather(
            *(
                self._integrations.load(item.json_url, item.spec, context="install")
                for _, item, _ in jobs
            )
        )
        loaded: dict[tuple[int, str], _Loaded] = {}
        problems: list[Finding] = []
        apps: dict[tuple[int, str], str] = {}
        for (o, item, path), check in zip(jobs, checks, strict=True):
            where = json_path("$", *path, "json_url" if item.json_url is not None else "spec")
            if check.checked is None:
                for finding in errors_of(check.findings):
                    problems.append(
                        Finding(
                            "error",
                            where,
                            finding.message
                            if finding.path == "$"
                            else f"{finding.message} (at {finding.path} of {check.source})",
                            finding.hint,
                        )
                    )
                continue
            app = check.checked.app_name
            if (o, app) in apps:
                problems.append(
                    Finding(
                        "error",
                        where,
                        f"{item.name!r} installs {app!r}, as {apps[(o, app)]!r} does",
                        "integrations are keyed by app_name: install each app once",
                    )
                )
            apps[(o, app)] = item.name
            for name in ("target_url", "tick_url"):
                try:
                    url_or_none(getattr(item, name), name)
                except ValidationFailed as exc:
                    problems += _mapped(exc, path)
            org_settings = _validated(declared_settings_of(check), item.settings, path, problems)
            loaded[(o, item.name)] = _Loaded(item, path, check.checked, check, org_settings)
        return loaded, problems

    async def _write(
        self, session: Any, seed: SeedFile, loaded: dict[tuple[int, str], _Loaded], report: Report
    ) -> None:
        now = self._clock.now()
        for o, org_seed in enumerate(seed.organisations):
            org = await session.scalar(
                select(models.Organisation).where(models.Organisation.name == org_seed.name)
            )
            if org is None:
                org = models.Organisation(id=models.new_id(), name=org_seed.name, created_at=now)
                session.add(org)
                report.created.append(f"organisation:{org.name}")
            else:
                report.unchanged += 1
            rows: dict[str, models.Integration] = {}
            for item in org_seed.integrations:
                rows[item.name] = await self._integration(
                    session, org.id, loaded[(o, item.name)], report
                )
            for c, channel_seed in enumerate(org_seed.channels):
                channel = await session.scalar(
                    select(models.Channel).where(
                        models.Channel.organisation_id == org.id,
                        models.Channel.name == channel_seed.name,
                    )
                )
                if channel is None:
                    channel = models.Channel(
                        id=models.new_id(),
                        organisation_id=org.id,
                        name=channel_seed.name,
                        description=channel_seed.description,
                        created_at=now,
                    )
                    session.add(channel)
                    report.created.append(f"channel:{org.name}/{channel.name}")
                elif channel.description != channel_seed.description:
                    channel.description = channel_seed.description
                    report.updated.append(f"channel:{org.name}/{channel.name}")
                else:
                    report.unchanged += 1
                await session.flush()
                await self._activations(
                    session,
                    channel,
                    channel_seed,
                    rows,
                    ("organisations", o, "channels", c),
                    report,
                )

    async def _integration(
        self, session: Any, org_id: str, item: _Loaded, report: Report
    ) -> models.Integration:
        checked, check, now = item.checked, item.check, self._clock.now()
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
        }
        row = await session.scalar(
            select(models.Integration).where(
                models.Integration.organisation_id == org_id,
                models.Integration.app_name == checked.app_name,
            )
        )
        label = f"integration:{item.seed.name}"
        if row is None:
            row = models.Integration(
                id=models.new_id(),
                organisation_id=org_id,
                settings=merged_values({}, item.org_settings),
                created_at=now,
                updated_at=now,
                **values,
            )
            session.add(row)
            report.created.append(label)
            await session.flush()
            return row
        values["settings"] = merged_values(row.settings, item.org_settings)
        changed = [name for name, value in values.items() if getattr(row, name) != value]
        for name in changed:
            setattr(row, name, values[name])
        if changed:
            row.updated_at = now
            report.updated.append(label)
        else:
            report.unchanged += 1
        return row

    async def _activations(
        self,
        session: Any,
        channel: models.Channel,
        channel_seed: Any,
        rows: dict[str, models.Integration],
        path: tuple[Any, ...],
        report: Report,
    ) -> None:
        existing = {
            activation.integration_id: activation
            for activation in await session.scalars(
                select(models.Activation)
                .where(models.Activation.channel_id == channel.id)
                .order_by(models.Activation.position)
            )
        }
        listed = [rows[a.name].id for a in channel_seed.integrations]
        others = [i for i in existing if i not in listed]
        positions = {i: n for n, i in enumerate(listed + others, start=1)}
        now = self._clock.now()
        for a, activation_seed in enumerate(channel_seed.integrations):
            row = rows[activation_seed.name]
            activation = existing.get(row.id)
            settings = validate_values(declared_settings(row), activation_seed.settings)
            label = f"activation:{channel.name}/{activation_seed.name}"
            if activation is None:
                activation = models.Activation(
                    channel_id=channel.id,
                    integration_id=row.id,
                    is_active=activation_seed.active,
                    settings=merged_values({}, settings),
                    position=positions[row.id],
                    updated_at=now,
                )
                session.add(activation)
                report.created.append(label)
            else:
                values = {
                    "is_active": activation_seed.active,
                    "settings": merged_values(activation.settings, settings),
                    "position": positions[row.id],
                }
                changed = [k for k, v in values.items() if getattr(activation, k) != v]
                for name in changed:
                    setattr(activation, name, values[name])
                if changed:
                    activation.updated_at = now
                    report.updated.append(label)
                else:
                    report.unchanged += 1
            if activation.is_active and row.integration_type == "interval":
                try:
                    require_valid_interval(
                        declared_settings(row), row.settings, activation.settings
                    )
                except ValidationFailed as exc:  # rolls the whole write back
                    raise _rejected("seed", _mapped(exc, (*path, "integrations", a))) from exc
        for integration_id in others:  # unlisted ones keep their order after the listed
            activation = existing[integration_id]
            if activation.position != positions[integration_id]:
                activation.position = positions[integration_id]


def declared_settings_of(check: SpecCheck) -> list[dict[str, Any]]:
    return declared_settings(models.Integration(spec=check.document))


def _validated(
    declared: list[dict[str, Any]],
    values: dict[str, Any],
    path: tuple[Any, ...],
    problems: list[Finding],
) -> dict[str, Any]:
    try:
        return validate_values(declared, values)
    except ValidationFailed as exc:
        problems += _mapped(exc, path)
        return {}


def _mapped(exc: ValidationFailed, path: tuple[Any, ...]) -> list[Finding]:
    """The API's problems (paths like `settings.interval`) as paths into the seed file."""
    errors = (exc.data or {}).get("errors") or [{"path": "", "message": exc.message, "hint": ""}]
    return [
        Finding(
            "error",
            json_path("$", *path, *[part for part in str(e.get("path", "")).split(".") if part]),
            str(e.get("message")),
            str(e.get("hint") or ""),
        )
        for e in errors
    ]


def _check_activations(seed: SeedFile, loaded: dict[tuple[int, str], _Loaded]) -> list[Finding]:
    """Channel overrides checked against the declared settings before anything is written."""
    problems: list[Finding] = []
    for o, org in enumerate(seed.organisations):
        for c, channel in enumerate(org.channels):
            for a, activation in enumerate(channel.integrations):
                item = loaded.get((o, activation.name))
                if item is not None:
                    path = ("organisations", o, "channels", c, "integrations", a)
                    _validated(
                        declared_settings_of(item.check), activation.settings, path, problems
                    )
    return problems


def _rejected(source: str, problems: list[Finding]) -> SeedRejected:
    first = problems[0].message if problems else "unknown"
    return SeedRejected(
        f"the seed file {source} was not applied (nothing changed): "
        f"{len(problems)} problem(s); first: {problems[0].path}: {first}",
        [f.as_dict() for f in problems],
    )
