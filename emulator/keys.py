"""Every web.AppKey: typed slots on the application for the composition root's objects."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from emulator.services import Services

from emulator.config import Config
from emulator.db.database import Database
from emulator.hub import EventHub
from emulator.outbound import OutboundClient
from emulator.tasks import TaskTracker

config_key = web.AppKey("config", Config)
database_key = web.AppKey("database", Database)
outbound_key = web.AppKey("outbound", OutboundClient)
tasks_key = web.AppKey("tasks", TaskTracker)
hub_key = web.AppKey("hub", EventHub)
services_key: web.AppKey[Services] = web.AppKey("services")
