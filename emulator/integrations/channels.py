"""Activating an integration on a channel, its channel settings, and the modifier chain order."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from emulator import cron
from emulator.db import models
from emulator.directory import Directory
from emulator.errors import BadRequest, NotFound, ValidationFailed, problem
from emulator.integrations.active import active_pairs, channel_pairs, declared_settings
from emulator.integrations.base import IntegrationsBase
from emulator.integrations.settings import merged
from emulator.shapes import activation_view, integration_view
from emulator.spec.model import interval_setting
from emulator.spec.values import effective_interval, effective_settings, validate_values


class ChannelActivations(IntegrationsBase):
    """Which integrations a channel has, with what settings, in which order."""

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
        db, clock = self._infra.db, self._infra.clock
        async with db.read() as session:
            row = await self.require(session, org_id, integration_id)
            channel = await Directory.require_channel(session, channel_id)
        if channel.organisation_id != org_id:
            raise NotFound(f"channel {channel_id!r} is not in organisation {org_id!r}")
        declared = declared_settings(row)
        normalised = validate_values(declared, overrides if overrides is not None else {})
        async with db.write() as session:
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
                    updated_at=clock.now(),
                )
                session.add(activation)
            channel_values = merged(activation.settings, normalised)
            active = activation.is_active if is_active is None else is_active
            if active and row.integration_type == "interval":
                require_valid_interval(declared, row.settings, channel_values)
            activation.settings = channel_values
            activation.is_active = active
            activation.updated_at = clock.now()
        await self._changed("activation", integration_id, channel_id)
        return activation_view(activation) | {
            "effective": effective_settings(
                declared,
                row.settings,
                channel_values,
                as_strings=self._infra.config.settings_as_strings,
            )
        }

    async def channel_integrations(
        self, channel_id: str, include_inactive: bool = False
    ) -> list[dict[str, Any]]:
        """Active integrations on a channel, in modifier chain order. With
        `include_inactive`, also those deactivated (or only configured) there: their stored
        channel settings survive deactivation, and the UI must show them to edit them."""
        async with self._infra.db.read() as session:
            await Directory.require_channel(session, channel_id)
            if include_inactive:
                pairs = await channel_pairs(session, channel_id)
            else:
                pairs = await active_pairs(session, channel_id=channel_id)
        return [
            integration_view(row, self._infra.config) | {"activation": activation_view(activation)}
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
        async with self._infra.db.write() as session:
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


def require_valid_interval(
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
