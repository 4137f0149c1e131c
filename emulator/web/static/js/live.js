// The live connection: one EventSource on /-/events, reopened with backoff whenever it
// drops (server restart, slow-consumer cut-off). The browser's own retry is not used, so
// the status pill always tells the truth. A reopened stream resumes after the last event
// id seen (`?last_event_id=`: a new EventSource cannot send Last-Event-ID): the server
// replays what was missed, or sends `reset` when it cannot, and only then (or when no
// event was seen yet) does the app catch up from the REST API.

import { apiKey, paths } from "./api.js";

export const EVENT_TYPES = [
  "message.created",
  "delivery.finished",
  "tick.fired",
  "tick.finished",
  "return.received",
  "integration.changed",
  "message.updated",
  "task.updated",
  "agent.changed",
  "replay.finished",
];

const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 4000;

/**
 * connectLive({onEvent(type, data), onStatus(state, info), onReconnect()})
 * state is "connecting" | "live" | "offline"; info.retryMs tells when the next try is.
 * onReconnect() means "reload from the REST API": called after a reconnect that could
 * not resume (the server sent `reset`, or no event id was known to resume from).
 */
export function connectLive({ onEvent, onStatus, onReconnect }) {
  let source = null;
  let timer = null;
  let retryMs = FIRST_RETRY_MS;
  let hadConnection = false;
  let lostSinceOpen = false;
  let lastEventId = null; // the id of the last event seen, to resume after

  function open() {
    timer = null;
    onStatus("connecting", {});
    const query = [];
    const key = apiKey();
    if (key) query.push(`api_key=${encodeURIComponent(key)}`);
    const resuming = lastEventId !== null;
    if (resuming) query.push(`last_event_id=${encodeURIComponent(lastEventId)}`);
    source = new EventSource(query.length ? `${paths.events()}?${query.join("&")}` : paths.events());
    source.addEventListener("open", () => {
      retryMs = FIRST_RETRY_MS;
      onStatus("live", {});
      // Resuming: the missed events follow (or a `reset`); otherwise reload.
      if (hadConnection && lostSinceOpen && !resuming) onReconnect?.();
      hadConnection = true;
      lostSinceOpen = false;
    });
    source.addEventListener("reset", (event) => {
      // The server could not replay what was missed: its id to resume from next time
      // (or none), then the full catch-up.
      lastEventId = event.lastEventId || null;
      onReconnect?.();
    });
    for (const type of EVENT_TYPES) {
      source.addEventListener(type, (event) => {
        if (event.lastEventId) lastEventId = event.lastEventId;
        let data;
        try {
          data = JSON.parse(event.data);
        } catch {
          return; // a malformed event is dropped, never shown raw
        }
        onEvent(type, data);
      });
    }
    source.addEventListener("error", () => {
      source?.close();
      source = null;
      lostSinceOpen = true;
      onStatus("offline", { retryMs });
      timer = setTimeout(open, retryMs);
      retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
    });
  }

  open();
  return {
    reconnectNow() {
      if (source) return;
      clearTimeout(timer);
      retryMs = FIRST_RETRY_MS;
      open();
    },
    close() {
      clearTimeout(timer);
      source?.close();
    },
  };
}
