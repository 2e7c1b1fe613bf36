// The field app, as ODK Collect works: one step of a visit per screen (target, check-in, finding, people,
// notes, photos, review), every keystroke and photo kept on the phone as a draft until the visit is saved, then
// an outbox in IndexedDB that is sent when there is signal, and a list of the officer's visits with what
// became of each (waiting on the phone, uploaded, flagged for review, accepted, rejected with the reason).
//
// Every visit carries a UUID made when its draft starts, so sending it twice (a retry, a lost answer) stores it
// once. The visit goes up first, declaring its photos (index, SHA-256, name); then each photo goes up on its own
// (PUT, multipart), so a 6 MB photo never rides inside the visit and a lost answer costs one photo, not the
// visit. Nothing leaves the phone until the server has confirmed it.
//
// The outbox never stops behind one visit: a visit (or photo) the server refuses (4xx) is parked with its
// reason, for the officer to edit or discard, and the others go on; no signal, 5xx, 429 and 503 are retried
// with backoff, honouring Retry-After.
import { cityClock, csrfToken, formatDateTime, formatTime, pick } from "../lib/live.js";
import { available as signingAvailable, deviceLabel, keyMake, registration, visitSigned } from "./sign.js";

const T = JSON.parse(document.getElementById("field-strings").textContent);
const fill = (text, values) => text.replace(/%\((\w+)\)s/g, (_m, key) => values[key]);
// A count in words: T[key] is [the form for one, the form for more] (apps/fieldwork/views.py `_plural`).
const counted = (forms, count) => fill(forms[count === 1 ? 0 : 1], { count });
const $ = (selector) => document.querySelector(selector);
const MB = 1024 * 1024;

// --- IndexedDB ------------------------------------------------------------------------------------------
// outbox: saved visits until the server has them; kv: small state; drafts: visits being recorded (no photo
// bytes, so a keystroke writes a few hundred bytes); photos: a draft's photos, "<uuid>/<index>" → Blob.
// A shared phone: every record carries its owner (the signed-in user's id) — drafts, outbox entries and photos
// as `owner`, the small state (visit list, assignments, last sync…) under "<owner>:<key>". The app shows, resumes
// and uploads only the signed-in officer's; another's stay untouched until they sign in again.
// keys: each officer's signing key on this phone (sign.js), by owner; kept when they sign out.
const STORES = { outbox: { keyPath: "uuid" }, kv: undefined, drafts: { keyPath: "uuid" }, photos: undefined,
  keys: { keyPath: "owner" } };
const ME = String(T.user_id);
const mine = (record) => Boolean(record) && String(record.owner) === ME;
const own = (key) => `${ME}:${key}`;
let connection = null;
function db() {
  connection ||= new Promise((resolve, reject) => {
    const open = indexedDB.open("cityops-field", 4);
    open.onupgradeneeded = (event) => {
      for (const [name, options] of Object.entries(STORES)) {
        if (!open.result.objectStoreNames.contains(name)) open.result.createObjectStore(name, options);
      }
      if (event.oldVersion > 0 && event.oldVersion < 3) adoptUnowned(open.transaction);
    };
    open.onsuccess = () => {
      open.result.onversionchange = () => { open.result.close(); connection = null; };
      resolve(open.result);
    };
    open.onerror = () => { connection = null; reject(open.error); };
  });
  return connection;
}
// Records kept before they carried an owner (one upgrade, once): the phone's app knew only one officer then, the
// one opening it now; the small state of that time (lists read from the server, where the officer was) is dropped.
function adoptUnowned(tx) {
  for (const name of ["outbox", "drafts"]) {
    tx.objectStore(name).openCursor().onsuccess = (e) => {
      const cursor = e.target.result;
      if (!cursor) return;
      if (cursor.value.owner == null) cursor.update({ ...cursor.value, owner: ME });
      cursor.continue();
    };
  }
  tx.objectStore("photos").openCursor().onsuccess = (e) => {
    const cursor = e.target.result;
    if (!cursor) return;
    if (cursor.value instanceof Blob) cursor.update({ owner: ME, blob: cursor.value });
    cursor.continue();
  };
  tx.objectStore("kv").openCursor().onsuccess = (e) => {
    const cursor = e.target.result;
    if (!cursor) return;
    if (!String(cursor.key).includes(":")) cursor.delete();
    cursor.continue();
  };
}
// One transaction over one store or several (a visit saved: outbox written, draft and its photos gone, at once).
async function store(names, mode, work) {
  const handle = await db();
  return new Promise((resolve, reject) => {
    const tx = handle.transaction(names, mode);
    const stores = [].concat(names).map((n) => tx.objectStore(n));
    const result = work(...stores);
    tx.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}
const bySaving = (a, b) => String(a.saved_at).localeCompare(String(b.saved_at)); // oldest first, as recorded
const outboxAll = async () => (await Promise.all(((await store("outbox", "readonly", (s) => s.getAll())) || [])
  .filter(mine).map(upgrade))).sort(bySaving);
const outboxGet = async (uuid) => {
  const item = await store("outbox", "readonly", (s) => s.get(uuid));
  return mine(item) ? item : undefined;
};
const outboxPut = (visit) => store("outbox", "readwrite", (s) => s.put({ ...visit, owner: visit.owner ?? ME }));
const outboxDelete = async (uuid) => {
  if (await outboxGet(uuid)) await store("outbox", "readwrite", (s) => s.delete(uuid));
};
const kvGet = (key) => store("kv", "readonly", (s) => s.get(own(key)));
const kvSet = (key, value) => store("kv", "readwrite", (s) => s.put(value, own(key)));
const kvDelete = (key) => store("kv", "readwrite", (s) => s.delete(own(key)));
const draftsAll = async () => ((await store("drafts", "readonly", (s) => s.getAll())) || []).filter(mine)
  .sort((a, b) => String(b.updated_at).localeCompare(String(a.updated_at)));
const draftGet = async (uuid) => {
  const draft = await store("drafts", "readonly", (s) => s.get(uuid));
  return mine(draft) ? draft : undefined;
};
const photoKey = (uuid, index) => `${uuid}/${index}`;
const photoPut = (photos, uuid, index, blob) => photos.put({ owner: ME, blob }, photoKey(uuid, index));
const photoGet = async (uuid, index) => {
  const kept = await store("photos", "readonly", (s) => s.get(photoKey(uuid, index)));
  return mine(kept) ? kept.blob : undefined;
};
// Another officer's records waiting on this phone: counted, never shown.
const othersWaiting = async () => {
  const [outbox, drafts] = await Promise.all(["outbox", "drafts"].map((n) => store(n, "readonly", (s) => s.getAll())));
  return [...(outbox || []), ...(drafts || [])].filter((r) => !mine(r)).length;
};

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
    wentOffline();
    return { kind: "offline" };
  }
  backOnline();
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

// A GET the service worker may answer from its cache when there is no network (it says so in a header).
async function read(url) {
  try {
    const response = await fetch(url, { credentials: "same-origin" });
    if (response.headers.get("X-Field-Cache") === "offline") wentOffline();
    else backOnline();
    return response;
  } catch {
    wentOffline();
    return null;
  }
}

// --- The phone's signing key (sign.js) ---------------------------------------------------------------------
// state: "pending" (made, not yet registered: visits are signed with it and wait behind its registration),
// "registered", "refused" (the server said why), "revoked" (a supervisor revoked it: the officer registers anew).
const keyGet = () => store("keys", "readonly", (s) => s.get(ME));
const keyPut = (record) => store("keys", "readwrite", (s) => s.put({ ...record, owner: ME }));
let signingLater = false; // "Later" on the registration card, until the page is loaded again

async function keyRegister(record) {
  const answer = await send("/api/v1/evidence/devices", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify(await registration(record, ME, record.label)),
  });
  if (answer.kind === "ok") Object.assign(record, { state: "registered", error: "", registered_at: answer.body.registered_at });
  else if (answer.kind === "refused") Object.assign(record, { state: "refused", error: reason(answer) });
  else return answer.kind; // offline, retry, signin: registered on a later round
  await keyPut(record);
  return answer.kind;
}

