// The command wall: live tiles, map, trend and alert feed over one websocket; kiosk mode rotates.
import { Live, cityClock, csrfToken, escapeHtml, formatDateTime, formatTime, pick, sparkline } from "../lib/live.js";
import { fitMapView } from "../lib/mapview.js";

const config = JSON.parse(document.getElementById("wall-config").textContent);
const figure = JSON.parse(document.getElementById("wall-figure").textContent);
const T = config.strings;
const $ = (selector) => document.querySelector(selector);
const fill = (text, values) => text.replace(/%\((\w+)\)s/g, (_, key) => values[key]);
// Chart text scales with the screen like the rest of the wall (14 px at 1080p, 28 px at 4K).
const chartFont = () => Math.round(14 * Math.max(window.innerHeight / 1080, 1));

const state = {
  indicators: new Map(), // code -> catalogue entry
  tiles: new Map(), // code -> tile of the city
  map: {}, // indicator -> {district code -> {value, severity, stale}}
  alerts: new Map(), // id -> alert
  selected: null,
  groundTruth: null,
  needing: [],
};

// --- Tiles ---------------------------------------------------------------------------------------------
const SEVERITY_ICON = { normal: "●", warning: "▲", critical: "■" };

function isStale(tile) {
  const indicator = state.indicators.get(tile.indicator);
  if (!tile.at || !indicator) return true;
  return Date.now() - Date.parse(tile.at) > (indicator.stale_after_s || 600) * 1000;
}

function tileHtml(tile) {
  const indicator = state.indicators.get(tile.indicator);
  const value = tile.value === null ? "—" : Number(tile.value).toFixed(indicator.decimals);
  const at = tile.at ? fill(T.updated, { time: formatTime(new Date(tile.at)) }) : T.no_data;
  return `
    <div class="tile-name">${escapeHtml(pick(indicator, "name"))}</div>
    <div class="tile-value"><span class="sev-icon" aria-hidden="true">${SEVERITY_ICON[tile.severity]}</span>
      <span class="num">${value}</span><span class="unit">${escapeHtml(indicator.unit)}</span></div>
    ${sparkline(tile.spark || [])}
    <div class="tile-meta"><span class="fresh">${at}</span><span class="gt">${groundTruthBadge(indicator)}</span></div>`;
}

// The wall's tiles are the domains' headline indicators (6–8, readable across the room); every indicator
// is still a map layer and feeds the trend when chosen.
const onWall = (code) => Boolean(state.indicators.get(code)?.on_wall);
const wallTileCount = () => [...state.tiles.keys()].filter(onWall).length;

function renderTile(tile, pulse) {
  if (!onWall(tile.indicator)) return;
  let element = document.querySelector(`.tile[data-indicator="${CSS.escape(tile.indicator)}"]`);
  if (!element) {
    element = document.createElement("button");
    element.type = "button";
    element.className = "tile";
    element.dataset.indicator = tile.indicator;
    element.addEventListener("click", () => select(tile.indicator));
    $("#tiles").appendChild(element);
  }
  element.innerHTML = tileHtml(tile);
  element.dataset.severity = tile.severity;
  element.classList.toggle("stale", isStale(tile));
  element.classList.toggle("selected", tile.indicator === state.selected);
  element.setAttribute("aria-label", `${pick(state.indicators.get(tile.indicator), "name")} ${tile.value ?? ""}`);
  if (pulse) {
    element.classList.remove("pulse");
    void element.offsetWidth; // restart the one-shot animation
    element.classList.add("pulse");
  }
}

function renderTiles() {
  const empty = $('[data-role="tiles-empty"]');
  empty.hidden = wallTileCount() > 0;
  for (const tile of state.tiles.values()) renderTile(tile, false);
  layoutTiles();
}

function layoutTiles() {
  // Every tile stays on screen: past six they go three to a row (the wall never scrolls).
  $("#tiles").dataset.dense = String(wallTileCount() > 6);
}

// --- Map and trend -------------------------------------------------------------------------------------
function colorscale(indicator, values) {
  const { warning, critical } = indicator;
  if (warning === null || critical === null) {
    // No thresholds (a volume, a speed): a plain scale up to the largest value shown, not a made-up limit.
    const largest = Math.max(0, ...Object.values(values || {}).map((v) => v.value ?? 0));
    return { scale: [[0, "#1d4f86"], [1, "#4fc3f7"]], max: critical || warning || largest || 1 };
  }
  const high = indicator.bad_direction === "high";
  const top = high ? critical * 1.25 : warning * 1.25;
  const w = warning / top;
  const c = critical / top;
  const scale = high
    ? [[0, "#1f8f4e"], [w, "#7ed957"], [w, "#ffb300"], [c, "#ff8c00"], [c, "#ff4d4f"], [1, "#b3001b"]]
    : [[0, "#b3001b"], [c, "#ff4d4f"], [c, "#ff8c00"], [w, "#ffb300"], [w, "#7ed957"], [1, "#1f8f4e"]];
  return { scale, max: top };
}

