// Settings forms: one proper control per setting type, at organisation level or as a
// channel's overrides. Only fields the person touched are sent; "Reset" clears a stored
// value (null), so the level below (organisation value or declared default) applies again.

import { get, paths, query } from "./api.js";
import { add, debounce, errorBox, h, newId, replace, shortUtc, utcTime } from "./dom.js";

const SPELLINGS = {
  multiselect: "multi-select",
  "multi-select": "multi-select",
  multi_select: "multi-select",
  multicheckbox: "multi-checkbox",
  "multi-checkbox": "multi-checkbox",
  multi_checkbox: "multi-checkbox",
  textarea: "text_area",
  text_area: "text_area",
  "text-area": "text_area",
};
const TYPES = new Set(["text", "text_area", "number", "checkbox", "dropdown", "radio", "multi-select", "multi-checkbox"]);

/** The normalised setting type, as the emulator reads it (`string`, unknown -> text). */
export function settingType(item) {
  if (typeof item?.type !== "string") return "text";
  const key = item.type.trim().toLowerCase();
  const normal = SPELLINGS[key] ?? key;
  return TYPES.has(normal) ? normal : "text";
}

export function isInterval(item) {
  return typeof item?.label === "string" && item.label.trim().toLowerCase() === "interval";
}

// Words that make a label secret-looking; the same list and rule as the emulator's
// spec.model.is_secret_label (tests/test_secrets.py checks they agree).
const SECRET_WORDS = new Set([
  "key", "apikey", "token", "password", "passwd", "pwd", "secret", "credential", "credentials",
  "auth", "authorization", "bearer", "dsn", "passphrase", "private",
]);

/** Whether a setting holds a credential (`API Key`, `github_token`, `apiKey`...). */
export function isSecret(item) {
  if (typeof item?.label !== "string") return false;
  const spaced = item.label.replace(/([a-z0-9])([A-Z])/g, "$1 $2"); // apiKey -> api Key
  return spaced.split(/[^A-Za-z0-9]+/).some((word) => SECRET_WORDS.has(word.toLowerCase()));
}

/** A password field with a Show/Hide button: the value stays editable, never on screen. */
function secretControl(common, value) {
  const input = h("input", { ...common, class: "input mono", type: "password", value: asText(value), autocomplete: "new-password", spellcheck: false });
  const toggle = h("button", { type: "button", class: "btn btn-small secret-toggle", "aria-controls": common.id, "aria-label": `Show ${common.name}`, text: "Show" });
  toggle.addEventListener("click", () => {
    const show = input.type === "password";
    input.type = show ? "text" : "password";
    toggle.textContent = show ? "Hide" : "Show";
    toggle.setAttribute("aria-label", `${show ? "Hide" : "Show"} ${common.name}`);
  });
  return { element: h("span", { class: "secret-wrap" }, input, toggle), read: () => input.value, focusable: input };
}

function options(item) {
  if (!Array.isArray(item.options)) return null;
  const values = [];
  for (const option of item.options) {
    const value = option !== null && typeof option === "object" ? option.value ?? option.label : option;
    if (["string", "number"].includes(typeof value)) values.push(String(value));
  }
  return values.length ? values : null;
}

function asBool(value) {
  if (typeof value === "boolean") return value;
  if (typeof value === "number") return value === 1;
  if (typeof value === "string") return ["true", "yes", "1", "on"].includes(value.trim().toLowerCase());
  return false;
}

function asList(value) {
  if (Array.isArray(value)) return value.map((v) => String(v).trim());
  if (typeof value === "string") return value.split(",").map((v) => v.trim()).filter(Boolean);
  return [];
}

