// The shell: organisations and channels in the sidebar, a hash router for the views, the
// live connection with its status pill, and the clock pill. Views live in ./js/.

import { ApiError, get, paths, post, setApiKey, whenUnauthorized } from "./js/api.js";
import { mountAgentDetails } from "./js/agent-details.js";
import { mountCoworkers } from "./js/coworkers.js";
import { clear, errorBox, h, replace, toast, utcTime } from "./js/dom.js";
import { mountIntegrations } from "./js/integrations.js";
import { connectLive } from "./js/live.js";
import { mountDeliveries, mountReturns } from "./js/logs.js";
import { mountMessages } from "./js/messages.js";
import { mountSchedule } from "./js/schedule.js";
import { apiKeyScreen, noChannelScreen, welcomeScreen } from "./js/screens.js";
import { directChannelIds, renderSidebar as drawSidebar } from "./js/sidebar.js";

const VIEWS = {
  messages: { title: "Messages", mount: mountMessages, needsChannel: true },
  integrations: { title: "Integrations", mount: mountIntegrations },
  schedule: { title: "Schedule", mount: mountSchedule },
  deliveries: { title: "Delivery log", mount: mountDeliveries },
  returns: { title: "Returns log", mount: mountReturns },
  coworkers: { title: "Coworkers", mount: mountCoworkers },
  agent: { title: "Coworker", mount: mountAgentDetails },
};

const state = {
  orgs: [],
  org: null,
  channels: [],
  channel: null,
  integrations: [],
  agents: [],
  agentId: null,
  view: "messages",
  unread: new Map(),
  mounted: null, // {key, view}
  clock: null,
};

const main = document.getElementById("main");
const sidebar = document.getElementById("sidebar");
const connPill = document.getElementById("conn");
const clockPill = document.getElementById("clock");
const menuButton = document.getElementById("menu-button");
const small = matchMedia("(max-width: 760px)");

// -- routing ----------------------------------------------------------------------------

