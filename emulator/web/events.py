"""GET /-/events: Server-Sent Events from the event hub (CONTRACT §2.5).

Each event is written as `id: <n>` / `event: <type>` / `data: <json>`; ids increase by
one per event, per emulator process. A comment line every 15 s keeps proxies and idle
timeouts from closing the stream, and `retry:` tells EventSource how soon to reconnect. A
subscriber that cannot keep up is dropped by the hub (its bounded queue filled): the
stream ends and the browser's EventSource reconnects.

Resuming: a client that sends `Last-Event-ID: <n>` (EventSource does on its own
reconnects) or `?last_event_id=<n>` (for a new EventSource object, which cannot send the
header; the header wins when both are there) first gets every event after n that the
hub's ring buffer still holds, filtered by `types` like live ones, then the live events,
with no gap and no duplicate. When the hub cannot say what happened after n (older than
the buffer, not recorded while nobody listened, ahead of the newest id after a restart,
or not an id at all) the stream starts with `event: reset` instead, whose data says why:
the client should reload what it shows from the REST API. A malformed id is a `reset`
too, never an error status: the stream is still worth having.

Only pages of the emulator itself may listen: a request with a foreign `Origin` (another
site open in the same browser) gets 403.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import re
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from emulator.config import LOOPBACK_HOSTS, Config
from emulator.errors import BadRequest
from emulator.hub import EVENT_TYPES, Event, EventHub, ReplayGap
from emulator.keys import config_key, services_key
from emulator.web.envelope import envelope

PING_INTERVAL_S = 15.0
RETRY_MS = 2000
_DEFAULT_PORTS = {"http": 80, "https": 443}
_EVENT_ID = re.compile(r"[0-9]{1,18}")  # ASCII digits only; longer is no id we gave


async def stream(request: web.Request) -> web.StreamResponse:
    config = request.config_dict[config_key]
    refusal = origin_refusal(request, config)
    if refusal is not None:
        return envelope(None, 403, refusal)
    types = _requested_types(request)
    resume_from = _resume_point(request)
    hub = request.config_dict[services_key].hub

    # Subscribe before the headers go out: once a client sees the 200 it may act and
    # expect to hear about it. The replay is read in the same step (no await between),
    # so the subscription's queue starts right after its last event.
    with hub.subscribe(resumable=True) as sub:
        first, replayed_to = _opening(hub, resume_from, types)
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-cache",
                "X-Accel-Buffering": "no",  # nginx: do not buffer the stream
            }
        )
        await response.prepare(request)
        try:
            await response.write(f"retry: {RETRY_MS}\n: connected\n\n".encode() + first)
            while True:
                try:
                    async with asyncio.timeout(PING_INTERVAL_S):
                        event = await sub.next()
                except TimeoutError:
                    await response.write(b": ping\n\n")
                    continue
                if event is None:  # dropped as too slow, or the hub closed at shutdown
                    break
                if event.id <= replayed_to:
                    continue  # already sent from the buffer
                if types is None or event.type in types:
                    await response.write(format_event(event))
        except ConnectionError:
            return response  # the browser went away
    with contextlib.suppress(ConnectionError):
        await response.write_eof()
    return response


def _opening(
    hub: EventHub, resume_from: str | None, types: frozenset[str] | None
) -> tuple[bytes, int]:
    """What the stream starts with (replayed events or a `reset`) and the id of the newest
    event that covers, for skipping it among the live ones."""
    if resume_from is None:
        return b"", 0
    newest = hub.newest_id
    last_id = int(resume_from) if _EVENT_ID.fullmatch(resume_from) else None
    if last_id is None:
        reason, message = "invalid", "the last event id given is not an event id (digits)"
    else:
        try:
            events = hub.events_after(last_id)
        except ReplayGap as gap:
            reason, message = gap.reason, gap.message
        else:
            frames = [format_event(e) for e in events if types is None or e.type in types]
            return b"".join(frames), events[-1].id if events else last_id
    data = {
        "reason": reason,
        "message": message + "; reload from the REST API",
        "last_event_id": last_id,
        "oldest_id": hub.oldest_id,
        "newest_id": newest,
    }
    # The reset carries the position to resume from next time, or an empty id (which
    # makes EventSource forget its last one) when no later resume could work from here.
    resume_id = hub.resume_id()
    return format_frame("reset", data, "" if resume_id is None else str(resume_id)), newest


def _resume_point(request: web.Request) -> str | None:
    """The id to resume after: the Last-Event-ID header, else `?last_event_id=`; None
    when neither is given (or both are empty: EventSource sends no header then)."""
    for value in (request.headers.get("Last-Event-ID"), request.query.get("last_event_id")):
        if value is not None and value.strip():
            return value.strip()
    return None


def format_event(event: Event) -> bytes:
    """One SSE frame with the event's id."""
    return format_frame(event.type, event.data, str(event.id))


def format_frame(type_: str, data: Any, id_: str) -> bytes:
    """JSON never contains a raw newline, so one `data:` line suffices."""
    text = json.dumps(data, ensure_ascii=False, default=str, separators=(",", ":"))
    return f"id: {id_}\nevent: {type_}\ndata: {text}\n\n".encode()


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
