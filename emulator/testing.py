"""The emulator for tests: a server on its own thread, and clients for its HTTP API.

`EmulatorServer` runs the whole emulator on a background thread and event loop (a free
loopback port, a temp SQLite file, the virtual clock). `AsyncTelexClient` (asyncio) and
`TelexClient` (plain code) drive any running emulator over HTTP, as an integration's own
tests would. The pytest plugin (`emulator.pytest_plugin`) builds its fixtures from these.
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import json
import socket
import tempfile
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, Self, TypeVar
from urllib.parse import urlencode

import aiohttp

from emulator.config import Config, Rewrite

T = TypeVar("T")
Entity = Mapping[str, Any] | str  # an entity as the API returned it, or its id
Predicate = Callable[["Message"], bool] | str | None

DEFAULT_ORGANISATION = "Test organisation"
MAX_LISTED = 1000  # the API's largest page
SHUTDOWN_TIMEOUT_S = 5.0  # how long stopping waits for requests still being handled
_ID_FILTERS = {
    "integration": "integration_id",
    "channel": "channel_id",
    "message": "message_id",
    "tick": "tick_id",
}


# -- results -----------------------------------------------------------------------------


class Record(dict[str, Any]):
    """A JSON object from the emulator: a dict whose keys also read as attributes.

    Keys named like dict methods (`values`, `items`, ...) need `record["values"]`.
    """

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(
                f"{type(self).__name__} has no field {name!r}; it has: {', '.join(self)}"
            ) from None


class Message(Record):
    """A channel message; from `send()` it also carries the modifier `trace` (hops)."""

    @property
    def message(self) -> str:
        """The final text, after every modifier (same as `content`)."""
        return self["content"]

    @property
    def trace(self) -> list[Record]:
        """One hop per modifier: integration_id, app_name, outcome, reason, status_code,
        latency_ms, content_before, content_after."""
        return self.get("trace") or []


def _wrap(value: Any) -> Any:
    if isinstance(value, dict):
        return Record({key: _wrap(item) for key, item in value.items()})
    if isinstance(value, list):
        return [_wrap(item) for item in value]
    return value


class TelexAPIError(Exception):
    """The emulator answered an error: its status, message and `data.errors`."""

    def __init__(self, method: str, path: str, status_code: int, body: Any) -> None:
        envelope = body if isinstance(body, dict) else {}
        data = envelope.get("data")
        self.method, self.path, self.status_code, self.body = method, path, status_code, body
        self.message: str = str(envelope.get("message") or body or "no body")
        self.data: Any = data
        self.errors: list[dict[str, Any]] = (
            list(data.get("errors") or []) if isinstance(data, dict) else []
        )
        lines = [f"{method} {path} answered {status_code}: {self.message}"]
        for error in self.errors:
            hint = f" (hint: {error['hint']})" if error.get("hint") else ""
            lines.append(f"  - {error.get('path', '?')}: {error.get('message', error)}{hint}")
        super().__init__("\n".join(lines))


# -- the server --------------------------------------------------------------------------


class LoopThread:
    """An event loop running on a daemon thread; coroutines are handed to it from outside."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self._thread.start()

    def call(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run `coro` on the loop and block until it is done."""
        if threading.current_thread() is self._thread:
            coro.close()
            raise RuntimeError("call() on the loop's own thread would deadlock; use acall()")
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    async def acall(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run `coro` on the loop; await it without blocking the caller's own loop."""
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self.loop))

    def stop(self) -> None:
        """Stop the loop (after `finish()` ran on it), join the thread, close the loop."""
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()
        self.loop.close()

    @staticmethod
    async def finish() -> None:
        """Cancel what is left on the loop; shut down async generators and the executor."""
        current = asyncio.current_task()
        left = [task for task in asyncio.all_tasks() if task is not current]
        for task in left:
            task.cancel()
        await asyncio.gather(*left, return_exceptions=True)
        loop = asyncio.get_running_loop()
        await loop.shutdown_asyncgens()
        await loop.shutdown_default_executor()


