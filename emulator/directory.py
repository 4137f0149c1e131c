"""Organisations and channels."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from emulator.clock import Clock
from emulator.config import Config
from emulator.db import models
from emulator.db.database import Database
from emulator.db.lookup import require_row
from emulator.errors import ValidationFailed, problem
from emulator.shapes import channel_view, organisation_view

MAX_NAME_CHARS = 200


def required_name(value: Any, path: str, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailed(
            f"{what} needs a name",
            [problem(path, "name is missing or empty", f'send {{"name": "my {what}"}}')],
        )
    if len(value) > MAX_NAME_CHARS:
        raise ValidationFailed(
            f"{what} name is too long",
            [problem(path, f"name has {len(value)} characters", f"keep it under {MAX_NAME_CHARS}")],
        )
    return value.strip()


class Directory:
    def __init__(self, db: Database, config: Config, clock: Clock) -> None:
        self._db = db
        self._config = config
        self._clock = clock

    async def create_organisation(self, name: Any) -> dict[str, Any]:
        org = models.Organisation(
            id=models.new_id(),
            name=required_name(name, "name", "organisation"),
            created_at=self._clock.now(),
        )
        async with self._db.write() as session:
            session.add(org)
        return organisation_view(org)

    async def list_organisations(self) -> list[dict[str, Any]]:
        async with self._db.read() as session:
            rows = await session.scalars(
                select(models.Organisation).order_by(models.Organisation.created_at)
            )
            return [organisation_view(row) for row in rows]

    async def organisation(self, org_id: str) -> dict[str, Any]:
        async with self._db.read() as session:
            return organisation_view(await self.require_organisation(session, org_id))

    @staticmethod
    async def require_organisation(session: Any, org_id: str) -> models.Organisation:
        return await require_row(
            session,
            models.Organisation,
            org_id,
            f"no organisation with id {org_id!r}; list them with GET /api/v1/organisations",
        )

    @staticmethod
    async def require_channel(session: Any, channel_id: str) -> models.Channel:
        return await require_row(
            session,
            models.Channel,
            channel_id,
            f"no channel with id {channel_id!r}; list them with "
            "GET /api/v1/organisations/{org_id}/channels",
        )

    async def create_channel(self, body: dict[str, Any]) -> dict[str, Any]:
        name = required_name(body.get("name"), "name", "channel")
        org_id = body.get("organisation_id") or body.get("org_id")
        if not isinstance(org_id, str) or not org_id:
            raise ValidationFailed(
                "a channel belongs to an organisation",
                [
                    problem(
                        "organisation_id",
                        "organisation_id is missing",
                        "create one with POST /api/v1/organisations and send its id",
                    )
                ],
            )
        description = body.get("description") or ""
        if not isinstance(description, str):
            raise ValidationFailed(
                "description must be text",
                [problem("description", "description is not a string", "send a string or omit it")],
            )
        channel = models.Channel(
            id=models.new_id(),
            organisation_id=org_id,
            name=name,
            description=description,
            created_at=self._clock.now(),
        )
        async with self._db.write() as session:
            await self.require_organisation(session, org_id)
            session.add(channel)
        return channel_view(channel, self._config)

    async def list_channels(self, org_id: str) -> list[dict[str, Any]]:
        async with self._db.read() as session:
            await self.require_organisation(session, org_id)
            rows = await session.scalars(
                select(models.Channel)
                .where(models.Channel.organisation_id == org_id)
                .order_by(models.Channel.created_at)
            )
            return [channel_view(row, self._config) for row in rows]

    async def channel(self, channel_id: str) -> dict[str, Any]:
        async with self._db.read() as session:
            return channel_view(await self.require_channel(session, channel_id), self._config)
