"""Fuzz every documented operation of a live emulator with schemathesis (issue 10, item 1).

Requests are generated from `GET /-/openapi.json`, valid ones and invalid ones, and sent
over real HTTP to an emulator on its own thread and loop (temp SQLite, virtual clock).
Every answer must be below 500 and match the document: status, content type and schema.
Half the cases get the ids of a seeded organisation, channel, message and integrations,
so they reach real rows instead of stopping at a 404. Every http(s) URL in a generated
body points at a local stub, so the fuzzer never reaches the network.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
import requests
import schemathesis
from aiohttp import web
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from emulator.config import Config
from emulator.server import bind_socket, start_site

T = TypeVar("T")
EXAMPLES_PER_MODE = 10  # per operation, valid and invalid: about 600 requests in all
MIN_REQUESTS = 500
REQUEST_TIMEOUT_S = 10
NOT_FUZZED = {"GET /-/events", "POST /-/reset"}  # endless stream; would wipe the seed
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
_URL = re.compile(r"^\s*https?://[^/?#]*", re.IGNORECASE)  # the emulator strips URLs


class LoopThread:
    """An event loop on a daemon thread, for the emulator and the stub."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def call(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=60)

    def close(self) -> None:
        async def finish() -> None:
            current = asyncio.current_task()
            left = [task for task in asyncio.all_tasks() if task is not current]
            for task in left:
                task.cancel()
            await asyncio.gather(*left, return_exceptions=True)
            await self.loop.shutdown_asyncgens()
            await self.loop.shutdown_default_executor()

        self.call(finish())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()
        self.loop.close()


