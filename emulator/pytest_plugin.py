"""pytest plugin (entry point `pytest11`): the emulator as a fixture server.

Fixtures: `telex_emulator` (session: a live emulator on a free port, temp SQLite, virtual
clock; or the one at `--telex-emulator-url`), `telex` (a sync client, state reset before
each test, or the `telex_baseline` snapshot restored) and `atelex` (the async client, for
asyncio tests). `@pytest.mark.telex_seed(path_or_dict)` applies seed files after the reset. Options: see
`pytest --help`, section "telex-emulator". `@pytest.mark.telex_emulator(**config)` gives a
test an emulator started with other Config options (one per distinct set, per session).

Imports nothing of the emulator at module level, so loading it costs every pytest run
nothing; pytest-xdist workers each start their own emulator.
"""

from __future__ import annotations

import os
import types
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from emulator.testing import AsyncTelexClient, EmulatorServer, RemoteEmulator, TelexClient

MARKER = "telex_emulator"
SEED_MARKER = "telex_seed"
BASELINE = "pytest-baseline"  # the snapshot of `telex_baseline`, restored before each test


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("telex-emulator", "Telex emulator fixtures (telex, atelex)")
    options = [
        ("url", None, "use the emulator running at URL instead of starting one", ""),
        ("api-key", None, "API key of the emulator at --telex-emulator-url", ""),
        ("clock", ["virtual", "real"], "clock of the started emulator", "virtual"),
        ("returns", ["strict", "lenient"], "webhook return checking", "strict"),
    ]
    for name, choices, text, default in options:
        ini = f"telex_emulator_{name.replace('-', '_')}"
        group.addoption(
            f"--telex-emulator-{name}",
            dest=ini,
            choices=choices,
            default=None,
            help=f"{text} (ini: {ini}; default: {default or 'none'})",
        )
        parser.addini(ini, f"{text} (or --telex-emulator-{name})", default=default)


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(_async_fixtures(), "telex_emulator_async")
    config.addinivalue_line(
        "markers",
        f"{MARKER}(**options): run the test on an emulator started with these Config "
        "options, e.g. returns_mode='lenient' or rewrites={'https://x': 'http://127.0.0.1:8000'}",
    )
    config.addinivalue_line(
        "markers",
        f"{SEED_MARKER}(*seeds): apply these seed files (paths or dicts) after the reset",
    )


def _option(config: pytest.Config, name: str) -> str:
    value = config.getoption(name) or config.getini(name)
    return str(value or "").strip()


class Emulators:
    """One emulator per distinct set of options, started on first use, stopped at the end."""

    def __init__(self, config: pytest.Config) -> None:
        self.external_url = _option(config, "telex_emulator_url")
        self.api_key = _option(config, "telex_emulator_api_key") or os.environ.get(
            "TELEX_EMULATOR_API_KEY"
        )
        self.defaults = {
            "clock_mode": _option(config, "telex_emulator_clock") or "virtual",
            "returns_mode": _option(config, "telex_emulator_returns") or "strict",
        }
        self._servers: dict[str, EmulatorServer] = {}
        self._clients: dict[str, TelexClient] = {}
        self.baselines: set[str] = set()  # URLs whose BASELINE snapshot is taken

    def get(self, options: dict[str, Any]) -> EmulatorServer | RemoteEmulator:
        from emulator.testing import EmulatorServer, RemoteEmulator

        if self.external_url:
            if options:
                pytest.fail(
                    f"@pytest.mark.{MARKER}({_show(options)}) needs an emulator of its own, "
                    f"but --telex-emulator-url points at {self.external_url}",
                    pytrace=False,
                )
            return RemoteEmulator(self.external_url.rstrip("/"), self.api_key or None)
        merged = {**self.defaults, **options}
        key = repr(sorted(merged.items()))
        if key not in self._servers:
            self._servers[key] = EmulatorServer(**merged).start()
        return self._servers[key]

    def client(self, emulator: EmulatorServer | RemoteEmulator) -> TelexClient:
        from emulator.testing import TelexClient

        if emulator.url not in self._clients:
            self._clients[emulator.url] = TelexClient(emulator.url, api_key=_api_key(emulator))
        return self._clients[emulator.url]

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        for server in self._servers.values():
            server.stop()


def _show(options: dict[str, Any]) -> str:
    return ", ".join(f"{key}={value!r}" for key, value in options.items())


