"""The structure an integration JSON must have to load at all, as pydantic models.

Only what Telex itself cannot do without is checked here (a known `integration_type`,
settings that are objects with a label); everything else is a lint rule (spec.rules).
Unknown keys are kept, never rejected. Imported lazily by `spec.check`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, StrictStr, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from emulator.spec.model import normalise_integration_type


class _SettingModel(BaseModel):
    model_config = ConfigDict(extra="allow")  # unknown keys are kept, never rejected
    label: StrictStr

    @field_validator("label")
    @classmethod
    def _label_not_blank(cls, label: str) -> str:
        if not label.strip():
            raise PydanticCustomError("label_blank", "blank label")
        return label


class _DescriptionsModel(BaseModel):
    model_config = ConfigDict(extra="allow")


class _IntegrationModel(BaseModel):
    model_config = ConfigDict(extra="allow")
    integration_type: StrictStr
    # Go integrations marshal an empty slice as null: treat it as no settings.
    settings: list[_SettingModel] | None = None
    descriptions: _DescriptionsModel | None = None

    @field_validator("integration_type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if normalise_integration_type(value) is None:
            raise PydanticCustomError("integration_type_unknown", "unknown integration type")
        return value


def structural_errors(root: dict[str, Any]) -> list[Any]:
    """pydantic's error dicts (loc, type, input) for `root`, the integration object."""
    try:
        _IntegrationModel.model_validate(root)
    except ValidationError as exc:
        return list(exc.errors())
    return []