// What the server says of this phone's key (once per page, with signal): a revoked key signs nothing more.
let keyChecked = false;
async function keyCheck() {
  const record = await keyGet();
  if (!record || record.state !== "registered" || keyChecked || isOffline()) return;
  const response = await read("/api/v1/evidence/devices/mine");
  if (!response || !response.ok || response.headers.get("X-Field-Cache")) return;
  keyChecked = true;
  const mineNow = (await response.json()).find((d) => d.key_id === record.key_id);
  if (mineNow && mineNow.revoked_at) {
    await keyPut({ ...record, state: "revoked", revoked_at: mineNow.revoked_at });
    showDevice();
  }
}

async function showDevice() {
  const card = $("[data-role=device]");
  const record = await keyGet();
  const state = !signingAvailable() ? "unavailable" : !record ? "none" : record.state;
  card.dataset.state = state;
  const line = $("[data-role=device-line]");
  const short = record ? record.key_id.slice(0, 16).replace(/(.{4})(?=.)/g, "$1 ") : "";
  line.textContent = state === "unavailable" ? T.device_unavailable
    : state === "none" ? (signingLater ? T.device_later : T.device_none)
    : state === "revoked" ? fill(T.device_revoked, { date: cityClock(record.revoked_at).slice(0, 16) })
    : state === "refused" ? fill(T.device_refused, { reason: record.error })
    : fill(state === "registered" ? T.device_registered : T.device_pending, { key: short });
  const ask = state === "none" || state === "revoked" || state === "refused";
  $("[data-role=device-ask]").hidden = !ask;
  card.hidden = (state === "registered" || state === "pending") ? false : !ask && state !== "unavailable";
  card.classList.toggle("device-quiet", state === "registered" || state === "pending" || (ask && signingLater));
  $("[data-action=device-later]").hidden = signingLater; // put off: the line and a register button stay
}

// The officer agreed: a new key for this phone, registered now or as soon as there is signal.
$("[data-action=device-register]")?.addEventListener("click", async () => {
  if (!signingAvailable()) return;
  const key = await keyMake();
  await keyPut({ ...key, label: deviceLabel(), state: "pending", created_at: new Date().toISOString() });
  await showDevice();
  sync();
});
$("[data-action=device-later]")?.addEventListener("click", () => {
  signingLater = true;
  showDevice();
});

// A visit saved now is signed now, with this phone's key (also before its registration reached the server).
async function signedPayload(payload) {
  const record = await keyGet();
  if (!signingAvailable() || !record || record.state === "revoked" || record.state === "refused") return payload;
  try {
    return await visitSigned(record, payload);
  } catch {
    return payload; // a key the browser lost: the visit goes unsigned rather than not at all
  }
}

// --- Sync -----------------------------------------------------------------------------------------------
// `offline`: no network — the browser says so (navigator.onLine, the offline event) or a request failed on the
// way; back to false on the online event or the next request that reached the server.
const link = { pauseUntil: 0, failures: 0, signedOut: false, offline: !navigator.onLine };
const isOffline = () => !navigator.onLine || link.offline;
function wentOffline() {
  if (link.offline) return;
  link.offline = true;
  showSync();
}
function backOnline() {
  if (!link.offline || !navigator.onLine) return;
  link.offline = false;
  showSync();
}
let syncing = false;
let timer = null;

async function sync() {
  if (syncing) return;
  syncing = true;
  try {
    if (!navigator.onLine || Date.now() < link.pauseUntil) return;
    const key = await keyGet();
    if (key && key.state === "pending") { // before the visits it signed
      const outcome = await keyRegister(key);
      await showDevice();
      if (outcome !== "ok" && outcome !== "refused") return;
    }
    await keyCheck();
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
    item.flags = flagCodes(answer.body);
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
    if (answer.kind === "ok") {
      item.server_status = (answer.body.visit || answer.body).status || item.server_status;
      if (answer.body.visit) item.flags = flagCodes(answer.body.visit);
    }
    item.attempts = 0;
    await outboxPut(item);
  }
  link.failures = 0;
  link.signedOut = false;
  if (item.photos.every((p) => p.state === "uploaded")) await finish(item);
  return "next";
}

