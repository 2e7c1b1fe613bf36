// Traffic page: the segment map (refreshed every 30 s from the API), the trend, incident actions.
import { fitMapView } from "../lib/mapview.js";
import { csrfToken } from "../lib/live.js";

const container = document.getElementById("traffic-map");
const figure = JSON.parse(document.getElementById("traffic-map-figure").textContent);
const trend = JSON.parse(document.getElementById("traffic-trend-figure").textContent);
const T = JSON.parse(document.getElementById("traffic-strings").textContent);
const bbox = container.dataset.bbox.split(",").map(Number);

Object.assign(figure.layout.map, fitMapView(bbox, container.clientWidth, container.clientHeight));
window.Plotly.newPlot(container, figure.data, figure.layout, { responsive: true, displaylogo: false });
window.Plotly.newPlot("traffic-trend", trend.data, trend.layout, { responsive: true, displaylogo: false });

async function refresh() {
  // Reload the page's figure data without a reload: the server rebuilds it from the newest readings.
  const response = await fetch(window.location.pathname, { credentials: "same-origin" });
  if (!response.ok) return;
  const html = await response.text();
  const doc = new DOMParser().parseFromString(html, "text/html");
  const fresh = doc.getElementById("traffic-map-figure");
  if (!fresh) return;
  const next = JSON.parse(fresh.textContent);
  window.Plotly.react(container, next.data, { ...next.layout, map: { ...next.layout.map, ...container.layout.map } });
}
window.setInterval(refresh, 30000);

document.getElementById("incidents")?.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-action]");
  if (!button) return;
  const row = button.closest("tr");
  button.disabled = true;
  const response = await fetch(`/api/v1/traffic/incidents/${row.dataset.id}/${button.dataset.action}`, {
    method: "POST",
    headers: { "X-CSRFToken": csrfToken() },
    credentials: "same-origin",
  });
  if (response.ok) {
    window.location.reload();
  } else {
    const body = await response.json().catch(() => ({}));
    button.disabled = false;
    window.alert(T.failed.replace("%(reason)s", body.detail || response.status));
  }
});