function asText(value) {
  if (value === undefined || value === null) return "";
  if (Array.isArray(value)) return value.join(", ");
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function isRequired(item) {
  return item.required === true || (typeof item.required === "string" && item.required.trim().toLowerCase() === "true");
}

/** The next fire times of a crontab, computed by the emulator on its clock. */
function intervalPreview(input, output) {
  const update = debounce(async () => {
    const expr = input.value;
    try {
      const result = await get(`${paths.cronPreview()}${query({ expr, count: 3 })}`);
      if (result.valid) {
        output.className = "interval-preview ok";
        replace(output,
          h("span", { class: "visually-hidden", text: "Valid crontab. " }),
          "Next fire times: ",
          result.next.map((at, index) => [index ? ", " : "", h("time", { datetime: at, title: utcTime(at), text: shortUtc(at) })]),
          " UTC",
        );
      } else {
        output.className = "interval-preview bad";
        replace(output, `✕ ${result.error}`);
      }
    } catch (error) {
      output.className = "interval-preview bad";
      replace(output, `Could not check the crontab: ${error.message}`);
    }
  }, 150);
  input.addEventListener("input", update);
  update();
}

function control(item, value, id, describedBy) {
  const type = settingType(item);
  const choices = options(item);
  const common = { id, name: item.label, "aria-describedby": describedBy };
  if (isInterval(item)) {
    const input = h("input", { ...common, class: "input mono", value: asText(value), autocomplete: "off", spellcheck: false, placeholder: "*/5 * * * *" });
    return { element: input, read: () => input.value, focusable: input, interval: true };
  }
  if (isSecret(item) && (type === "text" || type === "text_area")) return secretControl(common, value);
  if (type === "text_area") {
    const area = h("textarea", { ...common, class: "input", rows: 3, value: asText(value) });
    return { element: area, read: () => area.value, focusable: area };
  }
  if (type === "number") {
    const input = h("input", { ...common, class: "input input-number", type: "number", step: "any", value: asText(value) });
    return {
      element: input,
      read: () => (input.value === "" ? null : Number(input.value)),
      focusable: input,
    };
  }
  if (type === "checkbox") {
    const box = h("input", { ...common, type: "checkbox", checked: asBool(value) });
    return { element: h("span", { class: "checkbox-wrap" }, box, h("span", { class: "checkbox-state", "aria-hidden": "true" })), read: () => box.checked, focusable: box, inlineLabel: true };
  }
  if ((type === "dropdown" || type === "radio") && choices) {
    const current = asText(value);
    const all = current && !choices.includes(current) ? [...choices, current] : choices;
    const label = (choice) => (choices.includes(choice) ? choice : `${choice} (not an option)`);
    if (type === "dropdown") {
      const select = h("select", { ...common, class: "input" }, current ? null : h("option", { value: "", text: "— choose —" }), all.map((choice) => h("option", { value: choice, text: label(choice) })));
      select.value = current;
      return { element: select, read: () => select.value, focusable: select };
    }
    const name = newId("radio");
    const radios = all.map((choice, index) =>
      h("label", { class: "choice" }, h("input", { type: "radio", name, value: choice, checked: choice === current, id: index === 0 ? id : undefined }), ` ${label(choice)}`),
    );
    const group = h("div", { class: "choices", role: "radiogroup", "aria-describedby": describedBy }, radios);
    return {
      element: group,
      read: () => group.querySelector("input:checked")?.value ?? null,
      focusable: group.querySelector("input"),
      group: true,
    };
  }
  if ((type === "multi-select" || type === "multi-checkbox") && choices) {
    const chosen = asList(value);
    const all = [...choices, ...chosen.filter((c) => !choices.includes(c))];
    if (type === "multi-select") {
      const select = h(
        "select",
        { ...common, class: "input", multiple: true, size: Math.min(Math.max(all.length, 2), 6) },
        all.map((choice) => h("option", { value: choice, text: choice, selected: chosen.includes(choice) })),
      );
      return { element: select, read: () => Array.from(select.selectedOptions, (o) => o.value), focusable: select, multi: true };
    }
    const boxes = all.map((choice, index) =>
      h("label", { class: "choice" }, h("input", { type: "checkbox", value: choice, checked: chosen.includes(choice), id: index === 0 ? id : undefined }), ` ${choice}`),
    );
    const group = h("div", { class: "choices", role: "group", "aria-describedby": describedBy }, boxes);
    return {
      element: group,
      read: () => Array.from(group.querySelectorAll("input:checked"), (box) => box.value),
      focusable: group.querySelector("input"),
      group: true,
    };
  }
  // text, `string`, missing or unknown types, and choice types without options
  const input = h("input", { ...common, class: "input", value: asText(value), autocomplete: "off", spellcheck: false });
  return { element: input, read: () => input.value, focusable: input };
}

/**
 * settingsForm({declared, stored, inherited(item) -> {value, from}, scopeName, saveLabel,
 *               onSave(changes) -> Promise<stored>})
 */
export function settingsForm({ declared, stored, inherited, scopeName, saveLabel, onSave }) {
  const wrap = h("div", { class: "settings-form" });
  let current = { ...(stored ?? {}) };

  function render(message) {
    const fields = [];
    const items = (declared ?? []).filter((item) => item && typeof item.label === "string");
    const form = h("form", { class: "form-grid", novalidate: true, "aria-label": `${scopeName} settings` });
    if (!items.length) {
      replace(wrap, h("p", { class: "muted", text: "This integration declares no settings." }));
      return;
    }
    const status = h("div", { class: "form-status", role: "status" }, message ?? "");
    for (const item of items) {
      const id = newId("setting");
      const hasOwn = Object.hasOwn(current, item.label) && current[item.label] !== null;
      const below = inherited(item);
      const value = hasOwn ? current[item.label] : below.value;
      const helpId = `${id}-help`;
      const errorId = `${id}-error`;
      const ctl = control(item, value, id, `${helpId} ${errorId}`);
      const type = isInterval(item) ? "interval (crontab)" : settingType(item);
      const origin = hasOwn
        ? h(
            "span",
            { class: "origin origin-own" },
            `set ${scopeName === "Organisation" ? "for the organisation" : "for this channel"} · `,
            h("button", {
              type: "button",
              class: "link-button",
              text: scopeName === "Organisation" ? "reset to default" : "use organisation value",
              "aria-label": `Reset ${item.label}`,
              onclick: () => save({ [item.label]: null }),
            }),
          )
        : h("span", { class: "origin", text: below.from });
      const labelEl = h(
        ctl.group ? "span" : "label",
        { class: "field-label", for: ctl.group ? undefined : id, id: `${id}-label` },
        item.label,
        isRequired(item) ? h("span", { class: "required", text: " (required)" }) : null,
      );
      if (ctl.group) ctl.element.setAttribute("aria-labelledby", `${id}-label`);
      const preview = ctl.interval ? h("p", { class: "interval-preview", id: `${id}-preview`, "aria-live": "polite" }) : null;
      const help = h(
        "p",
        { class: "field-help", id: helpId },
        h("span", { class: "type-tag", text: type }),
        item.description ? ` ${item.description}` : "",
        " — ",
        origin,
      );
      const error = h("p", { class: "field-error", id: errorId });
      const field = h("div", { class: `field field-${settingType(item)}`, dataset: { label: item.label } }, labelEl, ctl.element, preview, help, error);
      if (ctl.interval) {
        ctl.element.setAttribute("aria-describedby", `${id}-preview ${helpId} ${errorId}`);
        intervalPreview(ctl.element, preview);
      }
      const entry = { item, ctl, dirty: false, error, field };
      ctl.element.addEventListener("input", () => markDirty(entry));
      ctl.element.addEventListener("change", () => markDirty(entry));
      fields.push(entry);
      add(form, field);
    }
    const button = h("button", { type: "submit", class: "btn btn-primary", text: saveLabel });
    add(form, h("div", { class: "form-actions" }, button, status));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const changes = {};
      for (const entry of fields) if (entry.dirty) changes[entry.item.label] = entry.ctl.read();
      if (!Object.keys(changes).length) {
        status.textContent = "Nothing changed.";
        return;
      }
      save(changes, fields);
    });
    replace(wrap, form);
  }

  function markDirty(entry) {
    entry.dirty = true;
    entry.error.textContent = ""; // the person is fixing it; the next save re-checks
    entry.field.classList.add("dirty");
  }

  async function save(changes, fields = []) {
    for (const entry of fields) entry.error.textContent = "";
    const statusEl = wrap.querySelector(".form-status");
    if (statusEl) statusEl.textContent = "Saving…";
    try {
      current = { ...((await onSave(changes)) ?? {}) };
      const hadFocus = wrap.contains(document.activeElement);
      render("Saved ✓");
      if (hadFocus) wrap.querySelector("button[type=submit]")?.focus();
    } catch (error) {
      if (statusEl) replace(statusEl, errorBox(error, { title: "Not saved" }));
      for (const problem of error.errors ?? []) {
        const label = String(problem.path ?? "").replace(/^settings\./, "");
        const entry = fields.find((f) => f.item.label === label || f.item.label.toLowerCase() === label.toLowerCase());
        if (entry) entry.error.textContent = `${problem.message}${problem.hint ? ` — ${problem.hint}` : ""}`;
      }
    }
  }

  render();
  /** Show new inherited values (after the organisation's changed), keeping unsaved edits. */
  wrap.refreshInherited = () => {
    if (!wrap.querySelector(".field.dirty")) render();
  };
  return wrap;
}