// The kinds of the visit's flags as the server answered them ({code, evidence}: only the code is kept).
const flagCodes = (visit) => [...new Set((visit.flags || []).map((f) => f.code))];

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
    if ((answer.body?.errors || {}).signature) { // the phone's key may have been revoked: say so on the card
      keyChecked = false;
      await keyCheck();
    }
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

// The server has the visit and every photo: off the phone, into the visit list (until the server's list has it).
async function finish(item) {
  await outboxDelete(item.uuid);
  const at = new Date().toISOString();
  await kvSet("synced_at", at);
  const recent = (await kvGet("recent")) || [];
  recent.unshift({ uuid: item.uuid, title: item.title, photos: item.photos.length, status: item.server_status, at,
    started_at: item.payload.started_at, flags: (item.flags || []).map((code) => T.flag_names[code] || code) });
  await kvSet("recent", recent.slice(0, 20));
  loadVisits();
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

// --- What the officer sees: the sync line, the outbox, the visit list -----------------------------------
async function showSync() {
  const items = await outboxAll();
  const pending = items.filter((i) => i.state !== "refused" && !i.photos.some((p) => p.state === "refused"));
  const refused = items.length - pending.length;
  const line = $("[data-role=sync]");
  const parts = [];
  if (pending.length) parts.push(counted(T.waiting, pending.length));
  if (refused) parts.push(fill(T.refused_count, { count: refused }));
  const at = await kvGet("synced_at");
  const offline = isOffline();
  if (offline) parts.unshift(T.offline);
  if (!items.length) parts.push(at ? fill(T.synced, { time: formatTime(new Date(at)) }) : T.never);
  if (items.length && link.signedOut) parts.push(T.signed_out);
  if (items.length && !offline && !link.signedOut && Date.now() < link.pauseUntil) {
    parts.push(fill(T.next_try, { time: formatTime(new Date(link.pauseUntil)) }));
  }
  line.textContent = parts.join(" — ");
  await showOthers(line);
  line.dataset.waiting = String(pending.length);
  line.dataset.refused = String(refused);
  line.dataset.nextTry = String(Math.max(link.pauseUntil, 0));
  line.dataset.offline = offline ? "1" : "0";
  const chip = $("[data-role=sync-chip]");
  chip.dataset.waiting = String(pending.length);
  chip.dataset.refused = String(refused);
  chip.dataset.offline = offline ? "1" : "0";
  chip.textContent = offline ? (pending.length ? fill(T.chip_offline_waiting, { count: pending.length }) : T.chip_offline)
    : refused ? fill(T.chip_refused, { count: refused })
    : pending.length ? fill(T.chip_waiting, { count: pending.length })
      : at ? fill(T.chip_synced, { time: formatTime(new Date(at)) }) : "";
  await showOutbox(items);
  await showVisits(items);
  await showSaved(items);
}

async function showOutbox(items) {
  $("[data-role=outbox]").replaceChildren(...items.map(outboxCard));
  $("[data-role=outbox-panel]").hidden = !items.length;
}

function stateBadge(kind, text) {
  const span = document.createElement("span");
  span.className = `state state-${kind}`;
  span.dataset.role = "item-state";
  span.textContent = text;
  return span;
}

function outboxCard(item) {
  const li = document.createElement("li");
  li.className = "outbox-item";
  li.dataset.uuid = item.uuid;
  li.dataset.state = item.state;
  const title = document.createElement("strong");
  title.textContent = item.title;
  const done = item.photos.filter((p) => p.state === "uploaded").length;
  const progress = item.photos.length ? fill(T.photos_progress, { done, total: item.photos.length }) : "";
  let badge;
  if (item.state === "queued") {
    badge = stateBadge("waiting", [T.to_send, progress].filter(Boolean).join(" — ")
      + (item.next_at > Date.now() ? ` — ${fill(T.next_try, { time: formatTime(new Date(item.next_at)) })}` : ""));
  } else if (item.state === "sent") {
    badge = stateBadge("waiting", [T.on_server, progress, T.status_labels[item.server_status] || ""]
      .filter(Boolean).join(" — "));
  } else {
    badge = stateBadge("attention", T.attention);
  }
  li.append(title, document.createElement("br"), badge);
  if (item.state === "refused") li.append(problem(fill(T.failed, { reason: item.error })), row(...visitActions(item)));
  for (const photo of item.photos.filter((p) => p.state === "refused")) {
    li.append(problem(fill(T.photo_refused, { n: photo.index + 1, reason: photo.error })),
      row(button(T.discard_photo, "discard-photo", () => discardPhoto(item.uuid, photo.index))));
  }
  return li;
}

function row(...children) {
  const div = document.createElement("div");
  div.className = "button-row";
  div.append(...children);
  return div;
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

// The officer's visits the server has (its list, kept for offline), and those uploaded since it was read.
async function loadVisits() {
  let list = null;
  if (!navigator.onLine) return;
  const response = await read("/api/v1/fieldwork/visits/mine");
  if (response && response.ok) list = await response.json().catch(() => null);
  if (list) await kvSet("visits", list);
  if (!$("#list").hidden) await showVisits(await outboxAll());
  if (!$("#saved").hidden) await showSaved(await outboxAll()); // the flags the server found, once it says
}

// The server's state of a visit, in words: held for review says why (the kinds of its flags, not their details).
function serverState(status, reason, flags) {
  if (status === "accepted") return ["accepted", T.visit_states.accepted];
  if (status === "review") {
    return ["review", flags && flags.length ? fill(T.review_flags, { flags: flags.join(T.list_separator) })
      : T.visit_states.review];
  }
  if (status === "rejected") return ["rejected", fill(T.visit_states.rejected, { reason: reason || "—" })];
  return ["uploaded", T.visit_states.uploaded];
}

async function showVisits(items) {
  const onPhone = new Set(items.map((i) => i.uuid));
  const server = (await kvGet("visits")) || [];
  const known = new Set(server.map((v) => v.uuid));
  const recent = ((await kvGet("recent")) || []).filter((r) => !known.has(r.uuid) && !onPhone.has(r.uuid));
  const rows = [
    ...recent.map((r) => ({ uuid: r.uuid, title: r.title, at: r.started_at || r.at, status: r.status,
      photos: r.photos, flags: r.flags })),
    ...server.filter((v) => !onPhone.has(v.uuid)).map((v) => ({ uuid: v.uuid,
      // a visit without an assignment: where it was checked in
      title: pick(v, "title") || pick(v, "region") || T.no_assignment,
      at: v.started_at, status: v.status, reason: v.review_reason, photos: v.photos_declared, flags: v.flags })),
  ];
  const list = $("[data-role=visits]");
  list.replaceChildren(...rows.map((r) => {
    const li = document.createElement("li");
    li.dataset.uuid = r.uuid;
    const [kind, text] = serverState(r.status, r.reason, r.flags);
    li.dataset.state = kind;
    const title = document.createElement("strong");
    title.textContent = r.title;
    const when = document.createElement("span");
    when.className = "muted";
    when.textContent = ` ${formatDateTime(new Date(r.at))}${r.photos ? ` · ${counted(T.photo_count, r.photos)}` : ""}`;
    li.append(title, when, document.createElement("br"), stateBadge(kind, text));
    return li;
  }));
  if (!rows.length && !items.length) {
    const li = document.createElement("li");
    li.className = "muted";
    li.textContent = T.no_visits;
    list.appendChild(li);
  }
}

// --- Assignments ----------------------------------------------------------------------------------------
async function loadAssignments() {
  let list = null;
  // offline: the officer's own copy below (the service worker keeps no one's list: the phone may be shared)
  const response = navigator.onLine ? await read("/api/v1/fieldwork/assignments/") : null;
  if (response && response.ok) list = await response.json().catch(() => null);
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
    due.textContent = fill(T.due, { time: formatDateTime(new Date(assignment.due_at)) });
    card.append(title, document.createElement("br"), due);
    card.addEventListener("click", () => startVisit(assignment));
    li.appendChild(card);
    ol.appendChild(li);
    mark($("#field-map svg"), assignment);
  }
  const located = list.filter((a) => a.lon != null);
  homeMarkers = located.map(targetMarker);
  showHomeMap();
}

// The home map opens on the officer's own area: their assigned regions (the city for an officer without any).
let homeMarkers = [];
function showHomeMap() {
  if ($("#list").hidden) return; // drawn when the list shows: a hidden map has no size to fit in
  const bounds = T.area_bounds || svgBounds($("#field-map svg"));
  showMap($("#field-map"), { bounds, markers: homeMarkers, search: true })
    .then((basemap) => basemap?.setMarkers(homeMarkers));
}

function mark(svg, assignment, r = 6) {
  if (!svg || assignment.lon == null) return;
  const dot = document.createElementNS("http://www.w3.org/2000/svg", "circle");
  dot.setAttribute("r", String(r));
  dot.setAttribute("class", "target");
  dot.setAttribute("cx", (assignment.lon - Number(svg.dataset.west)) * Number(svg.dataset.scale));
  dot.setAttribute("cy", (Number(svg.dataset.north) - assignment.lat) * Number(svg.dataset.scale));
  svg.appendChild(dot);
}

// --- Maps ---------------------------------------------------------------------------------------------
// The labelled offline basemap (static/js/lib/basemap.js: districts, streets, communities, roads, facilities),
// zoomable to street level. Loaded on demand; until it draws (or where it cannot: no WebGL, not yet cached with
// no signal) the small outline map the page came with stays.
const TARGET_COLOUR = "#b3261e";
const HERE_COLOUR = "#1d5fa8";
const maps = new Map();

function svgBounds(svg) {
  if (!svg || !svg.dataset.scale) return null;
  const [, , width, height] = svg.getAttribute("viewBox").split(/\s+/).map(Number);
  const west = Number(svg.dataset.west);
  const north = Number(svg.dataset.north);
  const scale = Number(svg.dataset.scale);
  return [west, north - height / scale, west + width / scale, north];
}

function around(points, metres = 400) {
  const lat = points[0].lat;
  const dLat = metres / 111_000;
  const dLon = dLat / (Math.cos((lat * Math.PI) / 180) || 1);
  return [Math.min(...points.map((p) => p.lon)) - dLon, Math.min(...points.map((p) => p.lat)) - dLat,
    Math.max(...points.map((p) => p.lon)) + dLon, Math.max(...points.map((p) => p.lat)) + dLat];
}

// One basemap per place on the page (home, target, check-in), made once and then given new markers and bounds.
async function showMap(holder, { bounds, markers, search = false }) {
  if (!holder || !bounds) return null;
  let entry = maps.get(holder);
  const kept = navigator.serviceWorker && navigator.serviceWorker.controller; // answers from its cache offline
  if (!entry && !navigator.onLine && !kept) return null; // nothing to draw it from: the outline map stays
  if (!entry) {
    entry = { ready: null };
    maps.set(holder, entry);
    entry.ready = (async () => {
      try {
        const { createBasemap } = await import("../lib/basemap.js");
        const box = document.createElement("div");
        box.className = "field-basemap";
        holder.appendChild(box);
        const basemap = await createBasemap(box, { bounds, markers, search });
        if (!basemap.map) { box.remove(); return null; }
        holder.classList.add("has-basemap"); // the outline map gives way…
        // …which can change the box's size after the map fitted the bounds: fit them again to the final box, or
        // part of the officer's area can start off screen.
        basemap.map.resize();
        basemap.fitBounds(bounds, { duration: 0 });
        return basemap;
      } catch {
        return null; // no signal and not kept yet: the outline map stays
      }
    })();
    const made = await entry.ready;
    holder.dataset.basemap = made ? "ready" : "fallback";
    return made;
  }
  const basemap = await entry.ready;
  if (basemap) {
    basemap.setMarkers(markers);
    basemap.map.resize();
    basemap.fitBounds(bounds, { duration: 0 });
  }
  return basemap;
}

const targetMarker = (a) => ({ lon: a.lon, lat: a.lat, label: pick(a, "title"), color: TARGET_COLOUR, id: String(a.id) });

// Another officer's records on this phone: one neutral line (how many), never what they are.
async function showOthers(line) {
  let others = $("[data-role=others-waiting]");
  if (!others) {
    others = document.createElement("p");
    others.className = "muted";
    others.dataset.role = "others-waiting";
    line.after(others);
  }
  const count = await othersWaiting();
  others.textContent = count ? counted(T.others_waiting, count) : "";
  others.dataset.count = String(count);
  others.hidden = !count;
}

// --- Screens --------------------------------------------------------------------------------------------
function screen(id) {
  for (const name of ["list", "visit", "saved"]) $(`#${name}`).hidden = name !== id;
  if (id !== "visit") delete $("#visit").dataset.step;
  document.body.dataset.screen = id;
  window.scrollTo(0, 0); // a new screen starts at its top, never at the footer
}

async function goHome() {
  await kvDelete("current");
  current = null;
  screen("list");
  showHomeMap();
  await showDrafts();
  await showSync();
}

// --- Drafts ---------------------------------------------------------------------------------------------
// The visit being recorded. Every change is written to IndexedDB at once: a reload, a killed tab or a phone
// that closed the browser finds it as it was, on the same step.
let current = null;
let writing = Promise.resolve();

function saveDraft() {
  if (!current) return writing;
  current.updated_at = new Date().toISOString();
  const copy = structuredClone(current);
  writing = writing.then(() => store("drafts", "readwrite", (s) => s.put(copy))).catch(() => {});
  return writing;
}

function newDraft(assignment) {
  const now = new Date().toISOString();
  return { uuid: crypto.randomUUID(), assignment: assignment || null, step: "target", started_at: null,
    checkin: null, form: emptyForm(), photos: [], created_at: now, updated_at: now, editing: null, owner: ME };
}

const emptyForm = () => ({ verdict: "", observed: "", comment: "", residents: "0", shops: "0", others: "0",
  people_contact: "", notes: "", follow_up: "" });

async function startVisit(assignment) {
  const same = assignment && (await draftsAll()).find((d) => d.assignment && d.assignment.id === assignment.id
    && !d.editing);
  await openDraft(same || newDraft(assignment));
}

async function openDraft(draft) {
  current = draft;
  await saveDraft();
  await kvSet("current", draft.uuid);
  fillForm(draft);
  screen("visit");
  await showStep(draft.step);
}

async function showDrafts() {
  const drafts = await draftsAll();
  $("[data-role=drafts-panel]").hidden = !drafts.length;
  $("[data-role=drafts]").replaceChildren(...drafts.map((d) => {
    const li = document.createElement("li");
    li.dataset.uuid = d.uuid;
    const title = document.createElement("strong");
    title.textContent = draftTitle(d);
    const line = document.createElement("span");
    line.className = "muted";
    line.textContent = ` ${fill(T.draft_line, { step: T.steps[d.step] || "", time: formatDateTime(new Date(d.updated_at)),
      photos: d.photos.length })}`;
    const said = (d.form.notes || "").split("\n")[0].slice(0, 60); // which visit this was, in the officer's words
    if (said) {
      const quote = document.createElement("p");
      quote.className = "muted";
      quote.textContent = said;
      li.append(title, line, quote);
    } else li.append(title, line);
    li.append(row(
      button(T.resume, "resume", async () => openDraft((await draftGet(d.uuid)) || d), false),
      button(T.discard, "discard-draft", async () => {
        if (!window.confirm(T.confirm_discard_draft)) return;
        await draftDelete(d.uuid);
        await showDrafts();
      }),
    ));
    return li;
  }));
}

const draftTitle = (d) => (d.assignment ? pick(d.assignment, "title") : T.free_visit);

function draftDelete(uuid) {
  return store(["drafts", "photos"], "readwrite", (drafts, photos) => {
    drafts.delete(uuid);
    photos.delete(IDBKeyRange.bound(`${uuid}/`, `${uuid}/\uffff`));
  });
}

// --- The form of a visit, one step at a time ------------------------------------------------------------
const form = $("#visit-form");
const hasFinding = (d) => Boolean(d.assignment && (d.assignment.alert || d.assignment.grievance));
const stepsOf = (d) => ["target", "checkin", ...(hasFinding(d) ? ["finding"] : []), "people", "notes", "photos",
  "review"];

function readForm() {
  return {
    verdict: (form.querySelector("input[name=verdict]:checked") || {}).value || "",
    observed: form.observed.value, comment: form.comment.value, residents: form.residents.value,
    shops: form.shops.value, others: form.others.value, people_contact: form.people_contact.value,
    notes: form.notes.value, follow_up: form.follow_up.value,
  };
}

function fillForm(draft) {
  form.reset();
  const verdicts = $("[data-role=verdicts]");
  verdicts.replaceChildren(...Object.entries(T.verdicts).map(([value, label]) => {
    const option = document.createElement("label");
    option.className = "check";
    const input = document.createElement("input");
    Object.assign(input, { type: "radio", name: "verdict", value, checked: draft.form.verdict === value });
    option.append(input, ` ${label}`);
    return option;
  }));
  for (const name of ["observed", "comment", "residents", "shops", "others", "people_contact", "notes", "follow_up"]) {
    form[name].value = draft.form[name] ?? "";
  }
  $("[data-role=visit-title]").textContent = draftTitle(draft);
  showTarget(draft);
  showPosition(draft.checkin, false);
  const error = $("[data-role=visit-error]");
  error.hidden = !draft.editing;
  error.textContent = draft.editing ? fill(T.failed, { reason: draft.editing.error }) : "";
  $("[data-role=photo-error]").hidden = true;
  showPhotos();
}

function showTarget(draft) {
  const card = $("[data-role=target]");
  const a = draft.assignment;
  const lines = a
    ? [T.kinds[a.kind] || "", fill(T.due, { time: formatDateTime(new Date(a.due_at)) }),
      a.evidence ? fill(T.evidence, { text: a.evidence }) : ""]
    : [T.free_hint];
  card.replaceChildren(...lines.filter(Boolean).map((text) => {
    const p = document.createElement("p");
    p.textContent = text;
    return p;
  }));
  const svg = $("#field-map svg");
  const holder = $("[data-role=target-map]");
  holder.hidden = !(a && a.lon != null);
  const fallback = holder.querySelector(".map-fallback");
  fallback.replaceChildren();
  if (svg && a && a.lon != null) {
    const copy = svg.cloneNode(false);
    copy.removeAttribute("style");
    for (const child of svg.children) if (!child.classList.contains("target")) copy.appendChild(child.cloneNode(true));
    mark(copy, a, 9);
    copy.setAttribute("aria-label", fill(T.map_target, { title: draftTitle(draft) }));
    fallback.appendChild(copy);
  }
}

// The maps of a step, drawn when the step shows (a hidden map has no size to draw in).
function stepMaps(step) {
  const a = current.assignment;
  if (step === "target" && a && a.lon != null) {
    const holder = $("[data-role=target-map]");
    showMap(holder, { bounds: around([a]), markers: [targetMarker(a)] });
  }
  if (step === "checkin") showCheckinMap();
}

function showCheckinMap() {
  const a = current.assignment;
  const points = [...(a && a.lon != null ? [a] : []), ...(current.checkin ? [current.checkin] : [])];
  const holder = $("[data-role=checkin-map]");
  holder.hidden = !points.length;
  if (!points.length) return;
  const markers = [...(a && a.lon != null ? [targetMarker(a)] : []), ...(current.checkin
    ? [{ lon: current.checkin.lon, lat: current.checkin.lat, label: T.you_are_here, color: HERE_COLOUR, id: "here" }] : [])];
  showMap(holder, { bounds: around(points, 250), markers });
}

function showPosition(checkin, fresh) {
  const line = $("[data-role=position]");
  line.classList.toggle("good", Boolean(checkin && checkin.accuracy <= 50));
  line.classList.toggle("poor", Boolean(checkin && checkin.accuracy > 50));
  line.textContent = checkin ? fill(T.located, { metres: Math.round(checkin.accuracy) }) : fresh ? T.no_position : "";
}

async function showStep(step) {
  const steps = stepsOf(current);
  if (!steps.includes(step)) step = steps[0];
  current.step = step;
  saveDraft();
  const at = steps.indexOf(step);
  for (const section of form.querySelectorAll(".step")) section.hidden = section.dataset.step !== step;
  $("#visit").dataset.step = step;
  $("[data-role=step-count]").textContent = fill(T.step_of, { n: at + 1, total: steps.length, name: T.steps[step] });
  $("[data-role=steps-bar]").replaceChildren(...steps.map((_s, i) => {
    const span = document.createElement("span");
    span.className = i < at ? "done" : i === at ? "now" : "";
    return span;
  }));
  $("[data-action=back]").textContent = at === 0 ? T.to_list : T.back;
  $("[data-action=next]").hidden = step === "review";
  $("[data-action=save]").hidden = step !== "review";
  if (step === "review") await showSummary();
  window.scrollTo(0, 0);
  stepMaps(step);
}

async function move(by) {
  const steps = stepsOf(current);
  const at = steps.indexOf(current.step) + by;
  if (at < 0) return goHome(); // the draft stays in the list
  await showStep(steps[Math.min(at, steps.length - 1)]);
}

async function showSummary() {
  const d = current;
  const f = d.form;
  const people = [["residents", T.people.residents], ["shops", T.people.shop_owners], ["others", T.people.others]]
    .filter(([name]) => Number(f[name]) > 0).map(([name, label]) => `${label} ${Number(f[name])}`).join(" · ");
  const rows = [
    ["target", T.steps.target, draftTitle(d)],
    ["checkin", T.steps.checkin, d.checkin ? fill(T.located, { metres: Math.round(d.checkin.accuracy) }) : T.no_checkin,
      !d.checkin],
    ...(hasFinding(d) ? [["finding", T.steps.finding, [T.verdicts[f.verdict] || T.no_verdict,
      f.observed ? fill(T.measured, { value: f.observed }) : "", f.comment].filter(Boolean).join(" — ")]] : []),
    ["people", T.steps.people, [people || T.nobody, f.people_contact ? T.contact_given : ""].filter(Boolean).join(" — ")],
    ["notes", T.notes_label, f.notes || "—"],
    ["notes", T.follow_up_label, f.follow_up || "—"],
    ["photos", T.steps.photos, d.photos.length ? d.photos.map((p) => p.name).join(", ") : T.no_photos],
  ];
  $("[data-role=summary]").replaceChildren(...rows.map(([step, label, text, missing]) => {
    const div = document.createElement("div");
    div.dataset.field = label;
    const dt = document.createElement("dt");
    dt.textContent = label;
    const dd = document.createElement("dd");
    dd.textContent = text;
    if (missing) dd.className = "form-error";
    const change = button(T.change, "change", () => showStep(step));
    change.className = "link-button";
    div.append(dt, dd, change);
    return div;
  }));
}

form.addEventListener("input", (event) => {
  if (!current || event.target.type === "file") return;
  current.form = readForm();
  saveDraft();
});
form.addEventListener("change", (event) => {
  if (!current || event.target.type === "file") return;
  current.form = readForm();
  saveDraft();
});

$("[data-action=checkin]").addEventListener("click", async () => {
  const line = $("[data-role=position]");
  line.classList.remove("good", "poor");
  line.textContent = T.locating;
  const checkin = await position();
  if (checkin) Object.assign(current, { checkin, started_at: new Date().toISOString() });
  await saveDraft();
  showPosition(checkin || current.checkin, true);
  if (!checkin) line.textContent = T.no_position;
  showCheckinMap();
});

function position() {
  return new Promise((resolve) => {
    if (!navigator.geolocation) return resolve(null);
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ lon: p.coords.longitude, lat: p.coords.latitude, accuracy: p.coords.accuracy }),
      () => resolve(null), { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 },
    );
  });
}

