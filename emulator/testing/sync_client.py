"""TelexClient: the blocking twin of AsyncTelexClient, for plain tests and scripts."""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any, Concatenate, ParamSpec, Self, TypeVar

from emulator.testing.client import AsyncTelexClient
from emulator.testing.loop import LoopThread, T

P = ParamSpec("P")
R = TypeVar("R")


def blocking(
    method: Callable[Concatenate[AsyncTelexClient, P], Coroutine[Any, Any, R]],
) -> Callable[Concatenate[TelexClient, P], R]:
    """The blocking twin of an AsyncTelexClient method: same parameters, types and docs;
    it runs the async method on the client's loop thread and answers its result."""

    @functools.wraps(method)
    def call(self: TelexClient, *args: P.args, **kwargs: P.kwargs) -> R:
        return self._run(method(self.aio, *args, **kwargs))

    call.__qualname__ = f"TelexClient.{method.__name__}"
    return call


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
        """Close the async client's session, then stop the loop thread."""
        if self._loop is not None:
            self._loop.call(self.aio.aclose())
            self._loop.call(LoopThread.finish())
            loop, self._loop = self._loop, None
            loop.stop()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    request = blocking(AsyncTelexClient.request)
    reset = blocking(AsyncTelexClient.reset)
    drain = blocking(AsyncTelexClient.drain)
    organisation = blocking(AsyncTelexClient.organisation)
    channel = blocking(AsyncTelexClient.channel)
    install = blocking(AsyncTelexClient.install)
    settings = blocking(AsyncTelexClient.settings)
    activate = blocking(AsyncTelexClient.activate)
    deactivate = blocking(AsyncTelexClient.deactivate)
    order = blocking(AsyncTelexClient.order)
    check = blocking(AsyncTelexClient.check)
    send = blocking(AsyncTelexClient.send)
    messages = blocking(AsyncTelexClient.messages)
    wait_for_message = blocking(AsyncTelexClient.wait_for_message)
    tick = blocking(AsyncTelexClient.tick)
    advance = blocking(AsyncTelexClient.advance)
    clock = blocking(AsyncTelexClient.clock)
    schedule = blocking(AsyncTelexClient.schedule)
    deliveries = blocking(AsyncTelexClient.deliveries)
    returns = blocking(AsyncTelexClient.returns)
    install_agent = blocking(AsyncTelexClient.install_agent)
    add_agent = blocking(AsyncTelexClient.add_agent)
    ask = blocking(AsyncTelexClient.ask)
    tasks = blocking(AsyncTelexClient.tasks)
    replay = blocking(AsyncTelexClient.replay)
    seed = blocking(AsyncTelexClient.seed)
    snapshot = blocking(AsyncTelexClient.snapshot)
    restore = blocking(AsyncTelexClient.restore)
