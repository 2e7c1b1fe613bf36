// The live connection: one websocket to /ws/live/, many stream subscriptions, sequence numbers in epochs,
// resnapshot on gaps, on a new epoch and on silent streams, reconnect with backoff, and a watchdog for silent
// network loss.
//
// Every message of a stream carries (epoch, seq). Within an epoch seq grows by one per message: a delta with
// seq <= the last accepted raced a snapshot or is a duplicate (dropped), one with seq > last + 1 means a message
// was lost (resnapshot). A new epoch means the server lost its counters (a Redis restart or flush) and counts
// from 1 again: resnapshot — and when the system stream's epoch changes, every stream resnapshots, since they
// all lost theirs. A stream with a heartbeat that has accepted nothing for two beats resnapshots too.
const MAX_BACKOFF_MS = 30000;
const SILENCE_MS = 20000; // the system stream beats every 5 s: 20 s of silence means the link is dead

export class Live {
  constructor({ onStatus } = {}) {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    this.url = `${scheme}://${window.location.host}/ws/live/`;
    this.onStatus = onStatus || (() => {});
    this.subscriptions = new Map();
    this.backoff = 1000;
    this.lastMessageAt = null;
    this.socket = null;
    this.subscribe("system", {}, {});
    this.open();
    window.setInterval(() => this.watchdog(), 1000);
  }

  key(stream, params) {
    return `${stream}:${JSON.stringify(params || {})}`;
  }

  subscribe(stream, params, handlers) {
    const entry = { stream, params: params || {}, handlers, seq: null, epoch: null, heartbeat: null, acceptedAt: null };
    this.subscriptions.set(this.key(stream, params), entry);
    this.resnapshot(entry);
    return entry;
  }

  resnapshot(entry) {
    entry.seq = null; // deltas are ignored until the snapshot arrives
    entry.acceptedAt = Date.now();
    this.send({ type: "subscribe", stream: entry.stream, params: entry.params });
  }

  send(message) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify(message));
    }
  }

  open() {
    this.onStatus("connecting", this.lastMessageAt);
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.addEventListener("open", () => {
      this.backoff = 1000;
      for (const entry of this.subscriptions.values()) this.resnapshot(entry);
    });
    socket.addEventListener("message", (event) => this.receive(JSON.parse(event.data)));
    socket.addEventListener("close", () => this.reconnect(socket));
    socket.addEventListener("error", () => socket.close());
  }

  reconnect(socket) {
    if (socket !== this.socket) return;
    this.socket = null;
    this.onStatus("lost", this.lastMessageAt);
    const delay = this.backoff * (0.75 + Math.random() * 0.5);
    this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
    window.setTimeout(() => this.open(), delay);
  }

  watchdog() {
    const now = Date.now();
    if (this.socket && this.lastMessageAt && now - this.lastMessageAt > SILENCE_MS) {
      this.socket.close();
      return;
    }
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return;
    for (const entry of this.subscriptions.values()) {
      if (entry.heartbeat && now - entry.acceptedAt > entry.heartbeat * 2000) this.resnapshot(entry);
    }
  }

  receive(message) {
    this.lastMessageAt = Date.now();
    const entry = this.subscriptions.get(this.key(message.stream, message.params));
    if (message.type === "error") {
      if (entry && entry.handlers.error) entry.handlers.error(message);
      return;
    }
    if (!entry) return;
    if (message.type === "snapshot") {
      Object.assign(entry, { seq: message.seq, epoch: message.epoch, heartbeat: message.heartbeat, acceptedAt: Date.now() });
      this.onStatus("live", this.lastMessageAt);
      if (entry.handlers.snapshot) entry.handlers.snapshot(message.data);
    } else if (message.type === "resync") {
      // The server lost track of this stream for us (a message lost on its way, counters restarted).
      if (entry.seq !== null) this.resnapshot(entry);
    } else if (message.type === "delta") {
      if (entry.seq === null) return; // waiting for a snapshot
      if (message.epoch !== entry.epoch) {
        // The server counts again from 1: this stream's state is unknown, and on the system stream's beat it
        // means every stream's counters were lost.
        const all = entry.stream === "system" ? [...this.subscriptions.values()] : [entry];
        all.forEach((each) => this.resnapshot(each));
        return;
      }
      if (message.seq <= entry.seq) return; // raced the snapshot, or a duplicate
      if (message.seq > entry.seq + 1) {
        this.resnapshot(entry); // a gap: ask for a fresh snapshot instead of guessing
        return;
      }
      entry.seq = message.seq;
      entry.acceptedAt = Date.now();
      this.onStatus("live", this.lastMessageAt);
      if (entry.handlers.delta) entry.handlers.delta(message.data);
    }
  }
}

export function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

export function sparkline(points, width = 120, height = 28) {
  // An inline SVG polyline of [[time, value], …]; the window is bounded by the server (60 points).
  const values = points.map((p) => p[1]);
  if (values.length < 2) return "";
  const low = Math.min(...values);
  const span = Math.max(...values) - low || 1;
  const step = width / (values.length - 1);
  const coords = values.map((v, i) => `${(i * step).toFixed(1)},${(height - ((v - low) / span) * height).toFixed(1)}`);
  return `<svg class="spark" viewBox="0 0 ${width} ${height}" preserveAspectRatio="none" aria-hidden="true"><polyline points="${coords.join(" ")}"/></svg>`;
}

// Times read in the city's time zone (the server's TIME_ZONE), whatever the browser's clock zone is:
// the wall, the region pages and server-rendered pages then agree.
export const cityTimeZone = document.documentElement.dataset.timeZone || undefined;
const pageLocale = () => (document.documentElement.lang.startsWith("zh") ? "zh-CN" : "en-GB");

export function formatTime(date) {
  return date.toLocaleTimeString(pageLocale(), { hour12: false, timeZone: cityTimeZone });
}

export function formatDayTime(date) {
  // "Dec 9, 16:00" / "12月9日 16:00": a deadline within days, read at a glance (no 12/9 that reads as 12 September)
  return date.toLocaleString(pageLocale(), { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", hour12: false, timeZone: cityTimeZone });
}

export function formatDateTime(date) {
  return date.toLocaleString(pageLocale(), { hour12: false, timeZone: cityTimeZone });
}

const clockParts = new Intl.DateTimeFormat("en-CA", {
  timeZone: cityTimeZone, year: "numeric", month: "2-digit", day: "2-digit",
  hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
});

export function cityClock(iso) {
  // "YYYY-MM-DD HH:MM:SS" on the city's clock: Plotly ignores offsets in date strings.
  const parts = Object.fromEntries(clockParts.formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
}

export function pick(obj, field) {
  // Bilingual fields: name_zh / name_en by the page language, falling back to the other one.
  const zh = document.documentElement.lang.startsWith("zh");
  return (zh ? obj[`${field}_zh`] || obj[`${field}_en`] : obj[`${field}_en`] || obj[`${field}_zh`]) || "";
}

// An indicator's unit in the page's language (the catalogue's unit_zh / unit_en: 辆 / veh), else its own.
export function unitOf(indicator) {
  return (indicator && (pick(indicator, "unit") || indicator.unit)) || "";
}

export function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}
