// What agents add to the channel view: the tasks of the channel (kept current from
// task.updated events), and for each message its coworker badge and task state, the
// parts of a reply, a "working…" line under a message an agent has not answered yet, and
// the agent trace toggle (on the reply and on the message that called the agent).

import { get, paths, query } from "./api.js";
import { h } from "./dom.js";
import { agentBody, coworkerBadge, isAgentReply, isPending, taskStateChip } from "./agent-parts.js";
import { traceToggle } from "./agent-trace.js";

// States in which an agent waits for the user's next message (CONTRACT §3.4).
const WAITING = new Set(["input-required", "auth-required"]);

/** The channel's agent tasks, by id; `put(task)` answers the message ids it concerns. */
export function channelTasks(channelId) {
  const byId = new Map();
  return {
    async load() {
      const rows = await get(`${paths.tasks()}${query({ channel_id: channelId, limit: 500 })}`);
      byId.clear();
      for (const task of rows) if (task.channel_id === channelId) byId.set(task.id, task);
    },
    put(task) {
      if (!task || task.channel_id !== channelId) return [];
      const touched = [task.message_id, task.reply_message_id];
      if (!byId.has(task.id)) {
        // A new call to an agent continues (and so closes) the task it left waiting here,
        // as the emulator does; that task's own row is not sent again.
        for (const other of byId.values()) {
          if (other.agent_id === task.agent_id && other.is_open && WAITING.has(other.state)) {
            byId.set(other.id, { ...other, is_open: false });
            touched.push(other.reply_message_id);
          }
        }
      }
      byId.set(task.id, task);
      return touched.filter(Boolean);
    },
    forMessage(message) {
      return [...byId.values()].filter((t) => t.message_id === message.id || t.reply_message_id === message.id || (message.task_id && t.id === message.task_id));
    },
  };
}

/**
 * The agent parts of one message item. `open` is the set of message ids whose trace is
 * open, so a redraw after task.updated keeps it open.
 * -> {badges: [], body: Element|null, lines: [], actions: [], panel: Element|null}
 */
export function agentDecorations(message, tasks, ctx, open) {
  const mine = tasks.forMessage(message);
  const reply = isAgentReply(message);
  const agentName = (id) => ctx.agentById(id)?.name ?? "agent";
  const result = { badges: [], body: null, lines: [], actions: [], panel: null };
  if (reply) {
    result.badges.push(coworkerBadge());
    const task = mine.find((t) => t.id === message.task_id) ?? mine.find((t) => t.reply_message_id === message.id);
    if (task) result.badges.push(taskStateChip(task.state));
    else if (message.status === "error") result.badges.push(taskStateChip("failed"));
    result.body = agentBody(message);
    if (task?.is_open && WAITING.has(task.state)) {
      const where = ctx.directAgent(message.channel_id) ? "your next message here" : `your next message mentioning @${agentName(task.agent_id)} here`;
      result.lines.push(h("p", { class: "agent-waiting" }, h("strong", { text: agentName(task.agent_id) }), ` waits for your answer: ${where} continues its task.`));
    }
  } else {
    // Calls this message made that have no reply yet: say who is on it, and how far along.
    for (const task of mine.filter((t) => !t.reply_message_id && t.message_id === message.id)) {
      result.lines.push(
        h(
          "p",
          { class: "agent-pending", dataset: { agent: agentName(task.agent_id) } },
          h("span", { class: "coworker-mark", "aria-hidden": "true", text: "✦ " }),
          h("strong", { text: agentName(task.agent_id) }),
          isPending(task.state) ? " is on it " : " ",
          taskStateChip(task.state),
        ),
      );
    }
  }
  if (mine.length) {
    const { button, panel } = traceToggle(mine, { agentName, idPrefix: `msg-${message.id}` });
    button.addEventListener("click", () => (panel.hidden ? open.delete(message.id) : open.add(message.id)));
    if (open.has(message.id)) button.click();
    result.actions.push(button);
    result.panel = panel;
  }
  return result;
}
