// Replays: a stored message (or the channel's last N) sent again through the modifier
// chain as it is now, shown as a side-by-side diff and the hop waterfall then vs now.
// Every string from the server goes in as text (h() never sets innerHTML).

import { paths, post } from "./api.js";
import { badge, errorBox, formatMs, h, outcomeChip, replace } from "./dom.js";

const CHANGE_WORDS = {
  kept: "same place in the chain",
  moved: "moved in the chain",
  added: "new in the chain",
  removed: "no longer in the chain",
};

/** Run a replay; resolve with its record (POST /-/replay). */
export function runReplay(body) {
  return post(paths.replay(), body);
}

/** Line-level side-by-side diff: each column marks the lines the other side lacks. */
export function sideBySide(thenText, nowText) {
  const thenLines = String(thenText ?? "").split("\n");
  const nowLines = String(nowText ?? "").split("\n");
  const inNow = new Set(nowLines);
  const inThen = new Set(thenLines);
  const column = (title, lines, others, mark, kind) =>
    h(
      "figure",
      { class: "code-figure diff-side", dataset: { side: kind } },
      h("figcaption", { text: title }),
      h(
        "pre",
        { class: "code diff-lines", tabindex: "0" },
        lines.map((line) =>
          h("span", {
            class: `diff-line ${others.has(line) ? "" : `diff-${mark}`}`,
            dataset: others.has(line) ? {} : { change: mark },
            text: `${line}\n`,
          }),
        ),
      ),
    );
  return h(
    "div",
    { class: "compare diff-compare" },
    column("Then (stored)", thenLines, inNow, "removed", "then"),
    column("Now (replayed)", nowLines, inThen, "added", "now"),
  );
}

function hopSide(side, total, label) {
  if (!side) return h("div", { class: "hop-side hop-side-none", text: `${label}: not in the chain` });
  const latency = Math.max(0, Number(side.latency_ms) || 0);
  const bar = h("span", { class: `hop-bar tone-bar-${side.outcome ?? "unknown"}` });
  bar.style.width = `${Math.max(1.5, (latency / total) * 100)}%`;
  return h(
    "div",
    { class: "hop-side", dataset: { side: label.toLowerCase() } },
    h("span", { class: "hop-side-label", text: label }),
    outcomeChip(String(side.outcome ?? "unknown")),
    side.status_code ? h("span", { class: "hop-status", text: `HTTP ${side.status_code}` }) : null,
    h("span", { class: "hop-latency", text: formatMs(latency) }),
    h("div", { class: "hop-track", "aria-hidden": "true" }, bar),
    side.reason ? h("p", { class: "hop-reason", text: side.reason }) : null,
  );
}

/** The hops of one replayed message, then vs now, in the order they run now. */
export function hopsThenNow(hops) {
  const latencies = hops.flatMap((hop) => [hop.then?.latency_ms, hop.now?.latency_ms]);
  const total = Math.max(1, ...latencies.map((value) => Number(value) || 0));
  return h(
    "ol",
    { class: "hops replay-hops", "aria-label": "Modifier hops, then and now" },
    hops.map((hop) =>
      h(
        "li",
        { class: `hop replay-hop replay-hop-${hop.change}`, dataset: { change: hop.change, differs: String(hop.differs) } },
        h(
          "div",
          { class: "hop-head" },
          h("span", { class: "hop-name", text: hop.app_name || hop.integration_id || "integration" }),
          badge(hop.change, `badge-change-${hop.change}`, CHANGE_WORDS[hop.change] ?? hop.change),
          hop.differs ? badge("differs", "badge-modified", "Outcome, status, reason or text changed") : null,
        ),
        h("div", { class: "replay-hop-sides" }, hopSide(hop.then, total, "Then"), hopSide(hop.now, total, "Now")),
      ),
    ),
  );
}

function resultView(result) {
  const title = result.error
    ? `Not replayed: ${result.error}`
    : result.changed
      ? "The text changed"
      : "Same text as then";
  return h(
    "article",
    { class: "replay-result", dataset: { changed: String(result.changed), id: result.message_id ?? result.tick_id ?? "" } },
    h(
      "p",
      { class: "replay-result-title" },
      result.changed ? badge("changed", "badge-modified") : badge("unchanged", "badge-person"),
      h("span", { text: ` ${title} · ` }),
      h("span", { class: "muted", text: `typed: ${result.original_content ?? ""}` }),
    ),
    sideBySide(result.then_content, result.now_content),
    Array.isArray(result.hops) && result.hops.length ? hopsThenNow(result.hops) : null,
    result.diff
      ? h("details", { class: "replay-unified" }, h("summary", { text: "Unified diff" }), h("pre", { class: "code", text: result.diff }))
      : null,
  );
}

/** A whole replay record: the counts, then each result. */
export function replayView(record) {
  const { total, changed, unchanged, errors } = record.summary;
  return h(
    "section",
    { class: "replay-panel", "aria-label": "Replay results" },
    h("p", { class: "replay-summary", role: "status", text: `Replayed ${total}: ${changed} changed, ${unchanged} unchanged${errors ? `, ${errors} failed` : ""}` }),
    record.results.map(resultView),
  );
}

/** Run `body` and show the result (or the error) in `target`. */
export async function replayInto(target, body) {
  replace(target, h("p", { class: "muted", role: "status", text: "Replaying…" }));
  target.hidden = false;
  try {
    replace(target, replayView(await runReplay(body)));
  } catch (error) {
    replace(target, errorBox(error, { title: "Replay failed" }));
  }
}