// Photos taken one after another: each kept on the phone as the camera made it, its SHA-256 taken here.
$("#photo").addEventListener("change", async (event) => {
  const input = event.target;
  const error = $("[data-role=photo-error]");
  error.hidden = true;
  const draft = current;
  for (const file of [...input.files]) {
    if (file.size > T.max_photo_bytes) {
      error.hidden = false;
      error.textContent = fill(T.photo_too_big, { name: file.name, limit: Math.round(T.max_photo_bytes / MB) });
      continue;
    }
    if (draft.photos.length >= T.max_photos) break;
    const index = draft.photos.reduce((top, p) => Math.max(top, p.index + 1), 0);
    const photo = { index, name: file.name || `photo-${index + 1}.jpg`, size: file.size, sha256: await sha256(file) };
    const blob = new Blob([file], { type: file.type || "image/jpeg" }); // its bytes, kept past the file picker
    await store("photos", "readwrite", (s) => photoPut(s, draft.uuid, index, blob));
    draft.photos.push(photo);
    await saveDraft();
  }
  input.value = "";
  showPhotos();
});

const thumbnails = new Map();
async function thumbnail(uuid, photo) {
  const key = photoKey(uuid, photo.index) + photo.sha256;
  if (!thumbnails.has(key)) {
    const blob = await photoGet(uuid, photo.index);
    thumbnails.set(key, blob ? URL.createObjectURL(blob) : "");
  }
  return thumbnails.get(key);
}