def stub_app(spec: dict[str, Any]) -> web.Application:
    """Stands in for every URL the fuzzer invents: serves a spec, answers every POST."""

    async def serve_spec(_request: web.Request) -> web.Response:
        return web.json_response(spec)

    async def answer(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({"message": "stub reply", "status": "success"})

    app = web.Application()
    app.router.add_get("/{tail:.*}", serve_spec)
    app.router.add_post("/{tail:.*}", answer)
    return app


def interval_spec(stub_url: str) -> dict[str, Any]:
    """No `interval` setting: it ticks on demand only, so a far clock advance stays quick."""
    return {
        "data": {
            "descriptions": {"app_name": "Fuzz interval"},
            "integration_type": "interval",
            "integration_category": "Monitoring & Logging",
            "settings": [{"label": "site", "type": "text", "default": "http://example.com"}],
            "target_url": "",
            "tick_url": f"{stub_url}/tick",
        }
    }


def modifier_spec(stub_url: str) -> dict[str, Any]:
    return {
        "data": {
            "descriptions": {"app_name": "Fuzz modifier"},
            "integration_type": "modifier",
            "settings": [{"label": "mode", "type": "dropdown", "options": ["a", "b"]}],
            "target_url": f"{stub_url}/target",
        }
    }


@dataclass
class Live:
    url: str
    stub_url: str
    config: Config
    ids: dict[str, list[str]] = field(default_factory=dict)
    session: requests.Session = field(default_factory=requests.Session)

    def call(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        response = self.session.request(method, self.url + path, json=body, timeout=30)
        assert response.status_code == status, (method, path, response.text)
        data = response.json()
        return data["data"] if isinstance(data, dict) and "data" in data else data

    def seed(self) -> None:
        """An organisation, a channel with a message, an interval and a modifier active on it."""
        org = self.call("POST", "/api/v1/organisations", {"name": "Fuzz"}, 201)
        body = {"name": "general", "organisation_id": org["id"]}
        channel = self.call("POST", "/api/v1/channels", body, 201)
        custom = f"/api/v1/organisations/{org['id']}/integrations/custom"
        installed = [
            self.call("POST", custom, {"spec": make(self.stub_url)}, 201)
            for make in (interval_spec, modifier_spec)
        ]
        for integration in installed:
            path = (
                f"/api/v1/organisations/{org['id']}/integrations/{integration['id']}"
                f"/channels/{channel['id']}/settings"
            )
            self.call("PUT", path, {"is_active": True}, 200)
        message = self.call(
            "POST", f"/api/v1/channels/{channel['id']}/messages", {"content": "hi"}, 201
        )
        tick = self.call(
            "POST", "/-/ticks", {"integration_id": installed[0]["id"], "channel_id": channel["id"]}
        )
        self.ids = {
            "org_id": [org["id"]],
            "organisation_id": [org["id"]],
            "channel_id": [channel["id"]],
            "integration_id": [i["id"] for i in installed],
            "thread_id": [message["id"]],
            "before": [message["id"]],
            "message_id": [message["id"]],
            "tick_id": [tick["id"]],
        }


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    db = Path(tmp_path_factory.mktemp("fuzz")) / "emulator.db"
    config = Config(
        port=0,  # start_site binds a free port and reads it back
        db_path=str(db),
        clock_mode="virtual",
        fetch_timeout_s=2.0,
        tick_timeout_s=2.0,
        output_timeout_s=2.0,
        auth_callback_timeout_s=2.0,
    )
    loop = LoopThread()
    stub_socket = bind_socket("127.0.0.1", 0)  # held from here on: no other process takes it
    stub_url = f"http://127.0.0.1:{stub_socket.getsockname()[1]}"
    stub = web.AppRunner(stub_app(interval_spec(stub_url)), access_log=None)

    async def start() -> tuple[web.AppRunner, str]:
        await stub.setup()
        await web.SockSite(stub, stub_socket).start()
        return await start_site(config)

    runner, url = loop.call(start())
    server = Live(url, stub_url, config)
    try:
        server.seed()
        yield server
    finally:
        server.session.close()
        loop.call(runner.cleanup())
        loop.call(stub.cleanup())
        loop.close()


# -- steering generated cases to real rows and to the stub ---------------------------------


def local_urls(value: Any, stub_url: str) -> Any:
    """The value with every http(s) URL's scheme and host replaced by the stub's."""
    if isinstance(value, str):
        return _URL.sub(stub_url, value)
    if isinstance(value, dict):
        return {key: local_urls(item, stub_url) for key, item in value.items()}
    if isinstance(value, list):
        return [local_urls(item, stub_url) for item in value]
    return value


def with_real_ids(values: dict[str, Any] | None, ids: dict[str, list[str]], draw: Any) -> None:
    """Replace, in place, every value whose name is an id we seeded, with one of those."""
    if not isinstance(values, dict):
        return
    for name in list(values):
        if name in ids:
            values[name] = draw(st.sampled_from(ids[name]))
        elif name == "integration_ids":
            values[name] = draw(st.lists(st.sampled_from(ids["integration_id"]), max_size=3))


@dataclass
class Tally:
    requests: int = 0
    by_status: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    nothing_to_negate: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    def record(self, status: int) -> None:
        self.requests += 1
        self.by_status[status] = self.by_status.get(status, 0) + 1


def fuzz(operation: Any, mode: GenerationMode, live: Live, tally: Tally) -> Callable[[], None]:
    @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
    @settings(
        max_examples=EXAMPLES_PER_MODE,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # failures are collected, not shrunk
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any, data: st.DataObject) -> None:
        if data.draw(st.booleans(), label="real ids"):
            with_real_ids(case.path_parameters, live.ids, data.draw)
            with_real_ids(case.query, live.ids, data.draw)
            with_real_ids(case.body if isinstance(case.body, dict) else None, live.ids, data.draw)
        if isinstance(case.body, dict | list | str):
            case.body = local_urls(case.body, live.stub_url)
        try:
            response = case.call(base_url=live.url, session=live.session, timeout=REQUEST_TIMEOUT_S)
        except requests.RequestException as exc:  # a hang or a dropped connection
            tally.failures.append(
                f"{operation.label} [{mode.value}]: {type(exc).__name__} (timeout "
                f"{REQUEST_TIMEOUT_S} s) for {case.as_curl_command()}"
            )
            return
        tally.record(response.status_code)
        try:
            case.validate_response(response, checks=CHECKS)
        except (Failure, FailureGroup) as exc:
            tally.failures.append(f"{operation.label} [{mode.value}]: {exc}")

    return run


def test_fuzz_every_operation(live: Live, record_property: Callable[[str, object], None]) -> None:
    schema = schemathesis.openapi.from_url(f"{live.url}/-/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    fuzzed = [op for op in operations if op.label not in NOT_FUZZED]
    assert len(fuzzed) == len(operations) - len(NOT_FUZZED)
    tally = Tally()
    for operation in fuzzed:
        started = time.perf_counter()
        fuzz(operation, GenerationMode.POSITIVE, live, tally)()
        try:
            fuzz(operation, GenerationMode.NEGATIVE, live, tally)()
        except Unsatisfiable:  # no parameters and no body: nothing can be made invalid
            tally.nothing_to_negate.append(operation.label)
        tally.seconds[operation.label] = time.perf_counter() - started

    print(
        f"\nfuzz: {tally.requests} requests over {len(fuzzed)} operations, "
        f"statuses {dict(sorted(tally.by_status.items()))}, {len(tally.failures)} failure(s); "
        f"no invalid input possible for {', '.join(tally.nothing_to_negate)}"
    )
    slowest = sorted(tally.seconds.items(), key=lambda item: -item[1])[:5]
    print("slowest: " + ", ".join(f"{label} {s:.1f} s" for label, s in slowest))
    server_errors = sum(n for status, n in tally.by_status.items() if status >= 500)
    record_property("fuzz_requests", tally.requests)
    record_property("fuzz_server_errors", server_errors)
    assert tally.requests >= MIN_REQUESTS
    assert server_errors == 0, "\n\n".join(tally.failures[:10])
    assert tally.failures == [], "\n\n".join(tally.failures[:10])
    assert requests.get(f"{live.url}/-/ready", timeout=5).status_code == 200


def test_reset_keeps_the_server_up(live: Live) -> None:
    """Not fuzzed (it would wipe the seed), so checked on its own, after the fuzzing."""
    assert live.call("POST", "/-/reset") == {"status": "reset"}
    assert live.call("GET", "/api/v1/organisations") == []
    assert requests.get(f"{live.url}/-/ready", timeout=5).status_code == 200


def test_body_over_the_limit_is_413_in_the_envelope(live: Live) -> None:
    limit = live.config.max_body_bytes
    big = b'{"content": "' + b"x" * limit + b'"}'
    for path in ("/api/v1/organisations", "/api/v1/channels/x/messages", "/-/clock/advance"):
        response = requests.post(live.url + path, data=big, timeout=30)
        assert response.status_code == 413, path
        body = response.json()
        assert set(body) == {"status", "status_code", "message", "data"}
        assert (body["status"], body["status_code"]) == ("error", 413)
