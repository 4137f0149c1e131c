"""`telex-emulator check`: lint an integration JSON from a URL or a file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from emulator.a2a import detect_document
from emulator.agents.loader import describe_document
from emulator.config import Config
from emulator.integrations import SpecCheck
from emulator.outbound import FetchError, OutboundClient
from emulator.specs import Finding, check_spec, parse_json_document


def _rejected(source: str, message: str, hint: str) -> dict[str, Any]:
    return SpecCheck(None, None, [Finding("error", "$", message, hint)], source).as_dict()


def check_body(body: bytes, source: str) -> dict[str, Any]:
    document, findings = parse_json_document(body, source)
    if document is None:
        return SpecCheck(None, None, findings, source).as_dict()
    if detect_document(document) in ("card", "workflow"):  # an agent (CONTRACT Part 4)
        card_url = source if is_url(source) else None
        return describe_document(document, source, card_url).as_dict()
    checked, findings = check_spec(document)
    return SpecCheck(document, checked, findings, source).as_dict()


def check_file(source: str) -> dict[str, Any]:
    path = Path(source)
    if not path.is_file():
        return _rejected(
            source,
            f"{source!r} is neither an http(s) URL nor a file",
            "give the URL the integration serves its JSON at, or a file path",
        )
    return check_body(path.read_bytes(), source)


async def check_url(url: str, config: Config | None = None) -> dict[str, Any]:
    config = config or Config()
    client = OutboundClient()
    await client.start()
    try:
        body = await client.get_document(url, config.fetch_timeout_s, config.max_spec_bytes)
    except FetchError as exc:
        return _rejected(url, str(exc), "make sure the integration is running")
    finally:
        await client.close()
    return check_body(body, url)


def is_url(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))