function showPhotos() {
  const draft = current;
  const list = $("[data-role=photo-list]");
  list.replaceChildren(...draft.photos.map((photo) => {
    const li = document.createElement("li");
    li.dataset.sha256 = photo.sha256;
    const img = document.createElement("img");
    img.alt = fill(T.photo_n, { n: draft.photos.indexOf(photo) + 1 });
    thumbnail(draft.uuid, photo).then((url) => { if (url) img.src = url; });
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = `${photo.name} (${(photo.size / MB).toFixed(1)} MB)`;
    li.append(img, name, button(T.remove, "remove-photo", async () => {
      draft.photos = draft.photos.filter((p) => p !== photo);
      await store("photos", "readwrite", (s) => s.delete(photoKey(draft.uuid, photo.index)));
      await saveDraft();
      showPhotos();
    }));
    return li;
  }));
  list.hidden = !draft.photos.length;
}

// A refused visit back in the form, as it was typed: same UUID (the server stored nothing), same photos.
async function editVisit(uuid) {
  const item = await outboxGet(uuid);
  if (!item) return;
  const existing = await draftGet(uuid);
  if (existing) return openDraft(existing);
  const p = item.payload;
  const count = (kind) => String((p.people.find((x) => x.kind === kind) || { count: 0 }).count);
  const finding = p.findings[0] || {};
  const draft = {
    ...newDraft(item.assignment || null), uuid, step: "review", started_at: p.started_at, checkin: p.checkin,
    form: { verdict: finding.verdict || "", observed: finding.observed_value ?? "", comment: finding.comment || "",
      residents: count("residents"), shops: count("shop_owners"), others: count("others"),
      people_contact: p.people_contact || "", notes: p.notes || "", follow_up: p.follow_up || "" },
    photos: item.photos.filter((ph) => ph.blob).map(({ index, name, size, sha256: hash }) => ({ index, name, size, sha256: hash })),
    editing: { saved_at: item.saved_at, ended_at: p.ended_at, checkout: p.checkout, error: item.error },
  };
  await store("photos", "readwrite", (s) => {
    for (const ph of item.photos.filter((x) => x.blob)) photoPut(s, uuid, ph.index, ph.blob);
  });
  await openDraft(draft);
}

