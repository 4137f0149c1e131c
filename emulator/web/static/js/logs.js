// Delivery log (every request the emulator sent) and returns log (every body received on a
// webhook path, with its verdict), each with filters and a request/response body viewer.

import { get, paths, query } from "./api.js";
import { add, codeBlock, debounce, errorBox, formatMs, h, outcomeChip, replace, shortUtc, utcTime } from "./dom.js";

const KINDS = ["modifier", "output", "target", "tick", "auth_callback", "agent", "agent_push"];
const OUTCOMES = ["ok", "skipped", "error", "timeout"];
const CORRELATIONS = ["matched", "late", "orphan"];

function selectField(id, label, choices, value) {
  const select = h(
    "select",
    { id, class: "input" },
    h("option", { value: "", text: "all" }),
    choices.map(([key, text]) => h("option", { value: key, text })),
  );
  select.value = value ?? "";
  return { select, field: h("div", { class: "filter" }, h("label", { for: id, class: "field-label", text: label }), select) };
}

/** A table whose rows open a detail row (button in the first cell, aria-expanded). */
function logTable({ caption, columns, rows, key, cells, detail, expanded }) {
  const body = h("tbody");
  for (const row of rows) {
    const id = key(row);
    const detailRow = h("tr", { class: "detail-row", hidden: !expanded.has(id), id: `detail-${id}` }, h("td", { colspan: columns.length + 1 }, expanded.has(id) ? detail(row) : null));
    const toggle = h("button", {
      type: "button",
      class: "btn btn-icon row-toggle",
      "aria-expanded": String(expanded.has(id)),
      "aria-controls": `detail-${id}`,
      "aria-label": "Show request and response",
      text: expanded.has(id) ? "▾" : "▸",
    });
    toggle.addEventListener("click", () => {
      const open = detailRow.hidden;
      detailRow.hidden = !open;
      if (open) {
        expanded.add(id);
        if (!detailRow.firstChild.firstChild) add(detailRow.firstChild, detail(row));
      } else expanded.delete(id);
      toggle.setAttribute("aria-expanded", String(open));
      toggle.textContent = open ? "▾" : "▸";
    });
    const tr = h("tr", { class: "log-row", dataset: { id } }, h("td", { class: "toggle-cell" }, toggle), cells(row).map((cell, index) => h("td", { "data-label": columns[index] }, cell)));
    add(body, tr, detailRow);
  }
  return h(
    "table",
    { class: "table log-table" },
    h("caption", { class: "visually-hidden", text: caption }),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, h("span", { class: "visually-hidden", text: "Details" })), columns.map((text) => h("th", { scope: "col", text })))),
    body,
  );
}

function mountLog(root, ctx, spec) {
  const expanded = new Set();
  const filters = spec.filters(ctx);
  const tableWrap = h("div", { class: "table-wrap" });
  const count = h("p", { class: "muted count-line", "aria-live": "polite" });
  const form = h(
    "form",
    { class: "filters", "aria-label": `Filter the ${spec.noun}` },
    filters.map((f) => f.field),
    h("button", { type: "button", class: "btn btn-small", text: "Clear filters", onclick: () => {
      for (const f of filters) f.select.value = "";
      load();
    } }),
  );
  form.addEventListener("change", () => load());
  form.addEventListener("submit", (event) => event.preventDefault());

  async function load() {
    const params = Object.fromEntries(filters.map((f) => [f.param, f.select.value]));
    try {
      const rows = spec.keep(await get(`${spec.path}${query({ ...params, limit: 200 })}`), params);
      count.textContent = `${rows.length} ${rows.length === 1 ? spec.one : spec.noun}${rows.length === 200 ? " (latest 200)" : ""}`;
      replace(tableWrap,
        rows.length
          ? logTable({ ...spec.table(ctx), rows, expanded })
          : h("p", { class: "empty-line", text: Object.values(params).some(Boolean) ? "Nothing matches these filters." : spec.empty }),
      );
    } catch (error) {
      replace(tableWrap, errorBox(error, { title: `Could not load the ${spec.noun}` }));
    }
  }

  replace(root,
    h(
      "div",
      { class: "page" },
      h("header", { class: "view-header" }, h("div", { class: "view-title" }, h("h1", { text: spec.title })), h("p", { class: "muted", text: spec.intro })),
      h("section", { class: "panel-plain", "aria-label": spec.title }, form, count, tableWrap),
    ),
  );
  load();
  const reloadSoon = debounce(load, 250);
  return {
    onEvent(type) {
      if (type === spec.event) reloadSoon();
    },
    refresh: load,
    destroy() {},
  };
}

// The channel has its own column: shorten its id inside the path.
function shortPath(row) {
  const path = String(row.path ?? "");
  const id = String(row.channel_id ?? "");
  return id && path.includes(id) ? path.replace(id, `…${id.slice(-6)}`) : path;
}

function channelChoices(ctx) {
  return ctx.channels.map((c) => [c.id, `#${c.name}`]);
}

function channelLabel(ctx, id) {
  if (!id) return "—";
  const channel = ctx.channelById(id);
  return channel ? `#${channel.name}` : String(id).slice(0, 8);
}

