"""What every part of `IntegrationService` shares: its resources, change events, get-or-404."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from emulator.db import models
from emulator.db.lookup import require_row
from emulator.infrastructure import Infrastructure

ChangeListener = Callable[[], Awaitable[None]]


class IntegrationsBase:
    """State and helpers the installs, settings, channel and active-pair parts all use."""

    def __init__(self, infra: Infrastructure) -> None:
        self._infra = infra
        self._listeners: list[ChangeListener] = []

    def on_change(self, listener: ChangeListener) -> None:
        """Call `listener` after any change to installs, settings or activations."""
        self._listeners.append(listener)

    async def changed_elsewhere(self, what: str) -> None:
        """Announce a change written outside this service (a seed file, a restore)."""
        await self._changed(what)

    async def _changed(
        self, what: str, integration_id: str | None = None, channel_id: str | None = None
    ) -> None:
        event = {"integration_id": integration_id, "channel_id": channel_id, "what": what}
        self._infra.hub.publish("integration.changed", event)
        for listener in self._listeners:
            await listener()

    @staticmethod
    async def require(session: Any, org_id: str, integration_id: str) -> models.Integration:
        """The installed integration, or a 404 when it is not one of `org_id`'s."""
        return await require_row(
            session,
            models.Integration,
            integration_id,
            f"no integration with id {integration_id!r} in organisation {org_id!r}; "
            f"list them with GET /api/v1/organisations/{org_id}/integrations/custom",
            belongs=lambda row: row.organisation_id == org_id,
        )