// Saved: the visit moves from the drafts to the outbox in one transaction, and the screen says what happened.
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (current.step !== "review") return move(1); // Enter in a field goes on, it does not save
  const error = $("[data-role=visit-error]");
  if (!current.checkin) {
    error.hidden = false;
    error.textContent = T.no_checkin;
    window.scrollTo(0, 0);
    return;
  }
  error.hidden = true;
  current.form = readForm();
  await saveDraft();
  const draft = current;
  const editing = draft.editing;
  const checkout = editing ? editing.checkout : await position();
  const blobs = await Promise.all(draft.photos.map((p) => photoGet(draft.uuid, p.index)));
  const photos = draft.photos.map((p, index) => ({ ...p, index, blob: blobs[index], state: "waiting", error: "" }));
  const item = { uuid: draft.uuid, title: draftTitle(draft), assignment: draft.assignment,
    payload: await signedPayload(payloadOf(draft, checkout, photos)), photos, state: "queued", error: "", attempts: 0, next_at: 0,
    saved_at: editing ? editing.saved_at : new Date().toISOString(), owner: draft.owner ?? ME };
  await store(["outbox", "drafts", "photos", "kv"], "readwrite", (outbox, drafts, photoStore, kv) => {
    outbox.put(item);
    drafts.delete(draft.uuid);
    photoStore.delete(IDBKeyRange.bound(`${draft.uuid}/`, `${draft.uuid}/\uffff`));
    kv.put(draft.uuid, own("saved"));
    kv.delete(own("current"));
  });
  current = null;
  await openSaved(draft.uuid);
  sync();
});

