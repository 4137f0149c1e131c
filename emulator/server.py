"""Running the app on a socket: used by `serve`, `demo` and the test server."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable

from aiohttp import web

from emulator.app import create_app
from emulator.config import Config


async def start_site(config: Config) -> tuple[web.AppRunner, str]:
    """Start the app on config.host:config.port (0 = a free port); return its URL."""
    runner = web.AppRunner(create_app(config), access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, config.host, config.port, reuse_address=True)
    await site.start()
    sockets = site._server.sockets if site._server else []  # type: ignore[union-attr]
    port = sockets[0].getsockname()[1] if sockets else config.port
    host = f"[{config.host}]" if ":" in config.host else config.host
    return runner, f"http://{host}:{port}"


async def run_forever(config: Config, announce: Callable[[str], None]) -> None:
    runner, url = await start_site(config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    announce(url)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