def _api_key(emulator: Any) -> str | None:
    config = getattr(emulator, "config", None)
    return getattr(config, "api_key", None) or getattr(emulator, "api_key", None)


def _emulator_for(request: pytest.FixtureRequest, emulators: Emulators) -> Any:
    marker = request.node.get_closest_marker(MARKER)
    if marker is None:
        return request.getfixturevalue("telex_emulator")
    if marker.args:
        pytest.fail(f"@pytest.mark.{MARKER} takes keyword options only", pytrace=False)
    return emulators.get(dict(marker.kwargs))


@pytest.fixture(scope="session")
def telex_emulators(pytestconfig: pytest.Config) -> Iterator[Emulators]:
    """Every emulator of this session (worker), keyed by options; stopped at the end."""
    emulators = Emulators(pytestconfig)
    try:
        yield emulators
    finally:
        emulators.close()


@pytest.fixture(scope="session")
def telex_emulator(telex_emulators: Emulators) -> EmulatorServer | RemoteEmulator:
    """The session's emulator (`.url`): an EmulatorServer, or the --telex-emulator-url one."""
    return telex_emulators.get({})


@pytest.fixture(scope="session")
def telex_baseline() -> Any:
    """Override (session scope) to build a state every test starts from, e.g.
    `telex_session.seed("seed.yaml")`; return anything but None. The plugin snapshots it
    once and restores it before each test instead of a full reset. Default: none."""
    return None


@pytest.fixture(scope="session")
def telex_session(telex_emulators: Emulators, telex_emulator: Any) -> TelexClient:
    """A sync client on the session's emulator, reset once: for `telex_baseline`."""
    client = telex_emulators.client(telex_emulator)
    client.reset()
    return client


def _fresh_state(request: pytest.FixtureRequest, emulators: Emulators, client: Any) -> None:
    """Restore the baseline snapshot (unmarked tests, when one is defined), else reset."""
    marked = request.node.get_closest_marker(MARKER) is not None
    baseline = None if marked else request.getfixturevalue("telex_baseline")
    if baseline is None:
        client.reset()
    else:
        if client.url not in emulators.baselines:
            client.snapshot(BASELINE)
            emulators.baselines.add(client.url)
        client.restore(BASELINE)
    for marker in reversed(list(request.node.iter_markers(SEED_MARKER))):
        for seed in marker.args:
            client.seed(seed)


@pytest.fixture
def telex(request: pytest.FixtureRequest, telex_emulators: Emulators) -> TelexClient:
    """A sync client for the test's emulator; all emulator state is reset before the test
    (or the `telex_baseline` snapshot restored), then `telex_seed` markers applied."""
    client = telex_emulators.client(_emulator_for(request, telex_emulators))
    _fresh_state(request, telex_emulators, client)
    return client


async def atelex(
    request: pytest.FixtureRequest, telex_emulators: Emulators
) -> AsyncIterator[AsyncTelexClient]:
    """An async client for the test's emulator, on the test's loop; state reset first
    (`telex_seed` markers applied after)."""
    from emulator.testing import AsyncTelexClient

    emulator = _emulator_for(request, telex_emulators)
    async with AsyncTelexClient(emulator.url, api_key=_api_key(emulator)) as client:
        await client.reset()
        for marker in reversed(list(request.node.iter_markers(SEED_MARKER))):
            for seed in marker.args:
                await client.seed(seed)
        yield client


def _async_fixtures() -> types.ModuleType:
    """`atelex` as a pytest-asyncio fixture (so it works in strict mode too).

    Made at configure time, not import time: importing pytest_asyncio while plugins are
    still being loaded would keep pytest from rewriting its asserts (a warning).
    """
    plugin = types.ModuleType("emulator.pytest_plugin.async_fixtures")
    try:
        import pytest_asyncio
    except ImportError:  # pragma: no cover - pytest-aiohttp and pytest-asyncio bring it

        def missing() -> None:
            pytest.fail(
                "the atelex fixture needs pytest-asyncio: pip install pytest-asyncio "
                "(or pytest-aiohttp)",
                pytrace=False,
            )

        plugin.atelex = pytest.fixture(name="atelex")(missing)  # type: ignore[attr-defined]
    else:
        plugin.atelex = pytest_asyncio.fixture(atelex)  # type: ignore[attr-defined]
    return plugin