function payloadOf(draft, checkout, photos) {
  const f = draft.form;
  const people = [["residents", f.residents], ["shop_owners", f.shops], ["others", f.others]]
    .map(([kind, value]) => ({ kind, count: Number(value) || 0 })).filter((p) => p.count > 0);
  const findings = [];
  if (f.verdict && hasFinding(draft)) {
    findings.push({ alert: draft.assignment.alert, grievance: draft.assignment.grievance, verdict: f.verdict,
      observed_value: f.observed === "" ? null : Number(f.observed), comment: f.comment });
  }
  return {
    uuid: draft.uuid, officer: Number(draft.owner ?? ME), // who started it: the server refuses it from anyone else
    assignment: draft.assignment ? draft.assignment.id : null, started_at: draft.started_at,
    ended_at: draft.editing ? draft.editing.ended_at : new Date().toISOString(), checkin: draft.checkin, checkout,
    people, people_contact: f.people_contact, notes: f.notes, follow_up: f.follow_up, findings,
    photos: photos.map(declaration),
  };
}

// --- After saving: on this phone, then uploaded or needing the officer -----------------------------------
async function openSaved(uuid) {
  $("[data-role=saved]").dataset.uuid = uuid;
  screen("saved");
  await showSync();
  $("[data-role=saved-title]").focus({ preventScroll: true });
}

