// One coworker in full: its card (description, capabilities, skills), the RPC URL with an
// override, the channels it is added to (add or remove), its recent calls with their
// traces, linter warnings, re-fetch and delete.

import { agentMark, capabilityList, rpcUrlLines, skillList, sourceBadge } from "./agent-card.js";
import { taskStateChip } from "./agent-parts.js";
import { agentTrace } from "./agent-trace.js";
import { del, get, paths, put, query } from "./api.js";
import { add, clockTime, debounce, errorBox, findingList, h, replace, toast } from "./dom.js";
import { directChannelIds } from "./sidebar.js";

export function mountAgentDetails(root, ctx) {
  const { org } = ctx;
  const agentId = ctx.agentId;
  const body = h("div", { class: "page agent-page" }, h("p", { class: "muted", text: "Loading…" }));
  replace(root, body);

  function section(title, id, ...children) {
    return h("section", { class: "panel", "aria-labelledby": id }, h("h2", { id, text: title }), ...children);
  }

  function overrideForm(agent) {
    const input = h("input", { id: "rpc-override", class: "input mono", type: "url", value: agent.rpc_url_override ?? "", placeholder: agent.rpc_url || "http://127.0.0.1:8000/" });
    const status = h("div", { class: "form-status", role: "status" });
    const form = h(
      "form",
      { class: "form-grid", "aria-label": `RPC URL override of ${agent.name}` },
      h("div", { class: "field" }, h("label", { for: "rpc-override", class: "field-label", text: "RPC URL override" }), input),
      h("p", { class: "muted small", text: "Send this agent's calls somewhere else, e.g. to your local copy. Leave empty to use the declared (or rewritten) URL." }),
      h("div", { class: "form-actions" }, h("button", { type: "submit", class: "btn btn-primary", text: "Save RPC URL" }), status),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      status.textContent = "Saving…";
      try {
        await put(paths.agent(org.id, agent.id), { rpc_url: input.value.trim() || null });
        await load();
        ctx.announce("RPC URL saved.");
      } catch (error) {
        replace(status, errorBox(error, { title: "Not saved" }));
      }
    });
    return form;
  }

  async function channelsPanel(agent) {
    const direct = directChannelIds(ctx.agents);
    const channels = ctx.channels.filter((c) => !direct.has(c.id));
    const panel = section("Channels", "agent-channels-title");
    if (!channels.length) {
      add(panel, h("p", { class: "muted", text: "No ordinary channel yet. Create one in the sidebar to add this coworker to it." }));
      return panel;
    }
    add(panel, h("p", { class: "muted", text: `In these channels ${agent.name} answers messages that mention @${agent.name}.` }));
    const memberships = await Promise.all(
      channels.map((c) =>
        get(paths.channelAgents(c.id))
          .then((rows) => rows.some((row) => row.id === agent.id && row.is_active !== false))
          .catch(() => false),
      ),
    );
    add(panel,
      h(
        "ul",
        { class: "plain-list agent-channel-list" },
        channels.map((channel, index) => {
          const isIn = memberships[index];
          const status = h("span", { class: "form-status", role: "status" });
          return h(
            "li",
            { class: "agent-channel", dataset: { channel: channel.name } },
            h("span", { class: `state ${isIn ? "state-on" : "state-off"}` }, h("span", { "aria-hidden": "true", text: isIn ? "● " : "○ " }), `#${channel.name}`),
            h("button", {
              type: "button",
              class: `btn btn-small ${isIn ? "" : "btn-primary"}`,
              text: isIn ? `Remove from #${channel.name}` : `Add to #${channel.name}`,
              onclick: async () => {
                try {
                  await put(paths.channelAgent(channel.id, agent.id), { is_active: !isIn });
                  ctx.announce(`${agent.name} ${isIn ? "removed from" : "added to"} #${channel.name}.`);
                  await load();
                } catch (error) {
                  replace(status, errorBox(error, { title: "Not changed" }));
                }
              },
            }),
            status,
          );
        }),
      ),
    );
    return panel;
  }

  async function callsPanel(agent) {
    const panel = section("Recent calls", "agent-calls-title");
    let tasks;
    try {
      tasks = await get(`${paths.tasks()}${query({ agent_id: agent.id, limit: 20 })}`);
    } catch (error) {
      add(panel, errorBox(error, { title: "Could not load the calls" }));
      return panel;
    }
    tasks = tasks.filter((t) => t.agent_id === agent.id);
    if (!tasks.length) {
      add(panel, h("p", { class: "empty-line", text: "No call yet. Write in its direct channel, or mention it where it was added." }));
      return panel;
    }
    add(panel,
      h(
        "ul",
        { class: "plain-list agent-calls" },
        tasks.map((task) => {
          const where = ctx.channelById(task.channel_id);
          const detail = h("details", { class: "card-section" });
          const summary = h("summary", {}, taskStateChip(task.state), ` ${clockTime(task.created_at)} · ${where ? `#${where.name}` : "a channel"} · ${task.method || "message/send"}`);
          detail.append(summary);
          detail.addEventListener("toggle", () => {
            if (detail.open && detail.children.length === 1) detail.append(agentTrace(task, { agentName: agent.name }));
          });
          return h("li", {}, detail);
        }),
      ),
    );
    return panel;
  }

  function deleteButton(agent) {
    const button = h("button", { type: "button", class: "btn btn-danger btn-small", text: "Delete…" });
    let armed = false;
    button.addEventListener("click", async () => {
      if (!armed) {
        armed = true;
        button.dataset.armed = "true";
        button.textContent = `Really delete ${agent.name} and its direct channel?`;
        return;
      }
      try {
        await del(paths.agent(org.id, agent.id));
        toast(`Deleted ${agent.name}.`, "ok");
        await ctx.reloadAgents();
        ctx.openView("coworkers");
      } catch (error) {
        button.after(errorBox(error, { title: "Not deleted" }));
      }
    });
    button.addEventListener("blur", () => {
      armed = false;
      delete button.dataset.armed;
      button.textContent = "Delete…";
    });
    return button;
  }

  function refetchButton(agent) {
    if (!agent.card_url) return null;
    const button = h("button", { type: "button", class: "btn btn-small", text: "Re-fetch card" });
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        await put(paths.agent(org.id, agent.id), { refetch: true });
        toast(`Fetched the card of ${agent.name} again.`, "ok");
        await load();
      } catch (error) {
        button.disabled = false;
        button.after(errorBox(error, { title: "Not re-fetched" }));
      }
    });
    return button;
  }

  // Someone types in a form, reads an open trace or is asked to confirm a delete: a redraw
  // would lose it, so event-driven reloads wait.
  function busy() {
    const typing = root.contains(document.activeElement) && document.activeElement?.closest?.("form");
    const reading = root.querySelector(".agent-calls details[open]");
    const confirming = root.querySelector("button[data-armed]");
    return Boolean(typing || reading || confirming);
  }

  async function load({ unlessBusy = false } = {}) {
    let agent;
    try {
      agent = await get(paths.agent(org.id, agentId));
    } catch (error) {
      replace(body, errorBox(error, { title: "Could not load this coworker" }), h("button", { type: "button", class: "btn", text: "All coworkers", onclick: () => ctx.openView("coworkers") }));
      return;
    }
    const warnings = Array.isArray(agent.warnings) ? agent.warnings : [];
    const [channels, calls] = await Promise.all([channelsPanel(agent), callsPanel(agent)]);
    // Checked after the reads: the page may have changed meanwhile. A delete waiting for its
    // confirmation is never redrawn away, whoever asked for the reload.
    if ((unlessBusy && busy()) || root.querySelector("button[data-armed]")) return;
    replace(body,
      h(
        "header",
        { class: "view-header agent-header" },
        h("div", { class: "view-title" }, agentMark(agent.name), h("h1", { text: agent.name }), sourceBadge(agent)),
        agent.description ? h("p", { class: "muted", text: agent.description }) : null,
        h(
          "div",
          { class: "form-actions" },
          agent.direct_channel_id ? h("button", { type: "button", class: "btn btn-primary btn-small", text: "Open direct channel", onclick: () => ctx.selectChannel(agent.direct_channel_id, "messages") }) : null,
          refetchButton(agent),
          deleteButton(agent),
        ),
      ),
      h(
        "div",
        { class: "two-col" },
        section(
          "Card",
          "agent-card-title",
          h("dl", { class: "urls" }, h("dt", { text: "Card URL" }), h("dd", {}, agent.card_url ? h("code", { text: agent.card_url }) : h("span", { class: "muted", text: agent.source === "workflow" ? "none: installed from a workflow JSON" : "none: pasted" })), h("dt", { text: "RPC URL" }), h("dd", {}, rpcUrlLines(agent))),
          capabilityList(agent),
          h("h3", { text: "Skills" }),
          skillList(agent),
          warnings.length ? [h("h3", { text: `Linter warnings (${warnings.length})` }), findingList(warnings.map((w) => ({ severity: "warning", ...w })))] : null,
        ),
        h("div", { class: "stack" }, section("Where calls go", "agent-override-title", overrideForm(agent)), channels),
      ),
      calls,
    );
  }

  load();
  const reloadSoon = debounce(() => {
    if (!busy()) load({ unlessBusy: true });
  }, 300);
  return {
    onEvent(type, data) {
      if (type === "agent.changed" || (type === "task.updated" && data?.agent_id === agentId)) reloadSoon();
    },
    refresh: () => load(),
    destroy() {},
  };
}