export function mountDeliveries(root, ctx) {
  return mountLog(root, ctx, {
    title: "Delivery log",
    noun: "deliveries",
    one: "delivery",
    path: paths.deliveries(),
    event: "delivery.finished",
    intro: "Every request the emulator sent to an integration or agent (modifiers, outputs, ticks, auth callbacks, agent calls) and every push an agent sent back. Open a row for the request and response bodies.",
    empty: "No delivery yet. Send a message in a channel with active integrations, or tick an interval.",
    filters: (c) => [
      { param: "channel_id", ...selectField("f-channel", "Channel", channelChoices(c)) },
      { param: "integration_id", ...selectField("f-integration", "Integration", c.integrations.map((i) => [i.id, i.app_name])) },
      { param: "agent_id", ...selectField("f-agent", "Coworker", c.agents.map((a) => [a.id, a.name])) },
      { param: "kind", ...selectField("f-kind", "Kind", KINDS.map((k) => [k, k])) },
      { param: "outcome", ...selectField("f-outcome", "Outcome", OUTCOMES.map((o) => [o, o])) },
    ],
    keep: (rows, params) =>
      rows.filter((row) => ["channel_id", "integration_id", "agent_id", "kind", "outcome"].every((name) => !params[name] || row[name] === params[name])),
    table: (c) => ({
      caption: "Deliveries, newest first",
      columns: ["Time (UTC)", "Kind", "Integration or agent", "Channel", "Outcome", "Latency"],
      key: (row) => row.id,
      cells: (row) => [
        h("time", { datetime: row.started_at ?? "", title: utcTime(row.started_at), class: "mono", text: shortUtc(row.started_at) }),
        h("span", { class: "kind", text: row.kind }),
        c.integrationName(row.integration_id) ?? c.agentById(row.agent_id)?.name ?? String(row.integration_id ?? row.agent_id ?? "—").slice(0, 8),
        channelLabel(c, row.channel_id),
        [outcomeChip(row.outcome), row.status_code ? h("span", { class: "muted", text: ` HTTP ${row.status_code}` }) : null, row.reason ? h("div", { class: "reason", text: row.reason }) : null],
        formatMs(row.latency_ms),
      ],
      detail: (row) =>
        h(
          "div",
          { class: "body-viewer" },
          h("p", {}, h("strong", { text: "POST " }), h("code", { class: "break", text: row.url ?? "" })),
          h(
            "div",
            { class: "compare" },
            codeBlock(row.request_body, "Request body"),
            codeBlock(row.response_body, `Response${row.status_code ? ` (HTTP ${row.status_code})` : ""}`),
          ),
        ),
    }),
  });
}

export function mountReturns(root, ctx) {
  return mountLog(root, ctx, {
    title: "Returns log",
    noun: "returns",
    one: "return",
    path: paths.returns(),
    event: "return.received",
    intro: "Every body integrations posted back to a webhook URL, with Telex's verdict. Like Telex, the emulator answers HTTP 202 even when it rejects a body: the verdict says why.",
    empty: "Nothing received yet. Integrations post to a channel's webhook URL (shown at the top of the channel).",
    filters: (c) => [
      { param: "channel_id", ...selectField("r-channel", "Channel", channelChoices(c)) },
      { param: "accepted", ...selectField("r-verdict", "Verdict", [["true", "accepted"], ["false", "rejected"]]) },
      { param: "correlation", ...selectField("r-correlation", "Matched to a tick", CORRELATIONS.map((k) => [k, k])) },
    ],
    keep: (rows, params) =>
      rows.filter(
        (row) =>
          (!params.channel_id || row.channel_id === params.channel_id) &&
          (!params.accepted || String(Boolean(row.accepted)) === params.accepted) &&
          (!params.correlation || row.correlation === params.correlation),
      ),
    table: (c) => ({
      caption: "Returns, newest first",
      columns: ["Time (UTC)", "Channel", "Request", "Verdict", "Tick"],
      key: (row) => row.id,
      cells: (row) => {
        const verdict = row.verdict && typeof row.verdict === "object" ? row.verdict : {};
        return [
          h("time", { datetime: row.received_at ?? "", title: utcTime(row.received_at), class: "mono", text: shortUtc(row.received_at) }),
          channelLabel(c, row.channel_id),
          h("code", { title: row.path ?? "", text: `${row.method ?? "POST"} ${shortPath(row)}` }),
          [
            outcomeChip(row.accepted ? "accepted" : "rejected", row.accepted ? "accepted" : `rejected${verdict.status_code ? ` (${verdict.status_code})` : ""}`),
            verdict.message ? h("div", { class: `reason verdict-message ${row.accepted ? "" : "rejected"}`, text: verdict.message }) : null,
            row.warning ? h("div", { class: "reason", text: `⚠ ${row.warning}` }) : null,
          ],
          [outcomeChip(row.correlation ?? "orphan"), row.integration_id ? h("div", { class: "muted small", text: c.integrationName(row.integration_id) ?? "" }) : null],
        ];
      },
      detail: (row) =>
        h(
          "div",
          { class: "body-viewer" },
          h("p", { class: "muted small" }, `Content-Type: ${row.content_type || "none"}`, row.tick_id ? ` · tick ${row.tick_id}` : "", row.message_id ? " · posted as a message" : " · not posted"),
          h("div", { class: "compare" }, codeBlock(row.body, "Body received"), codeBlock(row.verdict, "Verdict (answered with HTTP 202)")),
        ),
    }),
  });
}
