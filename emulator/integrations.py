"""Installing integrations and managing their settings and channel activations."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from emulator import cron, payloads
from emulator.clock import Clock
from emulator.config import Config
from emulator.db import models
from emulator.db.database import Database
from emulator.delivery.log import DeliveryLog, delivery_row
from emulator.directory import Directory
from emulator.errors import BadRequest, NotFound, ValidationFailed, problem
from emulator.hub import EventHub
from emulator.outbound import FetchError, OutboundClient
from emulator.shapes import activation_view, integration_view, spec_root
from emulator.spec.check import CheckedSpec, errors_of, warnings_of
from emulator.spec.loader import (
    DocumentUnavailable,
    FetchDocument,
    SpecCheck,
    check_document,
    fetch_and_check,
)
from emulator.spec.model import interval_setting, normalise_url
from emulator.spec.rules import Context
from emulator.spec.values import effective_interval, effective_settings, validate_values
from emulator.tasks import TaskTracker
from emulator.urls import effective_url

ChangeListener = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class ActiveIntegration:
    """Everything the fan-out and the scheduler need about one active (integration, channel)."""

    integration_id: str
    channel_id: str
    organisation_id: str
    integration_type: str
    app_name: str
    target_url: str | None  # effective (override or rewritten)
    tick_url: str | None
    settings: list[dict[str, Any]]  # the array Telex sends (CONTRACT §1.4)
    interval: str | None  # effective interval setting, None when not declared
    position: int
    display_name: str | None  # permissions.monitoring_user.display_name


def document_fetcher(outbound: OutboundClient, config: Config) -> FetchDocument:
    """The loader's fetch: GET with the configured timeout and size limit."""

    async def fetch(url: str) -> bytes:
        try:
            return await outbound.get_document(url, config.fetch_timeout_s, config.max_spec_bytes)
        except FetchError as exc:
            raise DocumentUnavailable(str(exc)) from exc

    return fetch


def declared_settings(row: models.Integration) -> list[dict[str, Any]]:
    settings = spec_root(row.spec).get("settings")
    return (
        [item for item in settings if isinstance(item, dict)] if isinstance(settings, list) else []
    )


def _display_name(row: models.Integration) -> str | None:
    permissions = spec_root(row.spec).get("permissions")
    if isinstance(permissions, dict):
        user = permissions.get("monitoring_user")
        if isinstance(user, dict) and isinstance(user.get("display_name"), str):
            return user["display_name"]
    return None