def _rewrites(value: Any) -> tuple[Rewrite, ...]:
    """`{from: to}`, "FROM=TO", a Rewrite, or a list of those."""
    if value is None:
        return ()
    if isinstance(value, Rewrite):
        return (value,)
    if isinstance(value, str):
        return (Rewrite.parse(value),)
    if isinstance(value, Mapping):
        return tuple(Rewrite(str(source), str(target)) for source, target in value.items())
    return tuple(item for entry in value for item in _rewrites(entry))


def _config(db_path: str, overrides: Mapping[str, Any]) -> Config:
    names = {f.name for f in dataclasses.fields(Config)}
    unknown = sorted(set(overrides) - names)
    if unknown:
        raise TypeError(
            f"unknown emulator option(s) {', '.join(unknown)}; "
            f"Config fields are: {', '.join(sorted(names))}"
        )
    options: dict[str, Any] = {"host": "127.0.0.1", "port": 0, "clock_mode": "virtual"}
    options.update(overrides)
    if "rewrites" in overrides:
        options["rewrites"] = _rewrites(overrides["rewrites"])
    if isinstance(options.get("extra_allowed_origins"), list):
        options["extra_allowed_origins"] = tuple(options["extra_allowed_origins"])
    return Config(db_path=db_path, **options)


class EmulatorServer:
    """The emulator on its own thread and event loop, for tests and scripts.

    `with EmulatorServer() as server:` (or `async with`) gives `server.url`. Defaults: a free
    127.0.0.1 port, a temp SQLite file (removed on exit), the virtual clock; any Config field
    can be given as a keyword (`returns_mode="lenient"`, `rewrites={"https://x": "http://y"}`).
    """

    def __init__(self, *, db_path: str | Path | None = None, **options: Any) -> None:
        _config(str(db_path or ":memory:"), options)  # fail early on unknown options
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
        self.config = _config(db_path, self._options)
        self._loop = LoopThread(f"telex-emulator {self.config.host}")

    async def _serve(self) -> str:
        from aiohttp import web

        from emulator.app import create_app

        assert self.config is not None
        # Bind first, then build the Config with the real port: the app's return and
        # webhook URLs must name it, and a bound socket cannot be taken by anyone else.
        host = self.config.host
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, self.config.port))
            sock.listen(128)
            sock.setblocking(False)
        except BaseException:
            sock.close()
            raise
        self.config = dataclasses.replace(self.config, port=sock.getsockname()[1])
        runner = web.AppRunner(
            create_app(self.config),
            access_log=None,
            handle_signals=False,
            shutdown_timeout=SHUTDOWN_TIMEOUT_S,
        )
        try:
            await runner.setup()
            self._runner = runner
            await web.SockSite(runner, sock).start()
        except BaseException:
            sock.close()
            raise
        return self._local_url()

    def _local_url(self) -> str:
        assert self.config is not None
        host = f"[{self.config.host}]" if ":" in self.config.host else self.config.host
        return f"http://{host}:{self.config.port}"

    async def _shutdown(self) -> None:
        if self._runner is not None:
            # End open event streams first: an idle one would hold the shutdown until its
            # next ping.
            self.services.hub.close()
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


# -- the async client --------------------------------------------------------------------


def _id(entity: Entity | None, what: str) -> str:
    if isinstance(entity, str) and entity:
        return entity
    if isinstance(entity, Mapping) and isinstance(entity.get("id"), str):
        return entity["id"]
    raise TypeError(f"{what} must be a {what} as returned by the client or its id, not {entity!r}")


def _query(filters: Mapping[str, Any]) -> dict[str, str]:
    query: dict[str, str] = {}
    for key, value in filters.items():
        if value is None:
            continue
        name = _ID_FILTERS.get(key, key)
        if isinstance(value, Mapping):
            value = _id(value, key)
        elif isinstance(value, bool):
            value = str(value).lower()
        query[name] = str(value)
    return query


