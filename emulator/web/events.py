"""GET /-/events: Server-Sent Events from the event hub (CONTRACT §2.5).

Each event is written as `event: <type>` / `data: <json>`. A comment line every 15 s
keeps proxies and idle timeouts from closing the stream, and `retry:` tells EventSource
how soon to reconnect. A subscriber that cannot keep up is dropped by the hub (its
bounded queue filled): the stream ends and the browser's EventSource reconnects.

Only pages of the emulator itself may listen: a request with a foreign `Origin` (another
site open in the same browser) gets 403.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
from urllib.parse import urlsplit

from aiohttp import web

from emulator.config import LOOPBACK_HOSTS, Config
from emulator.errors import BadRequest
from emulator.hub import EVENT_TYPES, Event
from emulator.keys import config_key, services_key
from emulator.web.envelope import envelope

PING_INTERVAL_S = 15.0
RETRY_MS = 2000
_DEFAULT_PORTS = {"http": 80, "https": 443}


async def stream(request: web.Request) -> web.StreamResponse:
    config = request.config_dict[config_key]
    refusal = origin_refusal(request, config)
    if refusal is not None:
        return envelope(None, 403, refusal)
    types = _requested_types(request)
    hub = request.config_dict[services_key].hub

    # Subscribe before the headers go out: once a client sees the 200 it may act and
    # expect to hear about it.
    with hub.subscribe() as sub:
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-cache",
                "X-Accel-Buffering": "no",  # nginx: do not buffer the stream
            }
        )
        await response.prepare(request)
        await response.write(f"retry: {RETRY_MS}\n: connected\n\n".encode())
        try:
            while True:
                try:
                    async with asyncio.timeout(PING_INTERVAL_S):
                        event = await sub.next()
                except TimeoutError:
                    await response.write(b": ping\n\n")
                    continue
                if event is None:  # dropped as too slow, or the hub closed at shutdown
                    break
                if types is None or event.type in types:
                    await response.write(format_event(event))
        except ConnectionError:
            return response  # the browser went away
    with contextlib.suppress(ConnectionError):
        await response.write_eof()
    return response


def format_event(event: Event) -> bytes:
    """One SSE frame; JSON never contains a raw newline, so one `data:` line suffices."""
    data = json.dumps(event.data, ensure_ascii=False, default=str, separators=(",", ":"))
    return f"event: {event.type}\ndata: {data}\n\n".encode()


def _requested_types(request: web.Request) -> frozenset[str] | None:
    """The `?types=a,b` filter, None for every type; BadRequest for unknown names."""
    raw = request.query.get("types", "")
    wanted = frozenset(t.strip() for t in raw.split(",") if t.strip())
    if not wanted:
        return None
    unknown = sorted(wanted - set(EVENT_TYPES))
    if unknown:
        raise BadRequest(
            f"unknown event type(s) {', '.join(unknown)} in ?types=; "
            f"known: {', '.join(EVENT_TYPES)}",
        )
    return wanted


def origin_refusal(request: web.Request, config: Config) -> str | None:
    """Why this request's Origin may not listen, or None when it may.

    Allowed: no Origin (curl, tests, same-origin EventSource in some browsers); the
    request's own origin when its host is an IP or a name the emulator knows (a page on
    a rebinding domain such as evil.example resolving to 127.0.0.1 is refused); loopback
    origins on the emulator's port; and `extra_allowed_origins`.
    """
    origin = request.headers.get("Origin")
    if origin is None:
        return None
    normalised = _normalise_origin(origin)
    if normalised is not None:
        scheme, host, port = normalised
        if f"{scheme}://{_netloc(host, port, scheme)}" in {
            o.rstrip("/").lower() for o in config.extra_allowed_origins
        }:
            return None
        ports = {config.port, _local_port(request)}
        if host in LOOPBACK_HOSTS and port in ports:
            return None
        request_host = _split_host(request.host, scheme)
        if request_host == (host, port) and _known_host(host, config):
            return None
    return (
        f"Origin {origin!r} may not read the event stream; only pages served by the "
        "emulator itself can (add it with extra_allowed_origins if you must)"
    )


def _normalise_origin(origin: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(origin.strip())
        scheme = parts.scheme.lower()
        host = (parts.hostname or "").lower()
        port = parts.port or _DEFAULT_PORTS.get(scheme)
    except ValueError:
        return None
    if scheme not in _DEFAULT_PORTS or not host or port is None:
        return None
    return scheme, host, port


def _split_host(value: str, scheme: str) -> tuple[str, int] | None:
    """The Host header as (host, port), the port defaulting by the Origin's scheme."""
    try:
        parts = urlsplit(f"//{value}")
        host = (parts.hostname or "").lower()
        port = parts.port or _DEFAULT_PORTS[scheme]
    except ValueError:
        return None
    return (host, port) if host else None


def _netloc(host: str, port: int, scheme: str) -> str:
    shown = f"[{host}]" if ":" in host else host
    return shown if _DEFAULT_PORTS.get(scheme) == port else f"{shown}:{port}"


def _local_port(request: web.Request) -> int | None:
    sockname = request.transport.get_extra_info("sockname") if request.transport else None
    return sockname[1] if isinstance(sockname, tuple) and len(sockname) >= 2 else None


def _known_host(host: str, config: Config) -> bool:
    if host in LOOPBACK_HOSTS or host == config.host.lower():
        return True
    if config.public_url and host == (urlsplit(config.public_url).hostname or "").lower():
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True  # an IP literal cannot be a DNS-rebinding name


async def close_streams(app: web.Application) -> None:
    """An `on_shutdown` hook: end every open stream so shutdown does not wait for them."""
    app[services_key].hub.close()
