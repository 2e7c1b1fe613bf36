// The field app: assignments (kept for offline), a visit recorded step by step, and an outbox in IndexedDB
// that is sent when there is signal. Every visit carries a UUID made here, so sending it twice (a retry, a
// lost answer) stores it once. The visit goes up first, declaring its photos (index, SHA-256, name); then
// each photo goes up on its own (PUT, multipart), so a 6 MB photo never rides inside the visit and a lost
// answer costs one photo, not the visit. Nothing leaves the phone until the server has confirmed it.
//
// The outbox never stops behind one visit: a visit (or photo) the server refuses (4xx) is parked with its
// reason, for the officer to edit or discard, and the others go on; no signal, 5xx, 429 and 503 are retried
// with backoff, honouring Retry-After.
import { csrfToken, formatTime, pick } from "../lib/live.js";

const T = JSON.parse(document.getElementById("field-strings").textContent);
const fill = (text, values) => text.replace(/%\((\w+)\)s/g, (_m, key) => values[key]);
const $ = (selector) => document.querySelector(selector);
const state = { assignment: null, checkin: null, started: null, photos: [], editing: null };
const MB = 1024 * 1024;

// --- IndexedDB ------------------------------------------------------------------------------------------
function db() {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open("cityops-field", 1);
    open.onupgradeneeded = () => {
      open.result.createObjectStore("outbox", { keyPath: "uuid" });
      open.result.createObjectStore("kv");
    };
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
}
async function store(name, mode, work) {
  const handle = await db();
  return new Promise((resolve, reject) => {
    const tx = handle.transaction(name, mode);
    const result = work(tx.objectStore(name));
    tx.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
    tx.onerror = () => reject(tx.error);
  });
}
const bySaving = (a, b) => String(a.saved_at).localeCompare(String(b.saved_at)); // oldest first, as recorded
const outboxAll = async () => (await Promise.all(((await store("outbox", "readonly", (s) => s.getAll())) || [])
  .map(upgrade))).sort(bySaving);
const outboxGet = (uuid) => store("outbox", "readonly", (s) => s.get(uuid));
const outboxPut = (visit) => store("outbox", "readwrite", (s) => s.put(visit));
const outboxDelete = (uuid) => store("outbox", "readwrite", (s) => s.delete(uuid));
const kvGet = (key) => store("kv", "readonly", (s) => s.get(key));
const kvSet = (key, value) => store("kv", "readwrite", (s) => s.put(value, key));

