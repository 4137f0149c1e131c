// The coworkers of an organisation: the "Add a coworker" form and a card per installed
// agent (capabilities, RPC URL, its direct channel and details).

import { addAgentPanel } from "./add-agent.js";
import { agentMark, capabilityList, rpcUrlLines, sourceBadge } from "./agent-card.js";
import { get, paths, post } from "./api.js";
import { add, clear, errorBox, h, replace, toast } from "./dom.js";

export function mountCoworkers(root, ctx) {
  const { org } = ctx;
  const cards = h("div", { class: "cards" });
  const listTitle = h("h2", { id: "agents-title" });

  const addPanel = addAgentPanel({
    org,
    post,
    onAdded: async (agent) => {
      toast(`${agent.name} joined ${org.name}. Talk to it in its direct channel.`, "ok");
      await ctx.reloadAgents();
      await load();
      document.getElementById(`agent-${agent.id}-title`)?.focus();
    },
  });

  function card(agent) {
    return h(
      "article",
      { class: "card agent-card", id: `agent-${agent.id}`, "aria-labelledby": `agent-${agent.id}-title`, dataset: { agent: agent.name } },
      h(
        "header",
        { class: "card-head" },
        agentMark(agent.name),
        h(
          "div",
          { class: "card-titles" },
          h("h3", { id: `agent-${agent.id}-title`, tabindex: "-1", text: agent.name || "(no name)" }),
          h("div", { class: "card-meta" }, sourceBadge(agent), agent.warnings?.length ? h("span", { class: "muted small", text: `${agent.warnings.length} warning${agent.warnings.length === 1 ? "" : "s"}` }) : null),
        ),
        h(
          "div",
          { class: "activation" },
          agent.direct_channel_id
            ? h("button", { type: "button", class: "btn btn-primary", text: "Open direct channel", "aria-label": `Open the direct channel with ${agent.name}`, onclick: () => ctx.selectChannel(agent.direct_channel_id, "messages") })
            : null,
          h("button", { type: "button", class: "btn", text: "Details", "aria-label": `Details of ${agent.name}`, onclick: () => ctx.openAgent(agent.id) }),
        ),
      ),
      agent.description ? h("p", { class: "card-desc", text: agent.description }) : null,
      capabilityList(agent),
      h("dl", { class: "urls" }, h("dt", { text: "RPC URL" }), h("dd", {}, rpcUrlLines(agent))),
    );
  }

  async function load() {
    let agents;
    try {
      agents = await get(paths.agents(org.id));
    } catch (error) {
      replace(cards, errorBox(error, { title: "Could not load the coworkers" }));
      return;
    }
    clear(cards);
    listTitle.textContent = `Coworkers in ${org.name} (${agents.length})`;
    if (!agents.length) add(cards, h("p", { class: "empty-line", text: "No coworker yet. Add an agent above; it gets a direct channel of its own, and you can add it to any channel." }));
    else add(cards, agents.map(card));
  }

  replace(root,
    h(
      "div",
      { class: "page" },
      h(
        "header",
        { class: "view-header" },
        h("div", { class: "view-title" }, h("h1", { text: "Coworkers" })),
        h("p", { class: "muted", text: "AI coworkers are A2A agents. Each has a direct channel where every message goes to it; in other channels it answers when mentioned with @name." }),
      ),
      addPanel,
      h("section", { class: "panel-plain", "aria-labelledby": "agents-title" }, listTitle, cards),
    ),
  );
  load();
  return {
    onEvent(type) {
      if (type === "agent.changed") load();
    },
    refresh: load,
    destroy() {},
  };
}
