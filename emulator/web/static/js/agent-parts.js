// An agent's reply as the channel shows it: its parts (text as text, images inline only
// from http(s) or data:image URLs, other files as links, data as formatted JSON) and the
// state of the task behind it. Nothing an agent sends ever becomes HTML.

import { badge, h, pretty } from "./dom.js";
import { safeHref } from "../sanitize.js";

const INLINE_IMAGE = /^data:image\/(png|jpe?g|gif|webp);base64,[a-z0-9+/=\s]*$/i;
// Bytes of any other type arrive as an octet-stream data: URL: offered as a download, which
// the browser saves and never renders.
const DOWNLOAD = /^data:application\/octet-stream;base64,[a-z0-9+/=\s]*$/i;

// Task states in words and tones, so the state never rests on colour alone.
const STATES = {
  submitted: ["◌", "neutral", "submitted"],
  working: ["⟳", "neutral", "working"],
  "input-required": ["?", "warn", "input required"],
  "auth-required": ["!", "warn", "auth required"],
  completed: ["✓", "ok", "completed"],
  canceled: ["⊘", "neutral", "canceled"],
  failed: ["✕", "bad", "failed"],
  rejected: ["✕", "bad", "rejected"],
  unknown: ["?", "warn", "unknown"],
};
const OPEN_STATES = new Set(["submitted", "working"]);

export function isAgentReply(message) {
  return message?.source === "agent";
}

/** A chip naming a task state (in words, with an icon and a tone). */
export function taskStateChip(state) {
  const key = String(state ?? "unknown");
  const [icon, tone, words] = STATES[key] ?? ["•", "neutral", key];
  return h(
    "span",
    { class: `chip task-state tone-${tone}`, dataset: { state: key }, title: "State of the agent's task" },
    h("span", { "aria-hidden": "true", class: OPEN_STATES.has(key) ? "spin" : "", text: icon }),
    ` ${words}`,
  );
}

export function isPending(state) {
  return OPEN_STATES.has(String(state));
}

export function coworkerBadge() {
  return badge("coworker", "badge-agent", "An AI coworker (A2A agent) wrote this reply");
}

/** The URL a file part points at: http(s) links as they are, data: URLs kept only for the
 * inline-image check; anything else (javascript:, file:, relative) is dropped. */
function fileUrl(part) {
  const raw = typeof part.url === "string" ? part.url : typeof part.uri === "string" ? part.uri : "";
  if (INLINE_IMAGE.test(raw.trim())) return { url: raw.trim(), image: true };
  if (DOWNLOAD.test(raw.trim())) return { url: raw.trim(), image: false, download: true };
  const href = safeHref(raw);
  if (href === null || href.startsWith("mailto:")) return { url: null, image: false };
  const mime = String(part.mimeType ?? "").toLowerCase();
  return { url: href, image: /^image\/(png|jpe?g|gif|webp)$/.test(mime) };
}

// A word, not an emoji: the page must not depend on an emoji font.
function fileTag() {
  return h("span", { class: "file-tag", text: "file" });
}

function filePart(part) {
  const name = String(part.name || "file");
  const mime = part.mimeType ? String(part.mimeType) : "";
  const { url, image, download } = fileUrl(part);
  const label = [name, mime ? ` (${mime})` : ""].join("");
  if (url && image) {
    const img = h("img", { class: "part-image", alt: name, loading: "lazy", referrerpolicy: "no-referrer" });
    // Set here, not through h(): h() takes http(s) only, and fileUrl() allowed exactly an
    // http(s) URL or a base64 data: URL of a raster image type (never SVG, never HTML).
    img.setAttribute("src", url);
    img.addEventListener("error", () => img.replaceWith(h("span", { class: "muted", text: `${label}: image not loaded` })));
    return h("figure", { class: "part part-file part-figure" }, img, h("figcaption", { class: "muted small", text: label }));
  }
  if (url && download) {
    const link = h("a", { class: "file-download", download: name, text: name });
    link.setAttribute("href", url); // h() takes http(s) only; fileUrl() allowed exactly this
    return h("p", { class: "part part-file" }, fileTag(), link, h("span", { class: "muted", text: ` ${mime || "download"}` }));
  }
  if (url && !url.startsWith("data:")) {
    return h("p", { class: "part part-file" }, fileTag(), h("a", { href: url, rel: "noopener noreferrer", target: "_blank", text: name }), mime ? h("span", { class: "muted", text: ` ${mime}` }) : null);
  }
  return h("p", { class: "part part-file" }, fileTag(), h("span", { class: "file-name", text: name }), h("span", { class: "muted", text: `${mime ? ` ${mime}` : ""} · no link the page can open` }));
}

function dataPart(part) {
  const text = typeof part.json === "string" ? part.json : pretty(part.data === undefined ? null : part.data);
  return h("pre", { class: "part part-data code", tabindex: "0", "aria-label": "Data sent by the agent (JSON)", text: text || "null" });
}

function onePart(part) {
  if (!part || typeof part !== "object") return null;
  if (part.kind === "text") return h("p", { class: "part part-text", text: String(part.text ?? "") });
  if (part.kind === "file") return filePart(part);
  if (part.kind === "data") return dataPart(part);
  return h("p", { class: "part muted", text: `(a part of kind “${String(part.kind)}” the page cannot show)` });
}

/** The body of an agent reply: its display parts, else its plain content (as text). */
export function agentBody(message) {
  const failed = message.status === "error" || message.status === "failed";
  const parts = Array.isArray(message.parts) ? message.parts : [];
  const body = h("div", { class: `msg-body agent-body${failed ? " agent-failed" : ""}` });
  if (failed) body.append(h("p", { class: "agent-error-title", text: "The agent call failed" }));
  if (parts.length && !failed) body.append(...parts.map(onePart).filter(Boolean));
  else body.append(h("p", { class: "part part-text", text: message.content ?? "" }));
  return body;
}
