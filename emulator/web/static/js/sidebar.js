// The sidebar: organisation picker, ordinary channels, coworkers (agents, each with its
// direct channel) and the tools. Rebuilt from the app's state on every route change.

import { add, clear, h } from "./dom.js";
import { inlineCreate } from "./screens.js";

const TOOLS = ["integrations", "schedule", "deliveries", "returns"];
const TOOL_ICONS = { integrations: "⚙", schedule: "◷", deliveries: "⇄", returns: "↩" };

/** The ids of the channels that are agents' direct ("colleague") channels. */
export function directChannelIds(agents) {
  return new Set(agents.map((a) => a.direct_channel_id).filter(Boolean));
}

/**
 * renderSidebar(sidebar, {state, views, hashFor, go, createOrg, createChannel})
 * state: {orgs, org, channels, agents, channel, view, agentId, unread}.
 */
export function renderSidebar(sidebar, { state, views, hashFor, go, createOrg, createChannel }) {
  clear(sidebar);
  if (!state.orgs.length) {
    add(sidebar, h("p", { class: "side-note", text: "Create an organisation to start." }));
    return;
  }
  const orgSelect = h(
    "select",
    { id: "org-select", class: "input side-select" },
    state.orgs.map((o) => h("option", { value: o.id, text: o.name })),
  );
  orgSelect.value = state.org?.id ?? "";
  orgSelect.addEventListener("change", () => go({ org: orgSelect.value, channel: null, agent: null, view: state.view }));
  const org = state.org.id;
  const direct = directChannelIds(state.agents);
  const channels = state.channels.filter((c) => !direct.has(c.id));
  const isOpen = (channelId) => state.view === "messages" && state.channel?.id === channelId;
  const unreadBadge = (channelId) => {
    const unread = state.unread.get(channelId) ?? 0;
    return unread ? h("span", { class: "unread", text: String(unread), "aria-label": `${unread} new` }) : null;
  };
  add(sidebar,
    h(
      "div",
      { class: "side-section" },
      h("label", { for: "org-select", class: "side-label", text: "Organisation" }),
      orgSelect,
      inlineCreate({ buttonText: "New organisation", label: "Organisation name", id: "new-org", submitText: "Create organisation", create: createOrg }),
    ),
    h(
      "div",
      { class: "side-section" },
      h("h2", { class: "side-label", id: "channels-label", text: "Channels" }),
      channels.length
        ? h(
            "ul",
            { class: "nav-list", "aria-labelledby": "channels-label" },
            channels.map((c) =>
              h(
                "li",
                {},
                h(
                  "a",
                  { href: hashFor({ org, channel: c.id, view: "messages" }), class: "nav-link", "aria-current": isOpen(c.id) ? "page" : undefined, dataset: { channel: c.name } },
                  h("span", { class: "hash", "aria-hidden": "true", text: "#" }),
                  h("span", { class: "nav-text", text: c.name }),
                  unreadBadge(c.id),
                ),
              ),
            ),
          )
        : h("p", { class: "side-note", text: "No channel yet." }),
      inlineCreate({ buttonText: "New channel", label: "Channel name", id: "new-channel", submitText: "Create channel", description: true, create: createChannel }),
    ),
    coworkerSection({ state, org, hashFor, isOpen, unreadBadge }),
    h(
      "div",
      { class: "side-section" },
      h("h2", { class: "side-label", id: "tools-label", text: "Tools" }),
      h(
        "ul",
        { class: "nav-list", "aria-labelledby": "tools-label" },
        TOOLS.map((view) =>
          h(
            "li",
            {},
            h(
              "a",
              { href: hashFor({ org, channel: state.channel?.id, view }), class: "nav-link", "aria-current": state.view === view ? "page" : undefined },
              h("span", { class: "nav-icon", "aria-hidden": "true", text: TOOL_ICONS[view] }),
              h("span", { class: "nav-text", text: views[view].title }),
            ),
          ),
        ),
      ),
    ),
    h("p", { class: "side-foot muted", text: "API: /api/v1 · control: /-/" }),
  );
}

// Each coworker links to its direct channel (where every message goes to it) and to its
// details; "+ Add coworker" opens the coworkers page with the add form.
function coworkerSection({ state, org, hashFor, isOpen, unreadBadge }) {
  const agents = state.agents;
  return h(
    "div",
    { class: "side-section" },
    h("h2", { class: "side-label", id: "coworkers-label", text: "Coworkers" }),
    agents.length
      ? h(
          "ul",
          { class: "nav-list", "aria-labelledby": "coworkers-label" },
          agents.map((agent) => {
            const current = agent.direct_channel_id ? isOpen(agent.direct_channel_id) : false;
            const detailsCurrent = state.view === "agent" && state.agentId === agent.id;
            return h(
              "li",
              { class: "coworker-item" },
              h(
                "a",
                {
                  href: agent.direct_channel_id ? hashFor({ org, channel: agent.direct_channel_id, view: "messages" }) : hashFor({ org, agent: agent.id, view: "agent" }),
                  class: "nav-link coworker-link",
                  "aria-current": current ? "page" : undefined,
                  dataset: { agent: agent.name },
                },
                h("span", { class: "nav-icon coworker-mark", "aria-hidden": "true", text: "✦" }),
                h("span", { class: "nav-text", text: agent.name }),
                agent.direct_channel_id ? unreadBadge(agent.direct_channel_id) : null,
              ),
              h("a", {
                href: hashFor({ org, agent: agent.id, view: "agent" }),
                class: "nav-aside",
                "aria-current": detailsCurrent ? "page" : undefined,
                "aria-label": `Details of ${agent.name}`,
                title: `Details of ${agent.name}`,
                text: "i",
              }),
            );
          }),
        )
      : h("p", { class: "side-note", text: "No coworker yet: an A2A agent you add gets its own direct channel." }),
    h("a", { href: hashFor({ org, view: "coworkers" }), class: "btn btn-ghost btn-block side-link", "aria-current": state.view === "coworkers" ? "page" : undefined, text: "+ Add coworker" }),
  );
}