function readHash() {
  const params = new URLSearchParams(location.hash.replace(/^#/, ""));
  return { org: params.get("org"), channel: params.get("channel"), view: params.get("view"), agent: params.get("agent") };
}

function hashFor({ org, channel, view, agent }) {
  const params = new URLSearchParams();
  if (org) params.set("org", org);
  if (channel) params.set("channel", channel);
  if (view && view !== "messages") params.set("view", view);
  if (agent && view === "agent") params.set("agent", agent);
  return `#${params.toString()}`;
}

function go(target) {
  const next = hashFor({ org: state.org?.id, channel: state.channel?.id, view: state.view, agent: state.agentId, ...target });
  if (next === location.hash) route().catch(showFatal);
  else location.hash = next; // the hashchange listener routes
}

async function route({ force = false } = {}) {
  const wanted = readHash();
  if (!state.orgs.length) {
    showWelcome();
    return;
  }
  const org = state.orgs.find((o) => o.id === wanted.org) ?? state.orgs[0];
  if (org.id !== state.org?.id) await selectOrg(org);
  const direct = directChannelIds(state.agents);
  const firstChannel = state.channels.find((c) => !direct.has(c.id)) ?? state.channels[0];
  const channel = state.channels.find((c) => c.id === wanted.channel) ?? (state.channel && state.channels.includes(state.channel) ? state.channel : firstChannel) ?? null;
  state.channel = channel;
  state.view = VIEWS[wanted.view] ? wanted.view : "messages";
  state.agentId = state.view === "agent" ? wanted.agent : null;
  if (channel) state.unread.delete(channel.id);
  // Name what is shown in the address bar (without a history entry), so a reload or a
  // shared link opens the same view.
  const shown = hashFor({ org: state.org.id, channel: channel?.id, view: state.view, agent: state.agentId });
  if (shown !== location.hash) history.replaceState(null, "", shown);
  renderSidebar();
  const scope = state.view === "messages" || state.view === "integrations" ? channel?.id : state.view === "agent" ? state.agentId : "";
  const key = `${state.org.id}|${state.view}|${scope}`;
  if (!force && state.mounted?.key === key) return;
  mountView(key);
}

function mountView(key) {
  state.mounted?.view?.destroy?.();
  const view = VIEWS[state.view];
  clear(main);
  const agent = state.agents.find((a) => a.id === state.agentId);
  const title = state.view === "messages" && state.channel ? `#${state.channel.name}` : state.view === "agent" && agent ? agent.name : view.title;
  document.title = `${title} · ${state.org.name} · Telex emulator`;
  if (view.needsChannel && !state.channel) {
    state.mounted = { key, view: null };
    showNoChannel();
    return;
  }
  state.mounted = { key, view: view.mount(main, context()) };
}

function context() {
  return {
    org: state.org,
    channel: state.channel,
    channels: state.channels,
    integrations: state.integrations,
    get agents() {
      return state.agents; // read late: agent.changed replaces the list
    },
    agentId: state.agentId,
    channelById: (id) => state.channels.find((c) => c.id === id) ?? null,
    integrationName: (id) => state.integrations.find((i) => i.id === id)?.app_name ?? null,
    agentById: (id) => state.agents.find((a) => a.id === id) ?? null,
    // The agent whose direct channel this is, or null for an ordinary channel.
    directAgent: (channelId) => state.agents.find((a) => a.direct_channel_id === channelId) ?? null,
    selectChannel: (id, view) => go({ channel: id, view: view ?? state.view }),
    openAgent: (id) => go({ agent: id, view: "agent" }),
    openView: (view) => go({ view }),
    reloadAgents,
    refreshClock,
    announce,
    isSmallScreen: () => small.matches,
  };
}

// -- data -------------------------------------------------------------------------------

async function loadOrgs() {
  state.orgs = await get(paths.orgs());
}

async function selectOrg(org) {
  state.org = org;
  state.channel = null;
  state.unread.clear();
  const [channels, integrations, agents] = await Promise.all([get(paths.channels(org.id)), get(paths.integrations(org.id)).catch(() => []), get(paths.agents(org.id)).catch(() => [])]);
  state.channels = channels;
  state.integrations = integrations;
  state.agents = agents;
}

async function reloadOrgData() {
  if (!state.org) return;
  const [channels, integrations, agents] = await Promise.all([
    get(paths.channels(state.org.id)),
    get(paths.integrations(state.org.id)).catch(() => state.integrations),
    get(paths.agents(state.org.id)).catch(() => state.agents),
  ]);
  state.channels = channels;
  state.integrations = integrations;
  state.agents = agents;
  state.channel = channels.find((c) => c.id === state.channel?.id) ?? null;
}

/** After an agent was added, changed or removed (here or elsewhere): its direct channel
 * comes and goes with it, so channels are reloaded too. */
async function reloadAgents() {
  if (!state.org) return;
  await reloadOrgData();
  renderSidebar();
}

async function refreshClock() {
  try {
    state.clock = await get(paths.clock());
    const virtual = state.clock.mode === "virtual";
    replace(clockPill,
      h("span", { class: "clock-mode", text: virtual ? "Virtual clock" : "Clock" }),
      h("time", { datetime: state.clock.now, text: ` ${utcTime(state.clock.now, { seconds: false })}` }),
    );
    clockPill.title = virtual ? "Time only moves when you advance it (Schedule)" : "Real time";
    clockPill.dataset.mode = state.clock.mode;
  } catch {
    replace(clockPill);
  }
}

// -- sidebar ----------------------------------------------------------------------------

function renderSidebar() {
  drawSidebar(sidebar, { state, views: VIEWS, hashFor, go, createOrg, createChannel });
}

async function createOrg(name) {
  const org = await post(paths.orgs(), { name });
  await loadOrgs();
  toast(`Organisation ${org.name} created.`, "ok");
  go({ org: org.id, channel: null, view: "messages" });
}

async function createChannel(name, description) {
  const channel = await post(paths.newChannel(), { name, description, organisation_id: state.org.id });
  await reloadOrgData();
  toast(`Channel #${channel.name} created.`, "ok");
  closeMenu();
  go({ channel: channel.id, view: "messages" });
}

// -- empty states -----------------------------------------------------------------------

function showWelcome() {
  state.mounted = null;
  renderSidebar();
  replace(main, welcomeScreen({ createOrg }));
}

function showNoChannel() {
  replace(
    main,
    noChannelScreen({
      orgName: state.org.name,
      newChannel: () => {
        openMenu();
        sidebar.querySelectorAll(".side-add")[1]?.click();
      },
    }),
  );
}

// -- live events ------------------------------------------------------------------------

const PILL = {
  connecting: ["Connecting…", "Connecting to the live event stream"],
  live: ["Live", "Receiving live updates from the emulator"],
  offline: ["Offline, retrying", "Lost the connection to the emulator; retrying"],
};

function setConnection(status, info) {
  const [text, title] = PILL[status];
  connPill.dataset.state = status;
  connPill.title = info.retryMs ? `${title} in ${Math.round(info.retryMs / 100) / 10} s` : title;
  replace(connPill, h("span", { class: "dot", "aria-hidden": "true" }), text);
}

function onEvent(type, data) {
  if (type === "message.created" && data?.channel_id && data.channel_id !== state.channel?.id) {
    if (state.channels.some((c) => c.id === data.channel_id)) {
      state.unread.set(data.channel_id, (state.unread.get(data.channel_id) ?? 0) + 1);
      renderSidebar();
    }
  }
  if (type === "agent.changed" && state.org) {
    // The view hears of it once the sidebar and ctx.agents are current.
    reloadAgents()
      .then(() => state.mounted?.view?.onEvent?.(type, data))
      .catch(() => {});
    return;
  }
  if (type === "integration.changed" && state.org) {
    get(paths.integrations(state.org.id))
      .then((rows) => (state.integrations = rows))
      .catch(() => {});
  }
  if (type === "tick.fired" || type === "tick.finished") refreshClock();
  state.mounted?.view?.onEvent?.(type, data);
}

async function onReconnect() {
  // The server may have restarted, or been reset: reload what we show, and let the open
  // view catch up on what it missed while the stream was down.
  try {
    await loadOrgs();
    if (state.org && !state.orgs.some((o) => o.id === state.org.id)) state.org = null;
    else await reloadOrgData();
    await refreshClock();
    const before = state.mounted;
    await route();
    if (state.mounted === before) state.mounted?.view?.refresh?.();
  } catch (error) {
    toast(error.message, "error");
  }
}

// -- small screens: the sidebar is a drawer ----------------------------------------------

function openMenu() {
  if (!small.matches) return;
  document.body.classList.add("menu-open");
  menuButton.setAttribute("aria-expanded", "true");
  menuButton.setAttribute("aria-label", "Close navigation");
  (sidebar.querySelector("[aria-current=page]") ?? sidebar.querySelector("a, select, button"))?.focus();
}

function closeMenu() {
  if (!document.body.classList.contains("menu-open")) return;
  document.body.classList.remove("menu-open");
  menuButton.setAttribute("aria-expanded", "false");
  menuButton.setAttribute("aria-label", "Open navigation");
}

menuButton.addEventListener("click", () => (document.body.classList.contains("menu-open") ? (closeMenu(), menuButton.focus()) : openMenu()));
document.getElementById("scrim").addEventListener("click", closeMenu);
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && document.body.classList.contains("menu-open")) {
    closeMenu();
    menuButton.focus();
  }
});
sidebar.addEventListener("click", (event) => {
  if (event.target.closest("a")) closeMenu();
});

function announce(text) {
  const region = document.getElementById("announcer");
  region.textContent = "";
  setTimeout(() => (region.textContent = text), 50);
}

// -- API key (only when the emulator was started with --api-key) -------------------------

let askingKey = false;
whenUnauthorized(() => {
  if (askingKey) return;
  askingKey = true;
  const screen = apiKeyScreen({
    useKey: (key) => {
      setApiKey(key);
      location.reload();
    },
  });
  replace(main, screen);
  screen.focusFirst();
});

// -- start --------------------------------------------------------------------------------

async function start() {
  setConnection("connecting", {});
  setInterval(() => state.clock?.mode === "real" && refreshClock(), 30000);
  connectLive({ onEvent, onStatus: setConnection, onReconnect });
  window.addEventListener("hashchange", () => route().catch(showFatal));
  try {
    await Promise.all([loadOrgs(), refreshClock()]);
    await route();
  } catch (error) {
    showFatal(error);
  }
}

function showFatal(error) {
  if (error instanceof ApiError && error.status === 401) return;
  replace(main, h("div", { class: "welcome" }, errorBox(error, { title: "Something went wrong" }), h("button", { type: "button", class: "btn", text: "Reload", onclick: () => location.reload() })));
}

start();
