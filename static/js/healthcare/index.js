// Healthcare page: the facilities map (click anywhere: where can a patient go now), the occupancy trend and
// the surveillance chart; map and tables refreshed every minute.
import { fitMapView } from "../lib/mapview.js";
import { formatTime, pick } from "../lib/live.js";

const container = document.getElementById("healthcare-map");
const figure = JSON.parse(document.getElementById("healthcare-map-figure").textContent);
const trend = JSON.parse(document.getElementById("healthcare-trend-figure").textContent);
const signalScript = document.getElementById("healthcare-signal-figure");
const signal = signalScript ? JSON.parse(signalScript.textContent) : null;
const T = JSON.parse(document.getElementById("healthcare-strings").textContent);
const form = document.getElementById("nearest-form");
const bbox = container.dataset.bbox.split(",").map(Number);
const config = { responsive: true, displaylogo: false };
let picked = null; // the point searched from, drawn on the map

Object.assign(figure.layout.map, fitMapView(bbox, container.clientWidth, container.clientHeight));
await window.Plotly.newPlot(container, figure.data, figure.layout, config);
if (trend) window.Plotly.newPlot("healthcare-trend", trend.data, trend.layout, config);
if (signal) window.Plotly.newPlot("surveillance-chart", signal.data, signal.layout, config);

const format = (template, values) => template.replace(/%\((\w+)\)s/g, (_m, key) => values[key]);

function withPoint(data) {
  if (!picked) return data;
  return [...data, {
    type: "scattermap", lon: [picked.lon], lat: [picked.lat], mode: "markers", hoverinfo: "skip", showlegend: false,
    marker: { size: 14, color: "#1b2533", symbol: "circle" },
  }];
}

function cell(row, text, className) {
  const td = document.createElement(row.children.length ? "td" : "th");
  if (!row.children.length) td.scope = "row";
  if (className) td.className = className;
  td.textContent = text;
  row.appendChild(td);
}

async function findNearest(lon, lat) {
  const need = form.elements.need.value;
  form.elements.lon.value = lon.toFixed(5);
  form.elements.lat.value = lat.toFixed(5);
  const params = new URLSearchParams({ lon: lon.toFixed(6), lat: lat.toFixed(6), need });
  const response = await fetch(`/api/v1/healthcare/nearest?${params}`, { credentials: "same-origin" });
  const summary = document.querySelector("[data-role=nearest-summary]");
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    summary.textContent = format(T.failed, { reason: body.detail || response.status });
    return;
  }
  picked = { lon, lat };
  summary.textContent = format(T.picked, { lon: lon.toFixed(5), lat: lat.toFixed(5) });
  const tbody = document.querySelector("#nearest tbody");
  tbody.replaceChildren();
  for (const f of body.facilities) {
    const row = document.createElement("tr");
    row.dataset.code = f.code;
    cell(row, pick(f, "name"));
    cell(row, format(T.km, { km: f.distance_km.toFixed(1) }), "mono");
    const now = need === "icu" ? format(T.free_icu, { count: f.icu_free })
      : need === "bed" ? format(T.free_beds, { count: f.beds_free })
      : `${format(T.waiting, { count: f.er_waiting })}, ${format(T.min, { min: f.er_wait_minutes })}`;
    cell(row, now);
    cell(row, formatTime(new Date(f.observed_at)).slice(0, 5), "mono");
    tbody.appendChild(row);
  }
  if (!body.facilities.length) {
    const row = document.createElement("tr");
    const td = document.createElement("td");
    td.colSpan = 4;
    td.textContent = format(T.none, { need: T.needs[need] });
    row.appendChild(td);
    tbody.appendChild(row);
  }
  document.querySelector("#nearest-panel .hint")?.remove();
  if (body.not_reporting) {
    const hint = document.createElement("p");
    hint.className = "hint";
    hint.textContent = format(T.not_reporting, { count: body.not_reporting });
    document.getElementById("nearest").after(hint);
  }
  const current = JSON.parse(document.getElementById("healthcare-map-figure").textContent);
  window.Plotly.react(container, withPoint(current.data), { ...current.layout, map: { ...current.layout.map, ...container.layout.map } });
}

// A click anywhere on the map, not only on a marker: MapLibre's own click event gives the point.
container._fullLayout.map._subplot.map.on("click", (event) => findNearest(event.lngLat.lng, event.lngLat.lat));
form.addEventListener("submit", (event) => {
  const lon = Number(form.elements.lon.value);
  const lat = Number(form.elements.lat.value);
  if (!Number.isFinite(lon) || !Number.isFinite(lat) || form.elements.lon.value === "" || form.elements.lat.value === "") return; // the server explains
  event.preventDefault();
  findNearest(lon, lat);
});
form.elements.need.addEventListener("change", () => {
  if (picked) findNearest(picked.lon, picked.lat);
});

async function refresh() {
  const response = await fetch(window.location.pathname + window.location.search.replace(/([?&])(lon|lat|need)=[^&]*/g, "$1"), { credentials: "same-origin" });
  if (!response.ok) return;
  const doc = new DOMParser().parseFromString(await response.text(), "text/html");
  const map = doc.getElementById("healthcare-map-figure");
  if (map) {
    document.getElementById("healthcare-map-figure").textContent = map.textContent;
    const next = JSON.parse(map.textContent);
    window.Plotly.react(container, withPoint(next.data), { ...next.layout, map: { ...next.layout.map, ...container.layout.map } });
  }
  const line = doc.getElementById("healthcare-trend-figure");
  if (line && JSON.parse(line.textContent)) {
    const next = JSON.parse(line.textContent);
    window.Plotly.react("healthcare-trend", next.data, next.layout);
  }
  for (const id of ["regions", "facilities", "surveillance"]) {
    const table = doc.getElementById(id);
    if (table) document.getElementById(id)?.replaceWith(table);
  }
  if (picked) findNearest(picked.lon, picked.lat);
}
window.setInterval(refresh, 60000);
