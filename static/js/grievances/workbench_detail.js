// Workbench report page: the report's place on the labelled basemap (static/js/lib/basemap.js), with the open
// reports near it that this desk handles (code, category and status only: the server sends nothing personal).
// Clicking one opens its page. Without the map (no WebGL) the list beside it says the same.
import { createBasemap } from "../lib/basemap.js";

// The page's legend (templates/grievances/workbench_detail.html) names these two colours.
const REPORT_COLOUR = "#7b1fa2";
const NEARBY_COLOUR = "#1d5fa8";
const MIN_HALF_SPAN = 0.0015; // degrees of latitude, about 170 m: a lone report is shown at street level

// The report and the reports near it, at least MIN_HALF_SPAN around the report either way.
function around(centre, markers) {
  const ratio = Math.cos((centre.lat * Math.PI) / 180) || 1;
  const lons = markers.map((m) => m.lon).concat(centre.lon - MIN_HALF_SPAN / ratio, centre.lon + MIN_HALF_SPAN / ratio);
  const lats = markers.map((m) => m.lat).concat(centre.lat - MIN_HALF_SPAN, centre.lat + MIN_HALF_SPAN);
  return [Math.min(...lons), Math.min(...lats), Math.max(...lons), Math.max(...lats)];
}

async function start() {
  const container = document.getElementById("report-map");
  const source = document.getElementById("report-map-data");
  if (!container || !source) return;
  const data = JSON.parse(source.textContent);
  const markers = [
    { lon: data.lon, lat: data.lat, label: data.strings.this_report, color: REPORT_COLOUR, id: "this" },
    ...data.nearby.map((n) => ({ lon: n.lon, lat: n.lat, label: `${n.code} ${n.label}`, color: NEARBY_COLOUR, id: n.code })),
  ];
  const basemap = await createBasemap(container, {
    bounds: around(data, markers),
    search: false,
    markers,
    onMarkerClick: (marker) => {
      if (marker.id && marker.id !== "this") window.location.assign(`/grievances/workbench/${encodeURIComponent(marker.id)}/`);
    },
  });
  basemap.map?.getCanvas().setAttribute("aria-label", data.strings.map_label);
  container.dataset.ready = "1";
}

start();
