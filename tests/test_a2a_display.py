"""Reply parts as stored content and as display parts the UI can render safely."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from pydantic import TypeAdapter

from emulator.a2a import render_parts
from emulator.a2a.models import Part

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\nfake").decode()
parts_of = TypeAdapter(list[Part]).validate_python


def render(*parts: dict[str, Any]) -> Any:
    return render_parts(parts_of(list(parts)))


def test_text_stays_text_even_when_it_looks_like_html() -> None:
    rendered = render(
        {"kind": "text", "text": "<img src=x onerror=alert(1)>"}, {"kind": "text", "text": "two"}
    )
    assert rendered.content == "<img src=x onerror=alert(1)>\ntwo"
    assert rendered.parts == [
        {"kind": "text", "text": "<img src=x onerror=alert(1)>"},
        {"kind": "text", "text": "two"},
    ]


def test_data_parts_are_formatted_json() -> None:
    rendered = render({"kind": "data", "data": {"city": "Lagos", "temp": 31}})
    assert rendered.content == '{\n  "city": "Lagos",\n  "temp": 31\n}'
    assert rendered.parts == [{"kind": "data", "json": rendered.content}]


def test_an_image_uri_is_shown_inline() -> None:
    rendered = render(
        {
            "kind": "file",
            "file": {"name": "chart.png", "mimeType": "image/png", "uri": "https://x/c.png"},
        }
    )
    assert rendered.parts == [
        {
            "kind": "file",
            "name": "chart.png",
            "mimeType": "image/png",
            "url": "https://x/c.png",
            "size": None,
            "image": True,
        }
    ]
    assert rendered.content == "[file chart.png (image/png): https://x/c.png]"


def test_image_bytes_become_a_data_url() -> None:
    shown = render(
        {"kind": "file", "file": {"name": "a.png", "mimeType": "image/png", "bytes": PNG}}
    ).parts[0]
    assert shown["url"] == f"data:image/png;base64,{PNG}"
    assert shown["image"] is True
    assert shown["size"] == 12


@pytest.mark.parametrize(
    ("file", "url", "image"),
    [
        # script-capable types never become a data: URL of their own type
        (
            {"mimeType": "image/svg+xml", "bytes": PNG},
            f"data:application/octet-stream;base64,{PNG}",
            False,
        ),
        (
            {"mimeType": "text/html", "bytes": PNG},
            f"data:application/octet-stream;base64,{PNG}",
            False,
        ),
        ({"mimeType": "image/png", "uri": "javascript:alert(1)"}, None, False),
        ({"mimeType": "image/png", "uri": "data:text/html,<script>1</script>"}, None, False),
        ({"mimeType": "image/png", "bytes": "!!not base64!!"}, None, False),
        ({"mimeType": "application/pdf", "uri": "https://x/r.pdf"}, "https://x/r.pdf", False),
        ({"uri": "http://x/f"}, "http://x/f", False),
    ],
)
def test_file_links_are_safe(file: dict[str, Any], url: str | None, image: bool) -> None:
    shown = render({"kind": "file", "file": file}).parts[0]
    assert (shown["url"], shown["image"]) == (url, image)


def test_file_content_lines() -> None:
    rendered = render(
        {"kind": "file", "file": {"name": "r.bin", "bytes": PNG}},
        {"kind": "file", "file": {"uri": "ftp://x/y"}},
    )
    assert rendered.content == "[file r.bin, 12 bytes]\n[file file: no usable link]"


def test_no_parts_no_content() -> None:
    assert render_parts([]).content == ""
