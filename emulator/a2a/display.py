"""How an agent's reply parts are stored and shown (CONTRACT §3.4, Parts).

`render_parts` gives a plain-text `content` (what outputs and integrations receive, what the
README shows) and a list of display parts the UI renders safely: text is text (the UI sets
it as textContent, never HTML), files become a link or an inline image, data becomes
formatted JSON. Only http(s) and data: URLs are kept; inline images are limited to raster
types, so an `image/svg+xml` or `text/html` payload can never run script in the page.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from emulator.a2a.description import split_url
from emulator.a2a.models import DataPart, FilePart, Part, TextPart

INLINE_IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
SAFE_SCHEMES = frozenset({"http", "https"})


@dataclass(frozen=True)
class RenderedReply:
    """A reply as stored: `content` for every reader, `parts` for the UI."""

    content: str
    parts: list[dict[str, Any]]


def render_parts(parts: list[Part]) -> RenderedReply:
    """Plain-text content (one part per line) and display parts, in the agent's order."""
    shown = [_display(part) for part in parts]
    lines = [_as_text(part) for part in shown]
    return RenderedReply("\n".join(line for line in lines if line), shown)


def _display(part: Part) -> dict[str, Any]:
    if isinstance(part, TextPart):
        return {"kind": "text", "text": part.text}
    if isinstance(part, FilePart):
        return _file(part)
    assert isinstance(part, DataPart)
    return {"kind": "data", "json": json.dumps(part.data, indent=2, ensure_ascii=False)}


def _file(part: FilePart) -> dict[str, Any]:
    file = part.file
    mime = (file.mimeType or "").split(";")[0].strip().lower() or None
    url: str | None = None
    size: int | None = None
    if file.uri is not None:
        parts = split_url(file.uri)
        url = file.uri if parts is not None and parts.scheme.lower() in SAFE_SCHEMES else None
    elif file.bytes is not None:
        try:
            size = len(base64.b64decode(file.bytes, validate=True))
        except (binascii.Error, ValueError):
            size = None
        else:
            # Bytes are offered as a data: URL of a harmless type: a declared text/html stays
            # a download (application/octet-stream), never a document in the page's origin.
            safe_mime = mime if mime in INLINE_IMAGE_TYPES else "application/octet-stream"
            url = f"data:{safe_mime};base64,{file.bytes}"
    return {
        "kind": "file",
        "name": file.name or "file",
        "mimeType": mime,
        "url": url,
        "size": size,
        "image": url is not None and mime in INLINE_IMAGE_TYPES,
    }


def _as_text(shown: dict[str, Any]) -> str:
    if shown["kind"] == "text":
        return shown["text"]
    if shown["kind"] == "data":
        return shown["json"]
    label = shown["name"] + (f" ({shown['mimeType']})" if shown["mimeType"] else "")
    url = shown["url"]
    if url is None:
        return f"[file {label}: no usable link]"
    if url.startswith("data:"):
        size = f", {shown['size']} bytes" if shown["size"] is not None else ""
        return f"[file {label}{size}]"
    return f"[file {label}: {url}]"
