// The command wall: live tiles, map, trend and alert feed over one websocket; kiosk mode rotates.
import { Live, cityClock, csrfToken, escapeHtml, formatDateTime, formatDayTime, formatTime, pick, sparkline, unitOf } from "../lib/live.js";
import { fitMapView } from "../lib/mapview.js";

const config = JSON.parse(document.getElementById("wall-config").textContent);
const figure = JSON.parse(document.getElementById("wall-figure").textContent);
const T = config.strings;
const $ = (selector) => document.querySelector(selector);
const fill = (text, values) => text.replace(/%\((\w+)\)s/g, (_, key) => values[key]);
// Chart text scales with the screen like the rest of the wall (22 px at 1080p, 44 px at 4K).
const chartFont = () => Math.round(22 * unit());

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
// Wall text scales with the screen: 1 unit is 1 px at 1920×1080 (the CSS's --u).
const unit = () => Math.min(window.innerWidth / 1920, window.innerHeight / 1080);
const label = (indicator) => (config.labels || {})[indicator.code] || pick(indicator, "name");

// A standard's category (AQI, congestion band) of a value, as the public pages round it; null without a palette.
function bandOf(code, value) {
  const bands = (config.palettes || {})[code];
  if (!bands || value === null || value === undefined) return null;
  const shown = Math.round(Number(value) * 100) / 100;
  const rounded = code.startsWith("environment.aqi") ? Math.round(shown) : shown;
  return bands.find((b) => rounded <= b.upper) || bands[bands.length - 1];
}

// Dark ink on light colours (yellow, green), white on dark ones (maroon): the word stays readable.
function inkFor(color) {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(color.slice(i, i + 2), 16));
  return 0.299 * r + 0.587 * g + 0.114 * b > 140 ? "#111" : "#fff";
}

function isStale(tile) {
  const indicator = state.indicators.get(tile.indicator);
  if (!tile.at || !indicator) return true;
  return Date.now() - Date.parse(tile.at) > (indicator.stale_after_s || 600) * 1000;
}

function tileValueHtml(tile, indicator) {
  if (tile.too_few) {
    // Too few samples for a rate or mean: no confident number.
    const detail = tile.count !== undefined && tile.min_count !== undefined ? ` (${fill(T.too_few_count, { count: tile.count, min: tile.min_count })})` : "";
    return `<span class="num few" data-role="too-few">${escapeHtml(T.too_few)}${escapeHtml(detail)}</span>`;
  }
  const value = tile.value === null ? "—" : Number(tile.value).toFixed(indicator.decimals);
  const band = bandOf(tile.indicator, tile.value);
  const mark = band
    ? `<span class="band-word" style="--band: ${band.color}; --band-ink: ${inkFor(band.color)}">${escapeHtml(band.name)}</span>`
    : `<span class="sev-icon" aria-hidden="true">${SEVERITY_ICON[tile.severity]}</span>`;
  return `${mark}<span class="num">${value}</span>${unitOf(indicator) ? `<span class="unit">${escapeHtml(unitOf(indicator))}</span>` : ""}`;
}

function tileHtml(tile) {
  const indicator = state.indicators.get(tile.indicator);
  const at = tile.at ? formatTime(new Date(tile.at)).slice(0, 5) : T.no_data;
  return `
    <div class="tile-name">${escapeHtml(label(indicator))}</div>
    <div class="tile-value">${tileValueHtml(tile, indicator)}</div>
    ${sparkline(tile.spark || [])}
    <div class="tile-meta"><span class="fresh">${escapeHtml(at)}</span><span class="gt">${groundTruthBadge(indicator)}</span></div>`;
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
  const html = tileHtml(tile);
  if (element.dataset.html !== html) {
    element.innerHTML = html; // only when something changed: no new nodes for an unchanged tile
    element.dataset.html = html;
  }
  element.dataset.severity = tile.severity;
  const band = tile.too_few ? null : bandOf(tile.indicator, tile.value);
  if (band) {
    element.dataset.band = band.name;
    element.style.setProperty("--band", band.color);
  } else delete element.dataset.band;
  element.classList.toggle("stale", isStale(tile));
  element.classList.toggle("selected", tile.indicator === state.selected);
  element.setAttribute("aria-label", `${label(state.indicators.get(tile.indicator))} ${tile.too_few ? T.too_few : tile.value ?? ""}`);
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
  // Two to a row, each row an equal share of the column: every tile is its grid cell (the wall never scrolls).
  $("#tiles").style.setProperty("--rows", String(Math.max(1, Math.ceil(wallTileCount() / 2))));
}