function drawMap() {
  if (!figure) return;
  const regions = figure.data[1]; // [0] is the no-data base layer, [2] the alert markers
  const indicator = state.indicators.get(state.selected);
  const values = state.map[state.selected] || {};
  regions.z = regions.locations.map((code) => (values[code] ? values[code].value : null));
  if (indicator) {
    const { scale, max } = colorscale(indicator, values);
    Object.assign(regions, { colorscale: scale, zmin: 0, zmax: max, showscale: true });
    regions.colorbar = { ...(regions.colorbar || {}), title: { text: indicator.unit } };
  }
  const alerts = [...state.alerts.values()].filter((a) => a.lon !== null);
  Object.assign(figure.data[2], {
    lon: alerts.map((a) => a.lon),
    lat: alerts.map((a) => a.lat),
    text: alerts.map((a) => pick(a, "title")),
    customdata: alerts.map((a) => a.id),
    marker: { size: 18, color: alerts.map((a) => (a.severity === "critical" ? "#ff4d4f" : "#ffb300")), symbol: "circle" },
  });
  window.Plotly.react("wall-map", figure.data, figure.layout, { displayModeBar: false, responsive: true });
}

function drawTrend() {
  const panel = document.querySelector(".trend-panel");
  panel.hidden = !state.selected;
  if (!state.selected) return;
  const tile = state.tiles.get(state.selected);
  const indicator = state.indicators.get(state.selected);
  const points = (tile && tile.spark) || [];
  const lines = [];
  for (const [level, color] of [["warning", "#ffb300"], ["critical", "#ff4d4f"]]) {
    if (indicator && indicator[level] !== null && points.length) {
      lines.push({ x: [cityClock(points[0][0]), cityClock(points[points.length - 1][0])], y: [indicator[level], indicator[level]], mode: "lines", line: { color, dash: "dot", width: 1 }, hoverinfo: "skip" });
    }
  }
  const data = [{ x: points.map((p) => cityClock(p[0])), y: points.map((p) => p[1]), mode: "lines", line: { color: "#4fc3f7", width: 3 } }, ...lines];
  const layout = {
    margin: { l: 3 * chartFont(), r: 8, t: 4, b: 2.5 * chartFont() },
    paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: "rgba(0,0,0,0)",
    showlegend: false,
    font: { color: "#c9d8e8", size: chartFont() },
    xaxis: { showgrid: false, tickformat: "%H:%M", nticks: 6, tickangle: 0 },
    yaxis: { gridcolor: "#1f3d62", title: { text: indicator ? indicator.unit : "" } },
    uirevision: state.selected,
  };
  window.Plotly.react("trend", data, layout, { displayModeBar: false, responsive: true, staticPlot: true });
  $('[data-role="trend-title"]').textContent = indicator ? pick(indicator, "name") : "";
}

function renderSwitch() {
  const box = $("#indicator-switch");
  box.innerHTML = "";
  for (const indicator of state.indicators.values()) {
    const chip = document.createElement("button");
    chip.type = "button";
    chip.className = "chip";
    chip.textContent = pick(indicator, "name");
    chip.setAttribute("aria-pressed", String(indicator.code === state.selected));
    chip.addEventListener("click", () => select(indicator.code));
    box.appendChild(chip);
  }
}

function select(code) {
  state.selected = code;
  renderSwitch();
  renderTiles();
  drawMap();
  drawTrend();
}

// --- Alerts --------------------------------------------------------------------------------------------
const SEVERITY_RANK = { critical: 0, warning: 1 };

function statusBadge(alert) {
  return `<span class="badge status-${alert.status}">${escapeHtml(T[`status_${alert.status}`] || alert.status)}</span>`;
}

