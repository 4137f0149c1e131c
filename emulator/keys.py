"""Every web.AppKey: typed slots on the application for the composition root's objects."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from emulator.services import Services

from emulator.config import Config

config_key = web.AppKey("config", Config)
services_key: web.AppKey[Services] = web.AppKey("services")
