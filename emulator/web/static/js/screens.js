// Screens without data of their own: the welcome page, an organisation without channels,
// the API key prompt, and the small "+ New …" forms of the sidebar.

import { add, errorBox, h, replace } from "./dom.js";

export /** A "+ New …" button that opens a small labelled form in place. */
function inlineCreate({ buttonText, label, id, submitText, description = false, create }) {
  const wrap = h("div", { class: "inline-create" });
  const open = h("button", { type: "button", class: "btn btn-ghost btn-block side-add", "aria-expanded": "false", text: `+ ${buttonText}` });
  const name = h("input", { id, class: "input", required: true, maxlength: 200, autocomplete: "off" });
  const desc = description ? h("input", { id: `${id}-desc`, class: "input", maxlength: 500, autocomplete: "off" }) : null;
  const error = h("div", { class: "form-error" });
  const form = h(
    "form",
    { class: "create-form", hidden: true, "aria-label": buttonText },
    h("label", { for: id, class: "field-label", text: label }),
    name,
    desc ? [h("label", { for: `${id}-desc`, class: "field-label", text: "Description (optional)" }), desc] : null,
    h(
      "div",
      { class: "form-actions" },
      h("button", { type: "submit", class: "btn btn-primary btn-small", text: submitText }),
      h("button", { type: "button", class: "btn btn-ghost btn-small", text: "Cancel", onclick: () => toggle(false) }),
    ),
    error,
  );
  function toggle(show) {
    form.hidden = !show;
    open.hidden = show;
    open.setAttribute("aria-expanded", String(show));
    if (show) name.focus();
    else open.focus();
  }
  open.addEventListener("click", () => toggle(true));
  form.addEventListener("keydown", (event) => {
    if (event.key === "Escape") toggle(false);
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    replace(error);
    try {
      await create(name.value, desc?.value ?? "");
    } catch (err) {
      replace(error, errorBox(err));
      name.focus();
    }
  });
  add(wrap, open, form);
  return wrap;
}

/** The first visit: what Telex and the emulator are, and a form for the first organisation. */
export function welcomeScreen({ createOrg }) {
  const name = h("input", { id: "welcome-org", class: "input", required: true, value: "Acme", maxlength: 200 });
  const error = h("div", { class: "form-error" });
  const form = h(
    "form",
    { class: "welcome-form" },
    h("label", { for: "welcome-org", class: "field-label", text: "Name of your organisation" }),
    h("div", { class: "inline-field" }, name, h("button", { type: "submit", class: "btn btn-primary", text: "Create organisation" })),
    error,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await createOrg(name.value);
    } catch (err) {
      replace(error, errorBox(err));
    }
  });
  return h(
    "div",
    { class: "welcome" },
    h("h1", { text: "Welcome to the Telex emulator" }),
    h("p", { class: "lead", text: "Telex is a chat platform whose channels run integrations. This emulator is a local copy of it, for testing your integration before you publish it." }),
    h(
      "ol",
      { class: "steps" },
      h("li", {}, h("strong", { text: "Create an organisation" }), " and a channel in it."),
      h("li", {}, h("strong", { text: "Add your integration" }), " by the URL of its JSON; the emulator checks it and says what to fix."),
      h("li", {}, h("strong", { text: "Activate it on the channel" }), ": modifiers change each message, outputs receive it, intervals tick on a schedule and post back."),
      h("li", {}, h("strong", { text: "Watch" }), " every request in the trace under each message and in the delivery log."),
    ),
    form,
  );
}

export function noChannelScreen({ orgName, newChannel }) {
  return h(
    "div",
    { class: "welcome" },
    h("h1", { text: `${orgName} has no channel yet` }),
    h("p", { class: "lead", text: "Messages live in channels. Create one with “+ New channel” in the sidebar; integrations are activated per channel." }),
    h("button", { type: "button", class: "btn btn-primary", text: "+ New channel", onclick: newChannel }),
  );
}

/** Only when the emulator was started with --api-key: ask for it once per tab. */
export function apiKeyScreen({ useKey }) {
  const input = h("input", { id: "api-key", class: "input", type: "password", autocomplete: "off" });
  const form = h(
    "form",
    { class: "welcome-form" },
    h("label", { for: "api-key", class: "field-label", text: "API key (the --api-key the emulator was started with)" }),
    h("div", { class: "inline-field" }, input, h("button", { type: "submit", class: "btn btn-primary", text: "Use key" })),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    useKey(input.value.trim());
  });
  const screen = h("div", { class: "welcome" }, h("h1", { text: "This emulator needs an API key" }), form);
  screen.focusFirst = () => input.focus();
  return screen;
}
