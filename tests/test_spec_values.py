"""Stored setting values and the settings array Telex sends (CONTRACT §1.4)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from emulator import cron
from emulator.errors import ValidationFailed
from emulator.spec.model import is_secret_label
from emulator.spec.values import (
    as_text,
    effective_interval,
    effective_settings,
    effective_value,
    find_setting,
    typed_like,
    validate_values,
)
from tests.conftest import corpus_file


def corpus_settings(prefix: str) -> list[dict[str, Any]]:
    """The declared settings of the corpus file whose name starts with `prefix`."""
    return json.loads(corpus_file(prefix).read_text("utf-8"))["data"]["settings"]


DECLARED: list[dict[str, Any]] = [
    {"label": "interval", "type": "text", "required": True, "default": "* * * * *"},
    {"label": "Max Length", "type": "number", "required": True, "default": "1000"},
    {"label": "Loud", "type": "checkbox", "required": True, "default": "Yes"},
    {"label": "Level", "type": "dropdown", "default": "Low", "options": ["High", "Low"]},
    {"label": "Agent", "type": "radio", "options": [{"label": "Gemini", "value": "gemini"}]},
    {"label": "Roles", "type": "multi-checkbox", "default": ["Admin"], "options": ["Admin", "Dev"]},
    {"label": "Tags", "type": "multi-select", "default": "a,b"},
    {"label": "Notes", "type": "text_area", "default": ""},
    {"label": "Site", "type": "text", "default": "https://x"},
]


def rejected(values: Any, declared: list[dict[str, Any]] = DECLARED) -> list[dict[str, str]]:
    with pytest.raises(ValidationFailed) as caught:
        validate_values(declared, values)
    assert caught.value.status == 422
    assert caught.value.data["errors"] == caught.value.errors
    return caught.value.errors


# --- find_setting -----------------------------------------------------------------------


def test_find_setting_exact_first_then_any_case() -> None:
    declared: list[Any] = [{"label": "Interval", "n": 1}, "junk", {"label": "interval", "n": 2}]

    assert find_setting(declared, "interval") == {"label": "interval", "n": 2}
    assert find_setting(declared, " INTERVAL ") == {"label": "Interval", "n": 1}
    assert find_setting(declared, "nope") is None
    assert find_setting(declared, 3) is None


# --- validate_values --------------------------------------------------------------------


def test_valid_values_are_normalised_and_keyed_by_declared_label() -> None:
    values = {
        "INTERVAL": " */5 * * * * ",
        "max length": "250",
        "Loud": "off",
        "level": "high",
        "Agent": "gemini",
        "Roles": "Admin, Dev",
        "Tags": ["x", "y"],
        "Notes": 42,
        "Site": "https://y",
    }

    assert validate_values(DECLARED, values) == {
        "interval": "*/5 * * * *",
        "Max Length": 250,
        "Loud": False,
        "Level": "High",
        "Agent": "gemini",
        "Roles": ["Admin", "Dev"],
        "Tags": ["x", "y"],
        "Notes": "42",
        "Site": "https://y",
    }


def test_none_clears_a_value() -> None:
    assert validate_values(DECLARED, {"Level": None, "Max Length": None}) == {
        "Level": None,
        "Max Length": None,
    }


def test_empty_values() -> None:
    assert validate_values(DECLARED, {}) == {}


@pytest.mark.parametrize(
    ("value", "expected"),
    [(10, 10), (2.5, 2.5), ("10", 10), (" 0.5 ", 0.5), ("-3", -3), (0, 0)],
)
def test_number_values(value: Any, expected: float) -> None:
    assert validate_values(DECLARED, {"Max Length": value}) == {"Max Length": expected}


@pytest.mark.parametrize("value", ["ten", True, [1], {"n": 1}, "", "nan", float("inf")])
def test_number_rejected(value: Any) -> None:
    [error] = rejected({"Max Length": value})

    assert error["path"] == "settings.Max Length"
    assert error["message"].startswith("'Max Length' must be a number, got ")
    assert error["hint"] == "Send e.g. 10 or 2.5."


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        ("true", True),
        ("FALSE", False),
        ("Yes", True),
        ("no", False),
        ("1", True),
        ("0", False),
        ("on", True),
        ("Off", False),
        (1, True),
        (0, False),
    ],
)
def test_checkbox_values(value: Any, expected: bool) -> None:
    assert validate_values(DECLARED, {"Loud": value}) == {"Loud": expected}


@pytest.mark.parametrize("value", ["maybe", 2, [], ""])
def test_checkbox_rejected(value: Any) -> None:
    [error] = rejected({"Loud": value})

    assert error["message"].startswith("'Loud' is a checkbox and needs true or false")


def test_dropdown_value_not_among_options() -> None:
    [error] = rejected({"Level": "Medium"})

    assert error == {
        "path": "settings.Level",
        "message": "'Medium' is not an option of 'Level'",
        "hint": "Options: 'High', 'Low'",
    }


def test_radio_with_option_objects() -> None:
    [error] = rejected({"Agent": "claude"})

    assert error["hint"] == "Options: 'gemini'"


@pytest.mark.parametrize("value", [["High"], {"v": "High"}, True])
def test_dropdown_takes_one_option(value: Any) -> None:
    [error] = rejected({"Level": value})

    assert error["message"].startswith("'Level' takes one option, got ")


@pytest.mark.parametrize("options", ["<expr:ALL_TIMEZONES>", [], None])
def test_dropdown_without_options_takes_any_text(options: Any) -> None:
    declared = [{"label": "tz", "type": "dropdown", "options": options}]

    assert validate_values(declared, {"tz": "Africa/Lagos"}) == {"tz": "Africa/Lagos"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [(["Dev"], ["Dev"]), ("Admin,Dev", ["Admin", "Dev"]), ("", []), ([], []), ("dev", ["Dev"])],
)
def test_multi_values(value: Any, expected: list[str]) -> None:
    assert validate_values(DECLARED, {"Roles": value}) == {"Roles": expected}


def test_multi_value_not_among_options() -> None:
    [error] = rejected({"Roles": ["Admin", "Owner"]})

    assert error["message"] == "'Owner' is not an option of 'Roles'"
    assert error["hint"] == "Options: 'Admin', 'Dev'"


@pytest.mark.parametrize("value", [3, {"a": 1}, ["Admin", {"x": 1}]])
def test_multi_value_wrong_shape(value: Any) -> None:
    [error] = rejected({"Roles": value})

    assert "takes a list of options or a comma string" in error["message"]


@pytest.mark.parametrize(
    ("value", "expected"), [("hi", "hi"), (3, "3"), (2.5, "2.5"), (True, "true")]
)
def test_text_values(value: Any, expected: str) -> None:
    assert validate_values(DECLARED, {"Notes": value, "Site": value}) == {
        "Notes": expected,
        "Site": expected,
    }


@pytest.mark.parametrize("value", [["a"], {"a": 1}])
def test_text_rejects_lists_and_objects(value: Any) -> None:
    [error] = rejected({"Site": value})

    assert error["message"].startswith("'Site' takes text, got ")


@pytest.mark.parametrize("value", ["Daily", "@hourly", "******", "60", "", 5, "* * * * * *"])
def test_interval_must_be_a_crontab(value: Any) -> None:
    [error] = rejected({"interval": value})

    assert error["path"] == "settings.interval"
    assert "is not a valid 5-field crontab" in error["message"]
    assert error["hint"] == cron.validation_error(value)


def test_interval_crontab_beats_dropdown_options() -> None:
    # spec 016 offers only "Daily"/"Weekly"/"Monthly": the crontab is what Telex needs
    declared = corpus_settings("016")

    assert validate_values(declared, {"interval": "0 9 * * *"}) == {"interval": "0 9 * * *"}
    assert rejected({"interval": "Daily"}, declared)[0]["path"] == "settings.interval"


def test_unknown_label_lists_the_declared_ones() -> None:
    [error] = rejected({"Colour": "red"}, DECLARED[:2])

    assert error == {
        "path": "settings.Colour",
        "message": "no setting is labelled 'Colour'",
        "hint": "Declared labels: 'interval', 'Max Length'",
    }


def test_unknown_label_without_settings() -> None:
    [error] = rejected({"x": 1}, [])

    assert error["hint"] == "Declared labels: none (this spec has no settings)"


def test_the_same_setting_twice() -> None:
    [error] = rejected({"Level": "High", "level": "Low"})

    assert error["path"] == "settings.level"
    assert "a second time" in error["message"]


def test_every_problem_at_once() -> None:
    errors = rejected(
        {"interval": "Daily", "Max Length": "lots", "Loud": "maybe", "Level": "x", "Nope": 1}
    )

    assert [e["path"] for e in errors] == [
        "settings.interval",
        "settings.Max Length",
        "settings.Loud",
        "settings.Level",
        "settings.Nope",
    ]


@pytest.mark.parametrize("values", [["interval"], "x", None, 3])
def test_values_must_be_an_object(values: Any) -> None:
    [error] = rejected(values)

    assert error["path"] == "settings"
    assert error["message"].startswith("settings must be an object {label: value}")


def test_custom_path() -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_values(DECLARED, {"Loud": "maybe"}, path="channel.settings")

    assert caught.value.errors[0]["path"] == "channel.settings.Loud"


# --- effective values -------------------------------------------------------------------


def test_effective_value_channel_then_org_then_default() -> None:
    item = {"label": "n", "default": 1}

    assert effective_value(item, {"n": 2}, {"n": 3}) == 3
    assert effective_value(item, {"n": 2}, {}) == 2
    assert effective_value(item, {"n": 2}, {"n": None}) == 2
    assert effective_value(item, {}, {}) == 1
    assert effective_value({"label": "n"}, {}, {}) == ""


def test_string_numbers_stay_strings() -> None:
    # spec 018: every number default is a string ("0.5", "10", "2000")
    declared = corpus_settings("018")
    org = validate_values(declared, {"Error Threshold": 25})
    channel = validate_values(declared, {"Slow Query Threshold": "0.75"})
    sent = effective_settings(declared, org, channel)

    assert sent[2] == {
        "label": "Slow Query Threshold",
        "type": "number",
        "required": False,
        "default": "0.75",
    }
    assert sent[5] == {
        "label": "Error Threshold",
        "type": "number",
        "required": True,
        "default": "25",
    }
    assert sent[6]["default"] == "2000"
    assert [list(s) for s in sent] == [list(d) for d in declared]


def test_real_numbers_stay_numbers() -> None:
    # spec 028: "Provide Speed" declares 1000 (a number)
    declared = corpus_settings("028")
    sent = effective_settings(declared, validate_values(declared, {"Provide Speed": "1500"}), {})

    assert sent[3] == {
        "label": "Provide Speed",
        "type": "number",
        "required": True,
        "default": 1500,
    }


def test_yes_no_checkbox_keeps_its_style() -> None:
    # spec 007: "default": "Yes"; we answer "No", not false, in the declared style
    declared = corpus_settings("007")
    sent = effective_settings(
        declared, validate_values(declared, {"Do you want to continue": False}), {}
    )

    assert sent == [
        {"label": "interval", "type": "text", "required": True, "default": "*/9 * * * *"},
        {"label": "Do you want to continue", "type": "checkbox", "required": True, "default": "No"},
    ]


def test_true_false_checkbox_keeps_its_style() -> None:
    # spec 108: checkboxes declared "true" / "false"
    declared = corpus_settings("108")
    org = validate_values(declared, {"Send Email": "yes", "include logs": False})
    sent = effective_settings(declared, org, {})

    assert [s["default"] for s in sent] == ["*/2 * * * *", "true", "true", "Basic", "false"]


def test_bool_checkbox_sends_bools() -> None:
    # spec 120: include_keywords is true, and has no required
    declared = corpus_settings("120")
    sent = effective_settings(declared, {}, {"include_keywords": False})

    assert sent[2] == {
        "label": "include_keywords",
        "type": "checkbox",
        "description": "Include key terms extracted from the text in the summary.",
        "default": False,
        "required": False,
    }
    assert list(sent[2]) == ["label", "type", "description", "default", "required"]


def test_required_string_becomes_a_bool() -> None:
    # spec 083: "required": "true"
    declared = corpus_settings("083")
    sent = effective_settings(declared, {}, {})

    assert sent[0] == {
        "label": "TELEX Webhook URL",
        "type": "text",
        "description": "The webhook URL of the Telex channel to which events will be forwarded.",
        "default": "https://ping.telex.im/v1/webhooks/your-webhook-id",
        "required": True,
    }
    assert list(sent[0]) == list(declared[0])


def test_missing_default_is_sent_as_an_empty_string_until_a_value_is_stored() -> None:
    # spec 030: three settings without a default; 27/30 Python models require `default`
    declared = corpus_settings("030")
    untouched = effective_settings(declared, {}, {})
    stored = effective_settings(declared, validate_values(declared, {"agent": "gemini"}), {})

    assert untouched[1] == {
        "label": "agent",
        "type": "radio",
        "options": ["gemini"],
        "description": "The Ai model of choice",
        "required": True,
        "default": "",
    }
    assert stored[1] == untouched[1] | {"default": "gemini"}
    assert list(stored[1])[-1] == "default"
    assert all("default" in item for item in untouched)


@pytest.mark.parametrize(
    ("setting_type", "empty", "as_string"),
    [
        ("text", "", ""),
        ("text_area", "", ""),
        ("number", 0, "0"),
        ("checkbox", False, "false"),
        ("dropdown", "", ""),
        ("multi-select", "", ""),
        ("Multi-Checkbox", "", ""),
        ("no such type", "", ""),
    ],
)
def test_no_default_and_no_value_is_the_types_empty_value(
    setting_type: str, empty: Any, as_string: str
) -> None:
    declared = [{"label": "x", "type": setting_type, "required": False}]

    [sent] = effective_settings(declared, {}, {})
    [sent_as_text] = effective_settings(declared, {}, {}, as_strings=True)

    assert sent["default"] == empty
    assert type(sent["default"]) is type(empty)
    assert sent_as_text["default"] == as_string


def test_a_declared_null_default_is_echoed() -> None:
    # Declared, so echoed as published: only an absent default gets the empty value.
    [sent] = effective_settings([{"label": "x", "type": "number", "default": None}], {}, {})

    assert sent["default"] is None


def test_multi_select_comma_string_stays_a_comma_string() -> None:
    # spec 012: "type": "Multi-Select", "default": "Email,API Alert"
    declared = corpus_settings("012")
    sent = effective_settings(
        declared, validate_values(declared, {"Notification Type": ["SMS", "Email"]}), {}
    )

    assert sent == [
        {
            "label": "Notification Type",
            "type": "Multi-Select",
            "description": "Description of the multi-select setting.",
            "default": "SMS,Email",
            "required": True,
        }
    ]


def test_multi_comma_string_keeps_its_separator() -> None:
    # spec 040: "default": "Super-Admin, Admin"
    declared = corpus_settings("040")
    org = validate_values(declared, {"Alert Admin": "Manager,Admin"})

    assert effective_settings(declared, org, {})[1]["default"] == "Manager, Admin"


def test_multi_list_default_stays_a_list() -> None:
    # spec 028: "default": ["Super-Admin"]
    declared = corpus_settings("028")
    org = validate_values(declared, {"Alert Admin": "Admin,developer"})

    assert effective_settings(declared, org, {})[5]["default"] == ["Admin", "Developer"]


def test_no_declared_default_types_by_setting_type() -> None:
    declared = [
        {"label": "n", "type": "number"},
        {"label": "c", "type": "checkbox"},
        {"label": "m", "type": "multi-select"},
        {"label": "t", "type": "text"},
    ]
    org = validate_values(declared, {"n": "7", "c": "yes", "m": ["a", "b"], "t": 5})

    assert [s["default"] for s in effective_settings(declared, org, {})] == [7, True, "a,b", "5"]


def test_type_less_setting_is_text() -> None:
    # spec 044: number_of_trending_songs has no type and extra keys (key, min, max)
    declared = corpus_settings("044")
    sent = effective_settings(
        declared, validate_values(declared, {"number_of_trending_songs": 12}), {}
    )

    assert sent[1] == {
        "label": "number_of_trending_songs",
        "description": "set how many trending songs should be fetched daily",
        "key": "limit",
        "default": "12",
        "min": "1",
        "max": "33",
        "required": False,
    }


def test_non_dict_items_are_skipped() -> None:
    declared: list[Any] = ["junk", {"label": "a", "default": "x"}, 3]

    assert effective_settings(declared, {}, {}) == [
        {"label": "a", "default": "x", "required": False}
    ]


def test_declared_null_default_is_sent_as_null() -> None:
    # spec 121: the interval default is null
    declared = [{"label": "interval", "type": "text", "default": None, "required": True}]

    assert effective_settings(declared, {}, {})[0]["default"] is None


def test_as_strings_coerces_every_default() -> None:
    declared = corpus_settings("028")
    org = validate_values(declared, {"Alert Admin": ["Admin", "Developer"]})
    sent = effective_settings(declared, org, {"Do you want to continue": True}, as_strings=True)

    assert [s["default"] for s in sent] == [
        "* * * * *",
        "1234567890",
        "Yes",
        "1000",
        "Low",
        "Admin,Developer",
    ]
    assert effective_settings([{"label": "c", "default": False}], {}, {}, as_strings=True) == [
        {"label": "c", "default": "false", "required": False}
    ]


@pytest.mark.parametrize(
    ("declared", "value", "expected"),
    [
        ("Yes", True, "Yes"),
        ("YES", False, "NO"),
        ("yes", False, "no"),
        ("True", False, "False"),
        ("on", False, "off"),
        ("0", True, "1"),
        ("5", True, "true"),
        ("1000", 1000.0, "1000"),
        (1000, "12", 12),
        (True, "no", False),
        (["a"], "a,b", ["a", "b"]),
        ({"x": 1}, "v", "v"),
    ],
)
def test_typed_like(declared: Any, value: Any, expected: Any) -> None:
    assert typed_like({"label": "x", "default": declared}, value) == expected


def test_as_text() -> None:
    assert [as_text(v) for v in (True, 3, 2.0, 0.5, ["a", 1], None, {"k": 1})] == [
        "true",
        "3",
        "2",
        "0.5",
        "a,1",
        "",
        '{"k": 1}',
    ]


# --- effective_interval ------------------------------------------------------------------


def test_effective_interval() -> None:
    declared = corpus_settings("006")  # label "Interval"

    assert effective_interval(declared, {}, {}) == "* * * * *"
    assert effective_interval(declared, {"Interval": "0 * * * *"}, {}) == "0 * * * *"
    assert effective_interval(declared, {"Interval": "0 * * * *"}, {"Interval": "*/5 * * * *"}) == (
        "*/5 * * * *"
    )


def test_effective_interval_without_setting_or_value() -> None:
    assert effective_interval(corpus_settings("003"), {}, {}) is None
    assert effective_interval([{"label": "interval", "type": "text"}], {}, {}) == ""
    assert effective_interval([{"label": "interval", "default": 60}], {}, {}) == "60"


# --- secrets ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "label",
    [
        "API Key",
        "api_key",
        "apiKey",
        "GitHub Secret",
        "github_token",
        "Password",
        "SMTP_PASSWORD",
        "openai-api-key",
        "Credentials",
        "Key",
        "Sentry DSN",
        "Auth",
    ],
)
def test_secret_labels(label: str) -> None:
    assert is_secret_label(label)


@pytest.mark.parametrize(
    "label",
    ["Keywords", "Monkey Mode", "interval", "Site-1", "Max Length", "Author", "tokens_used", 3],
)
def test_plain_labels(label: Any) -> None:
    assert not is_secret_label(label)
