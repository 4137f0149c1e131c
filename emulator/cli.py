"""Command line: serve, check and demo."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from emulator import __version__
from emulator.cli_regression import export, import_state, render_findings, replay
from emulator.config import LOOPBACK_HOSTS, Config, Rewrite

if TYPE_CHECKING:
    from emulator.spec.loader import DocumentCheck


def env(option: str) -> str:
    """Each option reads TELEX_EMULATOR_<OPTION> (set per option: auto_envvar_prefix
    would insert the command name)."""
    return "TELEX_EMULATOR_" + option.upper().replace("-", "_")


def _parse_rewrites(
    _ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]
) -> tuple[Rewrite, ...]:
    try:
        return tuple(Rewrite.parse(value) for value in values)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


def serve_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options `serve` and `demo` share."""
    options = [
        click.option(
            "--host",
            default="127.0.0.1",
            show_default=True,
            envvar=env("host"),
            help="Interface to bind. Anything but loopback needs --api-key.",
        ),
        click.option("--port", default=7070, show_default=True, type=int, envvar=env("port")),
        click.option(
            "--db",
            "db_path",
            default="telex-emulator.db",
            show_default=True,
            envvar=env("db"),
            help="SQLite file, or :memory: for a throwaway.",
        ),
        click.option(
            "--public-url",
            default=None,
            envvar=env("public_url"),
            help="Base URL integrations use to reach us (return_url).",
        ),
        click.option(
            "--rewrite",
            "rewrites",
            multiple=True,
            callback=_parse_rewrites,
            envvar=env("rewrite"),
            metavar="FROM=TO",
            help="Rewrite integration URLs starting with FROM to start with TO.",
        ),
        click.option(
            "--clock",
            "clock_mode",
            type=click.Choice(["real", "virtual"]),
            default="real",
            show_default=True,
            envvar=env("clock"),
        ),
        click.option(
            "--returns",
            "returns_mode",
            type=click.Choice(["strict", "lenient"]),
            default="strict",
            show_default=True,
            envvar=env("returns"),
        ),
        click.option(
            "--message-format",
            type=click.Choice(["html", "text"]),
            default="html",
            show_default=True,
            envvar=env("message_format"),
        ),
        click.option(
            "--modifier-timeout",
            "modifier_timeout_s",
            type=float,
            default=1.0,
            show_default=True,
            envvar=env("modifier_timeout"),
            help="Seconds per modifier.",
        ),
        click.option(
            "--tick-timeout",
            "tick_timeout_s",
            type=float,
            default=30.0,
            show_default=True,
            envvar=env("tick_timeout"),
        ),
        click.option(
            "--a2a",
            "a2a_mode",
            type=click.Choice(["strict", "lenient"]),
            default="strict",
            show_default=True,
            envvar=env("a2a"),
            help="How agents' A2A answers are read: as Telex does, or tolerating quirks.",
        ),
        click.option(
            "--agent-timeout",
            "agent_timeout_s",
            type=float,
            default=30.0,
            show_default=True,
            envvar=env("agent_timeout"),
            help="Seconds an agent has to answer (a whole stream included).",
        ),
        click.option(
            "--settings-as-strings",
            is_flag=True,
            envvar=env("settings_as_strings"),
            help="Send every setting value as a string.",
        ),
        click.option(
            "--accept-error-status",
            is_flag=True,
            envvar=env("accept_error_status"),
            help='Let a modifier reply with status "error" replace the message.',
        ),
        click.option(
            "--fanout-webhook-messages",
            is_flag=True,
            envvar=env("fanout_webhook_messages"),
            help="Send webhook messages through modifiers and outputs too.",
        ),
        click.option(
            "--api-key",
            default=None,
            envvar=env("api_key"),
            help="Require 'Authorization: Bearer KEY' on /api/v1 and /-/.",
        ),
        click.option(
            "--seed",
            "seed_files",
            multiple=True,
            type=click.Path(dir_okay=False),
            envvar=env("seed"),
            metavar="FILE",
            help="Repeatable: apply this seed file (YAML or JSON) at start.",
        ),
        click.option(
            "--max-body-bytes",
            type=int,
            default=1024 * 1024,
            show_default=True,
            envvar=env("max_body_bytes"),
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def build_config(**options: Any) -> Config:
    if options["host"] not in LOOPBACK_HOSTS and not options.get("api_key"):
        raise click.UsageError(
            f"binding {options['host']} exposes the emulator beyond this machine; "
            "add --api-key KEY (clients then send 'Authorization: Bearer KEY')"
        )
    return Config(**options)


@click.group()
@click.version_option(__version__, prog_name="telex-emulator")
def main() -> None:
    """A local, offline emulator of the Telex chat platform."""


@main.command()
@serve_options
def serve(**options: Any) -> None:
    """Run the emulator until interrupted."""
    from emulator.errors import ValidationFailed
    from emulator.seed.files import SeedFileUnreadable
    from emulator.server import run_forever

    config = build_config(**options)
    try:
        asyncio.run(run_forever(config, announce=lambda url: click.echo(f"ready on {url}")))
    except KeyboardInterrupt:
        pass
    except SeedFileUnreadable as exc:
        raise click.ClickException(str(exc)) from exc
    except ValidationFailed as exc:  # a --seed file was rejected
        raise click.ClickException(render_findings(exc.message, exc.errors)) from exc


@main.command()
@click.argument("source")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
def check(source: str, as_json: bool) -> None:
    """Lint an integration JSON, agent card or workflow JSON (a URL or a file). Exit 1 on
    errors."""
    is_url = source.lower().startswith(("http://", "https://"))
    result = (asyncio.run(_check_url(source)) if is_url else _check_file(source)).as_dict()
    if as_json:
        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        click.echo(render_check(result))
    sys.exit(1 if result["errors"] else 0)


def _check_file(source: str) -> DocumentCheck:
    from emulator.spec.loader import SpecCheck, check_body

    path = Path(source)
    if not path.is_file():
        return SpecCheck.rejected(
            source,
            f"{source!r} is neither an http(s) URL nor a file",
            "give the URL the integration serves its JSON at, or a file path",
        )
    return check_body(path.read_bytes(), source, "check")


async def _check_url(url: str) -> DocumentCheck:
    from emulator.outbound import OutboundClient, document_fetcher
    from emulator.spec.loader import fetch_and_check

    config = Config()
    client = OutboundClient()
    await client.start()
    try:
        return await fetch_and_check(
            url, document_fetcher(client, config.fetch_timeout_s, config.max_spec_bytes), "check"
        )
    finally:
        await client.close()


def render_check(result: dict[str, Any]) -> str:
    """The human-readable report of `check`: a title line, then each finding with its fix."""
    kind = result["integration_type"]
    if result.get("document_kind") in ("card", "workflow"):  # an agent
        kind = f"agent {result['document_kind']}"
    title = f"{result['app_name']} ({kind})" if result["installable"] else ""
    if not result["ok"]:
        title += ": not callable by Telex as published" if title else "rejected"
    lines = [f"{result['source']}: {title}"]
    for severity in ("errors", "warnings"):
        for finding in result[severity]:
            lines.append(f"  {severity[:-1]:7} {finding['path']}: {finding['message']}")
            lines.append(f"          fix: {finding['hint']}")
    lines.append(f"{len(result['errors'])} error(s), {len(result['warnings'])} warning(s)")
    return "\n".join(lines)


@main.command()
@serve_options
@click.option(
    "--reset",
    is_flag=True,
    help="Delete the demo's messages, installs and logs first, and seed it afresh.",
)
def demo(reset: bool, **options: Any) -> None:
    """Start the sample integrations and the emulator, seeded with a #demo channel."""
    from click.core import ParameterSource

    from emulator.demo import DEMO_DB, run

    if click.get_current_context().get_parameter_source("db_path") is ParameterSource.DEFAULT:
        options["db_path"] = DEMO_DB  # the demo keeps its data apart from `serve`'s
    run(build_config(**options), reset=reset)


for _command in (replay, export, import_state):
    main.add_command(_command)
