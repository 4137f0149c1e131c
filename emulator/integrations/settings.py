"""An installed integration's organisation-level setting values."""

from __future__ import annotations

from typing import Any

from emulator.errors import BadRequest
from emulator.integrations.active import declared_settings
from emulator.integrations.base import IntegrationsBase
from emulator.spec.values import effective_settings, validate_values


def merged(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Apply changes; a None value clears a stored value (falls back to the default)."""
    result = dict(current)
    for label, value in changes.items():
        if value is None:
            result.pop(label, None)
        else:
            result[label] = value
    return result


class SettingsValues(IntegrationsBase):
    """Reading and changing the organisation's values of the declared settings."""

    async def settings(self, org_id: str, integration_id: str) -> dict[str, Any]:
        async with self._infra.db.read() as session:
            row = await self.require(session, org_id, integration_id)
        declared = declared_settings(row)
        return {
            "integration_id": row.id,
            "declared": declared,
            "values": row.settings,
            "effective": effective_settings(
                declared, row.settings, {}, as_strings=self._infra.config.settings_as_strings
            ),
        }

    async def put_settings(self, org_id: str, integration_id: str, body: Any) -> dict[str, Any]:
        values = _settings_body(body)
        async with self._infra.db.read() as session:
            row = await self.require(session, org_id, integration_id)
        normalised = validate_values(declared_settings(row), values)
        async with self._infra.db.write() as session:
            row = await self.require(session, org_id, integration_id)
            row.settings = merged(row.settings, normalised)
            row.updated_at = self._infra.clock.now()
        await self._changed("settings", integration_id)
        return await self.settings(org_id, integration_id)


def _settings_body(body: Any) -> Any:
    if not isinstance(body, dict) or "settings" not in body:
        raise BadRequest('send {"settings": {"<label>": value, ...}}')
    return body["settings"]