// --- Photos ---------------------------------------------------------------------------------------------
async function sha256(blob) {
  const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

// A visit saved by the earlier app carried its photos inline (base64): turn them into uploads of their own.
async function upgrade(item) {
  if (item.photos) return item;
  const photos = [];
  for (const [index, old] of (item.payload.photos || []).entries()) {
    const bytes = Uint8Array.from(atob(old.data || ""), (c) => c.charCodeAt(0));
    const blob = new Blob([bytes], { type: "image/jpeg" });
    photos.push({ index, name: old.name || `photo-${index + 1}.jpg`, size: blob.size, sha256: await sha256(blob),
      blob, state: "waiting" });
  }
  const upgraded = { ...item, photos, state: "queued", error: "", attempts: 0, next_at: 0,
    payload: { ...item.payload, photos: photos.map(declaration) } };
  await outboxPut(upgraded);
  return upgraded;
}
const declaration = (p) => ({ index: p.index, sha256: p.sha256, name: p.name });

// --- Talking to the server -------------------------------------------------------------------------------
// One answer, sorted: ok, refused (the officer must act), signin, retry (later, maybe after Retry-After),
// offline (no network at all).
async function send(url, init) {
  let response;
  try {
    response = await fetch(url, { credentials: "same-origin", ...init,
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json", ...(init.headers || {}) } });
  } catch {
    return { kind: "offline" };
  }
  const body = await response.json().catch(() => ({}));
  if (response.ok) return { kind: "ok", status: response.status, body };
  if (response.status === 401 || response.status === 403) return { kind: "signin", body };
  if (response.status === 408 || response.status === 429 || response.status >= 500) {
    return { kind: "retry", status: response.status, after: retryAfter(response.headers.get("Retry-After")) };
  }
  return { kind: "refused", status: response.status, body };
}

function retryAfter(header) {
  if (!header) return 0;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : 0;
}

const backoff = (attempts) => Math.min(5 * 60000, 5000 * 2 ** Math.min(attempts, 6)) + Math.random() * 1000;

function reason(answer) {
  const body = answer.body || {};
  const fields = Object.entries(body.errors || {}).map(([field, messages]) => `${field}: ${[].concat(messages).join(" ")}`);
  return [body.detail || String(answer.status), ...fields].join(" — ");
}

// --- Sync -----------------------------------------------------------------------------------------------
const link = { pauseUntil: 0, failures: 0, signedOut: false };
let syncing = false;
let timer = null;

async function sync() {
  if (syncing) return;
  syncing = true;
  try {
    if (!navigator.onLine || Date.now() < link.pauseUntil) return;
    for (const item of await outboxAll()) {
      if (item.state === "refused" || Date.now() < (item.next_at || 0)) continue;
      const outcome = await push(item);
      if (outcome === "stop") break;
    }
  } finally {
    syncing = false;
    await showSync();
    schedule();
  }
}

// One visit as far as it goes: the visit, then each photo; "stop" when the link itself is the trouble.
async function push(item) {
  if (item.state === "queued") {
    const answer = await send("/api/v1/fieldwork/visits", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ ...item.payload, sent_at: new Date().toISOString() }),
    });
    if (answer.kind !== "ok") return settle(item, answer);
    item.state = "sent";
    item.server_status = answer.body.status;
    item.attempts = 0;
    const arrived = new Set((answer.body.photos || []).filter((p) => p.received_at).map((p) => p.index));
    for (const photo of item.photos) if (arrived.has(photo.index)) Object.assign(photo, { state: "uploaded", blob: null });
    await outboxPut(item);
  }
  for (const photo of item.photos.filter((p) => p.state === "waiting" || p.state === "withdraw")) {
    const withdrawing = photo.state === "withdraw";
    const answer = await (withdrawing ? withdraw(item, photo) : upload(item, photo));
    if (answer.kind !== "ok" && answer.kind !== "refused") return settle(item, answer);
    if (withdrawing) {
      // 200: withdrawn; 404: gone already; 400: it had arrived after all, and stays with the visit
      if (answer.status === 400) photo.state = "uploaded";
      else item.photos = item.photos.filter((p) => p !== photo);
    } else if (answer.kind === "refused") {
      Object.assign(photo, { state: "refused", error: reason(answer) }); // parked: the officer decides
    } else {
      Object.assign(photo, { state: "uploaded", blob: null });
    }
    if (answer.kind === "ok") item.server_status = (answer.body.visit || answer.body).status || item.server_status;
    item.attempts = 0;
    await outboxPut(item);
  }
  link.failures = 0;
  link.signedOut = false;
  if (item.photos.every((p) => p.state === "uploaded")) await finish(item);
  return "next";
}

function upload(item, photo) {
  const form = new FormData();
  form.append("file", photo.blob, photo.name);
  return send(`/api/v1/fieldwork/visits/${item.uuid}/photos/${photo.index}`, { method: "PUT", body: form });
}

function withdraw(item, photo) {
  return send(`/api/v1/fieldwork/visits/${item.uuid}/photos/${photo.index}`, { method: "DELETE" });
}

// What to do after an answer that is not a success.
async function settle(item, answer) {
  if (answer.kind === "refused") {
    Object.assign(item, { state: "refused", error: reason(answer) });
    await outboxPut(item);
    return "next"; // the others go on
  }
  if (answer.kind === "signin") {
    link.signedOut = true;
    link.pauseUntil = Date.now() + 60000; // until the officer signs in again (a page load starts afresh)
    return "stop";
  }
  if (answer.kind === "offline" || answer.status === 503 || answer.status === 429) {
    link.failures += 1;
    link.pauseUntil = Date.now() + Math.max(backoff(link.failures), answer.after || 0);
    return "stop";
  }
  item.attempts = (item.attempts || 0) + 1; // a 500 on this visit: it waits, the others go on
  item.next_at = Date.now() + Math.max(backoff(item.attempts), answer.after || 0);
  await outboxPut(item);
  return "next";
}

async function finish(item) {
  await outboxDelete(item.uuid);
  const at = new Date().toISOString();
  await kvSet("synced_at", at);
  const recent = (await kvGet("recent")) || [];
  recent.unshift({ uuid: item.uuid, title: item.title, photos: item.photos.length, status: item.server_status, at });
  await kvSet("recent", recent.slice(0, 5));
}

function schedule() {
  window.clearTimeout(timer);
  if (!navigator.onLine) return; // the "online" event starts the next round
  outboxAll().then((items) => {
    const due = items.filter((i) => i.state !== "refused").map((i) => i.next_at || 0);
    if (!due.length) return;
    const next = Math.max(link.pauseUntil, Math.min(...due), Date.now() + 1000);
    timer = window.setTimeout(sync, Math.min(next - Date.now(), 60000));
  });
}

