// "Add a coworker": an A2A agent by the URL of its card (or its base URL), or a pasted
// agent card or Telex workflow JSON. The emulator fetches and lints it; errors and warnings
// show inline with their JSON path and fix hint, as for integrations.

import { paths } from "./api.js";
import { errorBox, findingList, h, replace } from "./dom.js";
import { sourcePicker } from "./source-picker.js";

/** What the API wants for a URL: a card's own URL, or a base URL to find the card under. */
export function urlBody(url) {
  const path = (() => {
    try {
      return new URL(url).pathname;
    } catch {
      return "";
    }
  })();
  return path.includes("/.well-known/") || path.endsWith(".json") ? { card_url: url } : { base_url: url };
}

/** A pasted document: a workflow has a `nodes` list; anything else is taken as a card. */
export function pastedBody(document) {
  return document && typeof document === "object" && Array.isArray(document.nodes) ? { workflow: document } : { card: document };
}

function withSeverity(findings, severity) {
  return (findings ?? []).map((f) => ({ severity, ...f }));
}

/** addAgentPanel({org, post, onAdded(agent)}) -> <section> */
export function addAgentPanel({ org, post, onAdded }) {
  const result = h("div", { class: "check-result agent-result", "aria-live": "polite" });
  const { switcher, urlField, jsonField, urlInput, jsonInput, mode } = sourcePicker({
    ids: { url: "agent-url", json: "agent-json" },
    labels: { url: "Agent URL (card or base URL)", json: "Agent card or workflow JSON" },
    placeholders: { url: "http://127.0.0.1:8000 or …/.well-known/agent.json", json: '{"name": "…", "url": "http://…", "capabilities": {…}, "skills": […]}' },
    modes: { url: "By URL", json: "Paste card or workflow" },
    groupLabel: "Where the agent is described",
    result,
  });
  const addButton = h("button", { type: "submit", class: "btn btn-primary", text: "Add coworker" });
  const form = h(
    "form",
    { class: "add-form", "aria-label": "Add a coworker" },
    switcher,
    urlField,
    jsonField,
    h("div", { class: "form-actions" }, addButton, h("span", { class: "muted", text: "The emulator reads the card the way Telex does and lists what to fix." })),
  );

  function source() {
    if (mode() === "url") {
      const url = urlInput.value.trim();
      if (!url) throw Object.assign(new Error("Enter the agent's URL: its base URL or the URL of its agent card."), { errors: [] });
      return urlBody(url);
    }
    const text = jsonInput.value.trim();
    if (!text) throw Object.assign(new Error("Paste the agent card or the workflow JSON."), { errors: [] });
    try {
      return pastedBody(JSON.parse(text));
    } catch (error) {
      throw Object.assign(new Error("The pasted text is not valid JSON."), {
        errors: [{ path: "$", message: error.message, hint: "Look for a missing comma, quote or bracket near that position." }],
      });
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    let body;
    try {
      body = source();
    } catch (error) {
      replace(result, errorBox(error));
      return;
    }
    addButton.disabled = true;
    replace(result, h("p", { class: "muted", text: "Fetching and checking…" }));
    try {
      const agent = await post(paths.agents(org.id), body);
      const warnings = withSeverity(agent.warnings, "warning");
      replace(result,
        h(
          "p",
          { class: "check-title ok" },
          h("span", { "aria-hidden": "true", text: "✓ " }),
          "Added ",
          h("strong", { text: agent.name }),
          warnings.length ? ` with ${warnings.length} warning${warnings.length === 1 ? "" : "s"}: it works, but fixing them makes it behave the same on Telex.` : ". No problems found.",
        ),
        warnings.length ? findingList(warnings) : null,
      );
      urlInput.value = "";
      jsonInput.value = "";
      await onAdded(agent);
    } catch (error) {
      const errors = withSeverity(error.errors, "error");
      const warnings = withSeverity(error.warnings, "warning");
      if (error.status === 422 && (errors.length || warnings.length)) {
        replace(result,
          h(
            "p",
            { class: "check-title bad" },
            h("span", { "aria-hidden": "true", text: "✕ " }),
            `This agent cannot be added: ${errors.length} error${errors.length === 1 ? "" : "s"}. Fix ${errors.length === 1 ? "it" : "them"} and try again.`,
          ),
          findingList([...errors, ...warnings]),
        );
      } else {
        replace(result, errorBox(error, { title: "Not added" }));
      }
    } finally {
      addButton.disabled = false;
    }
  });

  const panel = h(
    "section",
    { class: "panel", "aria-labelledby": "add-agent-title" },
    h("h2", { id: "add-agent-title", text: "Add a coworker" }),
    h("p", { class: "muted", text: "A coworker is an A2A agent (JSON-RPC, A2A 0.2). Give its base URL (the card is read from /.well-known/agent.json) or the card's URL, or paste its agent card or the workflow JSON Telex uses." }),
    form,
    result,
  );
  return panel;
}
