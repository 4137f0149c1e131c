// The channel view: live messages with threads, badges and modifier waterfalls, and the
// composer (Enter sends, Shift+Enter adds a line; Reply switches it to thread mode).

import { get, paths, post } from "./api.js";
import { add, badge, clockTime, errorBox, h, newId, outcomeChip, replace } from "./dom.js";
import { agentDecorations, channelTasks } from "./agent-messages.js";
import { channelAgentsBar } from "./channel-agents.js";
import { attachMentions } from "./mentions.js";
import { looksLikeHtml, sanitize } from "../sanitize.js";
import { hopCount, waterfall } from "./waterfall.js";
import { replayInto } from "./replay.js";

const NAME_STORAGE = "telex-emulator-username";
const PAGE_SIZE = 200;

/** Plain composer text as the HTML a Telex client sends: escaped, in a <p>. */
export function textToHtml(text) {
  const escaped = text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
  return `<p>${escaped.replace(/\r?\n/g, "<br>")}</p>`;
}

function plainSnippet(html, size = 80) {
  const text = new DOMParser().parseFromString(html ?? "", "text/html").body.textContent ?? "";
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > size ? `${flat.slice(0, size - 1)}…` : flat;
}

function renderBody(content) {
  if (!looksLikeHtml(content)) return h("div", { class: "msg-body plain", text: content ?? "" });
  return h("div", { class: "msg-body" }, sanitize(content));
}

function initials(name) {
  const letters = String(name || "?").trim().slice(0, 1).toUpperCase();
  return letters || "?";
}

function hue(name) {
  let sum = 0;
  for (const char of String(name)) sum = (sum * 31 + char.charCodeAt(0)) % 360;
  return sum;
}

function traceSummary(message) {
  const hops = message.trace ?? [];
  const notOk = hops.filter((hop) => hop.outcome !== "ok");
  const parts = [`${hops.length} modifier${hops.length === 1 ? "" : "s"}`];
  if (notOk.length) {
    const counts = {};
    for (const hop of notOk) counts[hop.outcome] = (counts[hop.outcome] ?? 0) + 1;
    for (const [outcome, count] of Object.entries(counts)) parts.push(`${count} ${outcome}`);
  }
  return parts.join(", ");
}

