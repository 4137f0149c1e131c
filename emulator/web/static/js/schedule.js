// The schedule: next fire time of every active interval integration per channel, a
// "Tick now" button per row, recent ticks, and (virtual clock) an "Advance clock" control.

import { get, paths, post, query } from "./api.js";
import { codeBlock, debounce, errorBox, formatMs, h, outcomeChip, relative, replace, utcTime } from "./dom.js";

const PRESETS = [
  ["+1 min", 60],
  ["+5 min", 300],
  ["+1 h", 3600],
  ["+1 day", 86400],
];

function tickSummary(tick) {
  return h(
    "span",
    { class: "tick-summary" },
    outcomeChip(tick.outcome ?? "pending"),
    tick.status_code ? ` HTTP ${tick.status_code}` : "",
    Number.isFinite(tick.latency_ms) ? ` · ${formatMs(tick.latency_ms)}` : "",
    tick.reason ? ` · ${tick.reason}` : "",
  );
}

export function mountSchedule(root, ctx) {
  const clockLine = h("p", { class: "clock-line" });
  const advanceArea = h("div", { class: "advance" });
  const tableWrap = h("div", { class: "table-wrap" });
  const tickResult = h("div", { class: "tick-result", "aria-live": "polite" });
  const recentWrap = h("div", { class: "table-wrap" });
  let clock = { now: null, mode: "real" };

  function channelName(id) {
    const channel = ctx.channelById(id);
    return channel ? `#${channel.name}` : `channel ${String(id).slice(0, 8)}`;
  }

  let advanceMode = null;
  function renderAdvance() {
    if (advanceMode === clock.mode) return; // keep the form (and its last result) as it is
    advanceMode = clock.mode;
    if (clock.mode !== "virtual") {
      replace(advanceArea, h("p", { class: "muted", text: "The clock is real: intervals fire on their own. Start the emulator with --clock virtual to move time by hand." }));
      return;
    }
    const amount = h("input", { id: "advance-amount", class: "input input-number", type: "number", min: "1", step: "1", value: "5" });
    const unit = h(
      "select",
      { id: "advance-unit", class: "input", "aria-label": "Unit" },
      h("option", { value: "1", text: "seconds" }),
      h("option", { value: "60", text: "minutes" }),
      h("option", { value: "3600", text: "hours" }),
      h("option", { value: "86400", text: "days" }),
    );
    unit.value = "60";
    const result = h("div", { class: "advance-result", "aria-live": "polite" });
    const form = h(
      "form",
      { class: "advance-form", "aria-label": "Advance the virtual clock" },
      h("label", { for: "advance-amount", class: "field-label", text: "Advance the virtual clock by" }),
      h("div", { class: "advance-row" }, amount, unit, h("button", { type: "submit", class: "btn btn-primary", text: "Advance clock" })),
      h(
        "div",
        { class: "presets", role: "group", "aria-label": "Quick steps" },
        PRESETS.map(([text, seconds]) => h("button", { type: "button", class: "btn btn-small", text, onclick: () => advance(seconds, result) })),
      ),
      result,
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const seconds = Number(amount.value) * Number(unit.value);
      if (!Number.isFinite(seconds) || seconds <= 0) {
        replace(result, errorBox(new Error("Enter a positive amount of time.")));
        return;
      }
      advance(seconds, result);
    });
    replace(advanceArea, form);
  }

  async function advance(seconds, result) {
    replace(result, h("p", { class: "muted", text: "Advancing… every tick due on the way fires in time order." }));
    try {
      const answer = await post(paths.advance(), { seconds });
      const ticks = Array.isArray(answer) ? answer : answer?.ticks ?? answer?.fired ?? [];
      replace(result,
        h("p", { class: "ok-line", text: `Advanced ${seconds >= 60 ? `${seconds / 60} min` : `${seconds} s`}; ${ticks.length} tick${ticks.length === 1 ? "" : "s"} fired.` }),
        ticks.length
          ? h(
              "ul",
              { class: "plain-list fired-list" },
              ticks.map((tick) => h("li", {}, h("span", { class: "mono", text: utcTime(tick.scheduled_for ?? tick.fired_at) }), " ", ctx.integrationName(tick.integration_id) ?? "integration", " → ", channelName(tick.channel_id), " ", tickSummary(tick))),
            )
          : null,
      );
      await load();
      ctx.refreshClock();
    } catch (error) {
      replace(result, errorBox(error, { title: "Clock not advanced" }));
    }
  }

  async function tickNow(row, button) {
    button.disabled = true;
    replace(tickResult, h("p", { class: "muted", text: `Ticking ${row.app_name ?? "integration"} on ${channelName(row.channel_id)}… (waits for its answer)` }));
    try {
      const tick = await post(paths.ticks(), { integration_id: row.integration_id, channel_id: row.channel_id });
      replace(tickResult,
        h(
          "div",
          { class: "alert alert-info" },
          h("p", {}, h("strong", { text: `Tick sent to ${row.app_name ?? "integration"}: ` }), tickSummary(tick)),
          tick.url ? h("p", { class: "muted small" }, "POST ", h("code", { text: tick.url })) : null,
        ),
      );
      await load();
    } catch (error) {
      replace(tickResult, errorBox(error, { title: "Tick failed" }));
    } finally {
      button.disabled = false;
    }
  }

  function renderSchedule(rows) {
    if (!rows.length) {
      replace(tableWrap,
        h("p", { class: "empty-line", text: "No interval integration is active on any channel. Install one under Integrations and activate it on a channel; its next fire times show here." }),
      );
      return;
    }
    replace(tableWrap,
      h(
        "table",
        { class: "table schedule-table" },
        h("caption", { class: "visually-hidden", text: "Next fire time per interval integration and channel" }),
        h("thead", {}, h("tr", {}, ["Integration", "Channel", "Interval", "Next fire", ""].map((text) => h("th", { scope: "col", text })))),
        h(
          "tbody",
          {},
          rows.map((row) => {
            const button = h("button", { type: "button", class: "btn btn-small btn-primary", text: "Tick now", "aria-label": `Tick ${row.app_name ?? "integration"} on ${channelName(row.channel_id)} now` });
            button.addEventListener("click", () => tickNow(row, button));
            return h(
              "tr",
              { dataset: { integration: row.integration_id, channel: row.channel_id } },
              h("td", { "data-label": "Integration", text: row.app_name ?? ctx.integrationName(row.integration_id) ?? row.integration_id }),
              h("td", { "data-label": "Channel", text: channelName(row.channel_id) }),
              h("td", { "data-label": "Interval" }, row.interval ? h("code", { text: row.interval }) : h("span", { class: "muted", text: "none (tick now only)" })),
              h(
                "td",
                { "data-label": "Next fire", class: "next-fire" },
                row.next_fire_at
                  ? [h("time", { datetime: row.next_fire_at, text: utcTime(row.next_fire_at) }), h("span", { class: "muted", text: ` ${relative(row.next_fire_at, clock.now)}` })]
                  : h("span", { class: "muted", text: row.reason || "never on its own" }),
              ),
              h("td", { class: "actions" }, button),
            );
          }),
        ),
      ),
    );
  }

  function renderRecent(ticks) {
    if (!ticks.length) {
      replace(recentWrap, h("p", { class: "empty-line", text: "No tick has fired yet." }));
      return;
    }
    replace(recentWrap,
      h(
        "table",
        { class: "table" },
        h("thead", {}, h("tr", {}, ["When", "Integration", "Channel", "Trigger", "Result"].map((text) => h("th", { scope: "col", text })))),
        h(
          "tbody",
          {},
          ticks.slice(0, 30).map((tick) =>
            h(
              "tr",
              {},
              h("td", { "data-label": "When", class: "mono", text: utcTime(tick.fired_at ?? tick.scheduled_for) }),
              h("td", { "data-label": "Integration", text: ctx.integrationName(tick.integration_id) ?? tick.integration_id }),
              h("td", { "data-label": "Channel", text: channelName(tick.channel_id) }),
              h("td", { "data-label": "Trigger", text: tick.trigger ?? "" }),
              h("td", { "data-label": "Result" }, tickSummary(tick), tick.response_body ? codeBlock(tick.response_body) : null),
            ),
          ),
        ),
      ),
    );
  }

  async function load() {
    try {
      clock = await get(paths.clock());
      replace(clockLine,
        h("strong", { text: clock.mode === "virtual" ? "Virtual clock" : "Real clock" }),
        ` · now ${utcTime(clock.now)}`,
        clock.mode === "virtual" ? h("span", { class: "muted", text: " · time only moves when you advance it (or tick now)" }) : null,
      );
      renderAdvance();
    } catch (error) {
      replace(clockLine, errorBox(error, { title: "Clock unavailable" }));
    }
    try {
      renderSchedule(await get(paths.schedule()));
    } catch (error) {
      replace(tableWrap, errorBox(error, { title: "Schedule unavailable" }));
    }
    try {
      const ticks = await get(`${paths.ticks()}${query({ limit: 30 })}`);
      const list = Array.isArray(ticks) ? [...ticks] : [];
      list.sort((a, b) => String(b.fired_at ?? "").localeCompare(String(a.fired_at ?? "")));
      renderRecent(list);
    } catch (error) {
      replace(recentWrap, errorBox(error, { title: "Recent ticks unavailable" }));
    }
  }

  replace(root,
    h(
      "div",
      { class: "page" },
      h("header", { class: "view-header" }, h("div", { class: "view-title" }, h("h1", { text: "Schedule" })), h("p", { class: "muted", text: "Interval integrations are ticked when their crontab (the interval setting) fires. Times are UTC." })),
      h("section", { class: "panel", "aria-labelledby": "clock-title" }, h("h2", { id: "clock-title", text: "Clock" }), clockLine, advanceArea),
      h("section", { class: "panel-plain", "aria-labelledby": "next-title" }, h("h2", { id: "next-title", text: "Next fire times" }), tickResult, tableWrap),
      h("section", { class: "panel-plain", "aria-labelledby": "recent-title" }, h("h2", { id: "recent-title", text: "Recent ticks" }), recentWrap),
    ),
  );
  load();
  const reloadSoon = debounce(load, 250);
  // On the real clock "in 40 s" goes stale by itself; the virtual one only moves on events.
  const timer = setInterval(() => clock.mode === "real" && load(), 15000);

  return {
    onEvent(type) {
      if (["tick.fired", "tick.finished", "integration.changed"].includes(type)) reloadSoon();
    },
    refresh: load,
    destroy() {
      clearInterval(timer);
    },
  };
}