// --- Map and trend -------------------------------------------------------------------------------------
function colorscale(indicator, values) {
  const bands = (config.palettes || {})[indicator.code];
  if (bands) {
    // The standard's own palette, a step per category, the category's word on the colour bar.
    const top = bands[bands.length - 1].upper;
    const scale = [];
    let start = 0;
    for (const band of bands) {
      scale.push([start / top, band.color], [band.upper / top, band.color]);
      start = band.upper;
    }
    const mids = bands.map((b, i) => ((i ? bands[i - 1].upper : 0) + b.upper) / 2);
    return { scale, max: top, ticks: { tickmode: "array", tickvals: mids, ticktext: bands.map((b) => b.name) } };
  }
  const { warning, critical } = indicator;
  if (warning === null || critical === null) {
    // No thresholds (a volume, a speed): a plain scale up to the largest value shown, not a made-up limit.
    const largest = Math.max(0, ...Object.values(values || {}).map((v) => v.value ?? 0));
    return { scale: [[0, "#1d4f86"], [1, "#4fc3f7"]], max: critical || warning || largest || 1, ticks: { tickmode: "auto", nticks: 5 } };
  }
  const high = indicator.bad_direction === "high";
  const top = high ? critical * 1.25 : warning * 1.25;
  const w = warning / top;
  const c = critical / top;
  const scale = high
    ? [[0, "#1f8f4e"], [w, "#7ed957"], [w, "#ffb300"], [c, "#ff8c00"], [c, "#ff4d4f"], [1, "#b3001b"]]
    : [[0, "#b3001b"], [c, "#ff4d4f"], [c, "#ff8c00"], [w, "#ffb300"], [w, "#7ed957"], [1, "#1f8f4e"]];
  return { scale, max: top, ticks: { tickmode: "auto", nticks: 6 } };
}

// Width in pixels of a text at the wall's font (the colour bar's labels decide how much room it needs).
const measure = document.createElement("canvas").getContext("2d");
function textWidth(text, size) {
  measure.font = `${size}px "Noto Sans CJK SC", "Noto Sans SC", sans-serif`;
  return measure.measureText(String(text)).width;
}

function colorbarFor(indicator, ticks, max) {
  const size = chartFont();
  const labels = ticks.ticktext || [0, max / 2, max].map((v) => Number(v).toFixed(v >= 10 ? 0 : 1));
  const thickness = Math.round(18 * unit());
  const width = thickness + 16 * unit() + Math.max(textWidth(unitOf(indicator), size), ...labels.map((t) => textWidth(t, size)));
  const colorbar = {
    ...ticks,
    thickness,
    x: 1,
    xanchor: "right",
    xpad: Math.round(8 * unit()),
    y: 0.5,
    yanchor: "middle",
    len: 0.92,
    lenmode: "fraction",
    outlinewidth: 0,
    title: { text: unitOf(indicator), side: "top", font: { size, color: "#c9d8e8" } },
    tickfont: { size, color: "#c9d8e8" },
  };
  return { colorbar, width: width + 2 * 8 * unit() };
}

function drawMap() {
  if (!figure) return;
  const regions = figure.data[1]; // [0] is the no-data base layer, [2] the alert markers, [3] a kiosk outline
  const indicator = state.indicators.get(state.selected);
  const values = state.map[state.selected] || {};
  // A region's value from too few samples is not coloured as if it were sure: drawn as no data.
  regions.z = regions.locations.map((code) => (values[code] && !values[code].too_few ? values[code].value : null));
  const box = mapBox();
  if (indicator) {
    const { scale, max, ticks } = colorscale(indicator, values);
    const { colorbar, width } = colorbarFor(indicator, ticks, max);
    Object.assign(regions, { colorscale: scale, zmin: 0, zmax: max, showscale: true, colorbar });
    // The map keeps the plot's width less the colour bar's: the bar sits inside the plot, beside the map.
    const share = Math.max(0.5, 1 - width / Math.max(box.width, 1));
    const before = mapShare();
    figure.layout.map.domain = { x: [0, share], y: [0, 1] };
    // A wider bar (English band words, another indicator's unit) leaves the map less room: fit the city to it
    // again, or its edge districts are cut off.
    if (Math.abs(share - before) > 0.001) fitMap();
  }
  const alerts = visibleAlerts().filter((a) => a.lon !== null);
  Object.assign(figure.data[2], {
    lon: alerts.map((a) => a.lon),
    lat: alerts.map((a) => a.lat),
    text: alerts.map((a) => pick(a, "title")),
    customdata: alerts.map((a) => a.id),
    marker: { size: Math.round(18 * unit()), color: alerts.map((a) => (a.severity === "critical" ? "#ff4d4f" : "#ffb300")), symbol: "circle" },
  });
  Object.assign(figure.layout, { width: box.width, height: box.height, autosize: false });
  window.Plotly.react("wall-map", figure.data, figure.layout, PLOT_CONFIG);
  placeLabels();
}

const PLOT_CONFIG = { displayModeBar: false, responsive: false };

function mapBox() {
  const cell = $('[data-role="map-cell"]');
  return { width: Math.floor(cell.clientWidth), height: Math.floor(cell.clientHeight) };
}

// Region names over the map, in the page's language: HTML labels at the regions' centroids (MapLibre's own
// text needs glyph files a closed network does not have). One element per region, moved, never re-created.
const labelElements = new Map();
const extraLabels = new Map(); // code -> {name, lon, lat}: a kiosk-named region below the map's level

