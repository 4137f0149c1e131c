// `@` autocomplete in the composer: after an `@` that starts the text or follows a
// non-word character, the names of the coworkers added to this channel that start with
// what was typed (names may hold spaces, like "Weather Agent"). Arrows move, Enter or Tab
// picks, Escape closes. The textarea is an ARIA combobox over a listbox.

import { h, newId, replace } from "./dom.js";

// The mention being typed: an `@` not preceded by a word character or another `@`, then
// anything but a line break or a second `@`, up to the caret.
const TYPING = /(^|[^\w@])@([^@\n]{0,60})$/;

/**
 * attachMentions(textarea, {agents: () => [{id, name}], wrapper}) -> {close()}
 * Call it before the composer's own keydown listener: picking a name calls
 * preventDefault(), and the composer must then not send.
 */
export function attachMentions(textarea, { agents, wrapper }) {
  const listId = newId("mentions");
  const list = h("ul", { id: listId, class: "mention-list", role: "listbox", "aria-label": "Coworkers to mention", hidden: true });
  wrapper.append(list);
  textarea.setAttribute("role", "combobox");
  textarea.setAttribute("aria-autocomplete", "list");
  textarea.setAttribute("aria-controls", listId);
  textarea.setAttribute("aria-expanded", "false");
  let matches = [];
  let active = 0;
  let start = -1; // index of the `@` being completed

  function typed() {
    const caret = textarea.selectionStart ?? textarea.value.length;
    if (caret !== (textarea.selectionEnd ?? caret)) return null;
    const match = TYPING.exec(textarea.value.slice(0, caret));
    if (!match) return null;
    return { query: match[2], at: caret - match[2].length - 1, caret };
  }

  function close() {
    matches = [];
    start = -1;
    list.hidden = true;
    replace(list);
    textarea.setAttribute("aria-expanded", "false");
    textarea.removeAttribute("aria-activedescendant");
  }

  function draw() {
    replace(list,
      matches.map((agent, index) => {
        const option = h(
          "li",
          { id: `${listId}-${index}`, role: "option", class: "mention-option", "aria-selected": String(index === active) },
          h("span", { class: "coworker-mark", "aria-hidden": "true", text: "✦ " }),
          h("span", { class: "mention-name", text: agent.name }),
          agent.description ? h("span", { class: "mention-desc muted", text: agent.description }) : null,
        );
        // mousedown, not click: the textarea keeps its focus and caret.
        option.addEventListener("mousedown", (event) => {
          event.preventDefault();
          pick(index);
        });
        return option;
      }),
    );
    list.hidden = false;
    textarea.setAttribute("aria-expanded", "true");
    textarea.setAttribute("aria-activedescendant", `${listId}-${active}`);
  }

  function update() {
    const found = typed();
    if (!found) return close();
    const wanted = found.query.toLowerCase();
    const next = agents().filter((agent) => agent.name.toLowerCase().startsWith(wanted.replace(/\s+/g, " ")));
    // A space ends the mention when no name goes on with one ("@Bot hello" is done).
    if (!next.length) return close();
    if (next.length === 1 && next[0].name.toLowerCase() === wanted) return close();
    matches = next.slice(0, 8);
    start = found.at;
    active = Math.min(active, matches.length - 1);
    draw();
  }

  function pick(index) {
    const agent = matches[index];
    const found = typed();
    if (!agent || !found || start < 0) return close();
    const before = textarea.value.slice(0, start);
    const after = textarea.value.slice(found.caret).replace(/^ /, "");
    const inserted = `@${agent.name} `;
    textarea.value = `${before}${inserted}${after}`;
    const caret = before.length + inserted.length;
    textarea.setSelectionRange(caret, caret);
    close();
  }

  textarea.addEventListener("input", () => {
    active = 0;
    update();
  });
  textarea.addEventListener("click", update);
  textarea.addEventListener("blur", close);
  textarea.addEventListener("keydown", (event) => {
    if (list.hidden || !matches.length || event.isComposing) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      active = (active + (event.key === "ArrowDown" ? 1 : matches.length - 1)) % matches.length;
      draw();
    } else if (event.key === "Enter" || event.key === "Tab") {
      event.preventDefault();
      pick(active);
    } else if (event.key === "Escape") {
      event.preventDefault();
      close();
    }
  });
  return { close };
}
