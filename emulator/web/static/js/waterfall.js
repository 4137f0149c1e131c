// The modifier waterfall under a message: one row per hop of its trace, in chain order,
// each bar starting where the previous hop ended, with outcome in words and colour.

import { codeBlock, formatMs, h, outcomeChip } from "./dom.js";

const OUTCOME_WORDS = {
  ok: "changed the message",
  skipped: "skipped, text passed on unchanged",
  error: "failed, text passed on unchanged",
  timeout: "timed out, text passed on unchanged",
};

export function hopCount(message) {
  return Array.isArray(message.trace) ? message.trace.length : 0;
}

export function waterfall(message) {
  const hops = Array.isArray(message.trace) ? message.trace : [];
  const total = hops.reduce((sum, hop) => sum + Math.max(0, Number(hop.latency_ms) || 0), 0) || 1;
  let offset = 0;
  const rows = hops.map((hop, index) => {
    const latency = Math.max(0, Number(hop.latency_ms) || 0);
    const outcome = String(hop.outcome ?? "unknown");
    const bar = h("span", { class: `hop-bar tone-bar-${outcome}` });
    bar.style.marginLeft = `${(offset / total) * 100}%`;
    bar.style.width = `${Math.max(1.5, (latency / total) * 100)}%`;
    offset += latency;
    const changed = hop.content_before !== hop.content_after;
    return h(
      "li",
      { class: `hop hop-${outcome}`, dataset: { outcome } },
      h(
        "div",
        { class: "hop-head" },
        h("span", { class: "hop-index", text: `${index + 1}.` }),
        h("span", { class: "hop-name", text: hop.app_name || hop.integration_id || "integration" }),
        outcomeChip(outcome),
        hop.status_code ? h("span", { class: "hop-status", text: `HTTP ${hop.status_code}` }) : null,
        h("span", { class: "hop-latency", text: formatMs(latency) }),
      ),
      h("div", { class: "hop-track", "aria-hidden": "true" }, bar),
      h(
        "p",
        { class: "hop-reason" },
        h("span", { class: "visually-hidden", text: "What happened: " }),
        hop.reason || OUTCOME_WORDS[outcome] || outcome,
      ),
      changed
        ? h(
            "details",
            { class: "hop-text" },
            h("summary", { text: "Text before and after this hop" }),
            h("div", { class: "compare" }, codeBlock(hop.content_before ?? "", "Before"), codeBlock(hop.content_after ?? "", "After")),
          )
        : null,
    );
  });
  return h(
    "section",
    { class: "waterfall", "aria-label": "Modifier trace" },
    hops.length
      ? h("ol", { class: "hops" }, rows)
      : h("p", { class: "muted", text: "No modifier ran on this message." }),
    h(
      "div",
      { class: "compare" },
      codeBlock(message.original_content ?? "", "Original text (as sent)"),
      codeBlock(message.content ?? "", "Final text (after modifiers)"),
    ),
  );
}
