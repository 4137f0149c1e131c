// The live connection: one EventSource on /-/events, reopened with backoff whenever it
// drops (server restart, slow-consumer cut-off). The browser's own retry is not used, so
// the status pill always tells the truth and the app can catch up after a gap.

import { apiKey, paths } from "./api.js";

export const EVENT_TYPES = [
  "message.created",
  "delivery.finished",
  "tick.fired",
  "tick.finished",
  "return.received",
  "integration.changed",
];

const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 4000;

/**
 * connectLive({onEvent(type, data), onStatus(state, info), onReconnect()})
 * state is "connecting" | "live" | "offline"; info.retryMs tells when the next try is.
 */
export function connectLive({ onEvent, onStatus, onReconnect }) {
  let source = null;
  let timer = null;
  let retryMs = FIRST_RETRY_MS;
  let hadConnection = false;
  let lostSinceOpen = false;

  function open() {
    timer = null;
    onStatus("connecting", {});
    const key = apiKey();
    const url = key ? `${paths.events()}?api_key=${encodeURIComponent(key)}` : paths.events();
    source = new EventSource(url);
    source.addEventListener("open", () => {
      retryMs = FIRST_RETRY_MS;
      onStatus("live", {});
      if (hadConnection && lostSinceOpen) onReconnect?.();
      hadConnection = true;
      lostSinceOpen = false;
    });
    for (const type of EVENT_TYPES) {
      source.addEventListener(type, (event) => {
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
