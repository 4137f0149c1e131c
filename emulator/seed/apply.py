"""Applying a seed file: check everything first, then one write transaction.

Keys are names: an organisation by its name, a channel by its name in the organisation,
an integration by the `app_name` its JSON declares in the organisation. Applying the same
file twice changes nothing (rows are only touched when a value differs); a file with any
problem, including an integration JSON that cannot be fetched yet, changes nothing and
is answered with every problem, each with its path in the file and a hint.
"""

from __future__ import annotations

import asyncio
from typing import Any

from emulator.db import models
from emulator.errors import ValidationFailed
from emulator.findings import Finding, json_path
from emulator.infrastructure import Infrastructure
from emulator.integrations import IntegrationService
from emulator.integrations.active import declared_settings
from emulator.integrations.installs import url_or_none
from emulator.seed.schema import SeedFile, parse
from emulator.seed.write import Loaded, Report, write_seed
from emulator.spec.check import errors_of, warnings_of
from emulator.spec.loader import SpecCheck
from emulator.spec.values import validate_values


def _warnings(item: Loaded) -> list[Finding]:
    """The linter's warnings about an integration's JSON, placed in the seed file."""
    where = json_path("$", *item.path, "json_url" if item.seed.json_url is not None else "spec")
    return [
        Finding("warning", where, f"{w.message} (at {w.path} of {item.check.source})", w.hint)
        for w in warnings_of(item.check.findings)
    ]


class SeedRejected(ValidationFailed):
    """A seed file with problems: nothing was changed."""


class Seeder:
    def __init__(self, infra: Infrastructure, integrations: IntegrationService) -> None:
        self._infra = infra
        self._integrations = integrations

    async def apply(self, document: Any, source: str = "seed") -> dict[str, Any]:
        """Check then apply; SeedRejected (422) listing every problem, nothing changed."""
        seed, problems = parse(document)
        if seed is None:
            raise _rejected(source, problems)
        loaded, problems = await self._load_all(seed)
        problems += _check_activations(seed, loaded)
        if problems:
            raise _rejected(source, problems)
        report = Report(warnings=[w.as_dict() for item in loaded.values() for w in _warnings(item)])
        now = self._infra.clock.now()
        await self._infra.db.run_write(lambda c: write_seed(c, seed, loaded, report, now))
        if report.created or report.updated:
            await self._integrations.changed_elsewhere("seeded")
        return report.as_dict()

    async def _load_all(
        self, seed: SeedFile
    ) -> tuple[dict[tuple[int, str], Loaded], list[Finding]]:
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
        loaded: dict[tuple[int, str], Loaded] = {}
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
            loaded[(o, item.name)] = Loaded(item, path, check.checked, check, org_settings)
        return loaded, problems


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


def _check_activations(seed: SeedFile, loaded: dict[tuple[int, str], Loaded]) -> list[Finding]:
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
