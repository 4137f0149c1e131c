// "Add an integration": from a URL or pasted JSON, linted with POST /-/check first (errors
// and warnings inline, each with its JSON path and fix hint), installed only on request.

import { paths } from "./api.js";
import { errorBox, findingList, h, replace, toast } from "./dom.js";
import { sourcePicker } from "./source-picker.js";

/** addIntegrationPanel({org, post, typeBadge, onInstalled(row)}) -> <section> */
export function addIntegrationPanel({ org, post, typeBadge, onInstalled }) {
  // -- add ------------------------------------------------------------------------------
  const checkResult = h("div", { class: "check-result", "aria-live": "polite" });
  const { switcher, urlField, jsonField, urlInput, jsonInput, mode } = sourcePicker({
    ids: { url: "add-url", json: "add-json" },
    labels: { url: "Integration JSON URL", json: "Integration JSON" },
    placeholders: { url: "http://127.0.0.1:8000/integration.json", json: '{"data": {"integration_type": "modifier", ...}}' },
    modes: { url: "From a URL", json: "Paste JSON" },
    groupLabel: "Where the integration JSON comes from",
    result: checkResult,
  });
  const checkButton = h("button", { type: "submit", class: "btn btn-primary", text: "Check" });
  const addForm = h(
    "form",
    { class: "add-form", "aria-label": "Add an integration" },
    switcher,
    urlField,
    jsonField,
    h("div", { class: "form-actions" }, checkButton, h("span", { class: "muted", text: "Checks the JSON first; nothing is installed until you confirm." })),
  );

  function source() {
    if (mode() === "url") {
      const url = urlInput.value.trim();
      if (!url) throw Object.assign(new Error("Enter the URL the integration serves its JSON at."), { errors: [] });
      return { json_url: url };
    }
    const text = jsonInput.value.trim();
    if (!text) throw Object.assign(new Error("Paste the integration JSON."), { errors: [] });
    try {
      return { spec: JSON.parse(text) };
    } catch (error) {
      throw Object.assign(new Error("The pasted text is not valid JSON."), {
        errors: [{ path: "$", message: error.message, hint: "Look for a missing comma, quote or bracket near that position." }],
      });
    }
  }

  addForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    let body;
    try {
      body = source();
    } catch (error) {
      replace(checkResult, errorBox(error));
      return;
    }
    checkButton.disabled = true;
    replace(checkResult, h("p", { class: "muted", text: "Checking…" }));
    try {
      showCheck(await post(paths.check(), body), body);
    } catch (error) {
      replace(checkResult, errorBox(error, { title: "Check failed" }));
    } finally {
      checkButton.disabled = false;
    }
  });

  function showCheck(result, body) {
    const errors = result.errors ?? [];
    const warnings = result.warnings ?? [];
    const parts = [];
    if (result.ok) {
      parts.push(
        h(
          "p",
          { class: "check-title ok" },
          h("span", { "aria-hidden": "true", text: "✓ " }),
          h("strong", { text: result.app_name || "Integration" }),
          " ",
          typeBadge(result.integration_type),
          warnings.length
            ? ` can be installed, with ${warnings.length} warning${warnings.length === 1 ? "" : "s"}: it works, but fixing them makes it behave the same on Telex.`
            : " can be installed. No problems found.",
        ),
      );
    } else if (result.installable) {
      // Telex could not call it as published (a missing or unusable URL), but the emulator
      // installs it and lets the URL be overridden, so it can be tried locally first.
      parts.push(
        h(
          "p",
          { class: "check-title bad" },
          h("span", { "aria-hidden": "true", text: "✕ " }),
          h("strong", { text: result.app_name || "Integration" }),
          " ",
          typeBadge(result.integration_type),
          ` cannot be called by Telex as published: ${errors.length} error${errors.length === 1 ? "" : "s"}. You can still install it here and override its URL.`,
        ),
      );
    } else {
      parts.push(
        h(
          "p",
          { class: "check-title bad" },
          h("span", { "aria-hidden": "true", text: "✕ " }),
          `This integration JSON cannot be installed: ${errors.length} error${errors.length === 1 ? "" : "s"}. Fix ${errors.length === 1 ? "it" : "them"} and check again.`,
        ),
      );
    }
    if (errors.length || warnings.length) parts.push(findingList([...errors.map((f) => ({ severity: "error", ...f })), ...warnings.map((f) => ({ severity: "warning", ...f }))]));
    if (result.installable) {
      const install = h("button", { type: "button", class: "btn btn-primary", text: `Install ${result.app_name || "integration"}` });
      install.addEventListener("click", async () => {
        install.disabled = true;
        try {
          const row = await post(paths.integrations(org.id), body);
          toast(`Installed ${row.app_name}${row.warnings?.length ? ` with ${row.warnings.length} warning(s)` : ""}.`, "ok");
          replace(checkResult, h("p", { class: "check-title ok", text: `✓ Installed ${row.app_name}. Its card is below; activate it on a channel to use it.` }));
          urlInput.value = "";
          jsonInput.value = "";
          await onInstalled(row);
        } catch (error) {
          install.disabled = false;
          add(checkResult, errorBox(error, { title: "Not installed" }));
        }
      });
      parts.push(h("div", { class: "form-actions" }, install));
    }
    replace(checkResult, ...parts);
  }

  const addPanel = h(
    "section",
    { class: "panel", "aria-labelledby": "add-title" },
    h("h2", { id: "add-title", text: "Add an integration" }),
    h("p", { class: "muted", text: "An integration publishes a JSON description of itself. Give its URL (or paste the JSON); the emulator checks it the way Telex would and lists what to fix, with the JSON path of each problem." }),
    addForm,
    checkResult,
  );

  return addPanel;
}
