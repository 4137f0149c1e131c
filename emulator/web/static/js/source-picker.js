// The "from a URL, or pasted JSON" picker both add forms share (integrations and
// coworkers): two fields, a segmented switch between them, and a result box that empties
// whenever the input changes.

import { h, replace } from "./dom.js";

/**
 * sourcePicker({ids, labels, placeholders, modes, groupLabel, result})
 * -> {switcher, urlField, jsonField, urlInput, jsonInput, mode()}
 * ids/labels/placeholders: {url, json}; modes: {url, json} button texts.
 */
export function sourcePicker({ ids, labels, placeholders, modes, groupLabel, result }) {
  let mode = "url";
  const urlInput = h("input", { id: ids.url, class: "input", type: "url", placeholder: placeholders.url, autocomplete: "url", spellcheck: false });
  const jsonInput = h("textarea", { id: ids.json, class: "input mono", rows: 8, spellcheck: false, placeholder: placeholders.json });
  const urlField = h("div", { class: "field" }, h("label", { for: ids.url, class: "field-label", text: labels.url }), urlInput);
  const jsonField = h("div", { class: "field", hidden: true }, h("label", { for: ids.json, class: "field-label", text: labels.json }), jsonInput);
  const buttons = ["url", "json"].map((key) =>
    h("button", {
      type: "button",
      class: "segment",
      "aria-pressed": String(key === mode),
      text: modes[key],
      onclick: () => {
        mode = key;
        for (const button of buttons) button.setAttribute("aria-pressed", String(button.textContent === modes[key]));
        urlField.hidden = mode !== "url";
        jsonField.hidden = mode !== "json";
        replace(result);
        (mode === "url" ? urlInput : jsonInput).focus();
      },
    }),
  );
  for (const input of [urlInput, jsonInput]) input.addEventListener("input", () => replace(result));
  const switcher = h("div", { class: "segmented", role: "group", "aria-label": groupLabel }, buttons);
  return { switcher, urlField, jsonField, urlInput, jsonInput, mode: () => mode };
}
