// Strict allowlist sanitizer for message HTML sent by people and integrations.
//
// The input is parsed by DOMParser into an inert document (no scripts run, no images
// load there), then NEW nodes are built in the page document, element by element.
// Attributes are never copied: only an <a> gets an href, and only an http(s) or mailto
// one. Harmless containers (div, h1, table, ...) are unwrapped: their content stays,
// their tag goes. Every other element (script, style, img, iframe, svg, form, unknown
// tags...) becomes TEXT: its source is shown, so a developer sees what was sent and
// nothing of it runs.

const ALLOWED = new Set([
  "p", "b", "strong", "i", "em", "u", "s", "code", "pre", "br",
  "ul", "ol", "li", "blockquote", "a", "span",
]);

// Content is kept, the tag is dropped. Block-level ones become a block <span>.
const UNWRAP_INLINE = new Set([
  "small", "sub", "sup", "mark", "del", "ins", "q", "cite", "abbr", "time", "font",
  "big", "tt", "kbd", "samp", "var", "label", "bdi", "bdo", "strike", "dfn", "data",
]);
const UNWRAP_BLOCK = new Set([
  "div", "section", "article", "header", "footer", "main", "nav", "aside", "address",
  "center", "figure", "figcaption", "table", "thead", "tbody", "tfoot", "tr", "td", "th",
  "caption", "dl", "dt", "dd", "details", "summary", "hgroup",
]);
const HEADINGS = new Set(["h1", "h2", "h3", "h4", "h5", "h6"]);
const SAFE_SCHEMES = new Set(["http:", "https:", "mailto:"]);
const MAX_DEPTH = 64;

/** An href we are willing to put in the page, or null. */
export function safeHref(raw) {
  if (typeof raw !== "string") return null;
  const text = raw.trim();
  // Only absolute URLs: a relative one would point into the emulator itself.
  if (!/^(https?:\/\/|mailto:)/i.test(text)) return null;
  try {
    const url = new URL(text);
    return SAFE_SCHEMES.has(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

/** Whether a string looks like markup at all (else it is shown as plain text). */
export function looksLikeHtml(text) {
  return typeof text === "string" && /<\/?[a-z!][^>]*>/i.test(text);
}

/** Parse `html` and return a DocumentFragment of freshly built, allowlisted nodes. */
export function sanitize(html) {
  const out = document.createDocumentFragment();
  if (typeof html !== "string" || html === "") return out;
  const parsed = new DOMParser().parseFromString(html, "text/html");
  // <script>, <style>, <meta>, <title>... before any body content land in <head>.
  for (const root of [parsed.head, parsed.body]) {
    if (!root) continue;
    for (const child of Array.from(root.childNodes)) appendClean(out, child, 0);
  }
  return out;
}

function appendClean(parent, node, depth) {
  if (node.nodeType === Node.TEXT_NODE) {
    parent.appendChild(document.createTextNode(node.data));
    return;
  }
  if (node.nodeType !== Node.ELEMENT_NODE) return; // comments, processing instructions
  const tag = node.localName;
  if (depth > MAX_DEPTH || node.namespaceURI !== "http://www.w3.org/1999/xhtml") {
    parent.appendChild(document.createTextNode(sourceOf(node)));
    return;
  }
  let target;
  if (ALLOWED.has(tag)) {
    target = buildAllowed(node, tag);
  } else if (UNWRAP_INLINE.has(tag)) {
    target = document.createElement("span");
  } else if (UNWRAP_BLOCK.has(tag)) {
    target = document.createElement("span");
    target.className = "x-block";
  } else if (HEADINGS.has(tag)) {
    target = document.createElement("strong");
    target.className = "x-block";
  } else if (tag === "hr") {
    target = document.createElement("span");
    target.className = "x-rule";
    parent.appendChild(target);
    return;
  } else {
    parent.appendChild(document.createTextNode(sourceOf(node)));
    return;
  }
  if (tag !== "br") {
    for (const child of Array.from(node.childNodes)) appendClean(target, child, depth + 1);
  }
  parent.appendChild(target);
}

function buildAllowed(node, tag) {
  if (tag !== "a") return document.createElement(tag);
  const href = safeHref(node.getAttribute("href"));
  if (href === null) return document.createElement("span");
  const link = document.createElement("a");
  link.href = href;
  link.rel = "noopener noreferrer";
  link.target = "_blank";
  return link;
}

// The element's markup, as the parser saw it, to be shown as text.
function sourceOf(node) {
  const text = node.outerHTML ?? node.textContent ?? "";
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}
