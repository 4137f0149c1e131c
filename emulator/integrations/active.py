"""Which (integration, channel) pairs run, and what the fan-out and the scheduler see of each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from emulator.config import Config
from emulator.db import models
from emulator.errors import NotFound
from emulator.integrations.base import IntegrationsBase
from emulator.shapes import spec_root
from emulator.spec.values import effective_interval, effective_settings
from emulator.urls import effective_url

Pair = tuple[models.Integration, models.Activation]


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


def declared_settings(row: models.Integration) -> list[dict[str, Any]]:
    """The setting items the installed spec declares (non-objects dropped)."""
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


async def active_pairs(
    session: Any, channel_id: str | None = None, integration_type: str | None = None
) -> list[Pair]:
    """Active pairs, by channel then chain position, optionally of one channel or type."""
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


async def channel_pairs(session: Any, channel_id: str) -> list[Pair]:
    """Every activation row on a channel, active or not, in chain order."""
    query = (
        select(models.Integration, models.Activation)
        .join(models.Activation, models.Activation.integration_id == models.Integration.id)
        .where(models.Activation.channel_id == channel_id)
        .order_by(models.Activation.position)
    )
    return [(row, activation) for row, activation in (await session.execute(query)).all()]


def to_active(
    row: models.Integration, activation: models.Activation, config: Config
) -> ActiveIntegration:
    """The pair as it runs: effective URLs (overrides, rewrites) and effective settings."""
    declared = declared_settings(row)
    return ActiveIntegration(
        integration_id=row.id,
        channel_id=activation.channel_id,
        organisation_id=row.organisation_id,
        integration_type=row.integration_type,
        app_name=row.app_name,
        target_url=effective_url(row.target_url, row.target_url_override, config.rewrites),
        tick_url=effective_url(row.tick_url, row.tick_url_override, config.rewrites),
        settings=effective_settings(
            declared,
            row.settings,
            activation.settings,
            as_strings=config.settings_as_strings,
        ),
        interval=effective_interval(declared, row.settings, activation.settings),
        position=activation.position,
        display_name=_display_name(row),
    )


class ActivePairs(IntegrationsBase):
    """Reading what runs, for the fan-out and the scheduler."""

    async def active(
        self, channel_id: str | None = None, integration_type: str | None = None
    ) -> list[ActiveIntegration]:
        """Active pairs as they run, in chain order (optionally of one channel or type)."""
        async with self._infra.db.read() as session:
            pairs = await active_pairs(session, channel_id, integration_type)
        return [to_active(row, activation, self._infra.config) for row, activation in pairs]

    async def active_pair(self, integration_id: str, channel_id: str) -> ActiveIntegration:
        """One active pair, or a 404 saying how to activate it."""
        async with self._infra.db.read() as session:
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
        return to_active(row, activation, self._infra.config)