def _describe(predicate: Predicate) -> str:
    if predicate is None:
        return "message"
    if isinstance(predicate, str):
        return f"message containing {predicate!r}"
    name = getattr(predicate, "__qualname__", repr(predicate))
    if name == "<lambda>":
        source = _lambda_source(predicate)
        if source:
            return f"message matching `{source}`"
    return f"message matching {name}"


def _lambda_source(function: Any) -> str:
    """`lambda m: ...` cut out of its line, or "" when the source is not at hand."""
    try:
        line = inspect.getsource(function)
    except (OSError, TypeError):
        return ""
    start = line.find("lambda")
    if start < 0:
        return ""
    depth = 0
    for end in range(start, len(line)):
        char = line[end]
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        if depth < 0 or (depth == 0 and char in ",\n"):
            return line[start:end].strip()
    return line[start:].strip()


def _matcher(predicate: Predicate) -> Callable[[Message], bool]:
    if predicate is None:
        return lambda _message: True
    if isinstance(predicate, str):
        text = predicate
        return lambda message: text in (message.get("content") or "")
    if callable(predicate):
        return lambda message: bool(predicate(message))
    raise TypeError(f"predicate must be None, a text or a callable, not {predicate!r}")


def _short(value: Any, limit: int = 160) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def _sse(content: Any) -> AsyncIterator[tuple[str, str]]:
    """(event, data) pairs of a Server-Sent Events stream, until it ends."""
    buffer = b""
    event, data = "message", []
    async for chunk in content.iter_any():
        buffer += chunk
        while b"\n" in buffer:
            raw, buffer = buffer.split(b"\n", 1)
            line = raw.rstrip(b"\r").decode("utf-8", errors="replace")
            if not line:
                if data:
                    yield event, "\n".join(data)
                event, data = "message", []
            elif not line.startswith(":"):
                name, _, value = line.partition(":")
                value = value.removeprefix(" ")
                if name == "event":
                    event = value
                elif name == "data":
                    data.append(value)


