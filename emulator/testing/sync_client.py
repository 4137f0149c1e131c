"""TelexClient: the blocking twin of AsyncTelexClient, for plain tests and scripts."""

from __future__ import annotations

from collections.abc import Coroutine, Iterable, Mapping
from datetime import datetime
from typing import Any, Self

from emulator.testing.client import MAX_LISTED, AsyncTelexClient
from emulator.testing.loop import LoopThread, T
from emulator.testing.regression import SyncRegression
from emulator.testing.results import Entity, Message, Predicate, Record


class TelexClient(SyncRegression):
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
