"""Shared fixtures: the emulator on a temp SQLite file with a virtual clock."""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from emulator.app import create_app
from emulator.config import Config
from emulator.keys import services_key
from emulator.server import bind_socket
from emulator.services import Services
from tests import stubs

# Real integration JSON documents, kept in the repository (see tests/corpus/README.md).
SPECS_DIR = Path(__file__).resolve().parent / "corpus"


def corpus_manifest() -> list[dict[str, Any]]:
    """The corpus manifest's entries; fails the calling test if the corpus is not there."""
    manifest = SPECS_DIR / "manifest.json"
    if not manifest.is_file():
        pytest.fail(f"the spec corpus is missing: expected {manifest} (restore tests/corpus/)")
    return json.loads(manifest.read_text("utf-8"))


def corpus_files() -> list[Path]:
    """Every corpus document the manifest names; fails loudly if any of them is missing."""
    paths = [SPECS_DIR / entry["file"] for entry in corpus_manifest()]
    missing = [path.name for path in paths if not path.is_file()]
    if missing:
        pytest.fail(f"spec corpus files named in {SPECS_DIR}/manifest.json are missing: {missing}")
    return paths


def corpus_file(prefix: str) -> Path:
    """The one corpus document whose name starts with `prefix-`, e.g. corpus_file("001")."""
    matches = [path for path in corpus_files() if path.name.startswith(f"{prefix}-")]
    if len(matches) != 1:
        pytest.fail(
            f"expected one corpus file named {prefix}-*.json in {SPECS_DIR}, found {matches}"
        )
    return matches[0]


@contextmanager
def closed_port() -> Iterator[int]:
    """A loopback port where nothing listens, held for the block: bound but not listening,
    so a connection is refused and no other process can take the port meanwhile."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@dataclass
class Emulator:
    """The app under test: its HTTP client and its services."""

    client: TestClient
    services: Services
    config: Config

    async def call(
        self, method: str, path: str, body: Any = None, status: int | None = None
    ) -> Any:
        """Send a request; check the status when given; return the decoded JSON body."""
        response = await self.client.request(method, path, json=body)
        data = await response.json()
        if status is not None:
            assert response.status == status, (response.status, data)
        return data

    async def org(self, name: str = "Acme") -> dict[str, Any]:
        return (await self.call("POST", "/api/v1/organisations", {"name": name}, 201))["data"]

    async def channel(self, org_id: str, name: str = "general") -> dict[str, Any]:
        body = {"name": name, "organisation_id": org_id}
        return (await self.call("POST", "/api/v1/channels", body, 201))["data"]

    async def install(self, org_id: str, stub: stubs.Stub) -> dict[str, Any]:
        body = {"json_url": f"{stub.url}/integration.json"}
        path = f"/api/v1/organisations/{org_id}/integrations/custom"
        return (await self.call("POST", path, body, 201))["data"]

    async def activate(
        self, org_id: str, integration_id: str, channel_id: str, settings: dict | None = None
    ) -> dict[str, Any]:
        path = (
            f"/api/v1/organisations/{org_id}/integrations/{integration_id}"
            f"/channels/{channel_id}/settings"
        )
        body = {"is_active": True, "settings": settings or {}}
        return (await self.call("PUT", path, body, 200))["data"]


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return Config(port=0, db_path=str(tmp_path / "emulator.db"), clock_mode="virtual")


@pytest.fixture
def make_emulator(
    aiohttp_client: Callable[..., Awaitable[TestClient]],
) -> Callable[[Config], Awaitable[Emulator]]:
    async def make(config: Config) -> Emulator:
        # Bind first (port 0: the system picks a free one) and hand the test server that
        # very socket, so the app's config names its real port and no other process can
        # take it in between, as `server.start_site` does.
        sock = bind_socket(config.host, config.port)
        config = replace(config, port=sock.getsockname()[1])
        app = create_app(config)
        server_kwargs = {"port": config.port, "socket_factory": lambda *_: sock}
        try:
            client = await aiohttp_client(app, server_kwargs=server_kwargs)
        except BaseException:
            sock.close()
            raise
        return Emulator(client, app[services_key], config)

    return make


@pytest.fixture
async def emulator(config: Config, make_emulator: Any) -> AsyncIterator[Emulator]:
    return await make_emulator(config)


@pytest.fixture
def start_stub(aiohttp_server: Any) -> Callable[..., Awaitable[stubs.Stub]]:
    async def start(**kwargs: Any) -> stubs.Stub:
        return await stubs.start(aiohttp_server, stubs.Stub(**kwargs))

    return start


__all__ = [
    "SPECS_DIR",
    "Emulator",
    "closed_port",
    "corpus_file",
    "corpus_files",
    "corpus_manifest",
    "replace",
]
