// Integrations of an organisation: add one by URL or pasted JSON (linted first), its card
// (spec strings as text only), URL overrides, settings at organisation and channel level,
// activation on a channel, and the order of the modifier chain.

import { addIntegrationPanel } from "./add-integration.js";
import * as api from "./api.js";
import { get, paths } from "./api.js";
import { add, badge, clear, debounce, errorBox, findingList, h, replace, toast } from "./dom.js";
import { settingsForm } from "./settings-form.js";

const TYPE_HELP = {
  modifier: "changes each message before it is stored (in chain order, 1 s limit)",
  output: "receives every final message",
  interval: "is ticked on a crontab and posts back to the channel's webhook",
};

function typeBadge(type) {
  return badge(type || "unknown", `badge-type type-${type}`, TYPE_HELP[type]);
}

function logo(integration) {
  const url = integration.app_logo;
  const fallback = h("span", { class: "logo logo-fallback", "aria-hidden": "true", text: (integration.app_name || "?").slice(0, 1).toUpperCase() });
  if (typeof url !== "string" || !/^https?:\/\//i.test(url.trim())) return fallback;
  const img = h("img", { class: "logo", src: url.trim(), alt: "", width: 40, height: 40, loading: "lazy", referrerpolicy: "no-referrer" });
  img.addEventListener("error", () => img.replaceWith(fallback));
  return img;
}

function urlRow(label, declared, effective, override) {
  let note = "";
  if (override) note = "your override";
  else if (effective && declared && effective !== declared) note = "rewritten by --rewrite";
  return [
    h("dt", { text: label }),
    h(
      "dd",
      {},
      h("div", { class: "url-line" }, h("span", { class: "url-kind", text: "declared" }), declared ? h("code", { text: declared }) : h("span", { class: "muted", text: "none" })),
      h(
        "div",
        { class: "url-line" },
        h("span", { class: "url-kind", text: "effective" }),
        effective ? h("code", { class: "effective-url", text: effective }) : h("span", { class: "muted", text: "none: nothing is sent" }),
        note ? h("span", { class: "url-note", text: ` (${note})` }) : null,
      ),
    ),
  ];
}

/** What the channel's values do now: they override while active, and are kept but unused
 *  while inactive, so nobody mistakes stored values for live ones or thinks them lost. */
function channelNote(isActive, channel) {
  if (isActive) return h("p", { class: "muted small", text: "Values here override the organisation's for this channel only." });
  return h("p", {
    class: "alert alert-info small channel-inactive",
    text: `Not active on #${channel.name}: these values are not used now. Values set for this channel are kept and apply once you activate it.`,
  });
}

export function mountIntegrations(root, ctx) {
  // Our own changes come back as integration.changed events; this view already reloads
  // after them, so events right after one of our requests do not reload (and wipe "Saved").
  let quietUntil = 0;
  const quietly = (fn) => (...args) => {
    quietUntil = performance.now() + 1500;
    return fn(...args);
  };
  const post = quietly(api.post);
  const put = quietly(api.put);
  const del = quietly(api.del);
  const { org } = ctx;
  let channel = ctx.channel;
  let integrations = [];
  // integration id -> its activation on the selected channel, active or not: a deactivated
  // one keeps its stored channel settings, and the channel form must show (not hide) them.
  let activations = new Map();
  const openDetails = new Set();

  const addPanel = addIntegrationPanel({
    org,
    post,
    typeBadge,
    onInstalled: async (row) => {
      openDetails.add(`${row.id}:org`);
      await load();
      document.getElementById(`card-${row.id}`)?.scrollIntoView({ block: "nearest" });
      document.getElementById(`card-${row.id}-title`)?.focus();
    },
  });

  // -- channel picker and chain ---------------------------------------------------------
  const channelSelect = h(
    "select",
    { id: "int-channel", class: "input" },
    ctx.channels.map((c) => h("option", { value: c.id, text: `#${c.name}` })),
  );
  if (channel) channelSelect.value = channel.id;
  channelSelect.addEventListener("change", () => ctx.selectChannel(channelSelect.value, "integrations"));
  const chainPanel = h("section", { class: "panel", "aria-labelledby": "chain-title" });
  const cards = h("div", { class: "cards" });
  const listTitle = h("h2", { id: "list-title" });

  function renderChain() {
    clear(chainPanel);
    add(chainPanel,
      h("h2", { id: "chain-title" }, "Active on ", channel ? `#${channel.name}` : "a channel"),
      ctx.channels.length
        ? h("div", { class: "inline-field" }, h("label", { for: "int-channel", text: "Channel" }), channelSelect)
        : h("p", { class: "muted", text: "Create a channel to activate integrations on it." }),
    );
    if (!channel) return;
    const rows = integrations.filter((i) => activations.get(i.id)?.is_active).sort((a, b) => activations.get(a.id).position - activations.get(b.id).position);
    const modifiers = rows.filter((i) => i.integration_type === "modifier");
    const others = rows.filter((i) => i.integration_type !== "modifier");
    add(chainPanel,
      h("h3", { text: "Modifier chain" }),
      h("p", { class: "muted", text: "Every message goes through these in order; each one gets the previous one's output. Reorder with the arrow buttons." }),
    );
    if (!modifiers.length) add(chainPanel, h("p", { class: "empty-line", text: "No modifier is active on this channel." }));
    else {
      add(chainPanel,
        h(
          "ol",
          { class: "chain" },
          modifiers.map((integration, index) =>
            h(
              "li",
              { class: "chain-item" },
              h("span", { class: "chain-pos", text: String(index + 1) }),
              h("span", { class: "chain-name", text: integration.app_name }),
              h(
                "span",
                { class: "chain-moves" },
                h("button", {
                  type: "button",
                  class: "btn btn-icon",
                  text: "↑",
                  disabled: index === 0,
                  "aria-label": `Move ${integration.app_name} up`,
                  dataset: { focusKey: `up:${integration.id}` },
                  onclick: () => move(modifiers, others, index, -1),
                }),
                h("button", {
                  type: "button",
                  class: "btn btn-icon",
                  text: "↓",
                  disabled: index === modifiers.length - 1,
                  "aria-label": `Move ${integration.app_name} down`,
                  dataset: { focusKey: `down:${integration.id}` },
                  onclick: () => move(modifiers, others, index, 1),
                }),
              ),
            ),
          ),
        ),
      );
    }
    if (others.length) {
      add(chainPanel,
        h("h3", { text: "Also active" }),
        h("ul", { class: "plain-list" }, others.map((i) => h("li", {}, typeBadge(i.integration_type), " ", i.app_name))),
      );
    }
  }

  async function move(modifiers, others, index, step) {
    const order = modifiers.map((i) => i.id);
    const [moved] = order.splice(index, 1);
    order.splice(index + step, 0, moved);
    try {
      await put(paths.order(channel.id), { integration_ids: [...order, ...others.map((i) => i.id)] });
      await load();
      const key = step < 0 && index + step === 0 ? `down:${moved}` : step > 0 && index + step === modifiers.length - 1 ? `up:${moved}` : `${step < 0 ? "up" : "down"}:${moved}`;
      chainPanel.querySelector(`[data-focus-key="${key}"]`)?.focus();
      ctx.announce(`${modifiers[index].app_name} is now number ${index + step + 1} in the chain.`);
    } catch (error) {
      add(chainPanel, errorBox(error, { title: "Order not saved" }));
    }
  }

  // -- cards --------------------------------------------------------------------------
  function remember(details, key) {
    details.open = openDetails.has(key);
    details.addEventListener("toggle", () => (details.open ? openDetails.add(key) : openDetails.delete(key)));
    return details;
  }

  function card(integration) {
    const id = integration.id;
    const activation = activations.get(id);
    const isActive = Boolean(activation?.is_active);
    const cardEl = h("article", { class: `card ${isActive ? "is-active" : ""}`, id: `card-${id}`, "aria-labelledby": `card-${id}-title` });
    const activationArea = h("div", { class: "activation" });
    if (channel) {
      const toggle = h("button", {
        type: "button",
        class: `btn ${isActive ? "" : "btn-primary"}`,
        text: isActive ? `Deactivate on #${channel.name}` : `Activate on #${channel.name}`,
        dataset: { focusKey: `activate:${id}` },
      });
      toggle.addEventListener("click", async () => {
        toggle.disabled = true;
        try {
          const result = await put(paths.channelSettings(org.id, id, channel.id), { is_active: !isActive });
          activations.set(id, result);
          ctx.announce(`${integration.app_name} ${isActive ? "deactivated" : "activated"} on #${channel.name}.`);
          await load();
          cards.querySelector(`[data-focus-key="activate:${id}"]`)?.focus();
        } catch (error) {
          toggle.disabled = false;
          activationArea.querySelector(".alert")?.remove();
          add(activationArea, errorBox(error, { title: "Not activated" }));
          const channelDetails = cardEl.querySelector("details.channel-settings");
          if (channelDetails && error.status === 422) channelDetails.open = true;
        }
      });
      add(activationArea,
        h("span", { class: `state ${isActive ? "state-on" : "state-off"}` }, h("span", { "aria-hidden": "true", text: isActive ? "● " : "○ " }), isActive ? `Active on #${channel.name}` : `Not active on #${channel.name}`),
        toggle,
      );
    }
    const warnings = integration.warnings ?? [];
    const urlForm = urlOverrideForm(integration);
    const orgForm = settingsForm({
      declared: integration.settings,
      stored: integration.values,
      scopeName: "Organisation",
      saveLabel: "Save organisation settings",
      inherited: (item) => (Object.hasOwn(item, "default") ? { value: item.default, from: "declared default" } : { value: "", from: "no default declared" }),
      onSave: async (changes) => {
        const result = await put(paths.orgSettings(org.id, id), { settings: changes });
        integration.values = result.values ?? {};
        cardEl.querySelector("details.channel-settings .settings-form")?.refreshInherited?.();
        return integration.values;
      },
    });
    const parts = [
      h(
        "header",
        { class: "card-head" },
        logo(integration),
        h(
          "div",
          { class: "card-titles" },
          h("h3", { id: `card-${id}-title`, tabindex: "-1", text: integration.app_name || "(no name)" }),
          h("div", { class: "card-meta" }, typeBadge(integration.integration_type), integration.integration_category ? h("span", { class: "category", text: integration.integration_category }) : null),
        ),
        activationArea,
      ),
      integration.app_description ? h("p", { class: "card-desc", text: integration.app_description }) : null,
      h(
        "dl",
        { class: "urls" },
        integration.json_url ? [h("dt", { text: "JSON URL" }), h("dd", {}, h("code", { text: integration.json_url }))] : [h("dt", { text: "JSON" }), h("dd", { class: "muted", text: "pasted inline" })],
        integration.integration_type !== "interval" || integration.target_url
          ? urlRow("Target URL", integration.target_url, integration.effective_target_url, integration.target_url_override)
          : null,
        integration.integration_type === "interval" || integration.tick_url
          ? urlRow("Tick URL", integration.tick_url, integration.effective_tick_url, integration.tick_url_override)
          : null,
      ),
      remember(h("details", { class: "card-section" }, h("summary", { text: "Override URLs" }), urlForm), `${id}:urls`),
      warnings.length
        ? remember(
            h("details", { class: "card-section" }, h("summary", {}, `Linter warnings (${warnings.length})`), findingList(warnings.map((w) => ({ severity: "warning", ...w })))),
            `${id}:warnings`,
          )
        : null,
      remember(h("details", { class: "card-section org-settings" }, h("summary", { text: `Organisation settings (${(integration.settings ?? []).length})` }), orgForm), `${id}:org`),
    ];
    if (channel) {
      const channelForm = settingsForm({
        declared: integration.settings,
        stored: activation?.settings ?? {},
        scopeName: "Channel",
        saveLabel: `Save for #${channel.name}`,
        inherited: (item) =>
          Object.hasOwn(integration.values ?? {}, item.label)
            ? { value: integration.values[item.label], from: "organisation value" }
            : Object.hasOwn(item, "default")
              ? { value: item.default, from: "declared default" }
              : { value: "", from: "no default declared" },
        onSave: async (changes) => {
          const result = await put(paths.channelSettings(org.id, id, channel.id), { settings: changes });
          activations.set(id, result);
          return result.settings ?? {};
        },
      });
      parts.push(
        remember(
          h(
            "details",
            { class: "card-section channel-settings" },
            h("summary", {}, `Settings for #${channel.name}`, isActive ? null : [" ", badge("inactive", "badge-inactive", `Not active on #${channel.name}`)]),
            channelNote(isActive, channel),
            channelForm,
          ),
          `${id}:channel`,
        ),
      );
    }
    parts.push(h("footer", { class: "card-foot" }, removeButton(integration)));
    add(cardEl, ...parts);
    return cardEl;
  }

  function urlOverrideForm(integration) {
    const targetId = `ov-target-${integration.id}`;
    const tickId = `ov-tick-${integration.id}`;
    const target = h("input", { id: targetId, class: "input mono", type: "url", value: integration.target_url_override ?? "", placeholder: integration.target_url || "http://127.0.0.1:8000/webhook" });
    const tick = h("input", { id: tickId, class: "input mono", type: "url", value: integration.tick_url_override ?? "", placeholder: integration.tick_url || "http://127.0.0.1:8000/tick" });
    const status = h("div", { class: "form-status", role: "status" });
    const form = h(
      "form",
      { class: "form-grid", "aria-label": `URL overrides of ${integration.app_name}` },
      h("p", { class: "muted small", text: "Send this integration's requests somewhere else, e.g. to your local copy. Leave empty to use the declared (or rewritten) URL." }),
      h("div", { class: "field" }, h("label", { for: targetId, class: "field-label", text: "Target URL override" }), target),
      h("div", { class: "field" }, h("label", { for: tickId, class: "field-label", text: "Tick URL override" }), tick),
      h("div", { class: "form-actions" }, h("button", { type: "submit", class: "btn btn-primary", text: "Save URLs" }), status),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      status.textContent = "Saving…";
      try {
        await put(paths.integration(org.id, integration.id), { target_url: target.value.trim(), tick_url: tick.value.trim() });
        openDetails.add(`${integration.id}:urls`);
        await load();
        ctx.announce("URLs saved.");
      } catch (error) {
        replace(status, errorBox(error, { title: "Not saved" }));
      }
    });
    return form;
  }

  function removeButton(integration) {
    const button = h("button", { type: "button", class: "btn btn-danger btn-small", text: "Remove…" });
    let armed = false;
    button.addEventListener("click", async () => {
      if (!armed) {
        armed = true;
        button.textContent = `Really remove ${integration.app_name}?`;
        return;
      }
      try {
        await del(paths.integration(org.id, integration.id));
        toast(`Removed ${integration.app_name}.`, "ok");
        await load();
      } catch (error) {
        button.after(errorBox(error, { title: "Not removed" }));
      }
    });
    button.addEventListener("blur", () => {
      armed = false;
      button.textContent = "Remove…";
    });
    return button;
  }

  function renderCards() {
    clear(cards);
    listTitle.textContent = `Installed in ${org.name} (${integrations.length})`;
    if (!integrations.length) {
      add(cards, h("p", { class: "empty-line", text: "Nothing installed yet. Add an integration above." }));
      return;
    }
    for (const integration of integrations) add(cards, card(integration));
  }

  async function load() {
    const focusKey = document.activeElement?.dataset?.focusKey;
    try {
      const [rows, onChannel] = await Promise.all([get(paths.integrations(org.id)), channel ? get(paths.channelActivations(channel.id)) : Promise.resolve([])]);
      integrations = rows;
      activations = new Map(onChannel.map((row) => [row.id, row.activation]));
    } catch (error) {
      replace(cards, errorBox(error, { title: "Could not load the integrations" }));
      return;
    }
    renderChain();
    renderCards();
    if (focusKey) root.querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`)?.focus();
  }

  replace(root,
    h(
      "div",
      { class: "page" },
      h("header", { class: "view-header" }, h("div", { class: "view-title" }, h("h1", { text: "Integrations" })), h("p", { class: "muted", text: `Installed in ${org.name}. Modifiers change messages, outputs receive them, intervals tick on a schedule.` })),
      h("div", { class: "two-col" }, addPanel, chainPanel),
      h("section", { class: "panel-plain", "aria-labelledby": "list-title" }, listTitle, cards),
    ),
  );
  load();

  const reloadSoon = debounce(() => {
    if (performance.now() < quietUntil) return;
    const editing = root.querySelector(".field.dirty") || document.activeElement?.closest?.("form") && root.contains(document.activeElement);
    if (!editing) load();
  }, 300);

  return {
    onEvent(type) {
      if (type === "integration.changed") reloadSoon();
    },
    refresh: load,
    destroy() {},
  };
}