export function mountMessages(root, ctx) {
  const { channel } = ctx;
  const byId = new Map();
  const nodes = new Map();
  let thread = null; // {id, message} while replying in a thread
  const tasks = channelTasks(channel.id);
  const openTraces = new Set(); // message ids whose agent trace is open
  const coworkers = channelAgentsBar(channel, ctx);

  const list = h("ol", { class: "messages", role: "log", "aria-label": `Messages in #${channel.name}` });
  const empty = h(
    "div",
    { class: "empty-state" },
    h("p", { class: "empty-title", text: "No messages yet" }),
    h("p", { class: "muted", text: "Write the first one below. Active modifiers change it on the way in; outputs receive the result." }),
  );
  const scroller = h("div", { class: "message-scroller" }, empty, list);

  // -- header -----------------------------------------------------------------------
  const webhook = h("code", { class: "webhook-url", text: channel.webhook_url ?? "" });
  const copy = h("button", {
    type: "button",
    class: "btn btn-small",
    text: "Copy webhook URL",
    onclick: async () => {
      try {
        await navigator.clipboard.writeText(channel.webhook_url ?? "");
        copy.textContent = "Copied";
      } catch {
        const range = document.createRange();
        range.selectNodeContents(webhook);
        getSelection()?.removeAllRanges();
        getSelection()?.addRange(range);
        copy.textContent = "Selected";
      }
      setTimeout(() => (copy.textContent = "Copy webhook URL"), 1500);
    },
  });
  // Replay channel: the last N messages through the chain as it is now, nothing stored.
  const replayLast = h("input", {
    class: "input input-small replay-count",
    type: "number",
    min: 1,
    max: 1000,
    value: "20",
    "aria-label": "How many of the last messages to replay",
  });
  const channelReplay = h("div", { class: "channel-replay", hidden: true });
  const replayChannel = h(
    "form",
    {
      class: "replay-channel-form",
      onsubmit: (event) => {
        event.preventDefault();
        const limit = Math.min(1000, Math.max(1, Number(replayLast.value) || 20));
        replayInto(channelReplay, { channel_id: channel.id, limit });
      },
    },
    h("button", { type: "submit", class: "btn btn-small replay-channel", text: "Replay channel" }),
    h("span", { class: "muted", text: " last " }),
    replayLast,
    h("span", { class: "muted", text: " messages through the modifiers as they are now (nothing is stored)" }),
  );
  const header = h(
    "header",
    { class: "view-header channel-header" },
    h("div", { class: "view-title" }, h("h1", {}, h("span", { class: "hash", "aria-hidden": "true", text: "#" }), channel.name)),
    channel.description ? h("p", { class: "muted channel-desc", text: channel.description }) : null,
    h(
      "p",
      { class: "webhook-line" },
      h("span", { class: "muted", text: "Webhook (integrations post here): " }),
      webhook,
      copy,
    ),
    coworkers.element,
    replayChannel,
    channelReplay,
  );

  // -- composer ---------------------------------------------------------------------
  const textId = newId("composer");
  const text = h("textarea", {
    id: textId,
    class: "composer-text",
    rows: 2,
    placeholder: `Message #${channel.name}`,
    "aria-describedby": `${textId}-hint`,
  });
  const nameInput = h("input", {
    id: `${textId}-name`,
    class: "input input-small",
    value: localStorage.getItem(NAME_STORAGE) || "you",
    autocomplete: "nickname",
    maxlength: 80,
  });
  nameInput.addEventListener("change", () => localStorage.setItem(NAME_STORAGE, nameInput.value.trim() || "you"));
  const threadText = h("span", { class: "thread-text" });
  const threadBanner = h(
    "div",
    { class: "thread-banner", hidden: true },
    h("span", { class: "thread-icon", "aria-hidden": "true", text: "↳" }),
    threadText,
    h("button", { type: "button", class: "btn btn-small btn-ghost", text: "Cancel reply", onclick: () => setThread(null) }),
  );
  const composerError = h("div", { class: "composer-error" });
  const sendButton = h("button", { type: "submit", class: "btn btn-primary", text: "Send" });
  const textWrap = h("div", { class: "composer-field" }, text);
  attachMentions(text, { agents: coworkers.agents, wrapper: textWrap });
  const form = h(
    "form",
    { class: "composer", "aria-label": "Write a message" },
    threadBanner,
    h("label", { for: textId, class: "visually-hidden", text: `Message #${channel.name}` }),
    textWrap,
    h(
      "div",
      { class: "composer-row" },
      h("label", { class: "inline-label", for: `${textId}-name` }, "Post as ", nameInput),
      h("span", { id: `${textId}-hint`, class: "muted composer-hint", text: "Enter sends · Shift+Enter new line" }),
      sendButton,
    ),
    composerError,
  );

  function setThread(message) {
    if (message) {
      const rootId = message.thread_id || message.id;
      const rootMessage = byId.get(rootId) ?? message;
      thread = { id: rootId };
      replace(threadText,
        "Replying in the thread of ",
        h("strong", { text: rootMessage.username || "someone" }),
        `: “${plainSnippet(rootMessage.content, 60)}”`,
      );
      threadBanner.hidden = false;
      text.placeholder = "Reply in thread";
      form.classList.add("in-thread");
      text.focus();
    } else {
      thread = null;
      threadBanner.hidden = true;
      text.placeholder = `Message #${channel.name}`;
      form.classList.remove("in-thread");
    }
  }

  async function send() {
    const value = text.value;
    if (!value.trim()) {
      text.focus();
      return;
    }
    replace(composerError);
    sendButton.disabled = true;
    const body = { content: textToHtml(value), username: nameInput.value.trim() || "you" };
    if (thread) body.thread_id = thread.id;
    try {
      const sent = await post(paths.messages(channel.id), body);
      upsert(sent, { scroll: true });
      text.value = "";
      setThread(null);
    } catch (error) {
      replace(composerError, errorBox(error, { title: "Not sent" }));
    } finally {
      sendButton.disabled = false;
      text.focus();
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    send();
  });
  text.addEventListener("keydown", (event) => {
    if (event.defaultPrevented) return; // the @ autocomplete took the key
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send();
    } else if (event.key === "Escape" && thread) {
      event.preventDefault();
      setThread(null);
    }
  });

  // -- messages ---------------------------------------------------------------------
  function messageItem(message) {
    const modified = typeof message.original_content === "string" && message.content !== message.original_content;
    const isWebhook = message.source === "webhook";
    const agent = agentDecorations(message, tasks, ctx, openTraces);
    const author = message.username || (isWebhook ? "integration" : agent.body ? "agent" : "someone");
    const avatar = h("span", { class: "avatar", "aria-hidden": "true", text: initials(author) });
    avatar.style.setProperty("--avatar-hue", String(hue(author)));
    const badges = agent.body
      ? agent.badges
      : [
          isWebhook
            ? badge("webhook", "badge-webhook", "Posted by an integration to the channel's webhook URL")
            : badge("person", "badge-person", "Written by a person in the composer or through the API"),
        ];
    if (modified) badges.push(badge("modified", "badge-modified", "A modifier changed this message; open its trace to compare"));
    if (message.event_name) badges.push(badge(message.event_name, "badge-event", "event_name sent with the message"));
    if (message.status && !agent.body) badges.push(outcomeChip(message.status, `status: ${message.status}`));
    const integrationName = message.integration_id ? ctx.integrationName(message.integration_id) : null;
    const hops = hopCount(message);
    const item = h("li", { class: `msg ${isWebhook ? "msg-webhook" : ""} ${agent.body ? "msg-agent" : ""}`, id: `msg-${message.id}`, dataset: { id: message.id } });
    const main = h("div", { class: "msg-main" });
    add(main,
      h(
        "div",
        { class: "msg-head" },
        h("span", { class: "author", text: author }),
        h("time", { datetime: message.created_at ?? "", title: message.created_at ?? "", text: clockTime(message.created_at) }),
        badges,
        integrationName ? h("span", { class: "muted via", text: `via ${integrationName}` }) : null,
      ),
      agent.body ?? renderBody(message.content),
      message.warning ? h("p", { class: "msg-warning", text: `⚠ ${message.warning}` }) : null,
      agent.lines,
    );
    const actions = h("div", { class: "msg-actions" });
    add(actions,
      h("button", {
        type: "button",
        class: "btn btn-small btn-ghost reply-button",
        text: "Reply",
        "aria-label": `Reply to ${author} in a thread`,
        onclick: () => setThread(message),
      }),
      agent.actions,
    );
    let replayPanel = null;
    if (message.source === "user") { // agents' replies and webhooks skip the chain
      replayPanel = h("div", { class: "message-replay", id: `replay-${message.id}`, hidden: true });
      add(actions,
        h("button", {
          type: "button",
          class: "btn btn-small btn-ghost replay-button",
          text: "Replay",
          title: "Send the original text through the modifiers as they are now and compare (nothing is stored)",
          "aria-controls": replayPanel.id,
          onclick: () => replayInto(replayPanel, { message_ids: [message.id] }),
        }),
      );
    }
    if (hops > 0 || modified) {
      const panelId = `trace-${message.id}`;
      const panel = waterfall(message);
      panel.id = panelId;
      panel.hidden = true;
      const toggle = h("button", {
        type: "button",
        class: "btn btn-small btn-ghost trace-toggle",
        "aria-expanded": "false",
        "aria-controls": panelId,
        text: `▸ Modifier trace · ${traceSummary(message)}`,
        onclick: () => {
          panel.hidden = !panel.hidden;
          toggle.setAttribute("aria-expanded", String(!panel.hidden));
          toggle.textContent = `${panel.hidden ? "▸" : "▾"} Modifier trace · ${traceSummary(message)}`;
        },
      });
      add(actions, toggle);
      add(main, actions, panel, agent.panel);
    } else {
      add(main, actions, agent.panel);
    }
    add(main, replayPanel);
    add(item, avatar, main);
    if (!message.thread_id) add(item, h("ol", { class: "replies", "aria-label": `Replies to ${author}` }));
    return item;
  }

  function nearBottom() {
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 120;
  }

  function upsert(message, { scroll = false } = {}) {
    if (!message || message.channel_id !== channel.id) return;
    const stick = scroll || nearBottom();
    byId.set(message.id, message);
    const fresh = messageItem(message);
    const old = nodes.get(message.id);
    if (old) {
      const replies = old.querySelector(":scope > ol.replies");
      const freshReplies = fresh.querySelector(":scope > ol.replies");
      if (replies && freshReplies) freshReplies.replaceWith(replies);
      old.replaceWith(fresh);
    } else if (message.thread_id && nodes.has(message.thread_id)) {
      nodes.get(message.thread_id).querySelector(":scope > ol.replies")?.append(fresh);
    } else {
      if (message.thread_id) {
        fresh.querySelector(".msg-head")?.append(h("span", { class: "muted", text: "reply in an older thread" }));
      }
      add(list, fresh);
    }
    nodes.set(message.id, fresh);
    empty.hidden = byId.size > 0;
    if (stick) scroller.scrollTop = scroller.scrollHeight;
  }

  async function load() {
    try {
      // Both at once; the tasks are in before any message is drawn (a reply shows its
      // task's state). A channel's tasks failing to load only loses those decorations.
      const [messages] = await Promise.all([get(`${paths.messages(channel.id)}?limit=${PAGE_SIZE}`), tasks.load().catch(() => {})]);
      for (const message of messages) upsert(message);
      scroller.scrollTop = scroller.scrollHeight;
    } catch (error) {
      scroller.prepend(errorBox(error, { title: "Could not load messages" }));
    }
  }

  replace(root, h("div", { class: "channel-view" }, header, scroller, form));
  load();
  if (!ctx.isSmallScreen()) text.focus({ preventScroll: true });

  return {
    onEvent(type, data) {
      if (type === "message.created" || type === "message.updated") upsert(data);
      if (type === "task.updated") {
        // Redraw the messages this task concerns: its state shows on both.
        for (const id of tasks.put(data)) if (byId.has(id)) upsert(byId.get(id));
      }
      if (type === "agent.changed") coworkers.reload();
    },
    refresh: load,
    destroy() {},
  };
}