function alertHtml(alert) {
  const actions = [];
  if (config.can_acknowledge && alert.status === "open") {
    actions.push(`<button type="button" data-action="acknowledge" data-id="${alert.id}">${escapeHtml(T.acknowledge)}</button>`);
  }
  if (config.can_dispatch && ["open", "acknowledged", "could_not_verify"].includes(alert.status)) {
    actions.push(`<button type="button" data-action="request-verification" data-id="${alert.id}">${escapeHtml(T.send_for_verification)}</button>`);
  }
  const truth = alert.verified_at ? statusBadge(alert) : `<span class="badge unverified">${escapeHtml(T.not_verified)}</span>`;
  return `<li class="alert sev-${alert.severity}" data-id="${alert.id}">
      <div class="alert-head"><span class="sev-icon" aria-hidden="true">${SEVERITY_ICON[alert.severity]}</span>
        <span class="sev-word">${escapeHtml(T[`severity_${alert.severity}`])}</span>
        <time>${formatTime(new Date(alert.opened_at))}</time>${statusBadge(alert)}</div>
      <div class="alert-title">${escapeHtml(pick(alert, "title"))}</div>
      <div class="alert-foot">${truth}<span class="actions">${actions.join("")}</span></div>
    </li>`;
}

function renderAlerts() {
  const active = [...state.alerts.values()]
    .filter((a) => a.status !== "resolved")
    .sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || Date.parse(b.opened_at) - Date.parse(a.opened_at));
  const feed = $("#alert-feed");
  feed.innerHTML = active.map(alertHtml).join("");
  // No scrolling on a wall: show what fits and say how many more there are.
  let hidden = 0;
  const bottom = feed.getBoundingClientRect().bottom;
  for (const item of feed.children) {
    if (item.getBoundingClientRect().bottom > bottom + 1) {
      item.hidden = true;
      hidden += 1;
    }
  }
  const more = $('[data-role="alert-more"]');
  more.hidden = hidden === 0;
  more.textContent = fill(T.more_alerts, { count: hidden });
  $('[data-role="alert-count"]').textContent = String(active.length);
}

async function act(action, id) {
  const response = await fetch(`/api/v1/alerts/${id}/${action}`, {
    method: "POST",
    headers: { "X-CSRFToken": csrfToken(), "Content-Type": "application/json" },
    body: "{}",
    credentials: "same-origin",
  });
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    window.alert(fill(T.failed, { reason: body.detail || response.status }));
  }
}

$("#alert-feed").addEventListener("click", (event) => {
  const button = event.target.closest("button[data-action]");
  if (button) {
    button.disabled = true;
    act(button.dataset.action, button.dataset.id).finally(() => (button.disabled = false));
  }
});

// --- Ground truth --------------------------------------------------------------------------------------
function groundTruthBadge(indicator) {
  // This number's own ground truth: how often its alerts were looked at in person, and contradicted.
  if (!indicator || !indicator.verified) return escapeHtml(T.not_verified);
  let text = fill(T.verified_count, { count: indicator.verified });
  if (indicator.contradicted) text += ` · ${fill(T.contradicted, { count: indicator.contradicted })}`;
  return escapeHtml(text);
}

function renderGroundTruth() {
  const truth = state.groundTruth;
  let text = T.not_verified;
  if (truth && truth.alerts === 0) text = T.no_alerts_30d;
  else if (truth && truth.verified) {
    text = fill(T.verified_share, { share: `${Math.round(truth.share_verified * 100)}%`, alerts: truth.alerts });
    if (truth.contradicted) text += ` · ${fill(T.contradicted, { count: truth.contradicted })}`;
  }
  $('[data-role="gt-line"]').textContent = text;
  const screenOnly = (truth && truth.screen_only_regions) || [];
  const line = $('[data-role="screen-only"]');
  line.hidden = screenOnly.length === 0;
  line.textContent = fill(T.screen_only, { names: screenOnly.map((r) => pick(r, "name")).join(" · ") });
  $('[data-role="ground-truth"]').classList.toggle("unverified", Boolean(truth && truth.alerts && !truth.verified));
}

// --- Live ----------------------------------------------------------------------------------------------
function applyTiles(tiles, pulse) {
  for (const tile of tiles) {
    const previous = state.tiles.get(tile.indicator);
    state.tiles.set(tile.indicator, tile);
    renderTile(tile, pulse && previous && previous.value !== tile.value);
  }
  $('[data-role="tiles-empty"]').hidden = wallTileCount() > 0;
  layoutTiles();
}

function applyMap(map) {
  for (const [code, values] of Object.entries(map || {})) {
    state.map[code] = { ...(state.map[code] || {}), ...values };
  }
}

function onWallSnapshot(data) {
  state.indicators = new Map(data.indicators.map((i) => [i.code, i]));
  state.tiles = new Map();
  $("#tiles").querySelectorAll(".tile").forEach((el) => el.remove());
  state.map = {};
  state.groundTruth = data.ground_truth;
  state.needing = data.needing_verification || [];
  if (!state.selected || !state.indicators.has(state.selected)) {
    const first = data.indicators.find((i) => i.on_wall) || data.indicators[0];
    state.selected = first ? first.code : null;
  }
  applyTiles(data.tiles, false);
  applyMap(data.map);
  renderSwitch();
  renderGroundTruth();
  drawMap();
  drawTrend();
}

