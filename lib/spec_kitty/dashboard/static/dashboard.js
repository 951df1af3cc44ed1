// The dashboard page: polls /api/board and /api/sync every second and redraws what changed.
// Every text from the project goes in through textContent, never as HTML.
"use strict";

const POLL_MS = 1000;
const TOKEN_KEY = "spec-kitty-dashboard-token";
const VIEW_KEY = "spec-kitty-dashboard-view";
const LANE_NAMES = {
  planned: "Planned", doing: "Doing", for_review: "For review", done: "Done",
  claimed: "Claimed", in_progress: "In progress", blocked: "Blocked", canceled: "Canceled",
  approved: "Approved", in_review: "In review", genesis: "Genesis",
};

const state = {
  view: "cli",
  board: null,
  boardText: "",
  syncText: "",
  token: null,
  syncing: false,
};

// The run's key comes in the URL's fragment (never sent to a server); it is kept for this tab
// and taken out of the address bar.
function takeToken() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.has("token")) {
    sessionStorage.setItem(TOKEN_KEY, fragment.get("token"));
    history.replaceState(null, "", location.pathname + location.search);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "text") node.textContent = value;
    else if (key === "className") node.className = value;
    else if (key.startsWith("data-") || key.startsWith("aria-") || key === "role" ||
             key === "tabindex" || key === "title") node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

function byId(id) {
  return document.getElementById(id);
}

function laneName(lane) {
  return LANE_NAMES[lane] || lane;
}

