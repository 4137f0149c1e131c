"""`telex-emulator demo`: the bundled samples (integrations and the Helper agent) and the
emulator in one process.

Starts each sample on a free loopback port, starts the emulator, then applies its seed
file (`sample_integrations/demo_seed.yaml`, POST /-/seed, as a user would): a "Demo"
organisation, a `demo` channel, every sample integration installed and active. Then it
installs the Helper agent by its card URL and adds it to `#demo` (REST API). Re-running on
the same database reuses what is there (seed files are keyed by names; the agent by its
name): the samples' ports change on each run, so existing installs (the agent too) are
re-fetched from their new URL. `--reset` empties the database first (POST /-/reset), so
the demo starts as on its first run.
"""

from __future__ import annotations

import asyncio
import signal
import string
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
from aiohttp import ClientError, ClientSession, ClientTimeout, web

from emulator.config import Config
from emulator.keys import services_key
from emulator.server import start_site
from sample_integrations.helper_agent import app as helper_agent
from sample_integrations.keyword_filter import app as keyword_filter
from sample_integrations.message_logger import app as message_logger
from sample_integrations.uptime_monitor import app as uptime_monitor

DEMO_DB = "telex-emulator-demo.db"
SEED_FILE = Path(keyword_filter.__file__).resolve().parents[1] / "demo_seed.yaml"
ORGANISATION = "Demo"
CHANNEL = "demo"
SEED_TIMEOUT_S = 30.0
SHUTDOWN_TIMEOUT_S = 5.0  # how long a stopping sample waits for requests in flight
WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", ""})


class DemoError(Exception):
    """Seeding failed; the text says which call and why."""


@dataclass(frozen=True)
class Sample:
    name: str
    app_name: str  # descriptions.app_name in its integration JSON: how re-runs find it
    kind: str
    create_app: Callable[[], web.Application]
    blurb: str


SAMPLES = (
    Sample(
        "keyword_filter",
        keyword_filter.APP_NAME,
        "modifier",
        keyword_filter.create_app,
        "masks darn, heck and frak (d***)",
    ),
    Sample(
        "message_logger",
        message_logger.APP_NAME,
        "output",
        message_logger.create_app,
        "prints every message below as a JSON line",
    ),
    Sample(
        "uptime_monitor",
        uptime_monitor.APP_NAME,
        "interval",
        uptime_monitor.create_app,
        "checks the demo's own servers every minute",
    ),
)


# The sample agent: installed by its card URL, added to #demo, reachable in its direct channel.
AGENT = Sample(
    "helper_agent",
    helper_agent.APP_NAME,
    "agent",
    helper_agent.create_app,
    "echo, time, a quiz, and a slow report pushed later",
)
AGENT_CARD_PATH = "/.well-known/agent.json"


@dataclass
class Seeded:
    org_id: str
    channel_id: str
    integration_ids: dict[str, str]  # sample name -> integration id
    agent_id: str
    agent_channel_id: str  # the agent's direct channel


async def start_sample(sample: Sample) -> tuple[web.AppRunner, str]:
    """Run one sample on a free 127.0.0.1 port; return its runner and base URL."""
    runner = web.AppRunner(
        sample.create_app(),
        access_log=None,
        handle_signals=False,
        shutdown_timeout=SHUTDOWN_TIMEOUT_S,
    )
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    return runner, f"http://{host}:{port}"


class Api:
    """The emulator's REST API, as the demo's seeding uses it."""

    def __init__(self, session: ClientSession, base_url: str, api_key: str | None) -> None:
        self._session = session
        self._base_url = base_url
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}

    async def call(self, method: str, path: str, body: Any = None) -> Any:
        # The control API (/-/...) sits beside the REST API, not under /api/v1.
        url = f"{self._base_url}{path if path.startswith('/-/') else '/api/v1' + path}"
        try:
            async with self._session.request(
                method, url, json=body, headers=self._headers
            ) as response:
                envelope = await response.json(content_type=None)
        except (ClientError, TimeoutError, ValueError) as exc:
            raise DemoError(f"{method} {url} failed: {exc}") from exc
        if response.status >= 300 or not isinstance(envelope, dict):
            reason = envelope.get("message") if isinstance(envelope, dict) else envelope
            errors = envelope.get("data") if isinstance(envelope, dict) else None
            raise DemoError(f"{method} {url} answered {response.status}: {reason} {errors or ''}")
        return envelope.get("data")


def seed_document(sample_urls: dict[str, str], emulator_url: str) -> dict[str, Any]:
    """The demo's seed file (sample_integrations/demo_seed.yaml) with its URLs filled in."""
    import yaml

    sites = [f"{emulator_url}/"] + [f"{sample_urls[s.name]}/integration.json" for s in SAMPLES]
    template = string.Template(SEED_FILE.read_text("utf-8"))
    return yaml.safe_load(template.substitute(sample_urls, sites=",".join(sites)))


async def seed(api: Api, emulator_url: str, sample_urls: dict[str, str]) -> Seeded:
    """Apply the demo's seed file: the Demo organisation, the #demo channel, every sample
    installed and active; then the Helper agent. Safe to run again: keyed by names,
    installs are re-fetched from the samples' new ports."""
    await api.call("POST", "/-/seed", seed_document(sample_urls, emulator_url))
    org = next(o for o in await api.call("GET", "/organisations") if o["name"] == ORGANISATION)
    channels = await api.call("GET", f"/organisations/{org['id']}/channels")
    channel = next(c for c in channels if c["name"] == CHANNEL)
    installed = await api.call("GET", f"/organisations/{org['id']}/integrations/custom")
    by_app = {i["app_name"]: i["id"] for i in installed}
    card_url = f"{sample_urls[AGENT.name]}{AGENT_CARD_PATH}"
    agent = await seed_agent(api, org["id"], channel["id"], card_url)
    integration_ids = {s.name: by_app[s.app_name] for s in SAMPLES}
    return Seeded(
        org["id"], channel["id"], integration_ids, agent["id"], agent["direct_channel_id"]
    )


