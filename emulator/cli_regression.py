"""Command line for regression testing: `replay` (a CI gate), `export` and `import`."""

from __future__ import annotations

import asyncio
import json
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import click

from emulator.findings import Finding

EXIT_CHANGED = 1
EXIT_FAILED = 2


@click.command()
@click.option(
    "--url",
    default="http://127.0.0.1:7070",
    show_default=True,
    envvar="TELEX_EMULATOR_URL",
    help="The running emulator.",
)
@click.option("--channel", "channel_id", required=True, help="The channel's id.")
@click.option(
    "--last",
    type=click.IntRange(1, 1000),
    default=None,
    help="Replay the channel's last N messages (default 100).",
)
@click.option("--since", default=None, help="Only messages sent at or after this ISO time.")
@click.option("--outputs", is_flag=True, help="Send the replayed messages to outputs too.")
@click.option("--json", "as_json", is_flag=True, help="Print the whole replay record as JSON.")
@click.option("--api-key", default=None, envvar="TELEX_EMULATOR_API_KEY")
def replay(
    url: str,
    channel_id: str,
    last: int | None,
    since: str | None,
    outputs: bool,
    as_json: bool,
    api_key: str | None,
) -> None:
    """Replay a channel's stored messages through the integrations as they are now.

    Exits 1 when any message's text changed, 0 when none did, 2 when the replay failed.
    """
    body: dict[str, Any] = {"channel_id": channel_id, "outputs": outputs}
    if last is not None:
        body["limit"] = last
    if since is not None:
        body["since"] = since
    record = _post(url.rstrip("/") + "/-/replay", body, api_key)
    click.echo(json.dumps(record, indent=2, ensure_ascii=False) if as_json else render(record))
    sys.exit(EXIT_CHANGED if record["summary"]["changed"] else 0)


def _post(url: str, body: Any, api_key: str | None) -> Any:
    headers = {"Content-Type": "application/json"}
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    request = urllib.request.Request(url, json.dumps(body).encode(), headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=600) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        try:
            answer = json.loads(exc.read())
        except ValueError:
            answer = {}
        lines = [f"{url} answered {exc.code}: {answer.get('message', exc.reason)}"]
        data = answer.get("data") if isinstance(answer.get("data"), dict) else {}
        for error in data.get("errors", []):
            lines.append(
                f"  {error.get('path')}: {error.get('message')} (fix: {error.get('hint')})"
            )
        raise click.ClickException("\n".join(lines)) from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise click.ClickException(f"cannot reach the emulator at {url}: {exc}") from exc


def render(record: dict[str, Any]) -> str:
    """The readable summary: counts, then each change as a diff and its hops."""
    summary = record["summary"]
    lines = [
        f"replayed {summary['total']} message(s): {summary['changed']} changed, "
        f"{summary['unchanged']} unchanged, {summary['errors']} failed"
    ]
    for result in record["results"]:
        if result.get("error"):
            lines.append(f"\nmessage {result['message_id']}: not replayed: {result['error']}")
        if not result["changed"]:
            continue
        lines.append(f"\nmessage {result['message_id']}: {result['original_content']!r}")
        lines.append(result["diff"])
        for hop in result["hops"]:
            then, now = hop["then"] or {}, hop["now"] or {}
            lines.append(
                f"  hop {hop['app_name']}: {hop['change']}, "
                f"{then.get('outcome', '-')} -> {now.get('outcome', '-')}"
                + (f" ({now['reason']})" if now.get("reason") else "")
            )
    return "\n".join(lines)


@click.command()
@click.option(
    "--db",
    "db_path",
    default="telex-emulator.db",
    show_default=True,
    envvar="TELEX_EMULATOR_DB",
    help="The SQLite file to read.",
)
def export(db_path: str) -> None:
    """Print the whole state of a database as JSON (see 'Snapshots and export')."""
    from emulator.state import to_document

    if not Path(db_path).is_file():
        raise click.ClickException(f"no database at {db_path}; give one with --db FILE")
    state = asyncio.run(_read(db_path))
    from datetime import UTC, datetime

    click.echo(json.dumps(to_document(state, datetime.now(UTC)), ensure_ascii=False))


async def _read(db_path: str) -> Any:
    from emulator.db.database import Database
    from emulator.state import read_state

    db = Database(db_path)
    try:
        await db.start()
        return await read_state(db)
    finally:
        await db.close()


@click.command(name="import")
@click.argument("source", type=click.Path(dir_okay=False))
@click.option(
    "--db",
    "db_path",
    default="telex-emulator.db",
    show_default=True,
    envvar="TELEX_EMULATOR_DB",
    help="The SQLite file to replace the state of.",
)
def import_state(source: str, db_path: str) -> None:
    """Replace the whole state of a database with an export, in one transaction.

    A bad file changes nothing; stop any emulator on that database first (it caches).
    """
    from emulator.state import StateFileError, from_document

    try:
        document = json.loads(Path(source).read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise click.ClickException(f"cannot read {source} as JSON: {exc}") from exc
    try:
        state = from_document(document)
    except StateFileError as exc:
        raise click.ClickException(render_findings(source, exc.findings)) from exc
    asyncio.run(_write(db_path, state))
    rows = sum(len(rows) for rows in state.values())
    click.echo(f"imported {rows} row(s) from {source} into {db_path}")


async def _write(db_path: str, state: Any) -> None:
    from emulator.db.database import Database
    from emulator.state import write_state

    db = Database(db_path)
    try:
        await db.start()
        await db.run_write(lambda connection: write_state(connection, state))
    finally:
        await db.close()


def render_findings(source: str, findings: list[Finding] | list[dict[str, Any]]) -> str:
    """A rejected file's problems, one per line with its path and fix (nothing changed)."""
    lines = [f"{source} was not used (nothing changed): {len(findings)} problem(s)"]
    for finding in findings:
        item = finding.as_dict() if isinstance(finding, Finding) else finding
        lines.append(f"  {item['path']}: {item['message']}")
        lines.append(f"      fix: {item['hint']}")
    return "\n".join(lines)
