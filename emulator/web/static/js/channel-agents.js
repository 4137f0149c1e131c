// The coworkers of the open channel, under its title: in an ordinary channel, the agents
// added to it (each removable) and a picker to add another; in an agent's direct channel,
// who it is with. `names()` feeds the composer's `@` autocomplete.

import { get, paths, put } from "./api.js";
import { errorBox, h, replace, toast } from "./dom.js";

/** channelAgentsBar(channel, ctx) -> {element, agents(), reload()} */
export function channelAgentsBar(channel, ctx) {
  const direct = ctx.directAgent(channel.id);
  const element = h("div", { class: "channel-agents", role: "group", "aria-label": "Coworkers in this channel" });
  let here = direct ? [direct] : [];

  if (direct) {
    replace(element,
      h("span", {}, h("span", { class: "coworker-mark", "aria-hidden": "true", text: "✦ " }), "Direct channel with ", h("strong", { text: direct.name }), ": every message here goes to it."),
      h("button", { type: "button", class: "btn btn-small btn-ghost", text: "Details", "aria-label": `Details of ${direct.name}`, onclick: () => ctx.openAgent(direct.id) }),
    );
    return { element, agents: () => here, reload: async () => {} };
  }

  const status = h("div", { class: "channel-agents-status" });

  function draw() {
    const hereIds = new Set(here.map((a) => a.id));
    const addable = ctx.agents.filter((a) => !hereIds.has(a.id));
    const chips = here.map((agent) =>
      h(
        "span",
        { class: "agent-chip", dataset: { agent: agent.name } },
        h("span", { class: "coworker-mark", "aria-hidden": "true", text: "✦ " }),
        h("span", { text: agent.name }),
        h("button", { type: "button", class: "chip-remove", "aria-label": `Remove ${agent.name} from #${channel.name}`, title: `Remove from #${channel.name}`, text: "×", onclick: () => setActive(agent, false) }),
      ),
    );
    let picker = null;
    if (addable.length) {
      const select = h(
        "select",
        { class: "input input-small", "aria-label": `Coworker to add to #${channel.name}` },
        addable.map((a) => h("option", { value: a.id, text: a.name })),
      );
      picker = h(
        "form",
        { class: "agent-picker" },
        select,
        h("button", { type: "submit", class: "btn btn-small", text: "Add to channel" }),
      );
      picker.addEventListener("submit", (event) => {
        event.preventDefault();
        const agent = addable.find((a) => a.id === select.value);
        if (agent) setActive(agent, true);
      });
    }
    replace(element,
      h("span", { class: "muted", text: here.length ? "Coworkers here (mention with @):" : "No coworker in this channel." }),
      chips,
      picker ?? (ctx.agents.length ? null : h("button", { type: "button", class: "btn btn-small btn-ghost", text: "+ Add a coworker to the organisation", onclick: () => ctx.openView("coworkers") })),
      status,
    );
  }

  async function setActive(agent, isActive) {
    replace(status);
    try {
      await put(paths.channelAgent(channel.id, agent.id), { is_active: isActive });
      await reload();
      ctx.announce(`${agent.name} ${isActive ? "added to" : "removed from"} #${channel.name}.`);
      if (isActive) toast(`${agent.name} added to #${channel.name}: mention @${agent.name} to talk to it.`, "ok");
    } catch (error) {
      replace(status, errorBox(error, { title: isActive ? "Not added" : "Not removed" }));
    }
  }

  async function reload() {
    try {
      const rows = await get(paths.channelAgents(channel.id));
      here = rows.filter((row) => row.is_active !== false);
      draw();
    } catch (error) {
      replace(element, errorBox(error, { title: "Could not load this channel's coworkers" }));
    }
  }

  reload();
  return { element, agents: () => here, reload };
}