// The level word every name on the map ends with ("Zhongshan District", "Donghu District"): said once by the map,
// not on every region, or the longer English names crowd each other off the map. Chinese names keep theirs.
function withoutCommonLevel(names) {
  const last = (name) => (/\s(\S+)$/.exec(name) || [])[1];
  const word = names.length > 1 ? last(names[0]) : undefined;
  return word && names.every((n) => last(n) === word) ? names.map((n) => n.slice(0, -word.length).trim()) : names;
}

function labelledRegions() {
  const features = (figure && figure.data[0].geojson.features) || [];
  const names = withoutCommonLevel(features.map((f) => pick(f.properties, "name")));
  const shown = features.map((f, i) => ({ code: f.properties.code, name: names[i], lon: f.properties.centroid[0], lat: f.properties.centroid[1] }));
  return [...shown, ...[...extraLabels.entries()].map(([code, r]) => ({ code, ...r, named: true }))];
}

// An alert marker sits at its region's centre, where the name is: the name moves just below the marker.
function clearOfMarkers(map, element, point) {
  const markers = figure.data[2];
  const radius = (markers.marker && markers.marker.size ? markers.marker.size : 18) / 2;
  const { width, height } = element.getBoundingClientRect();
  for (let i = 0; i < (markers.lon || []).length; i += 1) {
    const m = map.project([markers.lon[i], markers.lat[i]]);
    if (Math.abs(m.x - point.x) < width / 2 + radius && Math.abs(m.y - point.y) < height / 2 + radius) {
      return { x: point.x, y: m.y + radius + 2 + height / 2 };
    }
  }
  return point;
}

let labelledMap = null;
function placeLabels() {
  const gd = document.getElementById("wall-map");
  const map = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot && gd._fullLayout.map._subplot.map;
  if (!map) return;
  if (labelledMap !== map) {
    labelledMap = map;
    map.on("move", placeLabels);
    map.on("resize", placeLabels);
  }
  const layer = $('[data-role="map-labels"]');
  const wanted = labelledRegions();
  const codes = new Set(wanted.map((r) => r.code));
  for (const [code, element] of labelElements) {
    if (!codes.has(code)) {
      element.remove();
      labelElements.delete(code);
    }
  }
  for (const region of wanted) {
    let element = labelElements.get(region.code);
    if (!element) {
      element = document.createElement("span");
      element.className = "map-label";
      element.dataset.code = region.code;
      layer.appendChild(element);
      labelElements.set(region.code, element);
    }
    if (element.textContent !== region.name) element.textContent = region.name;
    element.classList.toggle("named", Boolean(region.named));
    const point = clearOfMarkers(map, element, map.project([region.lon, region.lat]));
    element.style.left = `${Math.round(point.x)}px`;
    element.style.top = `${Math.round(point.y)}px`;
  }
  uncrowd();
}

// The part of the screen a name may take: the map's canvas within its panel, left of the colour bar.
function labelArea() {
  const canvas = labelledMap.getCanvas().getBoundingClientRect();
  const layer = $('[data-role="map-labels"]').getBoundingClientRect();
  const bar = document.querySelector("#wall-map .colorbar");
  return {
    left: Math.max(canvas.left, layer.left),
    top: Math.max(canvas.top, layer.top),
    right: Math.min(canvas.right, layer.right, bar ? bar.getBoundingClientRect().left : Infinity),
    bottom: Math.min(canvas.bottom, layer.bottom),
  };
}

// How far a span [low, high] must move to lie within [min, max]; null when it cannot fit at all.
function shiftInto(low, high, min, max) {
  if (high - low > max - min) return null;
  if (low < min) return min - low;
  return high > max ? max - high : 0;
}

// Every name stays on the map: a region whose point lies off it (a district outside the city's box) is not named;
// a name that would run over an edge or the colour bar moves in. Where two names would overlap, the later one is
// left out. The kiosk's named region always stays, moved in if need be.
function uncrowd() {
  const placed = [];
  const area = labelArea();
  const elements = [...labelElements.values()].sort((a, b) => b.classList.contains("named") - a.classList.contains("named"));
  for (const element of elements) {
    element.classList.remove("crowded");
    let box = element.getBoundingClientRect();
    const x = (box.left + box.right) / 2;
    const y = (box.top + box.bottom) / 2;
    const off = x < area.left || x > area.right || y < area.top || y > area.bottom;
    const dx = shiftInto(box.left, box.right, area.left, area.right);
    const dy = shiftInto(box.top, box.bottom, area.top, area.bottom);
    if ((off && !element.classList.contains("named")) || dx === null || dy === null) {
      element.classList.add("crowded");
      continue;
    }
    if (dx || dy) {
      element.style.left = `${parseFloat(element.style.left) + dx}px`;
      element.style.top = `${parseFloat(element.style.top) + dy}px`;
      box = { left: box.left + dx, right: box.right + dx, top: box.top + dy, bottom: box.bottom + dy };
    }
    const hits = placed.some((p) => box.left < p.right && box.right > p.left && box.top < p.bottom && box.bottom > p.top);
    if (hits) element.classList.add("crowded");
    else placed.push(box);
  }
}

