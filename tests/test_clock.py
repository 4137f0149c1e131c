"""The clock: VirtualClock itself, and GET /-/clock, POST /-/clock/advance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from emulator.clock import RealClock, VirtualClock, make_clock
from emulator.config import Config
from emulator.errors import ValidationFailed
from emulator.ticks.driver import advance_target, parse_until
from tests.conftest import Emulator, replace

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def test_virtual_clock_moves_only_forwards() -> None:
    clock = VirtualClock(T0)
    assert clock.now() == T0
    clock.advance(90)
    assert clock.now() == T0 + timedelta(seconds=90)
    clock.set(datetime(2025, 1, 2))  # naive means UTC
    assert clock.now() == datetime(2025, 1, 2, tzinfo=UTC)
    with pytest.raises(ValueError, match="backwards"):
        clock.set(T0)
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(-1)


def test_make_clock() -> None:
    assert isinstance(make_clock("virtual"), VirtualClock)
    assert isinstance(make_clock("real"), RealClock)
    assert make_clock("real").now().tzinfo is not None


def test_advance_target() -> None:
    assert advance_target(T0, seconds=60) == T0 + timedelta(seconds=60)
    assert advance_target(T0, seconds=0.5) == T0 + timedelta(seconds=0.5)
    assert advance_target(T0, until="2025-01-01T01:00:00Z") == T0 + timedelta(hours=1)
    assert advance_target(T0, until="2025-01-01T01:00:00") == T0 + timedelta(hours=1)
    assert advance_target(T0, until="2025-01-01T02:00:00+01:00") == T0 + timedelta(hours=1)
    assert parse_until("2025-01-01 00:00") == T0


@pytest.mark.parametrize(
    ("seconds", "until", "says"),
    [
        (None, None, "exactly one"),
        (60, "2025-01-02T00:00:00Z", "exactly one"),
        (-1, None, "between 0"),
        ("60", None, "a number"),
        (True, None, "a number"),
        (float("nan"), None, "between 0"),
        (None, "tomorrow", "ISO 8601"),
        (None, 12, "ISO 8601"),
        (None, "2024-12-31T23:59:59Z", "in the past"),
    ],
)
def test_advance_target_refuses_bad_input(seconds: object, until: object, says: str) -> None:
    with pytest.raises(ValidationFailed, match=says):
        advance_target(T0, seconds, until)


async def test_clock_endpoint(emulator: Emulator) -> None:
    data = await emulator.call("GET", "/-/clock", status=200)
    assert data["mode"] == "virtual"
    now = datetime.fromisoformat(data["now"].replace("Z", "+00:00"))
    assert now == emulator.services.clock.now()


async def test_advance_moves_the_virtual_clock(emulator: Emulator) -> None:
    before = emulator.services.clock.now()
    data = await emulator.call("POST", "/-/clock/advance", {"seconds": 90}, status=200)
    assert data["ticks"] == []
    assert emulator.services.clock.now() == before + timedelta(seconds=90)
    assert data["now"] == (before + timedelta(seconds=90)).isoformat().replace("+00:00", "Z")

    until = (before + timedelta(hours=2)).isoformat()
    data = await emulator.call("POST", "/-/clock/advance", {"until": until}, status=200)
    assert emulator.services.clock.now() == before + timedelta(hours=2)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"seconds": -5},
        {"seconds": "soon"},
        {"until": "yesterday"},
        {"until": "2000-01-01T00:00:00Z"},
        {"seconds": 1, "until": "2100-01-01T00:00:00Z"},
        {"minutes": 5},
    ],
)
async def test_advance_rejects_bad_input_with_422(emulator: Emulator, body: dict) -> None:
    before = emulator.services.clock.now()
    data = await emulator.call("POST", "/-/clock/advance", body, status=422)
    assert data["status"] == "error"
    assert data["data"]["errors"][0]["hint"]
    assert emulator.services.clock.now() == before


async def test_advance_needs_a_json_object(emulator: Emulator) -> None:
    response = await emulator.client.post("/-/clock/advance", data=b"not json")
    assert response.status == 400


async def test_advance_on_a_real_clock_is_409(config: Config, make_emulator) -> None:
    real = await make_emulator(replace(config, clock_mode="real"))
    assert (await real.call("GET", "/-/clock", status=200))["mode"] == "real"
    data = await real.call("POST", "/-/clock/advance", {"seconds": 60}, status=409)
    assert "--clock virtual" in data["message"]
