"""Every real integration JSON in tests/corpus installs, or is rejected for a stated
reason; `check` says which ones Telex could not call as published, and why."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest

from emulator.json_document import parse_json_document
from emulator.spec.check import check_spec, errors_of, warnings_of
from emulator.spec.model import empty_value
from emulator.spec.values import effective_settings
from tests.conftest import corpus_files, corpus_manifest

# Rejections a Telex user would agree with. A new rejection fails the test: either the
# linter got stricter than it should, or the file belongs here with its reason.
EXPECTED_REJECTIONS = {
    "054-blockchain-news-integrator.json": (
        "no integration_type: a bare object with `type: interval`, `descriptions` in "
        "en/fr and no tick_url; not a Telex integration JSON"
    ),
}


# Specs Telex cannot call as published, even with every run-time placeholder filled in:
# an error to `check`, a warning to an install (the URL can be overridden locally).
EXPECTED_UNCALLABLE = {
    "012-Channel-Name-notifier.json": "an output with an empty target_url",
    "028-Learning-Language-Assistant.json": "an output with an empty target_url",
    "032-NASA-Astronomy-Picture-of-the-Day-Integration.json": "tick_url is a description",
    "039-Security_Sentinel.json": "tick_url is a description",
    "083-github-telex-integration.json": "an output with an empty target_url",
}
CANNOT_CALL = "Telex cannot call this integration as published"


def _corpus_files() -> list[Path]:
    return sorted(corpus_files())


def _manifest() -> dict[str, dict[str, Any]]:
    return {e["file"]: e for e in corpus_manifest()}


def _load(path: Path) -> Any:
    doc, findings = parse_json_document(path.read_bytes(), str(path))
    assert findings == [], findings
    return doc


def test_corpus_is_there_and_every_file_has_its_source() -> None:
    files = _corpus_files()
    assert len(files) == 116
    on_disk = {p.name for p in files[0].parent.glob("*.json")} - {"manifest.json"}
    assert on_disk == {p.name for p in files}, "a corpus file is not in manifest.json"
    for entry in corpus_manifest():
        assert re.fullmatch(r"[\w.-]+/[\w.-]+", entry["repo"]), entry
        assert entry["path"], entry
        assert re.fullmatch(r"[0-9a-f]{40}", entry["commit"]), entry


def test_every_spec_installs_or_is_an_expected_rejection() -> None:
    loaded, warned, rejected = 0, 0, {}
    for path in _corpus_files():
        spec, findings = check_spec(_load(path), "install")
        assert not any("internal error" in f.message for f in findings), path.name
        if spec is None:
            rejected[path.name] = [f.message for f in errors_of(findings)]
            continue
        loaded += 1
        warned += bool(warnings_of(findings))
    print(f"\nspec corpus: {loaded} loaded ({warned} with warnings), {len(rejected)} rejected")
    for name, why in rejected.items():
        print(f"  rejected {name}: {'; '.join(why)}")

    assert set(rejected) == set(EXPECTED_REJECTIONS), rejected
    assert warned == loaded


def test_check_names_the_specs_telex_cannot_call() -> None:
    uncallable = {}
    for path in _corpus_files():
        doc = _load(path)
        for dotted in _manifest()[path.name]["placeholders"]:
            _set_path(doc, dotted, f"http://127.0.0.1:8000/{dotted.split('.')[-1]}")
        spec, findings = check_spec(doc, "check")
        if spec is None:
            continue  # rejected outright: the test above
        errors = errors_of(findings)
        assert all(CANNOT_CALL in f.message for f in errors), (path.name, errors)
        if errors:
            uncallable[path.name] = [f.message for f in errors]
    print(f"\ncheck: {len(uncallable)} specs Telex cannot call as published")

    assert set(uncallable) == set(EXPECTED_UNCALLABLE), uncallable


def test_run_time_urls_are_check_errors_and_install_warnings() -> None:
    """The corpus holds `<expr:…>` where a server computes its URL: as a served value
    Telex could not call it, so `check` says so, while an install only warns."""
    seen = 0
    for path in _corpus_files():
        placeholders = _manifest()[path.name]["placeholders"]
        kind = str(_manifest()[path.name]["integration_type"]).lower()
        called = "data.tick_url" if kind == "interval" else "data.target_url"
        if called not in placeholders:
            continue
        doc = _load(path)
        at = "$." + called
        checked = [f for f in check_spec(doc, "check")[1] if f.path == at]
        installed = [f for f in check_spec(doc, "install")[1] if f.path == at]
        assert [f.severity for f in checked] == ["error"], (path.name, checked)
        assert [f.severity for f in installed] == ["warning"], (path.name, installed)
        seen += 1

    assert seen >= 40


@pytest.mark.parametrize("path", _corpus_files(), ids=lambda p: p.name[:3])
def test_each_spec_findings_are_well_formed(path: Path) -> None:
    spec, findings = check_spec(_load(path))
    root = "$.data" if _manifest()[path.name]["wrapped"] else "$"

    for finding in findings:
        assert finding.path.startswith(root) or finding.path == "$", finding
        assert finding.message, finding
        assert finding.hint, finding
    if spec is not None:
        assert spec.integration_type in ("interval", "modifier", "output")
        assert spec.app_name


def test_manifest_quirks_are_reported() -> None:
    """Spot checks that the linter sees what the manifest says is there.

    Not `unknown_type`: the manifest counts `text_area`, a real Telex type, among them.
    """
    quirk_words = {
        "number_default_string": ("number default is the string",),
        "checkbox_default_Yes/No string": ("checkbox default is a string",),
        "interval_default_not_5field_cron": ("not a valid 5-field crontab",),
        "interval_setting_missing": ("without an 'interval' setting",),
        "target_url_production_host": ("target_url points at a",),
        "tick_url_production_host": ("tick_url points at a",),
        "required_non_bool": ("required is a string",),
    }
    for path in _corpus_files():
        spec, findings = check_spec(_load(path))
        if spec is None:
            continue
        said = " | ".join(f.message for f in findings)
        for quirk in _manifest()[path.name]["quirks"]:
            words = quirk_words.get(re.sub(r" x\d+$", "", quirk))
            if words is None or (quirk.endswith("production_host") and _not_called(spec, quirk)):
                continue
            assert any(word in said for word in words), (path.name, quirk, said)


def _not_called(spec: Any, quirk: str) -> bool:
    # The emulator never calls a modifier's or output's tick_url, so it is not linted.
    return quirk.startswith("tick_url") and spec.integration_type != "interval"


def _set_path(doc: Any, dotted: str, value: str) -> None:
    """Set `data.settings[0].default`-style paths (the manifest's placeholder notation)."""
    keys: list[str | int] = []
    for part in dotted.split("."):
        name, *indexes = re.split(r"\[(\d+)\]", part)
        keys.append(name)
        keys += [int(i) for i in indexes if i]
    target = doc
    for key in keys[:-1]:
        target = target[key]
    target[keys[-1]] = value


def test_placeholders_replaced_by_local_urls_load_without_url_warnings() -> None:
    checked = 0
    for path in _corpus_files():
        placeholders = _manifest()[path.name]["placeholders"]
        if not placeholders:
            continue
        doc = _load(path)
        for dotted in placeholders:
            _set_path(doc, dotted, f"http://127.0.0.1:8000/{dotted.split('.')[-1]}")
        spec, findings = check_spec(doc)
        assert spec is not None, (path.name, findings)
        url_paths = {"$." + p for p in placeholders if p.endswith(("target_url", "tick_url"))}
        assert not [f for f in findings if f.path in url_paths], (path.name, findings)
        for dotted in placeholders:
            if dotted in ("data.target_url", "data.tick_url"):
                field = dotted.split(".")[-1]
                assert getattr(spec, field) == f"http://127.0.0.1:8000/{field}", path.name
        checked += 1
    print(f"\nplaceholders: {checked} specs loaded with local URLs")

    assert checked >= 40


def test_untouched_settings_are_echoed_as_declared() -> None:
    """With no stored values, Telex sends each declared item back as it was, plus a bool
    `required` and, where none was declared, a `default` with the type's empty value: the
    typed-like rule must not change a single declared default."""
    added = 0
    for path in _corpus_files():
        spec, _ = check_spec(_load(path))
        if spec is None:
            continue
        declared = copy.deepcopy(spec.settings)
        sent = effective_settings(spec.settings, {}, {})

        assert spec.settings == declared, path.name  # not mutated
        assert len(sent) == len(declared), path.name
        for item, out in zip(declared, sent, strict=True):
            assert list(out)[: len(item)] == list(item), path.name
            expected = item | {"default": item.get("default", empty_value(item))}
            assert {k: v for k, v in out.items() if k != "required"} == {
                k: v for k, v in expected.items() if k != "required"
            }, path.name
            assert isinstance(out["required"], bool), path.name
            added += "default" not in item
    print(f"\nsettings without a declared default, sent with an empty one: {added}")

    assert added >= 10  # CONTRACT §1.1: `default` absent 11 times