// --- What the officer sees ------------------------------------------------------------------------------
async function showSync() {
  const items = await outboxAll();
  const pending = items.filter((i) => i.state !== "refused" && !i.photos.some((p) => p.state === "refused"));
  const refused = items.length - pending.length;
  const line = $("[data-role=sync]");
  const parts = [];
  if (pending.length) parts.push(fill(T.waiting, { count: pending.length }));
  if (refused) parts.push(fill(T.refused_count, { count: refused }));
  if (!items.length) {
    const at = await kvGet("synced_at");
    parts.push(at ? fill(T.synced, { time: formatTime(new Date(at)) }) : T.never);
  }
  if (items.length && !navigator.onLine) parts.push(T.offline);
  if (items.length && link.signedOut) parts.push(T.signed_out);
  if (items.length && navigator.onLine && !link.signedOut && Date.now() < link.pauseUntil) {
    parts.push(fill(T.next_try, { time: formatTime(new Date(link.pauseUntil)) }));
  }
  line.textContent = parts.join(" — ");
  line.dataset.waiting = String(pending.length);
  line.dataset.refused = String(refused);
  line.dataset.nextTry = String(Math.max(link.pauseUntil, 0));
  const notice = $("[data-role=notice]");
  if (notice.dataset.uuid && !items.some((i) => i.uuid === notice.dataset.uuid)) {
    notice.textContent = T.sent_notice; // the visit just saved, and its photos, are on the server now
    delete notice.dataset.uuid;
  }
  await showOutbox(items);
  await showRecent();
}

async function showOutbox(items) {
  const list = $("[data-role=outbox]");
  list.replaceChildren(...items.map(outboxCard));
  $("[data-role=outbox-panel]").hidden = !items.length;
}

function outboxCard(item) {
  const li = document.createElement("li");
  li.className = "card outbox-item";
  li.dataset.uuid = item.uuid;
  li.dataset.state = item.state;
  const title = document.createElement("strong");
  title.textContent = item.title;
  const line = document.createElement("p");
  line.className = "muted";
  line.dataset.role = "item-state";
  const done = item.photos.filter((p) => p.state === "uploaded").length;
  const progress = item.photos.length ? fill(T.photos_progress, { done, total: item.photos.length }) : "";
  if (item.state === "queued") {
    line.textContent = [T.to_send, progress].filter(Boolean).join(" — ")
      + (item.next_at > Date.now() ? ` — ${fill(T.next_try, { time: formatTime(new Date(item.next_at)) })}` : "");
  } else if (item.state === "sent") {
    line.textContent = [T.on_server, progress, T.status_labels[item.server_status] || ""].filter(Boolean).join(" — ");
  }
  li.append(title, line);
  if (item.state === "refused") li.append(problem(fill(T.failed, { reason: item.error })), ...visitActions(item));
  for (const photo of item.photos.filter((p) => p.state === "refused")) {
    li.append(problem(fill(T.photo_refused, { n: photo.index + 1, reason: photo.error })),
      button(T.discard_photo, "discard-photo", () => discardPhoto(item.uuid, photo.index)));
  }
  return li;
}

function problem(text) {
  const p = document.createElement("p");
  p.className = "form-error";
  p.setAttribute("role", "alert");
  p.textContent = text;
  return p;
}

function button(label, action, handler, secondary = true) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = `button${secondary ? " button-secondary" : ""}`; // full size: a thumb outdoors, 44 px
  b.dataset.action = action;
  b.textContent = label;
  b.addEventListener("click", handler);
  return b;
}

function visitActions(item) {
  return [button(T.edit, "edit", () => editVisit(item.uuid), false), button(T.discard, "discard", async () => {
    if (!window.confirm(T.confirm_discard)) return;
    await outboxDelete(item.uuid);
    await showSync();
  })];
}

async function discardPhoto(uuid, index) {
  const item = await outboxGet(uuid);
  const photo = item && item.photos.find((p) => p.index === index);
  if (!photo) return;
  if (item.state === "sent") Object.assign(photo, { state: "withdraw", blob: null }); // the server waits for it
  else {
    item.photos = item.photos.filter((p) => p !== photo);
    item.payload.photos = item.photos.map(declaration);
  }
  await outboxPut(item);
  await showSync();
  sync();
}

async function showRecent() {
  const recent = (await kvGet("recent")) || [];
  const list = $("[data-role=recent]");
  list.replaceChildren(...recent.map((r) => {
    const li = document.createElement("li");
    li.textContent = fill(T.sent_line, { time: formatTime(new Date(r.at)), title: r.title, photos: r.photos,
      status: T.status_labels[r.status] || r.status || "" });
    return li;
  }));
  list.hidden = !recent.length;
}

