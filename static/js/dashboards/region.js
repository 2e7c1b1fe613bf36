// Region page: the map fitted to its real size, drill-down by click, and live values of the region.
import { fitMapView } from "../lib/mapview.js";
import { Live, escapeHtml, formatTime, pick, sparkline } from "../lib/live.js";

const container = document.getElementById("region-map");
const figure = JSON.parse(document.getElementById("region-map-figure").textContent);
const bbox = container.dataset.bbox.split(",").map(Number);

Object.assign(figure.layout.map, fitMapView(bbox, container.clientWidth, container.clientHeight));
if (container.clientWidth < 600 && figure.data[0].colorbar) {
  // Phones: the colour scale goes under the map instead of taking a third of its width.
  Object.assign(figure.data[0].colorbar, { orientation: "h", y: -0.02, yanchor: "top", thickness: 10 });
}
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
    <div class="kpi-value"><span aria-hidden="true">${SEVERITY_ICON[tile.severity]}</span> ${value} <small>${escapeHtml(indicator.unit)}</small></div>
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
  const regions = figure.data[0];
  if (regions.locations && selected) {
    regions.z = regions.locations.map((loc, i) => (values[loc] ? values[loc].value : regions.z[i]));
    window.Plotly.react(container, figure.data, figure.layout);
  }
}

function onStatus(status, lastAt) {
  const element = document.querySelector('[data-role="connection"]');
  if (element) {
    element.dataset.state = status;
    element.textContent = status === "lost" && lastAt ? `⚠ ${formatTime(new Date(lastAt))}` : status === "live" ? "●" : "…";
  }
}

const live = new Live({ onStatus });
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
