// Region page: the map fitted to its real size, drill-down by click, and live values of the region.
import { fitMapView } from "../lib/mapview.js";
import { Live, escapeHtml, formatTime, pick, sparkline, unitOf } from "../lib/live.js";

const container = document.getElementById("region-map");
const figure = JSON.parse(document.getElementById("region-map-figure").textContent);
const bbox = container.dataset.bbox.split(",").map(Number);

// The trace that carries values: the last choropleth (an indicator map has a no-data base layer below it).
const valueTrace = figure.data.filter((trace) => trace.type === "choroplethmap").at(-1);
Object.assign(figure.layout.map, fitMapView(bbox, container.clientWidth, container.clientHeight));
if (container.clientWidth < 600 && valueTrace.colorbar) {
  // Phones: the colour scale goes under the map instead of taking a third of its width.
  Object.assign(valueTrace.colorbar, { orientation: "h", y: -0.02, yanchor: "top", thickness: 10 });
}
// Beneath the values, the city's own labelled basemap (names of districts, streets, communities, roads, facilities
// and stations; apps/regions/basemap.py), so the map reads at street level when zoomed; the plain background
// stays if it cannot be had.
try {
  const response = await fetch(container.dataset.basemap, { credentials: "same-origin" });
  if (response.ok) figure.layout.map.style = await response.json();
} catch {
  // offline with nothing cached: the regions alone
}
// The coloured areas go beneath the basemap's names (each with a white halo), never over them: a name drawn
// under an orange fill reads orange on orange.
const firstLabel = (figure.layout.map.style.layers || []).find((layer) => layer.type === "symbol");
if (firstLabel) {
  figure.data.filter((trace) => trace.type === "choroplethmap").forEach((trace) => { trace.below = firstLabel.id; });
}
// Areas with no value are drawn grey (the base layer shows through): the legend says so whenever there are any.
const noDataLegend = document.querySelector('[data-role="no-data-legend"]');
const hasBase = figure.data.filter((trace) => trace.type === "choroplethmap").length > 1;
function showNoDataLegend() {
  if (!noDataLegend) return;
  noDataLegend.hidden = !(hasBase && (valueTrace.z || []).some((v) => v === null || Number.isNaN(Number(v))));
}
showNoDataLegend();
window.Plotly.newPlot(container, figure.data, figure.layout, {
  responsive: true,
  displaylogo: false,
  modeBarButtonsToRemove: ["select2d", "lasso2d"],
});

if (container.dataset.drilldown === "1") {
  container.on("plotly_click", (event) => {
    const point = event.points && event.points[0];
    if (point && point.location) window.location.assign(`../${encodeURIComponent(point.location)}/${window.location.search}`);
  });
}

// Live: tiles of this region and the selected indicator's values of its children.
const code = container.dataset.region;
const selected = container.dataset.indicator;
const tilesBox = document.getElementById("region-tiles");
const indicators = new Map();
const SEVERITY_ICON = { normal: "●", warning: "▲", critical: "■" };

function renderTile(tile) {
  const indicator = indicators.get(tile.indicator);
  if (!indicator || !tilesBox) return;
  let element = tilesBox.querySelector(`[data-indicator="${CSS.escape(tile.indicator)}"]`);
  if (!element) {
    element = document.createElement("div");
    element.className = "kpi";
    element.dataset.indicator = tile.indicator;
    tilesBox.appendChild(element);
  }
  const stale = !tile.at || Date.now() - Date.parse(tile.at) > indicator.stale_after_s * 1000;
  element.dataset.severity = tile.severity;
  element.classList.toggle("stale", stale);
  const value = tile.value === null ? "—" : Number(tile.value).toFixed(indicator.decimals);
  element.innerHTML = `<div class="kpi-name">${escapeHtml(pick(indicator, "name"))}</div>
    <div class="kpi-value"><span aria-hidden="true">${SEVERITY_ICON[tile.severity]}</span> ${value} <small>${escapeHtml(unitOf(indicator))}</small></div>
    ${sparkline(tile.spark || [], 160, 30)}
    <div class="kpi-meta">${tile.at ? formatTime(new Date(tile.at)) : "—"}</div>`;
}

function applyChildren(children) {
  const values = (children || {})[selected];
  if (!values) return;
  for (const [child, cell] of Object.entries(values)) {
    const td = document.querySelector(`td[data-child="${CSS.escape(child)}"]`);
    if (td) td.textContent = cell.value;
  }
  if (valueTrace.locations && selected) {
    valueTrace.z = valueTrace.locations.map((loc, i) => (values[loc] ? values[loc].value : valueTrace.z[i]));
    window.Plotly.react(container, figure.data, figure.layout);
    showNoDataLegend();
  }
}

function onStatus(status, lastAt) {
  const element = document.querySelector('[data-role="connection"]');
  if (element) {
    element.dataset.state = status;
    element.textContent = status === "lost" && lastAt ? `⚠ ${formatTime(new Date(lastAt))}` : status === "live" ? "●" : "…";
  }
}

// Alerts in this region and below it, from the alerts stream (already filtered to the user's scope).
const T = JSON.parse(document.getElementById("region-strings").textContent);
const path = container.dataset.path;
const alerts = new Map();

function renderAlerts() {
  const list = document.getElementById("region-alerts");
  const active = [...alerts.values()]
    .filter((a) => a.status !== "resolved" && a.region_path.startsWith(path))
    .sort((a, b) => Date.parse(b.opened_at) - Date.parse(a.opened_at));
  document.querySelector('[data-role="no-alerts"]').hidden = active.length > 0;
  list.innerHTML = active
    .map((a) => `<li class="alert-row" data-severity="${a.severity}">
        <span class="sev" aria-hidden="true">${SEVERITY_ICON[a.severity]}</span>
        <span class="sev-word">${escapeHtml(T[`severity_${a.severity}`])}</span>
        <span class="title">${escapeHtml(pick(a, "title"))}</span>
        ${a.verdict && T[`verdict_${a.verdict}`]
          ? `<span class="badge verdict-${a.verdict}" data-verdict="${a.verdict}">${escapeHtml(T[`verdict_${a.verdict}`])}</span>`
          : `<span class="badge">${escapeHtml(T[`status_${a.status}`] || a.status)}</span>`}
        ${a.verified_at ? "" : `<span class="badge unverified">${escapeHtml(T.not_verified)}</span>`}
        <time>${formatTime(new Date(a.opened_at))}</time></li>`)
    .join("");
}

const live = new Live({ onStatus });
live.subscribe("alerts", {}, {
  snapshot: (data) => {
    alerts.clear();
    data.alerts.forEach((a) => alerts.set(a.id, a));
    renderAlerts();
  },
  delta: (data) => {
    if (!data.alert) return; // the storm guard's start and end come on this stream too: nothing to list
    alerts.set(data.alert.id, data.alert);
    renderAlerts();
  },
});
live.subscribe("region", { code }, {
  snapshot: (data) => {
    data.indicators.forEach((i) => indicators.set(i.code, i));
    data.tiles.forEach(renderTile);
    applyChildren(data.children);
  },
  delta: (data) => {
    (data.tiles || []).forEach(renderTile);
    applyChildren(data.children);
  },
});