function onWallDelta(data) {
  if (data.ground_truth) {
    state.groundTruth = data.ground_truth;
    renderGroundTruth();
  }
  applyTiles(data.tiles || [], true);
  applyMap(data.map);
  drawMap();
  drawTrend();
}

// The alerts stream carries everything the user may see; this wall shows its own region's (and, on the top
// region's wall, alerts that belong to no region).
const inRoot = (alert) =>
  alert.region_path ? alert.region_path.startsWith(config.root_path) : Boolean(config.root_is_top);

function onAlertsSnapshot(data) {
  state.alerts = new Map(data.alerts.filter(inRoot).map((a) => [a.id, a]));
  renderAlerts();
  drawMap();
}

function onAlertsDelta(data) {
  if (!inRoot(data.alert)) return;
  state.alerts.set(data.alert.id, data.alert);
  renderAlerts();
  drawMap();
}

function onStatus(status, lastAt) {
  const element = $('[data-role="connection"]');
  element.dataset.state = status;
  document.body.classList.toggle("offline", status === "lost");
  if (status === "live") element.textContent = T.live;
  else if (status === "lost") element.textContent = fill(T.lost, { time: lastAt ? formatTime(new Date(lastAt)) : "—" });
  else element.textContent = T.connecting;
}

const live = new Live({ onStatus });
if (config.root) {
  live.subscribe("wall", { code: config.root }, { snapshot: onWallSnapshot, delta: onWallDelta });
  live.subscribe("alerts", {}, { snapshot: onAlertsSnapshot, delta: onAlertsDelta });
}

// Clock, and staleness that grows while no data arrives.
function everySecond() {
  $('[data-role="clock"]').textContent = formatDateTime(new Date());
  for (const tile of state.tiles.values()) {
    const element = document.querySelector(`.tile[data-indicator="${CSS.escape(tile.indicator)}"]`);
    if (element) element.classList.toggle("stale", isStale(tile));
  }
}
everySecond();
window.setInterval(everySecond, 1000);

function fitMap() {
  const box = document.getElementById("wall-map");
  Object.assign(figure.layout.map, fitMapView(config.bbox, box.clientWidth, box.clientHeight, 0.2));
  figure.layout.font = { ...(figure.layout.font || {}), size: chartFont() };
}

if (figure) {
  fitMap();
  window.Plotly.newPlot("wall-map", figure.data, figure.layout, { displayModeBar: false, responsive: true });
  window.addEventListener("resize", () => {
    fitMap();
    drawMap();
  });
}

// Kiosk: rotate the map through the indicators, and through the regions that need someone on site —
// screen-only districts first (alerts, nobody there in 30 days), then regions with unverified alerts —
// naming each in the banner and outlining it on the map.
function kioskRegions() {
  const regions = new Map();
  for (const r of (state.groundTruth && state.groundTruth.screen_only_regions) || []) {
    regions.set(r.code, { code: r.code, text: fill(T.screen_only_region, { name: pick(r, "name") }) });
  }
  for (const a of state.alerts.values()) {
    if (a.status === "resolved" || a.verified_at || !a.region || regions.has(a.region)) continue;
    regions.set(a.region, { code: a.region, text: fill(T.needs_verification, { name: pick(a, "region_name") }) });
  }
  return [...regions.values()];
}

function outline(code) {
  if (!figure) return;
  const regions = figure.data[1];
  regions.marker = regions.marker || {};
  regions.marker.line = {
    color: regions.locations.map((c) => (c === code ? "#ffb300" : "#0b1d33")),
    width: regions.locations.map((c) => (c === code ? 5 : 1)),
  };
}

if (config.kiosk) {
  let turn = 0;
  window.setInterval(() => {
    const codes = [...state.indicators.keys()];
    const regions = kioskRegions();
    const banner = $('[data-role="verify-banner"]');
    banner.hidden = regions.length === 0;
    const region = regions.length ? regions[turn % regions.length] : null;
    if (region) banner.textContent = region.text;
    banner.dataset.region = region ? region.code : "";
    outline(region ? region.code : null);
    turn += 1;
    if (codes.length > 1) select(codes[(codes.indexOf(state.selected) + 1) % codes.length]);
    else drawMap();
  }, config.kiosk_seconds ? config.kiosk_seconds * 1000 : 15000);
}