class AsyncTelexClient:
    """An asyncio client for a running emulator: REST API (`/api/v1`) and control API (`/-/`).

    Integration and channel arguments take the dicts this client returned, or their ids.
    Errors raise `TelexAPIError` with the emulator's message and validation errors.
    """

    def __init__(self, url: str, *, api_key: str | None = None) -> None:
        self.url = url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._session: aiohttp.ClientSession | None = None
        self._organisation: Record | None = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(headers=self._headers)
        return self._session

    async def request(
        self, method: str, path: str, body: Any = None, query: Mapping[str, Any] | None = None
    ) -> Any:
        """One call; answers the envelope's `data` for /api/v1, the plain JSON for /-/."""
        url = self.url + path + (f"?{urlencode(query)}" if query else "")
        try:
            async with self._http().request(method, url, json=body) as response:
                status, raw = response.status, await response.read()
        except aiohttp.ClientConnectionError as exc:
            raise ConnectionError(f"cannot reach the emulator at {self.url}: {exc}") from exc
        try:
            payload = json.loads(raw) if raw.strip() else None
        except ValueError:
            payload = raw.decode(errors="replace")
        enveloped = path.startswith("/api/v1/") and isinstance(payload, dict) and "data" in payload
        if status >= 400 or (enveloped and payload.get("status") == "error"):
            raise TelexAPIError(method, path, status, payload)
        return _wrap(payload["data"] if enveloped else payload)

    # state

    async def reset(self) -> None:
        """Delete everything the emulator stores (between tests)."""
        self._organisation = None
        await self.request("POST", "/-/reset")

    async def drain(self) -> None:
        """Wait until every in-flight delivery, tick and callback has finished."""
        await self.request("POST", "/-/drain")

    # organisations, channels, integrations

    async def organisation(self, name: str | None = None) -> Record:
        """Create an organisation; without a name, the default one (created on first use).

        The first organisation created is the default for calls given no `org`.
        """
        if name is None and self._organisation is not None:
            return self._organisation
        org = await self.request(
            "POST", "/api/v1/organisations", {"name": name or DEFAULT_ORGANISATION}
        )
        if self._organisation is None:
            self._organisation = org
        return org

    async def _org_id(self, org: Entity | None, owner: Entity | None = None) -> str:
        if org is not None:
            return _id(org, "organisation")
        if isinstance(owner, Mapping) and isinstance(owner.get("organisation_id"), str):
            return owner["organisation_id"]
        return (await self.organisation())["id"]

    async def channel(
        self, name: str = "general", *, org: Entity | None = None, description: str = ""
    ) -> Record:
        """Create a channel (in the default organisation unless `org` is given)."""
        org_id = await self._org_id(org)
        body = {"name": name, "description": description, "organisation_id": org_id}
        return await self.request("POST", "/api/v1/channels", body)

    async def install(
        self,
        json_url: str | Mapping[str, Any] | None = None,
        *,
        spec: Mapping[str, Any] | None = None,
        rewrite: Mapping[str, str] | str | Iterable[Any] | None = None,
        target_url: str | None = None,
        tick_url: str | None = None,
        org: Entity | None = None,
    ) -> Record:
        """Install an integration from its JSON URL (or an inline `spec`).

        `rewrite={"https://app.onrender.com": "http://127.0.0.1:8000"}` points the declared
        target/tick URLs that start with a key at the local server (per-integration overrides).
        """
        if isinstance(json_url, Mapping):
            json_url, spec = None, json_url
        if (json_url is None) == (spec is None):
            raise TypeError("install() needs the integration JSON's URL or `spec=` (one of them)")
        body: dict[str, Any] = {"json_url": json_url} if spec is None else {"spec": dict(spec)}
        body.update({k: v for k, v in (("target_url", target_url), ("tick_url", tick_url)) if v})
        path = f"/api/v1/organisations/{await self._org_id(org)}/integrations/custom"
        integration = await self.request("POST", path, body)
        rules = _rewrites(rewrite)
        if not rules:
            return integration
        overrides = {}
        for field in ("target_url", "tick_url"):
            declared = integration.get(field)
            if field in body or not isinstance(declared, str):
                continue
            for rule in rules:
                if declared.startswith(rule.source):
                    overrides[field] = rule.target + declared[len(rule.source) :]
                    break
        if not overrides:
            raise ValueError(
                f"rewrite {[f'{r.source}={r.target}' for r in rules]} matches neither "
                f"target_url {integration.get('target_url')!r} "
                f"nor tick_url {integration.get('tick_url')!r}"
            )
        return await self.request("PUT", f"{path}/{integration['id']}", overrides)

    async def settings(
        self, integration: Entity, values: Mapping[str, Any], *, org: Entity | None = None
    ) -> Record:
        """Set organisation-level setting values, by label."""
        org_id = await self._org_id(org, integration)
        path = f"/api/v1/organisations/{org_id}/integrations/custom/{_id(integration, 'integration')}/settings"
        return await self.request("PUT", path, {"settings": dict(values)})

    async def activate(
        self,
        integration: Entity,
        channel: Entity,
        settings: Mapping[str, Any] | None = None,
        *,
        active: bool = True,
        org: Entity | None = None,
    ) -> Record:
        """Activate an integration on a channel, with channel-level setting overrides."""
        org_id = await self._org_id(org, integration)
        path = (
            f"/api/v1/organisations/{org_id}/integrations/{_id(integration, 'integration')}"
            f"/channels/{_id(channel, 'channel')}/settings"
        )
        body: dict[str, Any] = {"is_active": active}
        if settings is not None:
            body["settings"] = dict(settings)
        return await self.request("PUT", path, body)

    async def deactivate(
        self, integration: Entity, channel: Entity, *, org: Entity | None = None
    ) -> Record:
        return await self.activate(integration, channel, active=False, org=org)

    async def order(self, channel: Entity, integrations: Iterable[Entity]) -> Any:
        """Set the channel's modifier chain order."""
        ids = [_id(item, "integration") for item in integrations]
        path = f"/api/v1/channels/{_id(channel, 'channel')}/integrations/order"
        return await self.request("PUT", path, {"integration_ids": ids})

    async def check(
        self, json_url: str | None = None, *, spec: Mapping[str, Any] | None = None
    ) -> Record:
        """Lint an integration JSON without installing it: {ok, errors, warnings, ...}."""
        body = {"json_url": json_url} if spec is None else {"spec": dict(spec)}
        return await self.request("POST", "/-/check", body)

    # messages

    async def send(
        self,
        channel: Entity,
        text: str,
        thread_id: Entity | None = None,
        username: str | None = None,
    ) -> Message:
        """Post a message as a person; answers the stored message and its modifier trace."""
        body: dict[str, Any] = {"content": text}
        if thread_id is not None:
            body["thread_id"] = _id(thread_id, "message")
        if username is not None:
            body["username"] = username
        path = f"/api/v1/channels/{_id(channel, 'channel')}/messages"
        return Message(await self.request("POST", path, body))

    async def messages(self, channel: Entity, *, limit: int = MAX_LISTED) -> list[Message]:
        """The channel's messages, oldest first."""
        path = f"/api/v1/channels/{_id(channel, 'channel')}/messages"
        return [Message(item) for item in await self.request("GET", path, query={"limit": limit})]

    async def wait_for_message(
        self,
        channel: Entity,
        predicate: Predicate = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - the deadline of the whole wait, in seconds
    ) -> Message:
        """The first message in `channel` matching `predicate`, stored or still to come.

        `predicate` is a text the content must contain, a callable taking a Message, or
        None (any message). Event-driven: subscribes to /-/events before reading the
        store, so nothing slips by. On timeout raises AssertionError listing what did arrive.
        """
        channel_id = _id(channel, "channel")
        match = _matcher(predicate)
        deadline = asyncio.timeout(timeout)
        try:
            async with deadline:
                return await self._first_match(channel_id, match)
        except TimeoutError:
            if not deadline.expired():
                raise
        raise AssertionError(await self._nothing_arrived(channel, predicate, timeout)) from None

    async def _first_match(self, channel_id: str, match: Callable[[Message], bool]) -> Message:
        streams_ended = 0
        while True:
            async with self._http().get(
                f"{self.url}/-/events?types=message.created",
                headers={"Accept": "text/event-stream"},
                timeout=aiohttp.ClientTimeout(total=None, sock_read=None),
            ) as response:
                if response.status != 200:
                    raise TelexAPIError("GET", "/-/events", response.status, await _body(response))
                # Subscribed now: whatever is stored from here on also arrives as an event.
                for message in await self.messages(channel_id):
                    if match(message):
                        return message
                async for event, data in _sse(response.content):
                    if event != "message.created":
                        continue
                    message = _event_message(data)
                    if message is not None and message.get("channel_id") == channel_id:
                        if match(message):
                            return message
            streams_ended += 1  # the hub drops slow subscribers; subscribe again
            if streams_ended >= 3:
                raise ConnectionError(f"{self.url}/-/events keeps closing the stream")

    async def _nothing_arrived(
        self, channel: Entity, predicate: Predicate, timeout_s: float
    ) -> str:
        channel_id = _id(channel, "channel")
        name = channel.get("name") if isinstance(channel, Mapping) else None
        where = f"channel {name!r} ({channel_id})" if name else f"channel {channel_id}"
        lines = [f"no {_describe(predicate)} arrived in {where} within {timeout_s:g} s."]
        arrived = await self.messages(channel_id)
        if not arrived:
            lines.append("The channel has no messages.")
        else:
            lines.append(f"Messages in the channel ({len(arrived)}):")
            for message in arrived[-20:]:
                author = f"{message.get('source')} {message.get('username')!r}"
                lines.append(f"  - [{author}] {_short(message.get('content'))}")
        lines.extend(await self._diagnostics(channel_id))
        return "\n".join(lines)

    async def _diagnostics(self, channel_id: str) -> list[str]:
        """The channel's failed deliveries and webhook bodies: often why nothing came."""
        lines: list[str] = []
        query = {"channel_id": channel_id}
        failed = [d for d in await self._log("/-/deliveries", query) if d.get("outcome") != "ok"]
        if failed:
            lines.append(f"Failed deliveries for the channel ({len(failed)}, newest first):")
        for d in failed[:5]:
            status = f", HTTP {d['status_code']}" if d.get("status_code") else ""
            reason = f": {_short(d['reason'], 200)}" if d.get("reason") else ""
            lines.append(f"  - {d.get('kind')} {d.get('url')}: {d.get('outcome')}{status}{reason}")
        returns = await self._log("/-/returns", query)
        returns = [r for r in returns if r.get("channel_id", channel_id) == channel_id]
        if returns:
            lines.append(f"Bodies received on the channel's webhook ({len(returns)}):")
        for r in returns[:5]:
            verdict = r.get("verdict")
            if isinstance(verdict, Mapping):
                shown = f"{verdict.get('status')} {verdict.get('status_code')}: {verdict.get('message')}"
            else:
                shown = _short(verdict)
            lines.append(f"  - {_short(shown, 200)}")
        return lines

    async def _log(self, path: str, query: Mapping[str, str]) -> list[Record]:
        try:
            rows = await self.request("GET", path, query=query)
        except (TelexAPIError, ConnectionError):
            return []  # a diagnostic only: the timeout is the error to report
        return rows if isinstance(rows, list) else []

    # ticks, clock, logs

    async def tick(self, integration: Entity, channel: Entity) -> Record:
        """Tick now; answers the tick record once the tick request finished."""
        body = {
            "integration_id": _id(integration, "integration"),
            "channel_id": _id(channel, "channel"),
        }
        return await self.request("POST", "/-/ticks", body)

    async def advance(
        self, seconds: float | None = None, until: datetime | str | None = None
    ) -> Record:
        """Move the virtual clock; answers {now, ticks} with every tick fired on the way."""
        if (seconds is None) == (until is None):
            raise TypeError("advance() needs `seconds` or `until` (one of them)")
        body: dict[str, Any] = {"seconds": seconds}
        if until is not None:
            body = {"until": until.isoformat() if isinstance(until, datetime) else until}
        return await self.request("POST", "/-/clock/advance", body)

    async def clock(self) -> Record:
        """{now, mode}."""
        return await self.request("GET", "/-/clock")

    async def schedule(self) -> list[Record]:
        """Next fire times: [{integration_id, channel_id, interval, next_fire_at}]."""
        return await self.request("GET", "/-/schedule")

    async def deliveries(self, *, drain: bool = True, **filters: Any) -> list[Record]:
        """The delivery log, after in-flight deliveries finished (unless drain=False).

        Filters: integration=, channel=, message=, tick= (entities or ids), kind=, outcome=.
        """
        if drain:
            await self.drain()
        return await self.request("GET", "/-/deliveries", query=_query(filters))

    async def returns(self, **filters: Any) -> list[Record]:
        """Bodies received on webhook paths, with verdict, tick_id and correlation."""
        return await self.request("GET", "/-/returns", query=_query(filters))