async def seed_agent(api: Api, org_id: str, channel_id: str, card_url: str) -> dict[str, Any]:
    """Install the Helper agent by its card URL (or re-fetch it from its new URL on a re-run)
    and add it to #demo, where `@Helper …` reaches it."""
    agents = f"/organisations/{org_id}/agents"
    existing = next((a for a in await api.call("GET", agents) if a["name"] == AGENT.app_name), None)
    if existing is None:
        agent = await api.call("POST", agents, {"card_url": card_url})
    else:  # its port changed since the last run: fetch the card from its new URL
        agent = await api.call("PUT", f"{agents}/{existing['id']}", {"card_url": card_url})
    await api.call("PUT", f"/channels/{channel_id}/agents/{agent['id']}", {"is_active": True})
    return agent


def guide(config: Config, url: str, seeded: Seeded, sample_urls: dict[str, str]) -> str:
    """What the user sees after the ready line."""
    auth = " -H 'Authorization: Bearer <your key>'" if config.api_key else ""
    json_header = " -H 'Content-Type: application/json'" + auth
    tick_body = (
        f'{{"integration_id": "{seeded.integration_ids["uptime_monitor"]}", '
        f'"channel_id": "{seeded.channel_id}"}}'
    )
    lines = [
        f'Organisation "{ORGANISATION}", channel #{CHANNEL} ({seeded.channel_id}), with:',
        *(
            f"  {s.app_name:15} {s.kind:9} {sample_urls[s.name]}/integration.json  {s.blurb}"
            for s in SAMPLES
        ),
        f"  {AGENT.app_name:15} {AGENT.kind:9} {sample_urls[AGENT.name]}{AGENT_CARD_PATH}"
        f"  {AGENT.blurb}",
        f"Open {url}/ and post 'well darn it' in #{CHANNEL}, or from a shell:",
        f"  curl -s -XPOST {url}/api/v1/channels/{seeded.channel_id}/messages{json_header}"
        ' -d \'{"content": "<p>well darn it</p>"}\'',
        "Tick the uptime monitor now:",
        f"  curl -s -XPOST {url}/-/ticks{json_header} -d '{tick_body}'",
        f"Talk to the {AGENT.app_name} agent in its direct channel "
        f"'{AGENT.app_name}' ({seeded.agent_channel_id}): say 'help', 'quiz' or 'report';",
        f"or say '@{AGENT.app_name} help' in #{CHANNEL}. From a shell:",
        f"  curl -s -XPOST {url}/api/v1/channels/{seeded.agent_channel_id}/messages{json_header}"
        ' -d \'{"content": "help"}\'',
        f"  curl -s {url}/api/v1/channels/{seeded.agent_channel_id}/messages{auth}"
        '   # its reply, source "agent"',
    ]
    if config.clock_mode == "virtual":
        lines.append(
            f"Virtual clock: move time on with POST {url}/-/clock/advance "
            '{"seconds": 60} to fire the minute tick.'
        )
    lines.append(
        f"Data lives in {config.db_path}; `telex-emulator demo --reset` starts over. Ctrl-C stops."
    )
    return "\n".join(lines)


async def run_demo(config: Config, echo: Callable[[str], None], reset: bool = False) -> None:
    """Start everything, seed (after emptying the database if `reset`), announce, and run
    until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    runners: list[web.AppRunner] = []
    emulator_runner: web.AppRunner | None = None
    try:
        sample_urls: dict[str, str] = {}
        for sample in (*SAMPLES, AGENT):
            runner, sample_url = await start_sample(sample)
            runners.append(runner)
            sample_urls[sample.name] = sample_url
        emulator_runner, url = await start_site(config)
        runners.append(emulator_runner)
        # Bound to every interface: talk to it (and let the samples check it) on loopback.
        local_url = (
            f"http://127.0.0.1:{urlsplit(url).port}" if config.host in WILDCARD_HOSTS else url
        )
        async with ClientSession(timeout=ClientTimeout(total=SEED_TIMEOUT_S)) as session:
            api = Api(session, local_url, config.api_key)
            if reset:
                await api.call("POST", "/-/reset")
            seeded = await seed(api, local_url, sample_urls)
        echo(f"ready on {url}")
        echo(guide(config, url, seeded, sample_urls))
        await stop.wait()
    finally:
        if emulator_runner is not None:
            # End open /-/events streams (a browser tab with the UI): shutdown waits for
            # running handlers, and an event stream never finishes on its own.
            emulator_runner.app[services_key].hub.close()
        # The emulator first (it stops ticking and finishes its deliveries), then the
        # samples (the uptime monitor cancels checks still running).
        for runner in reversed(runners):
            await runner.cleanup()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


def run(config: Config, reset: bool = False) -> None:
    """Entry point of the `demo` command."""
    try:
        asyncio.run(run_demo(config, echo=click.echo, reset=reset))
    except KeyboardInterrupt:  # Ctrl-C before the signal handlers were installed
        pass
    except (DemoError, OSError) as exc:
        raise click.ClickException(f"demo failed: {exc}") from exc
