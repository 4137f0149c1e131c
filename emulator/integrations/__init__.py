"""Installed integrations: one service made of one part per concept.

`installs` (load, install, re-fetch, delete), `settings` (organisation values), `channels`
(activations and chain order), `active` (what runs, for the fan-out and the scheduler).
"""

from __future__ import annotations

from emulator.integrations.active import ActiveIntegration, ActivePairs
from emulator.integrations.channels import ChannelActivations
from emulator.integrations.installs import Installs
from emulator.integrations.settings import SettingsValues

__all__ = ["ActiveIntegration", "IntegrationService"]


class IntegrationService(Installs, SettingsValues, ChannelActivations, ActivePairs):
    """Installs, settings, channel activations and active pairs over one `Infrastructure`."""
