"""Running the app on a socket: used by `serve`, `demo` and the test server."""

from __future__ import annotations

import asyncio
import dataclasses
import signal
import socket
from collections.abc import Callable

from aiohttp import web

from emulator.app import create_app
from emulator.config import Config


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (0 = a free port), ready for a SockSite."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock


async def start_site(config: Config, shutdown_timeout_s: float = 5.0) -> tuple[web.AppRunner, str]:
    """Start the app on config.host:config.port (0 = a free port); return it and its URL.

    The socket is bound before the app is built, so the app's config (and with it every
    return_url and webhook_url) names the real port; `runner.app[config_key]` has it.
    """
    sock = bind_socket(config.host, config.port)
    config = dataclasses.replace(config, port=sock.getsockname()[1])
    runner = web.AppRunner(
        create_app(config),
        access_log=None,
        handle_signals=False,
        shutdown_timeout=shutdown_timeout_s,
    )
    try:
        await runner.setup()
        await web.SockSite(runner, sock).start()
    except BaseException:
        sock.close()
        await runner.cleanup()
        raise
    host = f"[{config.host}]" if ":" in config.host else config.host
    return runner, f"http://{host}:{config.port}"


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