function drawTrend() {
  const panel = document.querySelector(".trend-panel");
  panel.hidden = !state.selected;
  if (!state.selected) return;
  const tile = state.tiles.get(state.selected);
  const indicator = state.indicators.get(state.selected);
  const points = (tile && tile.spark) || [];
  const title = indicator ? `${label(indicator)}${unitOf(indicator) ? ` (${unitOf(indicator)})` : ""} · ${T.trend}` : "";
  $('[data-role="trend-title"]').textContent = title;
  // Nothing in the window (no minute in the last hour, at most an older latest value): say so, not bare axes.
  const since = Date.now() - (config.trend_minutes || 60) * 60 * 1000;
  const empty = !points.some((p) => Date.parse(p[0]) >= since);
  const message = $('[data-role="trend-empty"]');
  message.textContent = T.trend_empty;
  message.hidden = !empty;
  document.getElementById("trend").hidden = empty;
  if (empty) return;
  const lines = [];
  for (const [level, color] of [["warning", "#ffb300"], ["critical", "#ff4d4f"]]) {
    if (indicator && indicator[level] !== null && points.length) {
      lines.push({ x: [cityClock(points[0][0]), cityClock(points[points.length - 1][0])], y: [indicator[level], indicator[level]], mode: "lines", line: { color, dash: "dot", width: 1 }, hoverinfo: "skip" });
    }
  }
  const data = [{ x: points.map((p) => cityClock(p[0])), y: points.map((p) => p[1]), mode: "lines", line: { color: "#4fc3f7", width: 3 } }, ...lines];
  const box = document.getElementById("trend");
  const size = chartFont();
  const layout = {
    width: Math.floor(box.clientWidth),
    height: Math.floor(box.clientHeight),
    autosize: false,
    margin: { l: Math.round(3.2 * size), r: Math.round(size), t: Math.round(size / 2), b: Math.round(1.8 * size) },
    paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: "rgba(0,0,0,0)",
    showlegend: false,
    font: { color: "#c9d8e8", size },
    xaxis: { showgrid: false, tickformat: "%H:%M", nticks: 4, tickangle: 0 },
    yaxis: { gridcolor: "#1f3d62", nticks: 4, automargin: false },
    uirevision: state.selected,
  };
  window.Plotly.react("trend", data, layout, TREND_CONFIG);
}

const TREND_CONFIG = { displayModeBar: false, responsive: false, staticPlot: true };

function renderSwitch() {
  const box = $("#indicator-switch");
  const name = $('[data-role="layer-name"]');
  if (name) {
    // kiosk: no controls, the wall turns by itself; the room is told what the map shows now
    const indicator = state.indicators.get(state.selected);
    name.textContent = indicator ? label(indicator) : "";
  }
  if (!box) return;
  const codes = [...state.indicators.keys()].join(",");
  if (box.dataset.codes !== codes) {
    box.replaceChildren(
      ...[...state.indicators.values()].map((indicator) => {
        const option = document.createElement("option");
        option.value = indicator.code;
        option.textContent = label(indicator);
        return option;
      }),
    );
    box.dataset.codes = codes;
  }
  box.value = state.selected || "";
}

$("#indicator-switch")?.addEventListener("change", (event) => select(event.target.value));

// The map's marks, each with a word: alert markers by severity, and the grey of regions without a value.
$('[data-role="legend-warning"]').textContent = T.legend_warning_alert;
$('[data-role="legend-critical"]').textContent = T.legend_critical_alert;
$('[data-role="legend-nodata"]').textContent = T.legend_no_data;

function select(code) {
  state.selected = code;
  renderSwitch();
  renderTiles();
  drawMap();
  drawTrend();
}

// --- Alerts --------------------------------------------------------------------------------------------
const SEVERITY_RANK = { critical: 0, warning: 1 };
const VERDICTS = ["confirmed", "partly", "contradicted", "could_not_verify"];
const VERDICT_MARK = { confirmed: "✓", partly: "◐", contradicted: "✗", could_not_verify: "?" };

function statusBadge(alert) {
  return `<span class="badge status-${alert.status}">${escapeHtml(T[`status_${alert.status}`] || alert.status)}</span>`;
}

// The verdict as it was found on site: the backend's `verdict`, else what the alert's status says.
function verdictOf(alert) {
  if ("verdict" in alert) return VERDICTS.includes(alert.verdict) ? alert.verdict : null;
  return VERDICTS.includes(alert.status) ? alert.status : null; // a server without verdicts yet
}

function verdictBadge(verdict) {
  return `<span class="badge verdict-${verdict}" data-verdict="${verdict}"><span aria-hidden="true">${VERDICT_MARK[verdict]}</span> ${escapeHtml(T[`verdict_${verdict}`])}</span>`;
}

// Alerts shown on their own: active, and not held back by an alert on a region above that this wall shows
// (listed inside that one). A holder outside the wall's scope (a street's wall, a district's alert) never reaches
// it: the held alert then stands on its own.
const holderShown = (a) => {
  const holder = a.inhibited_by ? state.alerts.get(a.inhibited_by) : null;
  return Boolean(holder && holder.status !== "resolved");
};
const visibleAlerts = () => [...state.alerts.values()].filter((a) => a.status !== "resolved" && !holderShown(a));