// Everything read first, then the screen changed at once: two calls close together (the upload finishing and
// the server's list arriving) never leave it half drawn, and the later of them is the one shown.
let savedDrawn = 0;

async function showSaved(items) {
  const panel = $("[data-role=saved]");
  const uuid = panel.dataset.uuid;
  if (!uuid) return;
  const drawing = ++savedDrawn;
  const item = items.find((i) => i.uuid === uuid);
  const sent = item ? null : ((await kvGet("recent")) || []).find((r) => r.uuid === uuid);
  const server = item ? null : ((await kvGet("visits")) || []).find((v) => v.uuid === uuid);
  if (drawing !== savedDrawn || panel.dataset.uuid !== uuid) return; // a later call draws it
  const title = $("[data-role=saved-title]");
  const notice = $("[data-role=notice]");
  const problemLine = $("[data-role=saved-problem]");
  const actions = $("[data-role=saved-actions]");
  problemLine.hidden = true;
  actions.replaceChildren();
  if (!item) {
    const status = (server || sent || {}).status;
    panel.dataset.state = "uploaded";
    $("[data-role=saved-icon]").textContent = "✓";
    title.textContent = T.uploaded;
    notice.textContent = T.sent_notice;
    if (status) {
      const [kind, text] = serverState(status, server && server.review_reason,
        server ? server.flags : sent && sent.flags);
      actions.append(stateBadge(kind, text));
    }
    return;
  }
  const refusedPhoto = item.photos.find((p) => p.state === "refused");
  if (item.state === "refused" || refusedPhoto) {
    panel.dataset.state = "attention";
    $("[data-role=saved-icon]").textContent = "!";
    title.textContent = T.attention;
    notice.textContent = "";
    problemLine.hidden = false;
    problemLine.textContent = item.state === "refused" ? fill(T.failed, { reason: item.error })
      : fill(T.photo_refused, { n: refusedPhoto.index + 1, reason: refusedPhoto.error });
    if (item.state === "refused") actions.append(...visitActions(item));
    return;
  }
  panel.dataset.state = "saved";
  $("[data-role=saved-icon]").textContent = "↑";
  title.textContent = T.saved_title;
  const done = item.photos.filter((p) => p.state === "uploaded").length;
  notice.textContent = [isOffline() ? T.offline : item.state === "sent" ? T.on_server : T.to_send,
    item.photos.length ? fill(T.photos_progress, { done, total: item.photos.length }) : "",
    item.payload.signature ? T.signed_on_phone : T.not_signed].filter(Boolean).join(" — ");
}

// --- Start ----------------------------------------------------------------------------------------------
$("[data-action=back]").addEventListener("click", () => move(-1));
$("[data-action=next]").addEventListener("click", () => move(1));
$("[data-action=free]").addEventListener("click", () => startVisit(null));
$("[data-action=home]").addEventListener("click", async (event) => {
  event.preventDefault(); // to the list, the visit being recorded kept as a draft
  if (current) {
    current.form = readForm();
    await saveDraft();
  }
  delete $("[data-role=saved]").dataset.uuid;
  await kvDelete("saved");
  await goHome();
});
$("[data-action=done]").addEventListener("click", async () => {
  delete $("[data-role=saved]").dataset.uuid;
  await kvDelete("saved");
  await goHome();
});
// Leaving the page (a tab killed in the background): whatever is in the form now is written first.
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "hidden" && current) {
    current.form = readForm();
    saveDraft();
  }
});

window.addEventListener("online", () => {
  Object.assign(link, { pauseUntil: 0, failures: 0, offline: false });
  showSync();
  sync();
  loadAssignments();
  loadVisits();
});
window.addEventListener("offline", () => {
  link.offline = true;
  showSync();
});
window.setInterval(() => {
  sync();
  if (link.offline && navigator.onLine) loadVisits(); // a failed request said offline: is the server back?
}, 30000);

// Signing out on a shared phone: what of this officer the server already has leaves the phone (the visit list,
// the uploaded visits, the assignments, the app page naming them, kept for offline); their drafts and waiting
// visits stay — no work is lost — shown to nobody else, and sent when they sign in again.
const signOut = document.querySelector(".field-menu form[action*=logout]");
signOut?.addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    if (current) {
      current.form = readForm();
      await saveDraft();
    }
    for (const item of await outboxAll()) {
      if (item.state === "sent" && item.photos.every((p) => p.state === "uploaded")) await outboxDelete(item.uuid);
    }
    await store("kv", "readwrite", (s) => s.delete(IDBKeyRange.bound(own(""), own("\uffff"))));
    if ("caches" in window) {
      const cache = await caches.open("cityops-field-v1");
      for (const request of await cache.keys()) {
        const path = new URL(request.url).pathname;
        if (path.startsWith("/api/") || path === "/field/" || path === window.location.pathname) await cache.delete(request);
      }
    }
  } finally {
    signOut.submit();
  }
});

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/field/sw.js", { scope: "/field/" }).catch(() => {});
  // Keep this page and its files for offline use (the worker caches what it fetches from now on).
  const files = [window.location.pathname,
    ...[...document.querySelectorAll("script[src], link[rel=stylesheet]")].map((el) => el.src || el.href)];
  caches.open("cityops-field-v1").then((cache) => cache.addAll(files)).catch(() => {});
}

const mapSvg = $("#field-map svg");
if (mapSvg) {
  mapSvg.setAttribute("role", "img");
  mapSvg.setAttribute("aria-label", T.map_label);
}
// Where the officer was: the visit being recorded, on its step; or the screen after saving; or the list.
const resume = await kvGet("current");
const draft = resume && (await draftGet(resume));
const saved = await kvGet("saved");
await Promise.all([loadAssignments(), loadVisits(), showDevice()]);
if (draft) await openDraft(draft);
else if (saved) await openSaved(saved);
else await goHome();
sync();
