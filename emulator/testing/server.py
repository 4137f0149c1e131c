"""EmulatorServer: the whole emulator on a thread of its own, for tests and scripts."""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, Self

from emulator.config import Config
from emulator.testing.client import AsyncTelexClient
from emulator.testing.loop import LoopThread, T
from emulator.testing.options import server_config
from emulator.testing.sync_client import TelexClient

SHUTDOWN_TIMEOUT_S = 5.0  # how long stopping waits for requests still being handled


class EmulatorServer:
    """The emulator on its own thread and event loop, for tests and scripts.

    `with EmulatorServer() as server:` (or `async with`) gives `server.url`. Defaults: a free
    127.0.0.1 port, a temp SQLite file (removed on exit), the virtual clock; any Config field
    can be given as a keyword (`returns_mode="lenient"`, `rewrites={"https://x": "http://y"}`).
    """

    def __init__(self, *, db_path: str | Path | None = None, **options: Any) -> None:
        server_config(str(db_path or ":memory:"), options)  # fail early on unknown options
        self._options = options
        self._db_path = str(db_path) if db_path is not None else None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._loop: LoopThread | None = None
        self._runner: Any = None
        self.config: Config | None = None
        self.url = ""

    # lifecycle

    def start(self) -> Self:
        """Start the server; blocks until it accepts requests."""
        self._begin()
        try:
            self.url = self._running_loop().call(self._serve())
        except BaseException:
            self.stop()
            raise
        return self

    async def astart(self) -> Self:
        """Start the server without blocking the caller's event loop."""
        self._begin()
        try:
            self.url = await self._running_loop().acall(self._serve())
        except BaseException:
            await self.astop()
            raise
        return self

    def stop(self) -> None:
        """Stop serving, close the app's resources, end the thread, remove the temp files."""
        if self._loop is not None:
            self._loop.call(self._shutdown())
            self._end()

    async def astop(self) -> None:
        if self._loop is not None:
            await self._loop.acall(self._shutdown())
            self._end()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        return await self.astart()

    async def __aexit__(self, *_exc: object) -> None:
        await self.astop()

    # running code on the server's loop

    def call(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run `coro` on the server's loop and wait (blocks the calling thread)."""
        return self._running_loop().call(coro)

    async def acall(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run `coro` on the server's loop; the caller's loop stays free meanwhile."""
        return await self._running_loop().acall(coro)

    @property
    def services(self) -> Any:
        """The app's `Services` (clock, hub, db, ...): touch them only via call/acall."""
        from emulator.keys import services_key

        if self._runner is None:
            raise RuntimeError("the emulator is not running")
        return self._runner.app[services_key]

    def client(self) -> TelexClient:
        """A new sync client for this server (close it, or use it in a `with`)."""
        return TelexClient(self.url, api_key=self.config.api_key if self.config else None)

    def async_client(self) -> AsyncTelexClient:
        return AsyncTelexClient(self.url, api_key=self.config.api_key if self.config else None)

    # internals

    def _running_loop(self) -> LoopThread:
        if self._loop is None:
            raise RuntimeError("the emulator is not running: use `with EmulatorServer() as s:`")
        return self._loop

    def _begin(self) -> None:
        if self._loop is not None:
            raise RuntimeError("this EmulatorServer is already running")
        db_path = self._db_path
        if db_path is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="telex-emulator-")
            db_path = str(Path(self._tmp.name) / "emulator.db")
        self.config = server_config(db_path, self._options)
        self._loop = LoopThread(f"telex-emulator {self.config.host}")

    async def _serve(self) -> str:
        # Imported here, not at the top: importing emulator.testing stays light.
        from emulator.keys import config_key
        from emulator.server import start_site

        assert self.config is not None
        # start_site binds first and builds the app with the real port, which the app's
        # return and webhook URLs name; its open event streams end on shutdown.
        self._runner, url = await start_site(self.config, shutdown_timeout_s=SHUTDOWN_TIMEOUT_S)
        self.config = self._runner.app[config_key]
        return url

    async def _shutdown(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()
        await LoopThread.finish()

    def _end(self) -> None:
        if self._loop is not None:
            loop, self._loop = self._loop, None
            loop.stop()
        if self._tmp is not None:
            tmp, self._tmp = self._tmp, None
            tmp.cleanup()


@dataclasses.dataclass(frozen=True)
class RemoteEmulator:
    """An emulator someone else started (`--telex-emulator-url`)."""

    url: str
    api_key: str | None = None
