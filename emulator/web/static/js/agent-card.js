// Pieces that describe an installed agent, shared by the coworkers list and the details
// view: where it came from, its capabilities in words, its skills, its RPC URL.

import { badge, h } from "./dom.js";

const CAPABILITIES = [
  ["streaming", "Streaming", "answers message/stream with Server-Sent Events"],
  ["pushNotifications", "Push notifications", "can finish a task later by posting to the push webhook"],
  ["stateTransitionHistory", "State history", "keeps the history of its tasks' states"],
];

export function sourceBadge(agent) {
  return agent.source === "workflow"
    ? badge("workflow JSON", "badge-source", "Installed from a Telex workflow JSON: it gets the channel history as a data part")
    : badge("agent card", "badge-source", "Installed from an A2A agent card");
}

/** Each capability with yes/no in words (never a colour or icon alone). */
export function capabilityList(agent) {
  const caps = agent.capabilities && typeof agent.capabilities === "object" ? agent.capabilities : {};
  return h(
    "ul",
    { class: "capabilities", "aria-label": "Capabilities" },
    CAPABILITIES.map(([key, label, help]) => {
      const on = caps[key] === true;
      return h(
        "li",
        { class: `capability ${on ? "cap-on" : "cap-off"}`, title: help, dataset: { capability: key } },
        h("span", { "aria-hidden": "true", text: on ? "✓ " : "– " }),
        `${label}: ${on ? "yes" : "no"}`,
      );
    }),
  );
}

function list(values) {
  return Array.isArray(values) ? values.filter((v) => typeof v === "string" || typeof v === "number").map(String) : [];
}

export function skillList(agent) {
  const skills = Array.isArray(agent.skills) ? agent.skills.filter((s) => s && typeof s === "object") : [];
  if (!skills.length) return h("p", { class: "muted", text: "No skill declared." });
  return h(
    "ul",
    { class: "skills" },
    skills.map((skill) => {
      const tags = list(skill.tags);
      const examples = list(skill.examples);
      return h(
        "li",
        { class: "skill" },
        h("div", { class: "skill-head" }, h("strong", { class: "skill-name", text: String(skill.name ?? skill.id ?? "(no name)") }), skill.id ? h("code", { class: "muted small", text: String(skill.id) }) : null),
        skill.description ? h("p", { class: "skill-desc", text: String(skill.description) }) : null,
        tags.length ? h("p", { class: "skill-tags" }, tags.map((tag) => h("span", { class: "tag", text: tag }))) : null,
        examples.length ? h("p", { class: "skill-examples muted small" }, "Try: ", examples.map((text, index) => [index ? " · " : "", h("q", { text })])) : null,
      );
    }),
  );
}

/** The URL calls go to, and why it differs from the declared one when it does. */
export function rpcUrlLines(agent) {
  let note = "";
  if (agent.rpc_url_override) note = "your override";
  else if (agent.effective_rpc_url && agent.rpc_url && agent.effective_rpc_url !== agent.rpc_url) note = "rewritten by --rewrite";
  return [
    h("div", { class: "url-line" }, h("span", { class: "url-kind", text: "declared" }), agent.rpc_url ? h("code", { text: agent.rpc_url }) : h("span", { class: "muted", text: "none" })),
    h(
      "div",
      { class: "url-line" },
      h("span", { class: "url-kind", text: "effective" }),
      agent.effective_rpc_url ? h("code", { class: "effective-url", text: agent.effective_rpc_url }) : h("span", { class: "muted", text: "none: calls cannot be sent" }),
      note ? h("span", { class: "url-note", text: ` (${note})` }) : null,
    ),
  ];
}

export function agentMark(name) {
  return h("span", { class: "logo logo-fallback agent-logo", "aria-hidden": "true", text: String(name || "?").slice(0, 1).toUpperCase() });
}
