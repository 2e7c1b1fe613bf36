// Environment page: the AQI map by district and the city's trend; both refreshed every minute.
import { fitMapView } from "../lib/mapview.js";

const container = document.getElementById("environment-map");
const figure = JSON.parse(document.getElementById("environment-map-figure").textContent);
const trend = JSON.parse(document.getElementById("environment-trend-figure").textContent);
const bbox = container.dataset.bbox.split(",").map(Number);

Object.assign(figure.layout.map, fitMapView(bbox, container.clientWidth, container.clientHeight));
window.Plotly.newPlot(container, figure.data, figure.layout, { responsive: true, displaylogo: false });
if (trend) window.Plotly.newPlot("environment-trend", trend.data, trend.layout, { responsive: true, displaylogo: false });

async function refresh() {
  // New figures without a reload: the server rebuilds them from the newest readings.
  const response = await fetch(window.location.pathname, { credentials: "same-origin" });
  if (!response.ok) return;
  const doc = new DOMParser().parseFromString(await response.text(), "text/html");
  const map = doc.getElementById("environment-map-figure");
  if (map) {
    const next = JSON.parse(map.textContent);
    window.Plotly.react(container, next.data, { ...next.layout, map: { ...next.layout.map, ...container.layout.map } });
  }
  const line = doc.getElementById("environment-trend-figure");
  if (line && JSON.parse(line.textContent)) {
    const next = JSON.parse(line.textContent);
    window.Plotly.react("environment-trend", next.data, next.layout);
  }
  const table = doc.getElementById("stations");
  if (table) document.getElementById("stations")?.replaceWith(table);
}
window.setInterval(refresh, 60000);
