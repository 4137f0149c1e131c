"""Installing an integration JSON, re-fetching or overriding its URLs, and deleting it."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select

from emulator import payloads
from emulator.db import models
from emulator.delivery.log import delivery_row
from emulator.directory import Directory
from emulator.errors import ValidationFailed, problem
from emulator.integrations.base import IntegrationsBase
from emulator.outbound import document_fetcher
from emulator.shapes import integration_view
from emulator.spec.check import CheckedSpec, errors_of, warnings_of
from emulator.spec.loader import (
    DocumentCheck,
    SpecCheck,
    check_document,
    fetch_and_check,
)
from emulator.spec.model import normalise_url
from emulator.spec.rules import Context
from emulator.urls import effective_url


class Installs(IntegrationsBase):
    """The install life cycle: load and check, install, list, get, update, delete."""

    async def load(
        self, json_url: Any = None, spec: Any = None, *, context: Context
    ) -> DocumentCheck:
        """Fetch (or take inline) and check an integration JSON. Never raises for bad specs."""
        if spec is not None:
            return check_document(spec, "inline spec", context)
        if not isinstance(json_url, str) or not json_url.strip():
            raise ValidationFailed(
                "give the integration JSON's URL or the spec itself",
                [
                    problem(
                        "json_url",
                        "json_url is missing",
                        'send {"json_url": "http://127.0.0.1:8000/integration.json"} or {"spec": {...}}',
                    )
                ],
            )
        config = self._infra.config
        fetch = document_fetcher(
            self._infra.outbound, config.fetch_timeout_s, config.max_spec_bytes
        )
        return await fetch_and_check(json_url.strip(), fetch, context)

    @staticmethod
    def raise_if_rejected(check: DocumentCheck) -> CheckedSpec:
        """The checked spec, or a 422 listing every error (and the warnings)."""
        if not isinstance(check, SpecCheck) or check.checked is None:
            errors = errors_of(check.findings)
            raise ValidationFailed(
                f"the integration JSON from {check.source} cannot be used: "
                f"{len(errors)} error(s); first: {errors[0].message if errors else 'unknown'}",
                [f.as_dict() for f in errors],
                warnings=[f.as_dict() for f in warnings_of(check.findings)],
            )
        return check.checked

    async def install(self, org_id: str, body: dict[str, Any]) -> dict[str, Any]:
        json_url, spec = body.get("json_url"), body.get("spec")
        if spec is not None and not isinstance(spec, dict):
            raise ValidationFailed(
                "spec must be a JSON object",
                [
                    problem(
                        "spec",
                        f"spec is a {type(spec).__name__}",
                        "send the integration JSON object itself",
                    )
                ],
            )
        db = self._infra.db
        async with db.read() as session:
            await Directory.require_organisation(session, org_id)
        check = await self.load(json_url, spec, context="install")
        checked = self.raise_if_rejected(check)
        now = self._infra.clock.now()
        row = models.Integration(
            id=models.new_id(),
            organisation_id=org_id,
            json_url=json_url.strip() if isinstance(json_url, str) and spec is None else None,
            spec=check.document,
            integration_type=checked.integration_type,
            app_name=checked.app_name,
            target_url=checked.target_url,
            tick_url=checked.tick_url,
            target_url_override=url_or_none(body.get("target_url"), "target_url"),
            tick_url_override=url_or_none(body.get("tick_url"), "tick_url"),
            settings={},
            warnings=[f.as_dict() for f in warnings_of(check.findings)],
            created_at=now,
            updated_at=now,
        )
        async with db.write() as session:
            await Directory.require_organisation(session, org_id)
            session.add(row)
        self._start_auth_callback(row, checked)
        await self._changed("installed", row.id)
        return integration_view(row, self._infra.config)

    def _start_auth_callback(self, row: models.Integration, checked: CheckedSpec) -> None:
        """CONTRACT §1.6: POST {api_key, org_id} to auth_callback on install."""
        infra = self._infra
        url = effective_url(
            normalise_url(checked.root.get("auth_callback")), None, infra.config.rewrites
        )
        if not url:
            return
        body = payloads.auth_callback_body(f"tlx_{secrets.token_hex(16)}", row.organisation_id)

        async def call() -> None:
            started = infra.clock.now()
            result = await infra.outbound.post_json(url, body, infra.config.auth_callback_timeout_s)
            await infra.deliveries.record(
                [
                    delivery_row(
                        result,
                        kind="auth_callback",
                        started_at=started,
                        log_limit_bytes=infra.config.max_response_log_bytes,
                        integration_id=row.id,
                    )
                ]
            )

        infra.tasks.spawn(call(), name=f"auth_callback {row.id}")

    async def list(self, org_id: str) -> list[dict[str, Any]]:
        async with self._infra.db.read() as session:
            await Directory.require_organisation(session, org_id)
            rows = await session.scalars(
                select(models.Integration)
                .where(models.Integration.organisation_id == org_id)
                .order_by(models.Integration.created_at)
            )
            return [integration_view(row, self._infra.config) for row in rows]

    async def get(self, org_id: str, integration_id: str) -> dict[str, Any]:
        async with self._infra.db.read() as session:
            return integration_view(
                await self.require(session, org_id, integration_id), self._infra.config
            )

    async def update(
        self, org_id: str, integration_id: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        """Re-fetch from `json_url` and/or override `target_url` / `tick_url` ("" clears)."""
        known = {"json_url", "target_url", "tick_url", "spec"}
        unknown = sorted(set(body) - known)
        if unknown:
            raise ValidationFailed(
                "unknown field(s) in the update",
                [
                    problem(
                        name,
                        "not a field of an integration update",
                        "send any of json_url, spec, target_url, tick_url",
                    )
                    for name in unknown
                ],
            )
        async with self._infra.db.read() as session:
            await self.require(session, org_id, integration_id)
        check: DocumentCheck | None = None
        checked: CheckedSpec | None = None
        if body.get("json_url") or body.get("spec") is not None:
            check = await self.load(body.get("json_url"), body.get("spec"), context="install")
            checked = self.raise_if_rejected(check)
        async with self._infra.db.write() as session:
            row = await self.require(session, org_id, integration_id)
            if check is not None and checked is not None:
                row.spec = check.document
                row.json_url = body.get("json_url") or row.json_url
                row.integration_type = checked.integration_type
                row.app_name = checked.app_name
                row.target_url, row.tick_url = checked.target_url, checked.tick_url
                row.warnings = [f.as_dict() for f in warnings_of(check.findings)]
            if "target_url" in body:
                row.target_url_override = url_or_none(body["target_url"], "target_url")
            if "tick_url" in body:
                row.tick_url_override = url_or_none(body["tick_url"], "tick_url")
            row.updated_at = self._infra.clock.now()
        await self._changed("updated", integration_id)
        return integration_view(row, self._infra.config)

    async def delete(self, org_id: str, integration_id: str) -> None:
        async with self._infra.db.write() as session:
            row = await self.require(session, org_id, integration_id)
            await session.delete(row)
        await self._changed("deleted", integration_id)


def url_or_none(value: Any, path: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not value.lower().startswith(("http://", "https://")):
        raise ValidationFailed(
            f"{path} must be an http(s) URL",
            [
                problem(
                    path,
                    f"{value!r} is not an http(s) URL",
                    'e.g. http://127.0.0.1:8000/webhook, or "" to clear the override',
                )
            ],
        )
    return value
