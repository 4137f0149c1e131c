"""The one loader: fetch -> parse -> check, in the context it is asked for."""

from __future__ import annotations

import json

from emulator.spec.loader import (
    DocumentUnavailable,
    FetchDocument,
    SpecCheck,
    check_body,
    check_document,
    fetch_and_check,
)

URL = "http://127.0.0.1:8000/integration.json"


def output(target_url: str) -> dict[str, object]:
    return {
        "data": {
            "descriptions": {"app_name": "Logger"},
            "integration_type": "output",
            "settings": [],
            "target_url": target_url,
        }
    }


def serving(body: bytes) -> FetchDocument:
    async def fetch(url: str) -> bytes:
        assert url == URL
        return body

    return fetch


async def test_a_fetch_that_fails_is_one_error_naming_the_url() -> None:
    async def refused(url: str) -> bytes:
        raise DocumentUnavailable(f"connection refused ({url})")

    result = (await fetch_and_check(URL, refused, "install")).as_dict()

    assert result["source"] == URL
    assert (result["ok"], result["installable"]) == (False, False)
    [error] = result["errors"]
    assert error["message"] == f"connection refused ({URL})"
    assert "serves its JSON at this URL" in error["hint"]


async def test_fetched_bodies_are_parsed_strictly_then_checked() -> None:
    broken = await fetch_and_check(URL, serving(b'{"a": NaN}'), "check")
    good = await fetch_and_check(URL, serving(json.dumps(output(URL)).encode()), "check")

    assert broken.document is None
    assert "NaN" in broken.findings[0].message
    assert good.ok
    assert good.checked is not None
    assert good.checked.app_name == "Logger"


def test_the_context_decides_what_an_uncallable_url_is() -> None:
    doc = output("#")

    checked = check_document(doc, "inline spec", "check")
    installed = check_document(doc, "inline spec", "install")

    assert (checked.ok, checked.installable) == (False, True)
    assert (installed.ok, installed.installable) == (True, True)
    assert [f.path for f in checked.findings] == [f.path for f in installed.findings]


def test_a_body_that_is_not_json_never_reaches_the_checker() -> None:
    result = check_body(b"<html>login</html>", "page.json", "check")

    assert result == SpecCheck(None, None, result.findings, "page.json")
    assert "HTML" in result.findings[0].message
