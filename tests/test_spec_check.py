"""The integration JSON checker: interface, each rule, paths, contexts, hostile documents."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from typing import Any

import pytest

from emulator.findings import Finding
from emulator.json_document import parse_json_document
from emulator.spec import check as spec_check
from emulator.spec.check import CheckedSpec, check_spec, errors_of, warnings_of
from emulator.spec.model import (
    interval_setting,
    is_interval_label,
    normalise_url,
    production_host,
    setting_type,
)
from emulator.spec.rules import RULES, Context

INTERNAL = "internal error"


def clean(kind: str = "modifier", **root: Any) -> dict[str, Any]:
    """A wrapped spec with no findings at all; keyword arguments replace root keys."""
    data: dict[str, Any] = {
        "date": {"created_at": "2025-02-20", "updated_at": "2025-02-20"},
        "descriptions": {"app_name": "Word Repeater", "app_logo": "", "app_url": ""},
        "integration_type": kind,
        "integration_category": "Task Automation",
        "is_active": True,
        "settings": [
            {"label": "Repeat", "type": "number", "required": True, "default": 2},
            {"label": "Loud", "type": "checkbox", "required": False, "default": True},
        ],
        "target_url": "http://127.0.0.1:8000/format",
    }
    if kind == "interval":
        data["settings"].append(
            {"label": "interval", "type": "text", "required": True, "default": "*/5 * * * *"}
        )
        data["target_url"] = ""
        data["tick_url"] = "http://127.0.0.1:8000/tick"
    data.update(root)
    return {"data": data}


def with_settings(*items: Any, kind: str = "modifier") -> dict[str, Any]:
    return clean(kind, settings=list(items))


def findings_at(doc: Any, path: str) -> list[Finding]:
    return [f for f in check_spec(doc)[1] if f.path == path]


def messages(doc: Any) -> list[str]:
    return [f.message for f in check_spec(doc)[1]]


def only_warning(doc: Any, path: str, context: Context = "check") -> Finding:
    spec, findings = check_spec(doc, context)
    assert spec is not None, findings
    found = [f for f in findings if f.path == path]
    assert len(found) == 1, findings
    assert found[0].severity == "warning"
    assert found[0].hint
    return found[0]


def only_error(doc: Any, path: str) -> Finding:
    spec, findings = check_spec(doc)
    assert spec is None
    assert check_spec(doc, "install")[0] is None  # nothing installs past a structural error
    found = [f for f in errors_of(findings) if f.path == path]
    assert len(found) == 1, findings
    assert found[0].hint
    return found[0]


# --- interface --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["interval", "modifier", "output"])
def test_clean_spec_has_no_findings(kind: str) -> None:
    spec, findings = check_spec(clean(kind))

    assert findings == []
    assert isinstance(spec, CheckedSpec)
    assert spec.integration_type == kind


def test_checked_spec_carries_the_raw_root_and_settings_themselves() -> None:
    doc = clean("interval", extra_key={"kept": True})
    spec, _ = check_spec(doc)

    assert spec is not None
    assert spec.root is doc["data"]
    assert spec.root["extra_key"] == {"kept": True}
    assert spec.prefix == "$.data"
    assert spec.app_name == "Word Repeater"
    assert spec.target_url is None
    assert spec.tick_url == "http://127.0.0.1:8000/tick"
    assert all(a is b for a, b in zip(spec.settings, doc["data"]["settings"], strict=True))


def test_bare_root_paths_start_at_dollar() -> None:
    doc = clean()["data"]
    doc["settings"][0]["default"] = "2"
    spec, findings = check_spec(doc)

    assert spec is not None
    assert spec.prefix == "$"
    assert [f.path for f in findings] == ["$.settings[0].default"]


def test_wrapped_when_outer_has_other_keys_and_data_has_the_type() -> None:
    doc = clean()
    doc["channel_id"] = "x"  # spec 092 carries a key next to "data"
    spec, _ = check_spec(doc)

    assert spec is not None
    assert spec.prefix == "$.data"


def test_data_without_integration_type_but_with_settings_is_unwrapped() -> None:
    doc = clean()
    del doc["data"]["integration_type"]

    assert only_error(doc, "$.data.integration_type").message.startswith(
        "integration_type is missing"
    )


def test_finding_as_dict() -> None:
    finding = Finding("warning", "$.a", "m", "h")

    assert finding.as_dict() == {"severity": "warning", "path": "$.a", "message": "m", "hint": "h"}


def test_errors_and_warnings_split() -> None:
    found = [Finding("error", "$", "a", "b"), Finding("warning", "$", "c", "d")]

    assert [f.message for f in errors_of(found)] == ["a"]
    assert [f.message for f in warnings_of(found)] == ["c"]


def test_rules_are_named_after_their_quirk() -> None:
    names = [rule.__name__ for rule in RULES]

    assert len(names) == len(set(names)) >= 15
    assert all(not name.startswith("_") for name in names)


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("interval", True),
        ("Interval", True),
        (" INTERVAL ", True),
        ("intervals", False),
        (1, False),
    ],
)
def test_is_interval_label(label: object, expected: bool) -> None:
    assert is_interval_label(label) is expected


def test_interval_setting_finds_the_first_in_any_case() -> None:
    items: list[Any] = [
        {"label": "x"},
        "junk",
        {"label": "Interval", "n": 1},
        {"label": "interval"},
    ]

    assert interval_setting(items) == {"label": "Interval", "n": 1}
    assert interval_setting([{"label": "x"}]) is None


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        ("text", "text"),
        ("Multi-Select", "multi-select"),
        ("multi_select", "multi-select"),
        ("multi-checkbox", "multi-checkbox"),
        ("textarea", "text_area"),
        ("text_area", "text_area"),
        (" Number ", "number"),
        ("string", "text"),
        ("colour", "text"),
        (None, "text"),
        (3, "text"),
    ],
)
def test_setting_type(declared: object, expected: str) -> None:
    assert setting_type({"type": declared}) == expected


def test_setting_type_missing_is_text() -> None:
    assert setting_type({"label": "x"}) == "text"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://example.com/tick", "https://example.com/tick"),
        ("  http://127.0.0.1:8000/t  ", "http://127.0.0.1:8000/t"),
        ("", None),
        ("  ", None),
        ("#", None),
        ("none", None),
        ("null", None),
        ("NULL", None),
        ('""', None),
        ('<expr:f"{base_url}/tick">', None),
        ("ftp://example.com", None),
        ("example.com/tick", None),
        ("Optional URL for getting data from the Telex channel", None),
        ("http://[::1", None),
        (None, None),
        (42, None),
        (["https://x.y"], None),
    ],
)
def test_normalise_url(value: object, expected: str | None) -> None:
    assert normalise_url(value) == expected


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://x.onrender.com/tick", "x.onrender.com"),
        ("https://a-production.up.railway.app/", "a-production.up.railway.app"),
        ("https://ping.telex.im/v1/webhooks/1", "ping.telex.im"),
        ("http://13.48.84.147:8000/tick", "13.48.84.147"),
        ("http://127.0.0.1:8000/tick", None),
        ("http://192.168.1.5/tick", None),
        ("http://localhost:8000", None),
        ("https://notonrender.com", "notonrender.com"),
        ("https://hooks.slack.com/services/x", "hooks.slack.com"),
        ("http://modifier:8000/m", None),
        ("http://app.local/m", None),
        ("http://10.0.0.7/m", None),
        ("http://[::1]:8000/m", None),
    ],
)
def test_production_host(url: str, host: str | None) -> None:
    assert production_host(url) == host


# --- parse_json_document ----------------------------------------------------------------


def test_parse_strips_a_utf8_bom() -> None:
    doc, findings = parse_json_document(b'\xef\xbb\xbf{"data": {}}', "spec.json")

    assert (doc, findings) == ({"data": {}}, [])
    assert parse_json_document('\ufeff{"a": 1}', "x") == ({"a": 1}, [])


def test_parse_something_that_is_not_text() -> None:
    doc, [finding] = parse_json_document(None, "spec.json")  # type: ignore[arg-type]

    assert doc is None
    assert finding.message == "spec.json: is not text (NoneType)"


def test_parse_html_page_says_so() -> None:
    body = b"<!DOCTYPE html><html><head><title>App</title></head><body>hi</body></html>"
    doc, [finding] = parse_json_document(body, "http://127.0.0.1:8000/")

    assert doc is None
    assert finding.severity == "error"
    assert finding.path == "$"
    assert finding.message == (
        "http://127.0.0.1:8000/: got an HTML page, not JSON: "
        "is the URL the endpoint that serves the integration JSON?"
    )
    assert finding.hint


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"", "is empty"),
        (b"   \n", "is empty"),
        (b"\xff\xfe{", "is not UTF-8 text"),
        (b'{"data": ', "is not JSON (Expecting value at line 1)"),
        (b"{'single': 'quotes'}", "is not JSON (Expecting property name"),
        ("[" * 100_000, "is not JSON"),
        ("1" * 10_000, "is not JSON"),
    ],
)
def test_parse_failures_name_the_source(body: bytes | str, says: str) -> None:
    doc, [finding] = parse_json_document(body, "spec.json")

    assert doc is None
    assert finding.severity == "error"
    assert finding.message.startswith("spec.json: ")
    assert says in finding.message


# --- errors -----------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [[], "spec", 3, None, True])
def test_root_not_an_object(raw: object) -> None:
    spec, [finding] = check_spec(raw)

    assert spec is None
    assert finding.path == "$"
    assert "must be an object" in finding.message


def test_integration_type_missing_hints_at_a_type_key() -> None:
    # spec 054 wrote "type": "interval" at the top level and no integration_type
    doc = {"name": "News", "type": "interval", "settings": [], "data": {}}
    finding = only_error(doc, "$.integration_type")

    assert 'This file says "type": "interval"' in finding.hint


@pytest.mark.parametrize("value", ["webhook", "", 3, ["interval"], None])
def test_integration_type_unknown(value: object) -> None:
    finding = only_error(clean(integration_type=value), "$.data.integration_type")

    assert "interval" in finding.hint
    assert "modifier" in finding.hint
    assert "output" in finding.hint


@pytest.mark.parametrize("value", ["INTERVAL", " Output", "Modifier"])
def test_integration_type_any_case_loads(value: str) -> None:
    spec, _ = check_spec(clean(value.strip().lower(), integration_type=value))

    assert spec is not None
    assert spec.integration_type == value.strip().lower()


@pytest.mark.parametrize("value", ["abc", {"label": "x"}, 3])
def test_settings_not_a_list(value: object) -> None:
    finding = only_error(clean(settings=value), "$.data.settings")

    assert finding.message.startswith("settings must be a list")


def test_settings_null_is_no_settings() -> None:
    finding = only_warning(clean(settings=None), "$.data.settings")

    assert "null" in finding.message


@pytest.mark.parametrize(
    ("item", "path", "says"),
    [
        ("text", "$.data.settings[0]", "must be an object, got a string"),
        (["label"], "$.data.settings[0]", "must be an object, got a list"),
        (None, "$.data.settings[0]", "must be an object, got null"),
        ({"type": "text"}, "$.data.settings[0].label", "has no label"),
        ({"label": ""}, "$.data.settings[0].label", "has an empty label"),
        ({"label": "   "}, "$.data.settings[0].label", "has an empty label"),
        ({"label": 5}, "$.data.settings[0].label", "a number, not a string"),
        ({"label": None}, "$.data.settings[0].label", "null, not a string"),
    ],
)
def test_unusable_setting_item(item: object, path: str, says: str) -> None:
    assert says in only_error(with_settings(item), path).message


def test_every_bad_item_is_reported_at_once() -> None:
    doc = with_settings({"label": "ok"}, 1, {"label": ""}, {"nolabel": 1})
    spec, findings = check_spec(doc)

    assert spec is None
    assert [f.path for f in errors_of(findings)] == [
        "$.data.settings[1]",
        "$.data.settings[2].label",
        "$.data.settings[3].label",
    ]


@pytest.mark.parametrize("value", ["Word Repeater", ["x"], 1])
def test_descriptions_not_an_object(value: object) -> None:
    finding = only_error(clean(descriptions=value), "$.data.descriptions")

    assert finding.message.startswith("descriptions must be an object")


def test_errors_come_with_warnings() -> None:
    doc = clean(integration_type="webhook", is_active="true")
    spec, findings = check_spec(doc)

    assert spec is None
    assert {f.severity for f in findings} == {"error", "warning"}


# --- warnings ---------------------------------------------------------------------------


def test_output_capitalised() -> None:
    doc = clean("output", integration_type="Output")
    finding = only_warning(doc, "$.data.integration_type")

    assert '"Output"' in finding.message
    assert check_spec(doc)[0].integration_type == "output"  # type: ignore[union-attr]


def test_unknown_category() -> None:
    finding = only_warning(
        clean(integration_category="AI & Automation"), "$.data.integration_category"
    )

    assert "AI & Machine Learning" in finding.hint


def test_category_case_suggests_the_spelling() -> None:
    finding = only_warning(
        clean(integration_category="task automation"), "$.data.integration_category"
    )

    assert finding.hint == 'Write "Task Automation".'


def test_category_absent_is_fine() -> None:
    doc = clean()
    del doc["data"]["integration_category"]

    assert check_spec(doc)[1] == []


@pytest.mark.parametrize("value", ["true", "false", 1, None])
def test_is_active_not_bool(value: object) -> None:
    assert "not true/false" in only_warning(clean(is_active=value), "$.data.is_active").message


def test_app_name_missing_falls_back_to_name() -> None:
    doc = clean(descriptions={"app_logo": ""}, name="GitHub to Telex")
    only_warning(doc, "$.data.descriptions.app_name")

    assert check_spec(doc)[0].app_name == "GitHub to Telex"  # type: ignore[union-attr]
    doc["data"].pop("name")
    assert check_spec(doc)[0].app_name == "Unnamed integration"  # type: ignore[union-attr]


def test_app_logo_missing_is_not_a_warning() -> None:
    doc = clean(descriptions={"app_name": "X"})

    assert check_spec(doc)[1] == []


def test_duplicate_labels_warn_once_at_the_repeat() -> None:
    # spec 022 declares "FAQ Data" twice
    doc = with_settings(
        {"label": "FAQ Data", "type": "text_area", "required": True, "default": "a"},
        {"label": "faq data ", "type": "text_area", "required": True, "default": "b"},
    )
    finding = only_warning(doc, "$.data.settings[1].label")

    assert "repeats" in finding.message


@pytest.mark.parametrize(
    ("item", "says"),
    [
        ({"label": "x", "required": True, "default": ""}, "has no type; treated as text"),
        ({"label": "x", "type": "string", "required": True, "default": ""}, "type 'string'"),
        ({"label": "x", "type": "colour", "required": True, "default": ""}, "unknown setting type"),
        ({"label": "x", "type": 7, "required": True, "default": ""}, "unknown setting type 7"),
        (
            {
                "label": "x",
                "type": "Multi-Select",
                "required": True,
                "default": "a",
                "options": ["a"],
            },
            'is spelled "multi-select"',
        ),
    ],
)
def test_setting_type_quirks(item: dict[str, Any], says: str) -> None:
    finding = only_warning(with_settings(item), "$.data.settings[0].type")

    assert says in finding.message


@pytest.mark.parametrize(("value", "sent"), [("true", "true"), ("false", "false"), ("yes", "true")])
def test_required_as_string(value: str, sent: str) -> None:
    doc = with_settings({"label": "x", "type": "text", "required": value, "default": ""})
    finding = only_warning(doc, "$.data.settings[0].required")

    assert finding.message.endswith(f"sent to the integration as {sent}")


def test_required_and_default_missing() -> None:
    doc = with_settings({"label": "x", "type": "text"})

    assert [f.message for f in check_spec(doc)[1]] == [
        'setting "x" has no required; sent as false',
        'setting "x" has no default; sent as "" until a value is set',
    ]


def test_number_default_as_string() -> None:
    doc = with_settings({"label": "n", "type": "number", "required": True, "default": "1000"})
    finding = only_warning(doc, "$.data.settings[0].default")

    assert finding.message == 'number default is the string "1000"; it is sent back as a string'


@pytest.mark.parametrize("value", ["ten", True, [1]])
def test_number_default_not_numeric(value: object) -> None:
    doc = with_settings({"label": "n", "type": "number", "required": True, "default": value})

    assert "is not a number" in only_warning(doc, "$.data.settings[0].default").message


@pytest.mark.parametrize("value", ["Yes", "No", "true", "false"])
def test_checkbox_default_as_string(value: str) -> None:
    doc = with_settings({"label": "c", "type": "checkbox", "required": True, "default": value})

    assert "sent back in that style" in only_warning(doc, "$.data.settings[0].default").message


def test_checkbox_default_neither_true_nor_false() -> None:
    # spec 111: a checkbox whose default is "5"
    doc = with_settings({"label": "c", "type": "checkbox", "required": True, "default": "5"})

    assert "read as false" in only_warning(doc, "$.data.settings[0].default").message


@pytest.mark.parametrize("value", [["a", "b"], "a,b", "a, b", ""])
def test_multi_default_list_or_comma_string_is_fine(value: object) -> None:
    item = {"label": "m", "type": "multi-select", "required": True, "default": value}
    item["options"] = ["a", "b"]

    assert check_spec(with_settings(item))[1] == []


def test_multi_default_of_another_shape() -> None:
    item = {
        "label": "m",
        "type": "multi-checkbox",
        "required": True,
        "default": 3,
        "options": ["a"],
    }

    assert (
        "not a list or comma string"
        in only_warning(with_settings(item), "$.data.settings[0].default").message
    )


@pytest.mark.parametrize("kind", ["dropdown", "radio", "multi-select", "multi-checkbox"])
def test_options_missing(kind: str) -> None:
    doc = with_settings({"label": "o", "type": kind, "required": True, "default": "a"})

    assert "has no options" in only_warning(doc, "$.data.settings[0].options").message


@pytest.mark.parametrize(("options", "says"), [([], "has no options"), ([None], "no usable")])
def test_options_empty(options: list[Any], says: str) -> None:
    item = {"label": "o", "type": "dropdown", "required": True, "default": "a", "options": options}

    assert says in only_warning(with_settings(item), "$.data.settings[0].options").message


def test_options_placeholder_string() -> None:
    # spec 154: "options": "<expr:ALL_TIMEZONES>"
    item = {"label": "tz", "type": "dropdown", "required": True, "default": "UTC"}
    item["options"] = "<expr:ALL_TIMEZONES>"

    assert "not a list" in only_warning(with_settings(item), "$.data.settings[0].options").message


def test_dropdown_default_not_among_options() -> None:
    item = {"label": "d", "type": "dropdown", "required": True, "default": "All"}
    item["options"] = ["politics", "tech"]
    finding = only_warning(with_settings(item), "$.data.settings[0].default")

    assert finding.message == 'default "All" is not among the options'
    assert finding.hint == "Use one of: politics, tech."


def test_option_objects_are_understood() -> None:
    item = {"label": "d", "type": "radio", "required": True, "default": "b"}
    item["options"] = [{"label": "A", "value": "a"}, {"label": "B", "value": "b"}]

    assert check_spec(with_settings(item))[1] == []


def test_multi_default_case_differs() -> None:
    # spec 044: default ["afrobeats"] with option "Afrobeats"
    item = {"label": "g", "type": "multi-select", "required": True, "default": ["afrobeats", "pop"]}
    item["options"] = ["Afrobeats", "pop"]
    finding = only_warning(with_settings(item), "$.data.settings[0].default")

    assert finding.message == 'default "afrobeats" differs in case from "Afrobeats"'


def test_interval_without_interval_setting() -> None:
    doc = clean("interval")
    doc["data"]["settings"].pop()
    finding = only_warning(doc, "$.data.settings")

    assert "ticks only on demand" in finding.message


@pytest.mark.parametrize("value", ["Daily", "@hourly", "******", "60", "", None, 5])
def test_interval_default_not_a_crontab(value: object) -> None:
    doc = clean("interval")
    doc["data"]["settings"][-1]["default"] = value
    finding = only_warning(doc, "$.data.settings[2].default")

    assert "set a valid value before activating" in finding.message


def test_interval_default_absent_says_missing() -> None:
    doc = clean("interval")
    del doc["data"]["settings"][-1]["default"]
    finding = only_warning(doc, "$.data.settings[2].default")

    assert finding.message.startswith("interval setting has no default, not a valid")


def test_interval_setting_on_a_modifier_is_just_text() -> None:
    doc = clean()
    doc["data"]["settings"].append(
        {"label": "interval", "type": "text", "required": True, "default": "x"}
    )

    assert check_spec(doc)[1] == []


CANNOT_CALL = "Telex cannot call this integration as published"


def uncallable(doc: Any, path: str) -> tuple[Finding, Finding]:
    """The finding at `path` as `check` sees it (an error, and the spec still installs)
    and as an install sees it (a warning with the override hint)."""
    spec, findings = check_spec(doc, "check")
    assert spec is not None, findings
    [error] = [f for f in findings if f.path == path]
    assert error.severity == "error", findings
    assert "Publish the integration's http(s) endpoint" in error.hint
    warning = only_warning(doc, path, "install")
    assert "override it for this integration" in warning.hint
    assert warning.message == error.message  # one rule, the severity set by the context
    return error, warning


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("#", '"#" is not an http(s) URL'),
        ("none", '"none" is not an http(s) URL'),
        ("null", '"null" is not an http(s) URL'),
        ('<expr:f"{base_url}/x">', "computed at run time"),
        ("URL for integration or service.", "is not an http(s) URL"),
        (5, "5 is not an http(s) URL"),
    ],
)
def test_modifier_target_url_unusable(value: object, says: str) -> None:
    error, _ = uncallable(clean(target_url=value), "$.data.target_url")

    assert says in error.message
    assert error.message.endswith(f"{CANNOT_CALL} (the modifier is skipped)")


@pytest.mark.parametrize("value", ["", "  ", None])
def test_modifier_without_target_url(value: object) -> None:
    error, _ = uncallable(clean(target_url=value), "$.data.target_url")

    assert error.message == (
        f"target_url is missing or empty: {CANNOT_CALL} (the modifier is skipped)"
    )


def test_output_without_target_url() -> None:
    doc = clean("output")
    del doc["data"]["target_url"]

    assert "receives no messages" in uncallable(doc, "$.data.target_url")[0].message


def test_interval_with_empty_target_url_is_normal() -> None:
    # 40 interval specs publish "target_url": "" as the docs' template does
    assert check_spec(clean("interval", target_url=""))[1] == []


def test_interval_target_url_unusable_is_only_a_warning() -> None:
    # An interval needs only its tick_url: Telex can still tick it.
    doc = clean("interval", target_url="#")

    for context in ("check", "install"):
        finding = only_warning(doc, "$.data.target_url", context)
        assert CANNOT_CALL not in finding.message


def test_interval_without_tick_url_cannot_tick() -> None:
    doc = clean("interval")
    del doc["data"]["tick_url"]

    assert "cannot tick" in uncallable(doc, "$.data.tick_url")[0].message


def test_interval_tick_url_placeholder() -> None:
    doc = clean("interval", tick_url='<expr:f"{base_url}/tick">')

    assert "computed at run time" in uncallable(doc, "$.data.tick_url")[0].message


def test_tick_url_of_a_modifier_is_ignored() -> None:
    assert check_spec(clean(tick_url="null"))[1] == []
    assert check_spec(clean(tick_url="https://x.onrender.com/tick"))[1] == []


def test_production_host_hint_names_the_rewrite() -> None:
    doc = clean("interval", tick_url="https://monitor.onrender.com/tick")
    finding = only_warning(doc, "$.data.tick_url")

    assert "monitor.onrender.com" in finding.message
    assert "--rewrite https://monitor.onrender.com=http://127.0.0.1:PORT" in finding.hint


def test_telex_webhook_as_target_url() -> None:
    doc = clean("interval", target_url="https://ping.telex.im/v1/webhooks/0195")

    assert "a deployed host (ping.telex.im)" in only_warning(doc, "$.data.target_url").message


def test_any_public_host_is_reported() -> None:
    # spec 147 ticks a custom domain; spec 132 posts straight into Slack
    doc = clean("output", target_url="https://hooks.slack.com/services/x")

    assert "a public host (hooks.slack.com)" in only_warning(doc, "$.data.target_url").message


def test_raw_public_ip() -> None:
    doc = clean("interval", tick_url="http://13.48.84.147:8000/tick")

    assert "13.48.84.147" in only_warning(doc, "$.data.tick_url").message


def test_unknown_keys_are_kept_and_never_reported() -> None:
    doc = clean(bot={"x": 1}, endpoints=[1, 2], version=3, Author="me")
    doc["data"]["settings"][0]["min"] = "1"
    spec, findings = check_spec(doc)

    assert findings == []
    assert spec is not None
    assert spec.settings[0]["min"] == "1"


def test_check_does_not_change_the_document() -> None:
    doc = clean(
        "interval", integration_type="INTERVAL", is_active="true", settings=[{"label": "x"}]
    )
    before = copy.deepcopy(doc)
    check_spec(doc)

    assert doc == before


# --- hostile documents ------------------------------------------------------------------


def _deep(levels: int) -> Any:
    value: Any = "bottom"
    for _ in range(levels):
        value = {"x": [value]}
    return value


def _hostile() -> list[tuple[str, Any, bool]]:
    """(name, document, loads?) for documents written to break a careless linter."""
    item = {"label": "x", "type": "text", "required": True, "default": ""}
    return [
        ("null", None, False),
        ("number", 3.5, False),
        ("string", "integration", False),
        ("list of specs", [clean()], False),
        ("empty object", {}, False),
        ("data null", {"data": None}, False),
        ("data list", {"data": [clean()["data"]]}, False),
        ("data string", {"data": "x"}, False),
        ("doubly wrapped", {"data": clean()}, False),
        ("type is a list", clean(integration_type=["interval"]), False),
        ("type is an object", clean(integration_type={"value": "interval"}), False),
        ("type is bool", clean(integration_type=True), False),
        ("settings is a string", clean(settings="[]"), False),
        ("settings is a number", clean(settings=0), False),
        ("settings of scalars", clean(settings=[1, "x", None, True, 2.5]), False),
        ("settings of lists", clean(settings=[[item]]), False),
        ("label is an object", with_settings({"label": {"en": "x"}}), False),
        ("label is a list", with_settings({"label": ["x"]}), False),
        ("label is a float", with_settings({"label": float("nan")}), False),
        ("descriptions is a list", clean(descriptions=[{"app_name": "x"}]), False),
        ("descriptions null", clean(descriptions=None), True),
        ("deep nesting in an unknown key", clean(extra=_deep(5000)), True),
        ("deep nesting in a default", with_settings(item | {"default": _deep(5000)}), True),
        (
            "deep nesting in options",
            with_settings(item | {"type": "dropdown", "options": _deep(3000)}),
            True,
        ),
        ("deep nesting as data", {"data": _deep(5000)}, False),
        ("huge label", with_settings(item | {"label": "L" * 1_000_000}), True),
        ("huge url", clean(target_url="http://x/" + "a" * 1_000_000), True),
        ("huge default", with_settings(item | {"type": "number", "default": "9" * 100_000}), True),
        (
            "unicode everywhere",
            with_settings(item | {"label": "間隔 🕐 ‏مرحبا", "default": "ü\u0000"}),
            True,
        ),
        ("lone surrogate", with_settings(item | {"label": "\ud800", "default": "\udfff"}), True),
        ("interval label surrogate", clean("interval", tick_url="http://\ud800/tick"), True),
        (
            "nan and inf defaults",
            with_settings(item | {"type": "number", "default": float("inf")}),
            True,
        ),
        (
            "options of junk",
            with_settings(item | {"type": "radio", "options": [None, [], {}, 1, True]}),
            True,
        ),
        ("required is a list", with_settings(item | {"required": ["yes"]}), True),
        (
            "default is an object",
            with_settings(item | {"type": "checkbox", "default": {"a": 1}}),
            True,
        ),
        (
            "interval default list",
            clean("interval", settings=[item | {"label": "interval", "default": ["*"]}]),
            True,
        ),
        ("urls are objects", clean("interval", target_url={"u": 1}, tick_url=["http://x"]), True),
        ("broken ipv6 url", clean(target_url="http://[::1"), True),
        ("url with bad port", clean(target_url="http://example.com:99999999/"), True),
        ("category is a list", clean(integration_category=["Task Automation"]), True),
        ("app_name is a number", clean(descriptions={"app_name": 7}), True),
        ("many settings", with_settings(*[item | {"label": f"s{i}"} for i in range(5000)]), True),
        ("many duplicates", with_settings(*[item for _ in range(2000)]), True),
        ("non-string key", clean(**{"x": {1: 2}}) | {"data": {**clean()["data"], 3: "x"}}, False),
    ]


@pytest.mark.parametrize(("name", "doc", "loads"), _hostile(), ids=[h[0] for h in _hostile()])
def test_hostile_document_never_raises(name: str, doc: Any, loads: bool) -> None:
    spec, findings = check_spec(doc)

    assert (spec is not None) is loads, findings
    assert not any(INTERNAL in f.message for f in findings), findings
    for finding in findings:
        assert finding.severity in ("error", "warning")
        assert finding.path.startswith("$")
        assert finding.message
        assert finding.hint
        assert len(finding.message) < 500
    if not loads:
        assert errors_of(findings)
    json.dumps([f.as_dict() for f in findings], ensure_ascii=False)


def test_there_are_many_hostile_documents() -> None:
    assert len(_hostile()) >= 25


def test_the_safety_net_turns_a_bug_into_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(spec: Any) -> Any:
        raise RuntimeError("bug")

    monkeypatch.setattr(spec_check, "RULES", [broken])
    spec, [finding] = check_spec(clean())

    assert spec is None
    assert INTERNAL in finding.message


# --- the package ------------------------------------------------------------------------

SPEC_MODULES = ["model", "schema", "rules", "check", "values", "loader"]


@pytest.mark.parametrize("module", SPEC_MODULES)
def test_each_spec_module_imports_first_without_a_cycle(module: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", f"import emulator.spec.{module}"], capture_output=True
    )
    assert done.returncode == 0, done.stderr.decode()


def test_the_spec_package_re_exports_nothing() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, emulator.spec as p; print(json.dumps(sorted(vars(p))))",
        ],
        capture_output=True,
        text=True,
    )
    assert [n for n in json.loads(done.stdout) if not n.startswith("_")] == []


# --- strict JSON when reading a fetched document -----------------------------------------


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ('{"a": NaN}', "NaN is not a JSON value"),
        ('{"a": Infinity}', "Infinity is not a JSON value"),
        ('{"a": -Infinity}', "-Infinity is not a JSON value"),
        ('{"a": 1e999}', "the number 1e999 is out of range"),
        ('{"a": -1E400}', "out of range"),
        ("null", "is JSON null"),
        ("[" * 101 + "]" * 101, "nests too deeply (over 100 levels)"),
        ('{"a": ' * 101 + "1" + "}" * 101, "nests too deeply (over 100 levels)"),
        ("[" * 100_000 + "]" * 100_000, "nests too deeply"),
    ],
)
def test_parse_is_strict_json(body: str, says: str) -> None:
    doc, [finding] = parse_json_document(body.encode(), "http://x/spec.json")

    assert doc is None
    assert finding.message.startswith("http://x/spec.json: ")
    assert says in finding.message
    assert finding.hint


def test_parse_allows_100_levels_and_finite_numbers() -> None:
    assert parse_json_document("[" * 100 + "]" * 100, "x")[1] == []
    assert parse_json_document('{"a": [1.5e300, -0.0, 1e-999]}', "x") == (
        {"a": [1.5e300, -0.0, 0.0]},
        [],
    )


def test_parse_replaces_lone_surrogates_like_go() -> None:
    body = rb'{"a": "x\ud800y", "\udfff": ["\ud83d\ude00", "\\ud800"], "b": {"c": "\udc00"}}'
    doc, findings = parse_json_document(body, "x")

    assert findings == []
    assert doc == {"a": "x\ufffdy", "\ufffd": ["😀", "\\ud800"], "b": {"c": "\ufffd"}}
    json.dumps(doc, ensure_ascii=False).encode()  # storable and showable as UTF-8


def test_parse_keeps_ordinary_escapes() -> None:
    doc, _ = parse_json_document('{"a": ["\\u00fc"]}', "x")

    assert doc == {"a": ["ü"]}