// "3 min", "2 h", "4 d" since an ISO moment.
function age(iso) {
  if (!iso) return "";
  const seconds = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h`;
  return `${Math.floor(seconds / 86400)} d`;
}

function ageSeconds(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  return age(new Date(Date.now() - seconds * 1000).toISOString());
}

function when(iso) {
  if (!iso) return "–";
  const moment = new Date(iso);
  return `${moment.toLocaleString()} (${until(iso)})`;
}

function until(iso) {
  const seconds = (Date.parse(iso) - Date.now()) / 1000;
  if (seconds <= 0) return `expired ${age(iso)} ago`;
  return `in ${age(new Date(Date.now() - seconds * 1000).toISOString())}`;
}

// -- the board ---------------------------------------------------------------------------------

function renderBoard() {
  const data = state.board;
  const board = byId("board");
  byId("project").textContent = data.project;
  document.title = `${data.project} · spec-kitty dashboard`;
  const columns = data.lanes[state.view];
  const laneOf = (card) => (state.view === "cli" ? card.cli_lane : card.lane);
  const sections = data.features.map((feature) => renderFeature(feature, columns, laneOf));
  if (!sections.length) {
    sections.push(el("p", { className: "empty",
      text: "No features yet: `spec-kitty create-feature NAME` starts one." }));
  }
  board.replaceChildren(...sections);
  refreshAges();
}

function renderFeature(feature, columns, laneOf) {
  const cards = feature.work_packages;
  const extra = [...new Set(cards.map(laneOf))].filter((lane) => !columns.includes(lane));
  const done = cards.filter((card) => card.lane === "done").length;
  const head = el("header", { className: "feature-head" },
    el("h2", { text: feature.feature }),
    el("span", { className: "quiet", text: feature.error ? "" :
      `${done}/${cards.length} done · target ${feature.target_branch || "not recorded"}` }));
  const section = el("section", { className: "feature", "data-feature": feature.feature }, head);
  if (feature.error) {
    section.append(el("p", { className: "error", text: feature.error }));
    return section;
  }
  if (!cards.length) {
    section.append(el("p", { className: "quiet",
      text: "No work packages yet: write tasks.md, then `spec-kitty finalize-tasks`." }));
    return section;
  }
  const lanes = el("div", { className: "lanes" });
  for (const lane of [...columns, ...extra]) {
    const members = cards.filter((card) => laneOf(card) === lane);
    const column = el("section", {
      className: `lane lane-${lane}${extra.includes(lane) ? " lane-unknown" : ""}`,
      "data-lane": lane,
      "aria-label": laneName(lane),
    }, el("h3", {}, el("span", { text: laneName(lane) }),
      el("span", { className: "count", text: String(members.length) })));
    for (const card of members) column.append(renderCard(feature.feature, card, lane));
    lanes.append(column);
  }
  section.append(lanes);
  for (const item of feature.disagreements || []) {
    const values = Object.entries(item)
      .filter(([key]) => key !== "wp_id" && key !== "truth")
      .map(([key, value]) => `${key} says ${value}`).join(", ");
    section.append(el("p", { className: "warning",
      text: `${item.wp_id}: ${values} (the ${item.truth} is the truth)` }));
  }
  return section;
}

function renderCard(feature, card, lane) {
  const node = el("article", {
    className: `card${card.review_feedback ? " has-feedback" : ""}`,
    "data-wp-id": card.wp_id,
    "data-lane": lane,
    "data-feature": feature,
    tabindex: "0",
    role: "button",
    "aria-label": `${card.wp_id} ${card.title}: show its history`,
  });
  const top = el("div", { className: "card-top" },
    el("span", { className: "wp-id", text: card.wp_id }));
  if (lane !== card.lane) top.append(el("span", { className: "tag", text: laneName(card.lane) }));
  top.append(el("span", { className: "age", "data-at": card.last_moved_at,
    title: card.last_moved_at ? `last moved ${new Date(card.last_moved_at).toLocaleString()}` : null }));
  node.append(top, el("div", { className: "title", text: card.title }));
  if (card.dependencies.length) {
    const deps = el("ul", { className: "deps", "aria-label": "dependencies" });
    for (const dep of card.dependencies) {
      deps.append(el("li", { className: dep.done ? "dep done" : "dep waiting",
        title: `${dep.wp_id} is ${dep.lane}`,
        text: dep.done ? `${dep.wp_id} ✓` : `${dep.wp_id} · ${laneName(dep.lane)}` }));
    }
    node.append(deps);
  }
  if (card.agent) node.append(el("div", { className: "agent", text: card.agent }));
  if (card.review_feedback) {
    node.append(el("div", { className: "feedback-note", text: firstLine(card.review_feedback) }));
  }
  node.addEventListener("click", () => showHistory(feature, card.wp_id));
  node.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      showHistory(feature, card.wp_id);
    }
  });
  return node;
}

function firstLine(text) {
  const lines = text.split("\n").map((line) => line.trim())
    .filter((line) => line && !line.startsWith("###"));
  return lines.length ? `Review: ${lines[0]}` : "Review feedback";
}

function refreshAges() {
  for (const node of document.querySelectorAll(".age[data-at]")) {
    node.textContent = age(node.getAttribute("data-at"));
  }
}

async function showHistory(feature, wpId) {
  const dialog = byId("history");
  byId("history-title").textContent = `${wpId} · ${feature}`;
  byId("history-lane").textContent = "Loading…";
  byId("history-rows").replaceChildren();
  byId("history-feedback").hidden = true;
  byId("history-source").textContent = "";
  if (!dialog.open) dialog.showModal();
  let data;
  try {
    data = await getJSON(`/api/history/${encodeURIComponent(feature)}/${encodeURIComponent(wpId)}`);
  } catch (error) {
    byId("history-lane").textContent = String(error.message || error);
    return;
  }
  byId("history-title").textContent = `${data.wp_id} · ${data.title || ""}`;
  const card = findCard(feature, wpId);
  byId("history-lane").textContent = card ? `${feature} · now ${laneName(card.lane)}` : feature;
  if (data.review_feedback) {
    byId("history-feedback").replaceChildren(el("h3", { text: "Review feedback" }),
      el("pre", { text: data.review_feedback }));
    byId("history-feedback").hidden = false;
  }
  const rows = data.events.map((event) => el("tr", {},
    el("td", { text: event.at ? new Date(event.at).toLocaleString() : "" }),
    el("td", { text: `${laneName(event.from_lane || "–")} → ${laneName(event.to_lane)}${event.force ? " (forced)" : ""}` }),
    el("td", { text: event.actor || "" }),
    el("td", { text: event.reason || "" })));
  for (const entry of data.file_history) {
    rows.push(el("tr", {},
      el("td", { text: entry.timestamp ? new Date(entry.timestamp).toLocaleString() : "" }),
      el("td", { text: entry.lane ? `→ ${laneName(entry.lane)}` : "" }),
      el("td", { text: entry.agent || "" }),
      el("td", { text: entry.action || "" })));
  }
  if (!rows.length) rows.push(el("tr", {}, el("td", { colSpan: 4, text: "No moves recorded yet." })));
  byId("history-rows").replaceChildren(...rows);
  byId("history-source").textContent = data.events.length
    ? "From the feature's status.events.jsonl."
    : data.file_history.length ? "From the work package file's history (no status log yet)." : "";
}

function findCard(feature, wpId) {
  const found = state.board && state.board.features.find((f) => f.feature === feature);
  return found && found.work_packages.find((card) => card.wp_id === wpId);
}

// -- sync health -------------------------------------------------------------------------------

function renderSync(data) {
  renderLogin(data.login);
  const queue = data.queue;
  const account = data.account;
  const error = account.error || queue.error;
  byId("queue-error").hidden = !error;
  byId("queue-error").textContent = error || "";
  const figures = {
    "queue-depth": account.pending,
    "queue-dead": account.dead_lettered,
    "queue-held": account.held,
    "queue-outbox": account.outbox,
    "queue-damaged": account.salvaged.length,
  };
  for (const [id, count] of Object.entries(figures)) {
    byId(id).textContent = count === null ? "–" : String(count);
    if (id !== "queue-depth") byId(id).parentElement.classList.toggle("alert", count > 0);
  }
  byId("queue-oldest").textContent = queue.error ? "–" : ageSeconds(queue.oldest_event_age_seconds);
  const labels = { dead_lettered: "Dead-lettered", held: "Held", outbox: "Outbox", salvaged: "Damaged files" };
  byId("account-next").replaceChildren(...Object.entries(account.next_steps).map(([figure, step]) =>
    el("li", { className: "next", text: `${labels[figure] || figure}: ${step}` })));
  renderRetries(queue.retry_counts || {});
  renderFailures(data.failures);
  renderLastSync(data.last_sync);
}

function renderLogin(login) {
  const badge = byId("login-state");
  badge.textContent = login.detail;
  badge.className = `badge state-${login.state}`;
  byId("login-user").textContent = login.username || "–";
  byId("login-server").textContent = login.server || "–";
  byId("login-access").textContent = when(login.access_expires_at);
  byId("login-refresh").textContent = when(login.refresh_expires_at);
  byId("login-next").hidden = !login.next_step;
  byId("login-next").textContent = login.next_step ? `Next: ${login.next_step}` : "";
}

function renderRetries(counts) {
  const entries = Object.entries(counts).sort((a, b) => Number(a[0]) - Number(b[0]));
  const chart = byId("retries");
  if (!entries.length) {
    chart.replaceChildren(el("p", { className: "quiet", text: "The queue is empty." }));
    return;
  }
  const most = Math.max(...entries.map(([, n]) => n));
  chart.replaceChildren(...entries.map(([retries, n]) => {
    const bar = el("span", { className: "bar" });
    bar.style.width = `${Math.max(2, Math.round((n / most) * 100))}%`;
    return el("div", { className: `row${Number(retries) ? " retried" : ""}`,
      title: `${n} event(s) with ${retries} earlier attempt(s)` },
      el("span", { className: "label", text: retries === "1" ? "1 retry" : `${retries} retries` }),
      el("span", { className: "track" }, bar),
      el("span", { className: "n", text: String(n) }));
  }));
}

function renderFailures(failures) {
  byId("failures-none").hidden = failures.length > 0;
  byId("failures").replaceChildren(...failures.map((failure) => el("li", {},
    el("div", { className: "failure-head" },
      el("strong", { text: failure.category }),
      el("span", { className: "count", text: String(failure.count) })),
    el("p", { className: "next", text: failure.next_step }),
    el("ul", { className: "reasons" }, ...failure.reasons.map((reason) =>
      el("li", { text: `${reason.count} × ${reason.reason}` }))))));
}

function renderLastSync(last) {
  byId("last-when").textContent = last
    ? `Finished ${new Date(last.finished_at).toLocaleString()} (${age(last.finished_at)} ago), exit ${last.exit_code}`
    : "No sync recorded yet.";
  byId("last-line").textContent = last ? last.line : "";
}

async function syncNow() {
  if (state.syncing || !state.token) return;
  state.syncing = true;
  const button = byId("sync-now");
  const result = byId("sync-result");
  button.disabled = true;
  button.textContent = "Syncing…";
  result.replaceChildren(el("p", { className: "quiet", text: "Running spec-kitty sync-now…" }));
  try {
    const response = await fetch("/api/sync-now", {
      method: "POST",
      headers: { "X-Dashboard-Token": state.token },
    });
    const data = await response.json();
    if (!response.ok) {
      result.replaceChildren(el("p", { className: "error", text: data.error }));
      return;
    }
    // Each failure's next step shows under Failures, which the next poll brings up to date.
    const parts = [];
    if (data.summary) {
      const [line, ...rest] = data.summary.lines;
      parts.push(el("p", { className: `summary exit-${data.exit_code}`, text: line }));
      for (const more of rest) parts.push(el("p", { className: "summary-more", text: more }));
    }
    for (const message of data.messages) parts.push(el("p", { className: "message", text: message }));
    if (!parts.length) parts.push(el("p", { text: `sync-now exited ${data.exit_code}` }));
    result.replaceChildren(...parts);
  } catch (error) {
    result.replaceChildren(el("p", { className: "error", text: String(error.message || error) }));
  } finally {
    state.syncing = false;
    button.disabled = false;
    button.textContent = "Sync now";
    poll();
  }
}

// -- polling -----------------------------------------------------------------------------------

async function getText(path) {
  const response = await fetch(path, { cache: "no-store" });
  const text = await response.text();
  if (!response.ok) {
    let message = `${path}: HTTP ${response.status}`;
    try { message = JSON.parse(text).error || message; } catch (_) { /* not JSON */ }
    throw new Error(message);
  }
  return text;
}

async function getJSON(path) {
  return JSON.parse(await getText(path));
}

let timer = null;

async function poll() {
  clearTimeout(timer);
  let texts;
  try {
    texts = await Promise.all([getText("/api/board"), getText("/api/sync")]);
  } catch (error) {
    setLive(false, `not updating: ${error.message || error}`);
    timer = setTimeout(poll, POLL_MS);
    return;
  }
  timer = setTimeout(poll, POLL_MS);
  // Drawing errors are the page's own bugs: they are left uncaught, to show in the console.
  const [boardText, syncText] = texts;
  if (boardText !== state.boardText) {
    state.boardText = boardText;
    state.board = JSON.parse(boardText);
    renderBoard();
  } else {
    refreshAges();
  }
  if (syncText !== state.syncText) {
    state.syncText = syncText;
    renderSync(JSON.parse(syncText));
  }
  setLive(true, `live · ${new Date().toLocaleTimeString()}`);
}

function setLive(ok, text) {
  const live = byId("live");
  live.textContent = text;
  live.classList.toggle("down", !ok);
}

function setView(view) {
  state.view = view;
  localStorage.setItem(VIEW_KEY, view);
  for (const button of document.querySelectorAll(".views button")) {
    button.setAttribute("aria-pressed", String(button.dataset.view === view));
  }
  if (state.board) renderBoard();
}

function start() {
  state.token = takeToken();
  const saved = localStorage.getItem(VIEW_KEY);
  setView(saved === "canonical" ? "canonical" : "cli");
  for (const button of document.querySelectorAll(".views button")) {
    button.addEventListener("click", () => setView(button.dataset.view));
  }
  byId("sync-now").addEventListener("click", syncNow);
  byId("sync-now").disabled = !state.token;
  byId("sync-now-hint").hidden = Boolean(state.token);
  byId("history-close").addEventListener("click", () => byId("history").close());
  poll();
}

start();