// --- Assignments ----------------------------------------------------------------------------------------
async function loadAssignments() {
  let list = null;
  try {
    const response = await fetch("/api/v1/fieldwork/assignments/", { credentials: "same-origin" });
    if (response.ok) list = await response.json(); // the service worker answers from its cache offline
  } catch { /* offline and not cached yet */ }
  if (list) await kvSet("assignments", list);
  else list = (await kvGet("assignments")) || [];
  const ol = $("[data-role=assignments]");
  ol.replaceChildren();
  if (!list.length) {
    const li = document.createElement("li");
    li.className = "muted";
    li.textContent = T.no_assignments;
    ol.appendChild(li);
  }
  for (const assignment of list) {
    const li = document.createElement("li");
    const card = document.createElement("button");
    card.type = "button";
    card.className = "card";
    card.dataset.id = assignment.id;
    const title = document.createElement("strong");
    title.textContent = pick(assignment, "title");
    const due = document.createElement("span");
    due.className = "muted";
    due.textContent = fill(T.due, { time: new Date(assignment.due_at).toLocaleString() });
    card.append(title, document.createElement("br"), due);
    card.addEventListener("click", () => openVisit(assignment));
    li.appendChild(card);
    ol.appendChild(li);
    mark(assignment);
  }
}

function mark(assignment) {
  const svg = $("#field-map svg");
  if (!svg || assignment.lon == null) return;
  const dot = document.createElementNS("http://www.w3.org/2000/svg", "circle");
  dot.setAttribute("r", "6");
  dot.setAttribute("class", "target");
  dot.setAttribute("cx", (assignment.lon - Number(svg.dataset.west)) * Number(svg.dataset.scale));
  dot.setAttribute("cy", (Number(svg.dataset.north) - assignment.lat) * Number(svg.dataset.scale));
  svg.appendChild(dot);
}

// --- A visit --------------------------------------------------------------------------------------------
function openVisit(assignment) {
  Object.assign(state, { assignment, checkin: null, started: new Date(), photos: [], editing: null });
  $("#visit-form").reset();
  $("[data-role=visit-title]").textContent = assignment ? pick(assignment, "title") : T.free_visit;
  $("[data-role=position]").textContent = T.checkin_hint;
  $("[data-role=findings]").hidden = !(assignment && (assignment.alert || assignment.grievance));
  const verdicts = $("[data-role=verdicts]");
  verdicts.replaceChildren();
  for (const [value, label] of Object.entries(T.verdicts)) {
    const option = document.createElement("label");
    option.className = "check";
    const input = document.createElement("input");
    Object.assign(input, { type: "radio", name: "verdict", value });
    option.append(input, ` ${label}`);
    verdicts.appendChild(option);
  }
  showPhotos();
  $("[data-role=visit-error]").hidden = true;
  $("[data-role=notice]").hidden = true;
  $("#list").hidden = true;
  $("#visit").hidden = false;
}

// A refused visit back in the form, as it was typed: same UUID (the server stored nothing), same photos.
async function editVisit(uuid) {
  const item = await outboxGet(uuid);
  if (!item) return;
  openVisit(item.assignment || null);
  const form = $("#visit-form");
  const p = item.payload;
  Object.assign(state, { editing: item, checkin: p.checkin, started: new Date(p.started_at), photos: item.photos });
  for (const [kind, input] of [["residents", form.residents], ["shop_owners", form.shops], ["others", form.others]]) {
    input.value = (p.people.find((x) => x.kind === kind) || { count: 0 }).count;
  }
  for (const name of ["people_contact", "notes", "follow_up"]) form[name].value = p[name] || "";
  const finding = p.findings[0];
  if (finding) {
    const radio = form.querySelector(`input[name=verdict][value=${finding.verdict}]`);
    if (radio) radio.checked = true;
    form.observed.value = finding.observed_value ?? "";
    form.comment.value = finding.comment || "";
  }
  $("[data-role=position]").textContent = p.checkin ? fill(T.located, { metres: Math.round(p.checkin.accuracy) }) : "";
  const error = $("[data-role=visit-error]");
  error.hidden = false;
  error.textContent = fill(T.failed, { reason: item.error });
  showPhotos();
}

function position() {
  return new Promise((resolve) => {
    if (!navigator.geolocation) return resolve(null);
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ lon: p.coords.longitude, lat: p.coords.latitude, accuracy: p.coords.accuracy }),
      () => resolve(null), { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 },
    );
  });
}

