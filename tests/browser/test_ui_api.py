"""GET /-/cron/preview: the next fire times the settings form shows as you type."""

from __future__ import annotations

import pytest

from tests.browser.conftest import Server


async def test_preview_gives_the_next_fire_times_on_the_emulator_clock(server: Server) -> None:
    clock = await server.call("GET", "/-/clock")
    preview = await server.call("GET", "/-/cron/preview?expr=*/15%20*%20*%20*%20*&count=4")

    assert preview["valid"] is True
    assert preview["error"] is None
    assert preview["now"] == clock["now"]  # the virtual clock, not the wall clock
    assert len(preview["next"]) == 4
    assert preview["next"] == sorted(preview["next"])
    assert all(at[14:19] in {"00:00", "15:00", "30:00", "45:00"} for at in preview["next"])


@pytest.mark.parametrize("expr", ["", "Daily", "@hourly", "60", "* * * *", "99 * * * *"])
async def test_preview_explains_an_invalid_crontab(server: Server, expr: str) -> None:
    preview = await server.call("GET", f"/-/cron/preview?expr={expr}")

    assert preview["valid"] is False
    assert preview["next"] == []
    assert "crontab" in preview["error"]


async def test_bad_count_is_an_envelope(server: Server) -> None:
    error = await server.call("GET", "/-/cron/preview?expr=*%20*%20*%20*%20*&count=x", status=400)

    assert error["status"] == "error"
    assert "count" in error["message"]


async def test_the_page_is_served_with_a_strict_content_security_policy(server: Server) -> None:
    async with server.http.get(server.url + "/") as response:
        assert response.status == 200
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert '<script type="module" src="/static/app.js">' in await response.text()
