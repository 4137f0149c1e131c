// Small DOM helpers. Every string from the server goes in as text: this module never
// assigns innerHTML, and h() refuses inline handlers and unsafe URLs.

import { safeHref } from "../sanitize.js";

/**
 * h("button", {class: "x", onclick: fn, text: "Go"}, child, ...)
 * Props: class, text, dataset, on<event> (functions), properties that exist on the element
 * (value, checked, disabled, hidden...) and plain attributes (aria-*, for, title...).
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = String(value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on")) {
      if (typeof value !== "function") throw new Error(`h(): ${key} must be a function`);
      el.addEventListener(key.slice(2), value);
    } else if (key === "href" || key === "src") {
      const url = key === "href" && /^[#/]/.test(String(value)) ? String(value) : safeHref(value);
      if (url !== null) el.setAttribute(key, url);
    } else if (key === "style") {
      throw new Error("h(): set styles through el.style, not a style attribute");
    } else if (key === "value") {
      el.value = value; // a property: setAttribute("value") does nothing for <textarea>
    } else if (typeof value !== "string" && key in el) el[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** el.append / el.replaceChildren that skip null and flatten arrays (native ones print
 * "null" and "a,b"). */
export function add(el, ...children) {
  return append(el, children);
}

export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

let uid = 0;
export function newId(prefix = "id") {
  uid += 1;
  return `${prefix}-${uid}`;
}

// -- time ---------------------------------------------------------------------------

export function parseTime(iso) {
  if (!iso) return null;
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? null : at;
}

/** "14:03:07" in local time, for chat messages. */
export function clockTime(iso) {
  const at = parseTime(iso);
  return at ? at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" }) : "";
}

/** "2025-02-20 14:05:00 UTC": schedules and logs speak UTC, like the crontabs. */
export function utcTime(iso, { seconds = true } = {}) {
  const at = parseTime(iso);
  if (!at) return "—";
  const text = at.toISOString().replace("T", " ");
  return `${text.slice(0, seconds ? 19 : 16)} UTC`;
}

export function shortUtc(iso) {
  const at = parseTime(iso);
  if (!at) return "—";
  return at.toISOString().slice(11, 19);
}

/** "0.4 ms", "12 ms", "1503 ms". */
export function formatMs(ms) {
  const value = Number(ms);
  if (!Number.isFinite(value)) return "—";
  return value < 10 ? `${value.toFixed(1)} ms` : `${Math.round(value)} ms`;
}

/** "in 4 min", "2 h ago"... relative to `nowIso` (the emulator's clock). */
export function relative(iso, nowIso) {
  const at = parseTime(iso);
  const now = parseTime(nowIso) ?? new Date();
  if (!at) return "";
  const diff = Math.round((at - now) / 1000);
  const size = Math.abs(diff);
  let text;
  if (size < 60) text = `${size} s`;
  else if (size < 3600) text = `${Math.round(size / 60)} min`;
  else if (size < 86400 * 2) text = `${Math.round(size / 360) / 10} h`;
  else text = `${Math.round(size / 86400)} days`;
  return diff >= 0 ? `in ${text}` : `${text} ago`;
}

// -- little pieces --------------------------------------------------------------------

const OUTCOMES = {
  ok: ["✓", "ok"],
  success: ["✓", "ok"],
  changed: ["✓", "ok"],
  skipped: ["↷", "warn"],
  unchanged: ["=", "neutral"],
  error: ["✕", "bad"],
  failed: ["✕", "bad"],
  timeout: ["◷", "bad"],
  accepted: ["✓", "ok"],
  rejected: ["✕", "bad"],
  matched: ["✓", "ok"],
  late: ["◷", "warn"],
  orphan: ["?", "warn"],
};

/** A coloured chip that also says what it means in words (never colour alone). */
export function outcomeChip(outcome, label) {
  const key = String(outcome ?? "unknown").toLowerCase();
  const [icon, tone] = OUTCOMES[key] ?? ["•", "neutral"];
  return h(
    "span",
    { class: `chip tone-${tone}`, dataset: { outcome: key } },
    h("span", { "aria-hidden": "true", text: icon }),
    ` ${label ?? key}`,
  );
}

export function badge(text, kind = "", title = undefined) {
  return h("span", { class: `badge ${kind}`.trim(), title, text });
}

/** Pretty JSON for the body viewer; strings that hold JSON are parsed first. */
export function pretty(value) {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") {
    const trimmed = value.trim();
    if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
      try {
        return JSON.stringify(JSON.parse(trimmed), null, 2);
      } catch {
        return value;
      }
    }
    return value;
  }
  try {
    return JSON.stringify(value, null, 2);
  } catch {
    return String(value);
  }
}

export function codeBlock(value, label) {
  const text = pretty(value);
  return h(
    "figure",
    { class: "code-figure" },
    label ? h("figcaption", { text: label }) : null,
    h("pre", { class: "code", tabindex: "0", text: text === "" ? "(empty)" : text }),
  );
}

/** An error box for an ApiError (or any Error): message, then each path, problem and hint. */
export function errorBox(error, { title } = {}) {
  const box = h("div", { class: "alert alert-error", role: "alert" });
  append(box, [h("p", { class: "alert-title" }, title ? h("strong", { text: `${title}: ` }) : null, error?.message ?? String(error))]);
  const problems = error?.errors ?? [];
  if (problems.length) box.append(findingList(problems, "error"));
  return box;
}

/** Linter findings or validation errors: severity word, JSON path, message, fix hint. */
export function findingList(findings, fallbackSeverity = "warning") {
  return h(
    "ul",
    { class: "findings" },
    findings.map((f) => {
      const severity = f.severity ?? fallbackSeverity;
      return h(
        "li",
        { class: `finding finding-${severity}` },
        h("span", { class: `sev sev-${severity}`, text: severity === "error" ? "Error" : "Warning" }),
        f.path ? h("code", { class: "finding-path", text: f.path }) : null,
        h("span", { class: "finding-message", text: f.message ?? "" }),
        f.hint ? h("span", { class: "finding-hint" }, h("span", { class: "hint-label", text: "Fix: " }), f.hint) : null,
      );
    }),
  );
}

// -- toasts -----------------------------------------------------------------------------

export function toast(message, tone = "info") {
  const region = document.getElementById(tone === "error" ? "alerts" : "toasts");
  if (!region) return;
  const item = h(
    "div",
    { class: `toast toast-${tone}` },
    h("span", { text: message }),
    h("button", { type: "button", class: "toast-close", "aria-label": "Dismiss", text: "×", onclick: () => item.remove() }),
  );
  region.append(item);
  setTimeout(() => item.remove(), tone === "error" ? 12000 : 5000);
}

export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}
