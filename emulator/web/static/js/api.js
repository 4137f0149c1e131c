// Talking to the emulator. /api/v1 answers Telex envelopes {status, status_code, message,
// data}; /-/ answers plain JSON on success and an envelope on error. Either way a failure
// becomes an ApiError whose message a person can read, with data.errors kept.

const KEY_STORAGE = "telex-emulator-api-key";

export class ApiError extends Error {
  constructor(message, { status = 0, errors = [], warnings = [], data = null } = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.errors = Array.isArray(errors) ? errors : [];
    this.warnings = Array.isArray(warnings) ? warnings : [];
    this.data = data;
  }
}

export function apiKey() {
  try {
    return sessionStorage.getItem(KEY_STORAGE) || "";
  } catch {
    return "";
  }
}

export function setApiKey(key) {
  try {
    if (key) sessionStorage.setItem(KEY_STORAGE, key);
    else sessionStorage.removeItem(KEY_STORAGE);
  } catch {
    /* storage disabled: the key lives for this page only */
  }
}

let onUnauthorized = () => {};
export function whenUnauthorized(callback) {
  onUnauthorized = callback;
}

/** Send a request; resolve with the envelope's `data` (API) or the JSON body (control). */
export async function call(method, path, body = undefined, { full = false } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const key = apiKey();
  if (key) headers.Authorization = `Bearer ${key}`;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError("Cannot reach the emulator. Is it still running? The page reconnects by itself once it is back.");
  }
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  const isEnvelope = json !== null && typeof json === "object" && "status_code" in json && "status" in json && "data" in json;
  if (!response.ok) {
    if (response.status === 401) onUnauthorized();
    const message = isEnvelope && json.message
      ? json.message
      : `${method} ${path} failed with HTTP ${response.status}${text && !json ? `: ${text.slice(0, 200)}` : ""}`;
    const data = isEnvelope ? json.data : json;
    throw new ApiError(message, {
      status: response.status,
      errors: data?.errors ?? [],
      warnings: data?.warnings ?? [],
      data,
    });
  }
  if (full) return json;
  return path.startsWith("/api/v1") && isEnvelope ? json.data : json;
}

export const get = (path) => call("GET", path);
export const post = (path, body) => call("POST", path, body ?? {});
export const put = (path, body) => call("PUT", path, body ?? {});
export const del = (path) => call("DELETE", path);

export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, value);
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

const enc = encodeURIComponent;

// The few paths the UI uses, in one place.
export const paths = {
  orgs: () => "/api/v1/organisations",
  channels: (orgId) => `/api/v1/organisations/${enc(orgId)}/channels`,
  newChannel: () => "/api/v1/channels",
  messages: (channelId) => `/api/v1/channels/${enc(channelId)}/messages`,
  channelIntegrations: (channelId) => `/api/v1/channels/${enc(channelId)}/integrations`,
  // Active and deactivated ones: a deactivated activation keeps its channel settings.
  channelActivations: (channelId) => `/api/v1/channels/${enc(channelId)}/integrations?include_inactive=true`,
  order: (channelId) => `/api/v1/channels/${enc(channelId)}/integrations/order`,
  integrations: (orgId) => `/api/v1/organisations/${enc(orgId)}/integrations/custom`,
  integration: (orgId, id) => `/api/v1/organisations/${enc(orgId)}/integrations/custom/${enc(id)}`,
  orgSettings: (orgId, id) => `/api/v1/organisations/${enc(orgId)}/integrations/custom/${enc(id)}/settings`,
  channelSettings: (orgId, id, channelId) =>
    `/api/v1/organisations/${enc(orgId)}/integrations/${enc(id)}/channels/${enc(channelId)}/settings`,
  agents: (orgId) => `/api/v1/organisations/${enc(orgId)}/agents`,
  agent: (orgId, id) => `/api/v1/organisations/${enc(orgId)}/agents/${enc(id)}`,
  channelAgents: (channelId) => `/api/v1/channels/${enc(channelId)}/agents`,
  channelAgent: (channelId, agentId) => `/api/v1/channels/${enc(channelId)}/agents/${enc(agentId)}`,
  tasks: () => "/-/tasks",
  task: (id) => `/-/tasks/${enc(id)}`,
  check: () => "/-/check",
  schedule: () => "/-/schedule",
  ticks: () => "/-/ticks",
  clock: () => "/-/clock",
  advance: () => "/-/clock/advance",
  deliveries: () => "/-/deliveries",
  returns: () => "/-/returns",
  replay: () => "/-/replay",
  cronPreview: () => "/-/cron/preview",
  events: () => "/-/events",
};