$("[data-action=checkin]").addEventListener("click", async () => {
  const line = $("[data-role=position]");
  line.textContent = T.locating;
  state.checkin = await position();
  state.started = new Date();
  line.textContent = state.checkin ? fill(T.located, { metres: Math.round(state.checkin.accuracy) }) : T.no_position;
});

// Photos chosen (or taken) one after another: each kept as the camera made it, its SHA-256 taken here.
$("#photo").addEventListener("change", async (event) => {
  const input = event.target;
  const error = $("[data-role=photo-error]");
  error.hidden = true;
  for (const file of [...input.files]) {
    if (file.size > T.max_photo_bytes) {
      error.hidden = false;
      error.textContent = fill(T.photo_too_big, { name: file.name, limit: Math.round(T.max_photo_bytes / MB) });
      continue;
    }
    if (state.photos.length >= T.max_photos) break;
    const index = state.photos.reduce((top, p) => Math.max(top, p.index + 1), 0);
    state.photos.push({ index, name: file.name || `photo-${index + 1}.jpg`, size: file.size, sha256: await sha256(file),
      blob: file, state: "waiting" });
  }
  input.value = "";
  showPhotos();
});

function showPhotos() {
  const list = $("[data-role=photo-list]");
  list.replaceChildren(...state.photos.map((photo) => {
    const li = document.createElement("li");
    li.dataset.sha256 = photo.sha256;
    li.append(`${photo.name} (${(photo.size / MB).toFixed(1)} MB) `,
      button(T.remove, "remove-photo", () => { state.photos = state.photos.filter((p) => p !== photo); showPhotos(); }));
    return li;
  }));
  list.hidden = !state.photos.length;
}

$("#visit-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const error = $("[data-role=visit-error]");
  if (!state.checkin) {
    error.hidden = false;
    error.textContent = T.no_position;
    return;
  }
  error.hidden = true;
  const editing = state.editing;
  const checkout = editing ? editing.payload.checkout : await position();
  const people = [["residents", form.residents], ["shop_owners", form.shops], ["others", form.others]]
    .map(([kind, input]) => ({ kind, count: Number(input.value) || 0 })).filter((p) => p.count > 0);
  const findings = [];
  const verdict = form.querySelector("input[name=verdict]:checked");
  if (verdict && state.assignment) {
    findings.push({
      alert: state.assignment.alert, grievance: state.assignment.grievance, verdict: verdict.value,
      observed_value: form.observed.value || null, comment: form.comment.value,
    });
  }
  const uuid = editing ? editing.uuid : crypto.randomUUID();
  const photos = state.photos.map((p, index) => ({ ...p, index, state: "waiting", error: "" }));
  const payload = {
    uuid, assignment: state.assignment ? state.assignment.id : null,
    started_at: state.started.toISOString(), ended_at: editing ? editing.payload.ended_at : new Date().toISOString(),
    checkin: state.checkin, checkout, people, people_contact: form.people_contact.value, notes: form.notes.value,
    follow_up: form.follow_up.value, findings, photos: photos.map(declaration),
  };
  const title = state.assignment ? pick(state.assignment, "title") : T.free_visit;
  await outboxPut({ uuid, title, assignment: state.assignment, payload, photos, state: "queued", error: "",
    attempts: 0, next_at: 0, saved_at: editing ? editing.saved_at : new Date().toISOString() });
  $("#visit").hidden = true;
  $("#list").hidden = false;
  const notice = $("[data-role=notice]");
  notice.hidden = false;
  notice.textContent = T.saved;
  notice.dataset.uuid = uuid;
  window.scrollTo(0, 0); // where the sync line says what happens next
  await showSync();
  sync();
});

$("[data-action=back]").addEventListener("click", () => { $("#visit").hidden = true; $("#list").hidden = false; });
$("[data-action=free]").addEventListener("click", () => openVisit(null));

// --- Start ----------------------------------------------------------------------------------------------
window.addEventListener("online", () => {
  Object.assign(link, { pauseUntil: 0, failures: 0 });
  showSync();
  sync();
  loadAssignments();
});
window.addEventListener("offline", showSync);
window.setInterval(sync, 30000);

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/field/sw.js", { scope: "/field/" }).catch(() => {});
  // Keep this page and its files for offline use (the worker caches what it fetches from now on).
  const files = [window.location.pathname,
    ...[...document.querySelectorAll("script[src], link[rel=stylesheet]")].map((el) => el.src || el.href)];
  caches.open("cityops-field-v1").then((cache) => cache.addAll(files)).catch(() => {});
}
await showSync();
await loadAssignments();
sync();
