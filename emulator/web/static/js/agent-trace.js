// The trace of one agent call: the task's state history with times, the JSON-RPC request
// and response, every push (state, time, body) and the delivery records with latencies.
// Every body is shown as text in a <pre>; tokens arrive masked from the server.

import { get, paths, query } from "./api.js";
import { add, codeBlock, errorBox, findingList, formatMs, h, outcomeChip, replace, utcTime } from "./dom.js";
import { taskStateChip } from "./agent-parts.js";

function msBetween(fromIso, toIso) {
  const from = Date.parse(fromIso ?? "");
  const to = Date.parse(toIso ?? "");
  return Number.isFinite(from) && Number.isFinite(to) ? Math.max(0, to - from) : null;
}

// Under the virtual clock every instant of a call is the same: say nothing then.
function sinceStart(task, iso) {
  const ms = msBetween(task.created_at, iso);
  return ms ? `+${formatMs(ms)}` : "";
}

function stateHistory(task) {
  const states = Array.isArray(task.states) ? task.states : [];
  if (!states.length) return h("p", { class: "muted", text: "No state recorded yet." });
  return h(
    "ol",
    { class: "task-states" },
    states.map((entry) =>
      h(
        "li",
        { class: "task-state-row" },
        taskStateChip(entry.state),
        h("time", { datetime: entry.at ?? "", title: utcTime(entry.at), class: "mono", text: utcTime(entry.at) }),
        h("span", { class: "muted mono", text: sinceStart(task, entry.at) }),
      ),
    ),
  );
}

function pushList(task) {
  const pushes = Array.isArray(task.pushes) ? task.pushes : [];
  if (!pushes.length) return h("p", { class: "muted", text: "No push received for this task." });
  return h(
    "ol",
    { class: "push-list" },
    pushes.map((push, index) =>
      h(
        "li",
        { class: "push-item" },
        h(
          "div",
          { class: "push-head" },
          h("strong", { text: `Push ${index + 1}` }),
          push.state ? taskStateChip(push.state) : null,
          h("time", { datetime: push.at ?? "", class: "mono", text: utcTime(push.at) }),
          h("span", { class: "muted mono", text: sinceStart(task, push.at) }),
        ),
        codeBlock(push.body, "Body received"),
      ),
    ),
  );
}

function deliveryRows(rows) {
  if (!rows.length) return h("p", { class: "muted", text: "No delivery recorded for this task yet." });
  return h(
    "ol",
    { class: "task-deliveries" },
    rows.map((row) =>
      h(
        "li",
        { class: "task-delivery", dataset: { kind: row.kind ?? "" } },
        h(
          "div",
          { class: "push-head" },
          h("span", { class: "kind", text: row.kind === "agent_push" ? "push received" : row.kind === "agent" ? "call" : String(row.kind ?? "") }),
          outcomeChip(row.outcome),
          row.status_code ? h("span", { class: "muted", text: `HTTP ${row.status_code}` }) : null,
          h("span", { class: "hop-latency", text: formatMs(row.latency_ms) }),
          h("time", { datetime: row.started_at ?? "", class: "mono muted", text: utcTime(row.started_at) }),
        ),
        row.url ? h("p", { class: "small" }, h("code", { class: "break", text: row.url })) : null,
        row.reason ? h("p", { class: "reason", text: row.reason }) : null,
      ),
    ),
  );
}

/** agentTrace(task, {agentName}) -> <section>; loads the task's deliveries by itself and
 * `refresh(task)` redraws it after a task.updated event. */
export function agentTrace(task, { agentName }) {
  const section = h("section", { class: "waterfall agent-trace", "aria-label": `Agent call trace: ${agentName}` });

  async function draw(current) {
    const call = current.request_body ? codeBlock(current.request_body, `Request (${current.method || "message/send"})`) : h("p", { class: "muted", text: "No request body recorded." });
    const answer = codeBlock(current.response_body ?? "", "Response");
    const deliveries = h("div", { class: "trace-deliveries" }, h("p", { class: "muted", text: "Loading deliveries…" }));
    replace(section,
      h(
        "div",
        { class: "trace-summary" },
        h("strong", { text: agentName }),
        taskStateChip(current.state),
        h("span", { class: "muted", text: current.method || "" }),
        current.a2a_task_id ? h("span", { class: "muted small" }, "A2A task ", h("code", { text: current.a2a_task_id })) : null,
        msBetween(current.created_at, current.updated_at) ? h("span", { class: "muted small", text: `open for ${formatMs(msBetween(current.created_at, current.updated_at))}` }) : null,
      ),
      current.reason ? h("p", { class: "reason agent-reason", text: current.reason }) : null,
      Array.isArray(current.warnings) && current.warnings.length ? findingList(current.warnings.map((w) => (typeof w === "string" ? { message: w } : w))) : null,
      h("h4", { text: "States" }),
      stateHistory(current),
      h("h4", { text: "Requests" }),
      deliveries,
      h("div", { class: "compare" }, call, answer),
      h("h4", { text: "Pushes" }),
      pushList(current),
    );
    try {
      const rows = await get(`${paths.deliveries()}${query({ task_id: current.id, agent_id: current.agent_id, limit: 100 })}`);
      // Filter here as well: an emulator that does not filter by task_id answers them all.
      const mine = rows.filter((row) => row.task_id === current.id).reverse();
      replace(deliveries, deliveryRows(mine));
    } catch (error) {
      replace(deliveries, errorBox(error, { title: "Could not load the deliveries" }));
    }
  }

  draw(task);
  section.refresh = (next) => draw(next);
  return section;
}

/** The trace toggle and panel for a message, given the tasks that belong to it. */
export function traceToggle(tasks, { agentName, idPrefix }) {
  const panel = h("div", { class: "agent-traces", id: `${idPrefix}-agent-trace`, hidden: true });
  const label = () => `${panel.hidden ? "▸" : "▾"} Agent trace · ${tasks.map((t) => `${agentName(t.agent_id)}: ${t.state}`).join(", ")}`;
  const button = h("button", {
    type: "button",
    class: "btn btn-small btn-ghost trace-toggle agent-trace-toggle",
    "aria-expanded": "false",
    "aria-controls": panel.id,
    text: label(),
  });
  button.addEventListener("click", () => {
    panel.hidden = !panel.hidden;
    if (!panel.hidden && !panel.firstChild) add(panel, tasks.map((task) => agentTrace(task, { agentName: agentName(task.agent_id) })));
    button.setAttribute("aria-expanded", String(!panel.hidden));
    button.textContent = label();
  });
  return { button, panel };
}