// "below" where low is bad (satisfaction, free beds), from the alert or else from its indicator.
function directionOf(alert) {
  if (alert.direction) return alert.direction;
  const indicator = state.indicators.get(alert.indicator);
  return indicator && indicator.bad_direction === "low" ? "below" : "above";
}

const groupKey = (a) => [a.kind, a.indicator || "", directionOf(a), a.severity].join("|");

// One card per cause: alerts sharing (kind, indicator, direction, severity) are one card when two or more.
function alertCards() {
  const groups = new Map();
  for (const alert of visibleAlerts()) {
    const key = alert.indicator ? groupKey(alert) : `single|${alert.id}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(alert);
  }
  const newest = (list) => Math.max(...list.map((a) => Date.parse(a.opened_at)));
  return [...groups.values()]
    .map((alerts) => alerts.sort((a, b) => Date.parse(b.opened_at) - Date.parse(a.opened_at)))
    .sort((a, b) => SEVERITY_RANK[a[0].severity] - SEVERITY_RANK[b[0].severity] || newest(b) - newest(a));
}

function groupTitle(alerts) {
  const first = alerts[0];
  const indicator = state.indicators.get(first.indicator);
  const levels = new Set(alerts.map((a) => a.region_level).filter(Boolean));
  const level = levels.size === 1 ? [...levels][0] : "other";
  const direction = directionOf(first);
  const regions = regionsOf(alerts);
  const name = indicator ? label(indicator) : first.indicator;
  if (first.kind && first.kind !== "threshold" && T.group_items) {
    // Alerts about cases, not a region's level (overdue grievances): how many, and where — two in one community
    // are not "2 communities" and not "above warning".
    const where = regions.length === 1 ? regions[0][0] : fill(T.group_where, { count: regions.length, levels: T[`level_${level}`] || T.level_other });
    return fill(T.group_items, { count: alerts.length, name, where });
  }
  const key = T[`group_${direction}_${first.severity}`] ? `group_${direction}_${first.severity}` : "group_other";
  return fill(T[key], { count: regions.length, levels: T[`level_${level}`] || T.level_other, name });
}

// [[region name, how many alerts]] of a card, each region once.
function regionsOf(alerts) {
  const counts = new Map();
  for (const a of alerts) {
    const n = pick(a, "region_name") || "—";
    counts.set(n, (counts.get(n) || 0) + 1);
  }
  return [...counts.entries()];
}

// How many alerts an alert holds back: all of them (its payload names only the first few).
const heldCount = (alert) => alert.inhibits_count ?? (alert.inhibits || []).length;

function inhibitsBadge(alert) {
  return heldBadge(heldCount(alert));
}

function heldBadge(count) {
  const text = count === 1 ? T.includes_one_below : fill(T.includes_below, { count });
  return count ? `<span class="badge inhibits" data-role="inhibits">${escapeHtml(text)}</span>` : "";
}

// What is known from the site: the verdict; before one, whether someone has been sent to look (read-only, kiosk
// too: the room sees which alerts are already on someone's list), else "unverified".
const sent = (alert) => alert.status === "verification_requested";

function truthBadge(alert) {
  const verdict = verdictOf(alert);
  if (verdict) return verdictBadge(verdict);
  if (sent(alert)) return statusBadge(alert);
  return `<span class="badge unverified">${escapeHtml(T.unverified)}</span>`;
}

function dueBadge(alert) {
  // the deadline its policy gives (apps/deadlines): when it is wanted dealt with, red once past
  if (!alert.due_at || alert.status === "resolved") return "";
  const due = new Date(alert.due_at);
  const late = due.getTime() < Date.now();
  return `<span class="badge ${late ? "overdue" : "due"}">${escapeHtml(fill(late ? T.overdue_since : T.due_by, { time: formatDayTime(due) }))}</span>`;
}

function earliestDue(alerts) {
  // a group's most urgent deadline: the card says when the first of them is wanted dealt with
  const timed = alerts.filter((a) => a.due_at && a.status !== "resolved");
  return timed.sort((a, b) => Date.parse(a.due_at) - Date.parse(b.due_at))[0] || {};
}

function alertHtml(alert) {
  const actions = [];
  if (!config.kiosk && config.can_acknowledge && alert.status === "open") {
    actions.push(`<button type="button" data-action="acknowledge" data-id="${alert.id}">${escapeHtml(T.acknowledge)}</button>`);
  }
  if (!config.kiosk && config.can_dispatch && ["open", "acknowledged", "could_not_verify"].includes(alert.status)) {
    actions.push(`<button type="button" data-action="request-verification" data-id="${alert.id}">${escapeHtml(T.send_for_verification)}</button>`);
  }
  return `<li class="alert sev-${alert.severity}" data-id="${alert.id}" data-count="1">
      <div class="alert-head"><span class="sev-icon" aria-hidden="true">${SEVERITY_ICON[alert.severity]}</span>
        <span class="sev-word">${escapeHtml(T[`severity_${alert.severity}`])}</span>
        <time>${formatTime(new Date(alert.opened_at)).slice(0, 5)}</time></div>
      <div class="alert-title">${escapeHtml(pick(alert, "title"))}</div>
      <div class="alert-foot">${truthBadge(alert)}${inhibitsBadge(alert)}${dueBadge(alert)}<span class="actions">${actions.join("")}</span></div>
    </li>`;
}

function groupHtml(alerts) {
  const first = alerts[0];
  const names = regionsOf(alerts).map(([n, count]) => (count > 1 ? `${n} ×${count}` : n));
  const verdicts = VERDICTS.filter((v) => alerts.some((a) => verdictOf(a) === v)).map(verdictBadge).join("");
  const sentCount = alerts.filter((a) => !verdictOf(a) && sent(a)).length;
  const sentBadge = sentCount ? `<span class="badge status-verification_requested">${escapeHtml(fill(T.sent_count, { count: sentCount }))}</span>` : "";
  const unverified = alerts.some((a) => !verdictOf(a) && !sent(a)) ? `<span class="badge unverified">${escapeHtml(T.unverified)}</span>` : "";
  const inhibited = alerts.reduce((n, a) => n + heldCount(a), 0);
  const below = heldBadge(inhibited);
  // Expandable at a desk; on an unattended kiosk the grouped card alone (nobody is there to open it).
  const members = config.kiosk
    ? ""
    : `<details data-role="members"><summary>${escapeHtml(names.slice(0, 3).join(" · "))}${names.length > 3 ? " …" : ""}</summary>
         <ul class="alert-members">${names.map((n) => `<li>${escapeHtml(n)}</li>`).join("")}</ul></details>`;
  return `<li class="alert alert-group sev-${first.severity}" data-group="${escapeHtml(groupKey(first))}" data-count="${alerts.length}">
      <div class="alert-head"><span class="sev-icon" aria-hidden="true">${SEVERITY_ICON[first.severity]}</span>
        <span class="sev-word">${escapeHtml(T[`severity_${first.severity}`])}</span>
        <time>${formatTime(new Date(first.opened_at)).slice(0, 5)}</time></div>
      <div class="alert-title">${escapeHtml(groupTitle(alerts))}</div>
      ${members}
      <div class="alert-foot">${verdicts}${sentBadge}${unverified}${below}${dueBadge(earliestDue(alerts))}</div>
    </li>`;
}

function renderAlerts(force = false) {
  const cards = alertCards();
  const feed = $("#alert-feed");
  const html = cards.map((alerts) => (alerts.length > 1 ? groupHtml(alerts) : alertHtml(alerts[0]))).join("");
  if (force || feed.dataset.html !== html) {
    feed.innerHTML = html;
    feed.dataset.html = html;
    fitAlerts();
  }
  $('[data-role="alert-count"]').textContent = String(cards.reduce((n, c) => n + c.length, 0));
}

// No scrolling and no half card on a wall: keep the cards that fit whole, then say how many alerts are left.
// Cards that do not fit are removed, not hidden: a wall that runs for days holds only what it shows.
function fitAlerts() {
  const feed = $("#alert-feed");
  const more = $('[data-role="alert-more"]');
  const items = [...feed.children];
  more.hidden = true;
  const overflows = (item) => item.getBoundingClientRect().bottom > feed.getBoundingClientRect().bottom + 0.5;
  if (!items.length || !overflows(items[items.length - 1])) return;
  more.textContent = fill(T.more_alerts, { count: 0 });
  more.hidden = false; // the line takes its room first, so the cards are measured against what is left
  let hidden = 0;
  let full = false;
  for (const item of items) {
    full = full || overflows(item);
    if (full) {
      hidden += Number(item.dataset.count || 1);
      item.remove();
    }
  }
  more.textContent = fill(T.more_alerts, { count: hidden });
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
  // This number's own ground truth, short enough for a tile: how often its alerts were looked at in person.
  if (!indicator || !indicator.verified) return escapeHtml(T.unverified);
  let text = fill(T.verified_short, { count: indicator.verified });
  if (indicator.contradicted) text += ` · ✗${indicator.contradicted}`;
  return escapeHtml(text);
}

// Per-verdict counts of the ground-truth summary: `verdicts: {confirmed: n, …}` or the counts at its top level.
function verdictCounts(truth) {
  const source = (truth && (truth.verdicts || truth.verdict_counts)) || truth || {};
  return VERDICTS.map((v) => [v, Number(source[v] || 0)]).filter(([, n]) => n > 0);
}

function renderGroundTruth() {
  const truth = state.groundTruth;
  let text = T.not_verified;
  if (truth && truth.alerts === 0) text = T.no_alerts_30d;
  else if (truth && truth.verified) {
    text = fill(T.verified_share, { share: `${Math.round(truth.share_verified * 100)}%`, alerts: truth.alerts });
  }
  $('[data-role="gt-line"]').textContent = text;
  const counts = truth ? verdictCounts(truth) : [];
  const verdicts = $('[data-role="gt-verdicts"]');
  verdicts.hidden = counts.length === 0;
  const html = counts.map(([v, n]) => verdictBadge(v).replace("</span> ", `</span> ${n} `)).join("");
  if (verdicts.dataset.html !== html) {
    verdicts.innerHTML = html;
    verdicts.dataset.html = html;
  }
  renderScreenOnly(((truth && truth.screen_only_regions) || []).map((r) => pick(r, "name")));
  renderAccountability(truth);
  $('[data-role="ground-truth"]').classList.toggle("unverified", Boolean(truth && truth.alerts && !truth.verified));
}

// Regions with alerts but nobody on site in 30 days, on one line at any size: how many, and of the first three
// names as many as fit (a city of forty districts would otherwise fill the panel with names), without the level
// word they all share.
function screenOnlyText(names, shown) {
  const list = names.slice(0, shown).join(" · ");
  const named = shown === 0 ? "…" : shown < names.length ? fill(T.names_and_more, { names: list }) : list;
  return fill(names.length === 1 ? T.screen_only_one : T.screen_only, { count: names.length, names: named });
}

// What citizens say back: figures they contest now (being checked on site, or waiting for more voices), how many
// contested figures were found wrong, and the department whose claimed 接诉即办 rate is furthest from the checks.
function renderAccountability(truth) {
  const contests = (truth && truth.contests) || null;
  const line = $('[data-role="gt-contests"]');
  const open = contests ? contests.checking + contests.waiting : 0;
  line.hidden = !contests || (open === 0 && !contests.contradicted);
  if (!line.hidden) {
    const parts = [];
    if (open) parts.push(fill(T.contests, { checking: contests.checking, waiting: contests.waiting }));
    if (contests.contradicted) parts.push(fill(T.contests_wrong, { count: contests.contradicted }));
    line.textContent = parts.join(" · ");
  }
  const gap = $('[data-role="gt-gap"]');
  const worst = truth && truth.largest_gap;
  // the rate whose claimed-vs-verified gap is the larger (the one that made this department the worst)
  const size = (gap) => (gap === null || gap === undefined ? -1 : Math.abs(gap));
  const kind = worst && size(worst.resolution_gap) >= size(worst.satisfaction_gap) ? "resolution" : "satisfaction";
  gap.hidden = !worst || worst[`${kind}_gap`] === null;
  if (!gap.hidden) {
    const percent = (share) => (share === null ? "—" : `${Math.round(share * 100)}%`);
    gap.textContent = fill(T[`gap_${kind}`], {
      name: pick(worst, "name"), claimed: percent(worst[`${kind}_claimed`]), verified: percent(worst[`${kind}_verified`]),
    });
    gap.classList.toggle("flagged", Boolean(worst.flagged));
  }
}

function renderScreenOnly(names) {
  const line = $('[data-role="screen-only"]');
  line.hidden = names.length === 0;
  line.title = names.join(" · "); // every name, at a desk
  const short = withoutCommonLevel(names); // "West · East", as the map says them
  for (let shown = Math.min(3, names.length); shown >= 0; shown -= 1) {
    line.textContent = screenOnlyText(short, shown);
    if (line.hidden || line.scrollWidth <= line.clientWidth + 0.5) break;
  }
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

let namedOnce = false;
function onAlertsSnapshot(data) {
  state.alerts = new Map(data.alerts.filter((a) => inRoot(a) && a.status !== "resolved").map((a) => [a.id, a]));
  if (data.storm) showStorm(data.storm);
  renderAlerts();
  drawMap();
  if (config.kiosk && !namedOnce) {
    namedOnce = true; // an unattended wall names the first region at once, not after a whole turn
    kioskTurn(false);
  }
}

function onAlertsDelta(data) {
  if (data.storm) showStorm(data.storm);
  if (!data.alert || !inRoot(data.alert)) return;
  // Resolved alerts are shown nowhere: dropped, so a wall that runs for days does not keep every one it saw.
  if (data.alert.status === "resolved") state.alerts.delete(data.alert.id);
  else state.alerts.set(data.alert.id, data.alert);
  renderAlerts();
  drawMap();
}

// A storm of new alerts is one banner while it lasts (the feed groups them meanwhile), its count kept current,
// gone after.
function showStorm(storm) {
  const banner = $('[data-role="storm"]');
  if (storm.active) {
    // Its count is told again as it grows or eases: the same banner, its number updated.
    banner.textContent = fill(T.storm, { count: storm.new_alerts ?? "", minutes: Math.round((storm.window_s || 300) / 60) });
    if (banner.hidden) {
      banner.hidden = false;
      renderAlerts(true);
    }
  } else if (!storm.active && !banner.hidden) {
    banner.hidden = true;
    renderAlerts(true);
  }
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
document.fonts.ready.then(() => renderGroundTruth()); // the screen-only line is fitted to the font's real widths

function fitMap() {
  const box = mapBox();
  Object.assign(figure.layout.map, fitMapView(config.bbox, box.width * mapShare(), box.height, 0.1));
  figure.layout.font = { ...(figure.layout.font || {}), size: chartFont() };
}

const mapShare = () => {
  const domain = figure.layout.map.domain;
  return domain && domain.x ? domain.x[1] - domain.x[0] : 1;
};

if (figure) {
  // A fourth layer, empty until the kiosk names a region below the map's own level: its outline.
  figure.data.push({
    type: "choroplethmap", geojson: { type: "FeatureCollection", features: [] }, featureidkey: "properties.code",
    locations: [], z: [], colorscale: [[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]], showscale: false,
    marker: { line: { color: "#ffb300", width: 5 } }, hoverinfo: "skip", name: "named",
  });
  const box = mapBox();
  Object.assign(figure.layout, { width: box.width, height: box.height, autosize: false });
  fitMap();
  window.Plotly.newPlot("wall-map", figure.data, figure.layout, PLOT_CONFIG).then(placeLabels);
  // The figure takes its cell's size whenever the cell changes (window, fonts, a banner appearing).
  let last = `${box.width}x${box.height}`;
  new ResizeObserver(() => {
    const now = mapBox();
    if (`${now.width}x${now.height}` === last || !now.width || !now.height) return;
    last = `${now.width}x${now.height}`;
    fitMap();
    drawMap();
    drawTrend();
    renderAlerts(true);
    renderGroundTruth();
  }).observe($('[data-role="map-cell"]'));
}

// Kiosk: rotate the map through the indicators, and through the regions that need someone on site —
// screen-only districts first (alerts, nobody there in 30 days), then regions with unverified alerts —
// naming each in the banner and outlining it on the map.
function kioskRegions() {
  const regions = new Map();
  for (const r of (state.groundTruth && state.groundTruth.screen_only_regions) || []) {
    const say = (name) => fill(T.screen_only_region, { name });
    regions.set(r.code, { code: r.code, text: say(pick(r, "name")), textIn: (d) => say(fill(T.in_region, { name: pick(r, "name"), parent: d })) });
  }
  for (const a of visibleAlerts()) {
    if (a.verified_at || !a.region || regions.has(a.region)) continue;
    const say = (name) => fill(T.needs_verification, { name });
    const name = pick(a, "region_name");
    regions.set(a.region, { code: a.region, text: say(name), textIn: (d) => say(fill(T.in_region, { name, parent: d })) });
  }
  return [...regions.values()];
}

const featureCache = new Map(); // region code -> GeoJSON Feature (the regions API)

async function regionFeature(code) {
  if (!featureCache.has(code)) {
    const response = await fetch(config.region_url.replace("CODE", encodeURIComponent(code)), { credentials: "same-origin" });
    featureCache.set(code, response.ok ? await response.json() : null);
  }
  return featureCache.get(code);
}

// The map's own region (a district on a city's wall) that is or contains `code`, walking up the parents.
async function containingShown(code) {
  const shown = new Set(figure ? figure.data[1].locations : []);
  let current = code;
  for (let depth = 0; current && depth < 6; depth += 1) {
    if (shown.has(current)) return current;
    const feature = await regionFeature(current);
    current = feature && feature.properties.parent;
  }
  return null;
}

function outline(code) {
  if (!figure) return;
  // On the value layer and on the no-data layer beneath it (a region without a value is drawn by that one only).
  for (const layer of [figure.data[0], figure.data[1]]) {
    layer.marker = layer.marker || {};
    layer.marker.line = {
      color: layer.locations.map((c) => (c === code ? "#ffb300" : "#8fb3d9")),
      width: layer.locations.map((c) => (c === code ? 5 : 1)),
    };
  }
}

// Outlines what the banner names: the region itself when the map draws its level; otherwise the region's own
// outline drawn over the map (from the regions API) and its district outlined and named beside it.
async function outlineNamed(region) {
  const named = figure.data[3];
  extraLabels.clear();
  Object.assign(named, { geojson: { type: "FeatureCollection", features: [] }, locations: [], z: [] });
  if (!region) {
    outline(null);
    return null;
  }
  const shown = await containingShown(region.code);
  outline(shown);
  if (shown === region.code || !shown) return null;
  const feature = await regionFeature(region.code);
  if (feature) {
    Object.assign(named, { geojson: { type: "FeatureCollection", features: [feature] }, locations: [region.code], z: [1] });
    const [lon, lat] = feature.properties.centroid;
    extraLabels.set(region.code, { name: pick(feature.properties, "name"), lon, lat });
  }
  const district = figure.data[0].geojson.features.find((f) => f.properties.code === shown);
  return district ? pick(district.properties, "name") : null;
}

let turn = 0;
async function kioskTurn(advance) {
  const codes = [...state.indicators.keys()];
  const regions = kioskRegions();
  const banner = $('[data-role="verify-banner"]');
  const region = regions.length ? regions[turn % regions.length] : null;
  turn += 1;
  const district = figure ? await outlineNamed(region).catch(() => null) : null;
  banner.hidden = !region;
  if (region) banner.textContent = district ? region.textIn(district) : region.text;
  banner.dataset.region = region ? region.code : "";
  if (advance && codes.length > 1) select(codes[(codes.indexOf(state.selected) + 1) % codes.length]);
  else drawMap();
}

if (config.kiosk) {
  window.setInterval(() => kioskTurn(true), config.kiosk_seconds ? config.kiosk_seconds * 1000 : 15000);
}