async def _body(response: aiohttp.ClientResponse) -> Any:
    raw = await response.read()
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")


def _event_message(data: str) -> Message | None:
    try:
        payload = json.loads(data)
    except ValueError:
        return None
    if isinstance(payload, dict) and "channel_id" not in payload:
        payload = payload.get("message")  # tolerate {"message": {...}} wrappers
    return Message(_wrap(payload)) if isinstance(payload, dict) else None


# -- the sync client ---------------------------------------------------------------------


class TelexClient:
    """The blocking twin of AsyncTelexClient, for plain (non-async) tests and scripts.

    It runs an AsyncTelexClient on a private event loop thread. In async tests use the
    async client instead: a blocking call would stall the loop serving your integration.
    """

    def __init__(self, url: str, *, api_key: str | None = None) -> None:
        self.url = url.rstrip("/")
        self.aio = AsyncTelexClient(url, api_key=api_key)
        self._loop: LoopThread | None = LoopThread("telex-client")

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        if self._loop is None:
            coro.close()
            raise RuntimeError("this TelexClient is closed")
        return self._loop.call(coro)

    def close(self) -> None:
        if self._loop is not None:
            self._loop.call(self.aio.aclose())
            self._loop.call(LoopThread.finish())
            loop, self._loop = self._loop, None
            loop.stop()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def request(
        self, method: str, path: str, body: Any = None, query: Mapping[str, Any] | None = None
    ) -> Any:
        return self._run(self.aio.request(method, path, body, query))

    def reset(self) -> None:
        self._run(self.aio.reset())

    def drain(self) -> None:
        self._run(self.aio.drain())

    def organisation(self, name: str | None = None) -> Record:
        return self._run(self.aio.organisation(name))

    def channel(
        self, name: str = "general", *, org: Entity | None = None, description: str = ""
    ) -> Record:
        return self._run(self.aio.channel(name, org=org, description=description))

    def install(
        self,
        json_url: str | Mapping[str, Any] | None = None,
        *,
        spec: Mapping[str, Any] | None = None,
        rewrite: Mapping[str, str] | str | Iterable[Any] | None = None,
        target_url: str | None = None,
        tick_url: str | None = None,
        org: Entity | None = None,
    ) -> Record:
        return self._run(
            self.aio.install(
                json_url,
                spec=spec,
                rewrite=rewrite,
                target_url=target_url,
                tick_url=tick_url,
                org=org,
            )
        )

    def settings(
        self, integration: Entity, values: Mapping[str, Any], *, org: Entity | None = None
    ) -> Record:
        return self._run(self.aio.settings(integration, values, org=org))

    def activate(
        self,
        integration: Entity,
        channel: Entity,
        settings: Mapping[str, Any] | None = None,
        *,
        active: bool = True,
        org: Entity | None = None,
    ) -> Record:
        return self._run(self.aio.activate(integration, channel, settings, active=active, org=org))

    def deactivate(
        self, integration: Entity, channel: Entity, *, org: Entity | None = None
    ) -> Record:
        return self._run(self.aio.deactivate(integration, channel, org=org))

    def order(self, channel: Entity, integrations: Iterable[Entity]) -> Any:
        return self._run(self.aio.order(channel, list(integrations)))

    def check(
        self, json_url: str | None = None, *, spec: Mapping[str, Any] | None = None
    ) -> Record:
        return self._run(self.aio.check(json_url, spec=spec))

    def send(
        self,
        channel: Entity,
        text: str,
        thread_id: Entity | None = None,
        username: str | None = None,
    ) -> Message:
        return self._run(self.aio.send(channel, text, thread_id, username))

    def messages(self, channel: Entity, *, limit: int = MAX_LISTED) -> list[Message]:
        return self._run(self.aio.messages(channel, limit=limit))

    def wait_for_message(
        self, channel: Entity, predicate: Predicate = None, timeout: float = 5.0
    ) -> Message:
        return self._run(self.aio.wait_for_message(channel, predicate, timeout))

    def tick(self, integration: Entity, channel: Entity) -> Record:
        return self._run(self.aio.tick(integration, channel))

    def advance(self, seconds: float | None = None, until: datetime | str | None = None) -> Record:
        return self._run(self.aio.advance(seconds, until))

    def clock(self) -> Record:
        return self._run(self.aio.clock())

    def schedule(self) -> list[Record]:
        return self._run(self.aio.schedule())

    def deliveries(self, *, drain: bool = True, **filters: Any) -> list[Record]:
        return self._run(self.aio.deliveries(drain=drain, **filters))

    def returns(self, **filters: Any) -> list[Record]:
        return self._run(self.aio.returns(**filters))


for _name in dir(TelexClient):  # the sync twins share the async methods' documentation
    _method = getattr(TelexClient, _name)
    _twin = getattr(AsyncTelexClient, _name, None)
    if callable(_method) and not _name.startswith("_") and _twin and not _method.__doc__:
        _method.__doc__ = _twin.__doc__
