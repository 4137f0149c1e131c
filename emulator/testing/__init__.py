"""The emulator for tests: a server on its own thread, and clients for its HTTP API.

`EmulatorServer` runs the whole emulator on a background thread and event loop (a free
loopback port, a temp SQLite file, the virtual clock). `AsyncTelexClient` (asyncio) and
`TelexClient` (plain code) drive any running emulator over HTTP, as an integration's own
tests would. The pytest plugin (`emulator.pytest_plugin`) builds its fixtures from these.

Modules: results (Record, Message, Agent, Reply, TelexAPIError), loop (LoopThread),
options (server Config), server (EmulatorServer, RemoteEmulator), client
(AsyncTelexClient), sync_client (TelexClient), events (the /-/events reader), waiting
(wait_for_message's match and report), asking (ask: an agent's final reply, or what it
did answer).
"""

from emulator.testing.client import DEFAULT_ORGANISATION, MAX_LISTED, AsyncTelexClient
from emulator.testing.loop import LoopThread, T
from emulator.testing.results import (
    Agent,
    Entity,
    Message,
    Predicate,
    Record,
    Reply,
    TelexAPIError,
)
from emulator.testing.server import SHUTDOWN_TIMEOUT_S, EmulatorServer, RemoteEmulator
from emulator.testing.sync_client import TelexClient

__all__ = [
    "DEFAULT_ORGANISATION",
    "MAX_LISTED",
    "SHUTDOWN_TIMEOUT_S",
    "Agent",
    "AsyncTelexClient",
    "EmulatorServer",
    "Entity",
    "LoopThread",
    "Message",
    "Predicate",
    "Record",
    "RemoteEmulator",
    "Reply",
    "T",
    "TelexAPIError",
    "TelexClient",
]