class IntegrationService:
    def __init__(
        self,
        db: Database,
        outbound: OutboundClient,
        deliveries: DeliveryLog,
        hub: EventHub,
        tasks: TaskTracker,
        config: Config,
        clock: Clock,
    ) -> None:
        self._db = db
        self._outbound = outbound
        self._deliveries = deliveries
        self._hub = hub
        self._tasks = tasks
        self._config = config
        self._clock = clock
        self._listeners: list[ChangeListener] = []
        self._fetch = document_fetcher(outbound, config)

    def on_change(self, listener: ChangeListener) -> None:
        """Call `listener` after any change to installs, settings or activations."""
        self._listeners.append(listener)

    async def _changed(
        self, what: str, integration_id: str | None = None, channel_id: str | None = None
    ) -> None:
        event = {"integration_id": integration_id, "channel_id": channel_id, "what": what}
        self._hub.publish("integration.changed", event)
        for listener in self._listeners:
            await listener()

    async def changed_elsewhere(self, what: str) -> None:
        """Announce a change written outside this service (a seed file, a restore)."""
        await self._changed(what)

    # -- loading and linting -------------------------------------------------------------

    async def load(self, json_url: Any = None, spec: Any = None, *, context: Context) -> SpecCheck:
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
        return await fetch_and_check(json_url.strip(), self._fetch, context)

    @staticmethod
    def raise_if_rejected(check: SpecCheck) -> CheckedSpec:
        """The checked spec, or a 422 listing every error (and the warnings)."""
        if check.checked is None:
            errors = errors_of(check.findings)
            raise ValidationFailed(
                f"the integration JSON from {check.source} cannot be used: "
                f"{len(errors)} error(s); first: {errors[0].message if errors else 'unknown'}",
                [f.as_dict() for f in errors],
                warnings=[f.as_dict() for f in warnings_of(check.findings)],
            )
        return check.checked

    # -- installs ------------------------------------------------------------------------

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
        async with self._db.read() as session:
            await Directory.require_organisation(session, org_id)
        check = await self.load(json_url, spec, context="install")
        checked = self.raise_if_rejected(check)
        now = self._clock.now()
        row = models.Integration(
            id=models.new_id(),
            organisation_id=org_id,
            json_url=json_url.strip() if isinstance(json_url, str) and spec is None else None,
            spec=check.document,
            integration_type=checked.integration_type,
            app_name=checked.app_name,
            target_url=checked.target_url,
            tick_url=checked.tick_url,
            target_url_override=_url_or_none(body.get("target_url"), "target_url"),
            tick_url_override=_url_or_none(body.get("tick_url"), "tick_url"),
            settings={},
            warnings=[f.as_dict() for f in warnings_of(check.findings)],
            created_at=now,
            updated_at=now,
        )
        async with self._db.write() as session:
            await Directory.require_organisation(session, org_id)
            session.add(row)
        self._start_auth_callback(row, checked)
        await self._changed("installed", row.id)
        return integration_view(row, self._config)

    def _start_auth_callback(self, row: models.Integration, checked: CheckedSpec) -> None:
        """CONTRACT §1.6: POST {api_key, org_id} to auth_callback on install."""
        url = effective_url(
            normalise_url(checked.root.get("auth_callback")), None, self._config.rewrites
        )
        if not url:
            return
        body = payloads.auth_callback_body(f"tlx_{secrets.token_hex(16)}", row.organisation_id)

        async def call() -> None:
            started = self._clock.now()
            result = await self._outbound.post_json(url, body, self._config.auth_callback_timeout_s)
            await self._deliveries.record(
                [
                    delivery_row(
                        result,
                        kind="auth_callback",
                        started_at=started,
                        log_limit_bytes=self._config.max_response_log_bytes,
                        integration_id=row.id,
                    )
                ]
            )

        self._tasks.spawn(call(), name=f"auth_callback {row.id}")

    async def list(self, org_id: str) -> list[dict[str, Any]]:
        async with self._db.read() as session:
            await Directory.require_organisation(session, org_id)
            rows = await session.scalars(
                select(models.Integration)
                .where(models.Integration.organisation_id == org_id)
                .order_by(models.Integration.created_at)
            )
            return [integration_view(row, self._config) for row in rows]

    @staticmethod
    async def require(session: Any, org_id: str, integration_id: str) -> models.Integration:
        row = await session.get(models.Integration, integration_id)
        if row is None or row.organisation_id != org_id:
            raise NotFound(
                f"no integration with id {integration_id!r} in organisation {org_id!r}; "
                f"list them with GET /api/v1/organisations/{org_id}/integrations/custom"
            )
        return row

    async def get(self, org_id: str, integration_id: str) -> dict[str, Any]:
        async with self._db.read() as session:
            return integration_view(
                await self.require(session, org_id, integration_id), self._config
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
        async with self._db.read() as session:
            await self.require(session, org_id, integration_id)
        check: SpecCheck | None = None
        if body.get("json_url") or body.get("spec") is not None:
            check = await self.load(body.get("json_url"), body.get("spec"), context="install")
            self.raise_if_rejected(check)
        async with self._db.write() as session:
            row = await self.require(session, org_id, integration_id)
            if check is not None and check.checked is not None:
                checked = check.checked
                row.spec = check.document
                row.json_url = body.get("json_url") or row.json_url
                row.integration_type = checked.integration_type
                row.app_name = checked.app_name
                row.target_url, row.tick_url = checked.target_url, checked.tick_url
                row.warnings = [f.as_dict() for f in warnings_of(check.findings)]
            if "target_url" in body:
                row.target_url_override = _url_or_none(body["target_url"], "target_url")
            if "tick_url" in body:
                row.tick_url_override = _url_or_none(body["tick_url"], "tick_url")
            row.updated_at = self._clock.now()
        await self._changed("updated", integration_id)
        return integration_view(row, self._config)

    async def delete(self, org_id: str, integration_id: str) -> None:
        async with self._db.write() as session:
            row = await self.require(session, org_id, integration_id)
            await session.delete(row)
        await self._changed("deleted", integration_id)

    # -- settings ------------------------------------------------------------------------

    async def settings(self, org_id: str, integration_id: str) -> dict[str, Any]:
        async with self._db.read() as session:
            row = await self.require(session, org_id, integration_id)
        declared = declared_settings(row)
        return {
            "integration_id": row.id,
            "declared": declared,
            "values": row.settings,
            "effective": effective_settings(
                declared, row.settings, {}, as_strings=self._config.settings_as_strings
            ),
        }

    async def put_settings(self, org_id: str, integration_id: str, body: Any) -> dict[str, Any]:
        values = _settings_body(body)
        async with self._db.read() as session:
            row = await self.require(session, org_id, integration_id)
        normalised = validate_values(declared_settings(row), values)
        async with self._db.write() as session:
            row = await self.require(session, org_id, integration_id)
            row.settings = _merged(row.settings, normalised)
            row.updated_at = self._clock.now()
        await self._changed("settings", integration_id)
        return await self.settings(org_id, integration_id)

    # -- channels ------------------------------------------------------------------------

    async def set_channel(
        self, org_id: str, integration_id: str, channel_id: str, body: Any
    ) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise BadRequest('send {"is_active": true, "settings": {"<label>": value}}')
        is_active = body.get("is_active")
        if is_active is not None and not isinstance(is_active, bool):
            raise ValidationFailed(
                "is_active must be true or false",
                [problem("is_active", f"got {is_active!r}", "send true or false")],
            )
        overrides = body.get("settings", {})
        async with self._db.read() as session:
            row = await self.require(session, org_id, integration_id)
            channel = await Directory.require_channel(session, channel_id)
        if channel.organisation_id != org_id:
            raise NotFound(f"channel {channel_id!r} is not in organisation {org_id!r}")
        declared = declared_settings(row)
        normalised = validate_values(declared, overrides if overrides is not None else {})
        async with self._db.write() as session:
            row = await self.require(session, org_id, integration_id)
            activation = await session.get(models.Activation, (channel_id, integration_id))
            if activation is None:
                last = await session.scalar(
                    select(func.max(models.Activation.position)).where(
                        models.Activation.channel_id == channel_id
                    )
                )
                activation = models.Activation(
                    channel_id=channel_id,
                    integration_id=integration_id,
                    is_active=False,
                    settings={},
                    position=(last or 0) + 1,
                    updated_at=self._clock.now(),
                )
                session.add(activation)
            merged = _merged(activation.settings, normalised)
            active = activation.is_active if is_active is None else is_active
            if active and row.integration_type == "interval":
                _require_valid_interval(declared, row.settings, merged)
            activation.settings = merged
            activation.is_active = active
            activation.updated_at = self._clock.now()
        await self._changed("activation", integration_id, channel_id)
        return activation_view(activation) | {
            "effective": effective_settings(
                declared, row.settings, merged, as_strings=self._config.settings_as_strings
            )
        }

    async def channel_integrations(
        self, channel_id: str, include_inactive: bool = False
    ) -> list[dict[str, Any]]:
        """Active integrations on a channel, in modifier chain order. With
        `include_inactive`, also those deactivated (or only configured) there: their stored
        channel settings survive deactivation, and the UI must show them to edit them."""
        async with self._db.read() as session:
            await Directory.require_channel(session, channel_id)
            if include_inactive:
                pairs = await self._channel_pairs(session, channel_id)
            else:
                pairs = await self._active_pairs(session, channel_id=channel_id)
        return [
            integration_view(row, self._config) | {"activation": activation_view(activation)}
            for row, activation in pairs
        ]

    async def set_order(self, channel_id: str, body: Any) -> list[dict[str, Any]]:
        ids = body.get("integration_ids") if isinstance(body, dict) else None
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise ValidationFailed(
                "integration_ids must be a list of integration ids",
                [
                    problem(
                        "integration_ids",
                        "missing or not a list of strings",
                        'send {"integration_ids": ["<first modifier id>", "<second>", ...]}',
                    )
                ],
            )
        async with self._db.write() as session:
            await Directory.require_channel(session, channel_id)
            rows = (
                await session.scalars(
                    select(models.Activation)
                    .where(models.Activation.channel_id == channel_id)
                    .order_by(models.Activation.position)
                )
            ).all()
            by_id = {row.integration_id: row for row in rows}
            unknown = [i for i in ids if i not in by_id]
            if unknown:
                raise ValidationFailed(
                    "some ids are not integrations on this channel",
                    [
                        problem(
                            f"integration_ids[{ids.index(i)}]",
                            f"{i!r} is not on this channel",
                            "activate it on the channel first, or drop it from the list",
                        )
                        for i in unknown
                    ],
                )
            ordered = [by_id[i] for i in dict.fromkeys(ids)]
            ordered += [row for row in rows if row.integration_id not in set(ids)]
            for position, row in enumerate(ordered, start=1):
                row.position = position
        await self._changed("order", channel_id=channel_id)
        return await self.channel_integrations(channel_id)

    # -- what runs -----------------------------------------------------------------------

    @staticmethod
    async def _active_pairs(
        session: Any, channel_id: str | None = None, integration_type: str | None = None
    ) -> list[tuple[models.Integration, models.Activation]]:
        query = (
            select(models.Integration, models.Activation)
            .join(models.Activation, models.Activation.integration_id == models.Integration.id)
            .where(models.Activation.is_active.is_(True))
            .order_by(models.Activation.channel_id, models.Activation.position)
        )
        if channel_id is not None:
            query = query.where(models.Activation.channel_id == channel_id)
        if integration_type is not None:
            query = query.where(models.Integration.integration_type == integration_type)
        return [(row, activation) for row, activation in (await session.execute(query)).all()]

    @staticmethod
    async def _channel_pairs(
        session: Any, channel_id: str
    ) -> list[tuple[models.Integration, models.Activation]]:
        """Every activation row on a channel, active or not, in chain order."""
        query = (
            select(models.Integration, models.Activation)
            .join(models.Activation, models.Activation.integration_id == models.Integration.id)
            .where(models.Activation.channel_id == channel_id)
            .order_by(models.Activation.position)
        )
        return [(row, activation) for row, activation in (await session.execute(query)).all()]

    def _active(self, row: models.Integration, activation: models.Activation) -> ActiveIntegration:
        declared = declared_settings(row)
        return ActiveIntegration(
            integration_id=row.id,
            channel_id=activation.channel_id,
            organisation_id=row.organisation_id,
            integration_type=row.integration_type,
            app_name=row.app_name,
            target_url=effective_url(
                row.target_url, row.target_url_override, self._config.rewrites
            ),
            tick_url=effective_url(row.tick_url, row.tick_url_override, self._config.rewrites),
            settings=effective_settings(
                declared,
                row.settings,
                activation.settings,
                as_strings=self._config.settings_as_strings,
            ),
            interval=effective_interval(declared, row.settings, activation.settings),
            position=activation.position,
            display_name=_display_name(row),
        )

    async def active(
        self, channel_id: str | None = None, integration_type: str | None = None
    ) -> list[ActiveIntegration]:
        async with self._db.read() as session:
            pairs = await self._active_pairs(session, channel_id, integration_type)
        return [self._active(row, activation) for row, activation in pairs]

    async def active_pair(self, integration_id: str, channel_id: str) -> ActiveIntegration:
        async with self._db.read() as session:
            row = await session.get(models.Integration, integration_id)
            activation = await session.get(models.Activation, (channel_id, integration_id))
        if row is None:
            raise NotFound(f"no integration with id {integration_id!r}")
        if activation is None or not activation.is_active:
            raise NotFound(
                f"integration {integration_id!r} is not active on channel {channel_id!r}; "
                "activate it with PUT /api/v1/organisations/{org_id}/integrations/"
                "{integration_id}/channels/{channel_id}/settings"
            )
        return self._active(row, activation)


def _settings_body(body: Any) -> Any:
    if not isinstance(body, dict) or "settings" not in body:
        raise BadRequest('send {"settings": {"<label>": value, ...}}')
    return body["settings"]


def _merged(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Apply changes; a None value clears a stored value (falls back to the default)."""
    merged = dict(current)
    for label, value in changes.items():
        if value is None:
            merged.pop(label, None)
        else:
            merged[label] = value
    return merged


def _require_valid_interval(
    declared: list[dict[str, Any]], org_values: dict[str, Any], overrides: dict[str, Any]
) -> None:
    """CONTRACT §1.1: activating while the effective interval is invalid is a 422."""
    item = interval_setting(declared)
    if item is None:
        return  # no interval setting: ticks only on demand
    value = effective_interval(declared, org_values, overrides)
    reason = cron.validation_error(value)
    if reason is not None:
        raise ValidationFailed(
            f"cannot activate: the '{item.get('label')}' setting is not a valid crontab",
            [
                problem(
                    f"settings.{item.get('label')}",
                    reason,
                    "set a 5-field crontab for this channel or the organisation, "
                    "e.g. '*/5 * * * *', then activate again",
                )
            ],
        )


def _url_or_none(value: Any, path: str) -> str | None:
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


# Seed files (emulator/seed) apply the very rules the API applies.
require_valid_interval = _require_valid_interval
url_or_none = _url_or_none
merged_values = _merged
