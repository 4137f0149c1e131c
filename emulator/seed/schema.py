"""The seed file schema (pydantic), and its errors as findings with paths into the file.

```yaml
version: 1
organisations:
  - name: Acme                       # key: organisations are found by name
    integrations:                    # installed in this organisation
      - name: filter                 # how channels below refer to it
        json_url: http://127.0.0.1:8001/integration.json   # or  spec: {...inline JSON...}
        target_url: http://127.0.0.1:8001/target           # optional URL overrides
        tick_url: null
        settings: {mask: "***"}      # organisation values, by label
    channels:
      - name: general                # key: channels are found by name in the organisation
        description: ""
        integrations:                # activations; the list order is the chain order
          - name: filter
            active: true
            settings: {}             # channel overrides, by label
    agents: []                       # extension point: agents land separately
```
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from emulator.findings import Finding, json_path

SCHEMA_HINT = "see 'Seed files' in the README for the schema"
Name = Field(min_length=1, max_length=200)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class IntegrationSeed(_Strict):
    name: str = Name
    json_url: str | None = None
    spec: dict[str, Any] | None = None
    target_url: str | None = None
    tick_url: str | None = None
    settings: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_source(self) -> IntegrationSeed:
        if (self.json_url is None) == (self.spec is None):
            raise ValueError("give exactly one of json_url and spec")
        return self


class ActivationSeed(_Strict):
    name: str = Name
    active: bool = True
    settings: dict[str, Any] = Field(default_factory=dict)


class ChannelSeed(_Strict):
    name: str = Name
    description: str = ""
    integrations: list[ActivationSeed] = Field(default_factory=list)


class OrganisationSeed(_Strict):
    name: str = Name
    integrations: list[IntegrationSeed] = Field(default_factory=list)
    channels: list[ChannelSeed] = Field(default_factory=list)
    # Extension point: agents (A2A) are seeded here once the emulator has them.
    agents: list[Any] = Field(default_factory=list)


class SeedFile(_Strict):
    version: Literal[1] = 1
    organisations: list[OrganisationSeed] = Field(default_factory=list)


_HINTS = {
    "extra_forbidden": "remove it, or check its spelling; " + SCHEMA_HINT,
    "missing": "add it; " + SCHEMA_HINT,
    "string_type": "write a string",
    "bool_type": "write true or false",
    "dict_type": "write an object (a mapping)",
    "list_type": "write a list",
    "literal_error": "write version: 1",
    "string_too_short": "give a name",
}


def parse(document: Any) -> tuple[SeedFile | None, list[Finding]]:
    """The seed file, or None and every problem (schema, then cross-references)."""
    try:
        seed = SeedFile.model_validate(document)
    except ValidationError as exc:
        return None, [_finding(error) for error in exc.errors()]
    problems = cross_check(seed)
    return (None if problems else seed), problems


def _finding(error: Any) -> Finding:
    loc = [part for part in error["loc"] if not str(part).startswith("function-after")]
    message = str(error["msg"]).removeprefix("Value error, ")
    hint = _HINTS.get(error["type"], SCHEMA_HINT)
    return Finding("error", json_path("$", *loc), message, hint)


def cross_check(seed: SeedFile) -> list[Finding]:
    """Duplicate names, activations naming no integration, agents not supported yet."""
    problems: list[Finding] = []

    def duplicates(items: list[Any], path: tuple[Any, ...], what: str) -> None:
        seen: set[str] = set()
        for index, item in enumerate(items):
            if item.name in seen:
                problems.append(
                    Finding(
                        "error",
                        json_path("$", *path, index, "name"),
                        f"a second {what} named {item.name!r}",
                        f"{what} names are keys: give each a different name",
                    )
                )
            seen.add(item.name)

    duplicates(seed.organisations, ("organisations",), "organisation")
    for o, org in enumerate(seed.organisations):
        base = ("organisations", o)
        duplicates(org.integrations, (*base, "integrations"), "integration")
        duplicates(org.channels, (*base, "channels"), "channel")
        names = [integration.name for integration in org.integrations]
        for c, channel in enumerate(org.channels):
            duplicates(channel.integrations, (*base, "channels", c, "integrations"), "activation")
            for a, activation in enumerate(channel.integrations):
                if activation.name not in names:
                    problems.append(
                        Finding(
                            "error",
                            json_path("$", *base, "channels", c, "integrations", a, "name"),
                            f"no integration named {activation.name!r} in {org.name!r}",
                            f"integrations of this organisation: {', '.join(names) or 'none'}",
                        )
                    )
        if org.agents:
            problems.append(
                Finding(
                    "error",
                    json_path("$", *base, "agents"),
                    "this emulator has no agents yet",
                    "leave agents out (or empty) until the emulator supports A2A agents",
                )
            )
    return problems
