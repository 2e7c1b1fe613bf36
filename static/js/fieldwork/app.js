// The field app: assignments (kept for offline), a visit recorded step by step, and an outbox in IndexedDB
// that is sent when there is signal. Every visit carries a UUID made here, so sending it twice (a retry, a
// lost answer) stores it once; a visit leaves the outbox only when the server has confirmed it.
import { csrfToken, formatTime, pick } from "../lib/live.js";

const T = JSON.parse(document.getElementById("field-strings").textContent);
const fill = (text, values) => text.replace(/%\((\w+)\)s/g, (_m, key) => values[key]);
const $ = (selector) => document.querySelector(selector);
const state = { assignment: null, checkin: null, started: null };

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
const outboxAll = () => store("outbox", "readonly", (s) => s.getAll());
const outboxPut = (visit) => store("outbox", "readwrite", (s) => s.put(visit));
const outboxDelete = (uuid) => store("outbox", "readwrite", (s) => s.delete(uuid));
const kvGet = (key) => store("kv", "readonly", (s) => s.get(key));
const kvSet = (key, value) => store("kv", "readwrite", (s) => s.put(value, key));

// --- Sync -----------------------------------------------------------------------------------------------
let syncing = false;
async function sync() {
  if (syncing) return;
  syncing = true;
  try {
    for (const visit of await outboxAll()) {
      if (!navigator.onLine) break;
      let response;
      try {
        response = await fetch("/api/v1/fieldwork/visits", {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
          body: JSON.stringify({ ...visit.payload, sent_at: new Date().toISOString() }),
        });
      } catch {
        break; // no signal after all: try again later
      }
      if (response.ok) {
        await outboxDelete(visit.uuid);
        await kvSet("synced_at", new Date().toISOString());
      } else if (response.status === 400) {
        const body = await response.json().catch(() => ({}));
        await outboxPut({ ...visit, error: body.detail || String(response.status) });
      } else {
        break; // signed out, server trouble: keep it and try later
      }
    }
  } finally {
    syncing = false;
    await showSync();
  }
}

async function showSync() {
  const waiting = await outboxAll();
  const line = $("[data-role=sync]");
  const failed = waiting.find((v) => v.error);
  if (waiting.length) {
    line.textContent = fill(T.waiting, { count: waiting.length }) + (navigator.onLine ? "" : ` — ${T.offline}`)
      + (failed ? ` — ${fill(T.failed, { reason: failed.error })}` : "");
  } else {
    const at = await kvGet("synced_at");
    line.textContent = at ? fill(T.synced, { time: formatTime(new Date(at)) }) : T.never;
  }
  line.dataset.waiting = String(waiting.length);
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
    const button = document.createElement("button");
    button.type = "button";
    button.className = "card";
    button.dataset.id = assignment.id;
    const title = document.createElement("strong");
    title.textContent = pick(assignment, "title");
    const due = document.createElement("span");
    due.className = "muted";
    due.textContent = fill(T.due, { time: new Date(assignment.due_at).toLocaleString() });
    button.append(title, document.createElement("br"), due);
    button.addEventListener("click", () => openVisit(assignment));
    li.appendChild(button);
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
  state.assignment = assignment;
  state.checkin = null;
  state.started = new Date();
  $("#visit-form").reset();
  $("[data-role=visit-title]").textContent = assignment ? pick(assignment, "title") : T.free_visit;
  const findings = $("[data-role=findings]");
  findings.hidden = !(assignment && (assignment.alert || assignment.grievance));
  const verdicts = $("[data-role=verdicts]");
  verdicts.replaceChildren();
  for (const [value, label] of Object.entries(T.verdicts)) {
    const option = document.createElement("label");
    option.className = "check";
    option.innerHTML = `<input type="radio" name="verdict" value="${value}"> `;
    option.append(label);
    verdicts.appendChild(option);
  }
  $("#list").hidden = true;
  $("#visit").hidden = false;
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

function photoData(file) {
  return new Promise((resolve) => {
    if (!file) return resolve([]);
    const reader = new FileReader();
    reader.onload = () => resolve([{ name: file.name, data: String(reader.result).split(",")[1] }]);
    reader.onerror = () => resolve([]);
    reader.readAsDataURL(file);
  });
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
  const checkout = await position();
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
  const uuid = crypto.randomUUID();
  const payload = {
    uuid, assignment: state.assignment ? state.assignment.id : null,
    started_at: state.started.toISOString(), ended_at: new Date().toISOString(),
    checkin: state.checkin, checkout, people, people_contact: form.people_contact.value, notes: form.notes.value,
    follow_up: form.follow_up.value,
    findings, photos: await photoData(form.photo.files[0]),
  };
  await outboxPut({ uuid, payload, saved_at: new Date().toISOString() });
  $("#visit").hidden = true;
  $("#list").hidden = false;
  await showSync();
  sync();
});

$("[data-action=back]").addEventListener("click", () => { $("#visit").hidden = true; $("#list").hidden = false; });
$("[data-action=free]").addEventListener("click", () => openVisit(null));

// --- Start ----------------------------------------------------------------------------------------------
window.addEventListener("online", () => { showSync(); sync(); loadAssignments(); });
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
