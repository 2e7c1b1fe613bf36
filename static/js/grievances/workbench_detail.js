// Workbench report page: the report's place on the labelled basemap (static/js/lib/basemap.js), with the open
// reports near it that this desk handles (code, category and status only: the server sends nothing personal).
// The map shows the whole neighbourhood the list covers — the circle of `radius_m` around the report, drawn —
// at a scale where the streets are named. Clicking a nearby report opens its page. Without the map (no WebGL)
// the list beside it says the same.
import { createBasemap } from "../lib/basemap.js";

// The page's legend (templates/grievances/workbench_detail.html, static/css/office.css .dot-*) draws these.
const REPORT = { color: "#d32f2f", radius: 11, stroke: "#1b1b1b", strokeWidth: 3, z: 2 };
const NEARBY = { color: "#1d5fa8", radius: 6, stroke: "#ffffff", strokeWidth: 2, z: 1 };
const CIRCLE_COLOUR = "#d32f2f";
const METRES_PER_DEGREE = 111_320;

// A circle of `metres` around the centre, as a polygon of `steps` points.
function circle(centre, metres, steps = 96) {
  const ratio = Math.cos((centre.lat * Math.PI) / 180) || 1;
  const ring = [];
  for (let i = 0; i <= steps; i += 1) {
    const angle = (i / steps) * 2 * Math.PI;
    ring.push([centre.lon + (metres * Math.cos(angle)) / (METRES_PER_DEGREE * ratio),
               centre.lat + (metres * Math.sin(angle)) / METRES_PER_DEGREE]);
  }
  return { type: "Feature", geometry: { type: "Polygon", coordinates: [ring] }, properties: {} };
}

// The circle around the report and every marker (a nearby report just outside the circle still shows).
function around(centre, metres, markers) {
  const ratio = Math.cos((centre.lat * Math.PI) / 180) || 1;
  const dLon = metres / (METRES_PER_DEGREE * ratio);
  const dLat = metres / METRES_PER_DEGREE;
  const lons = markers.map((m) => m.lon).concat(centre.lon - dLon, centre.lon + dLon);
  const lats = markers.map((m) => m.lat).concat(centre.lat - dLat, centre.lat + dLat);
  return [Math.min(...lons), Math.min(...lats), Math.max(...lons), Math.max(...lats)];
}

function drawCircle(map, feature) {
  const add = () => {
    if (map.getSource("nearby-circle")) return;
    map.addSource("nearby-circle", { type: "geojson", data: feature });
    const below = map.getLayer("page-markers") ? "page-markers" : undefined;
    map.addLayer({ id: "nearby-circle-fill", type: "fill", source: "nearby-circle",
                   paint: { "fill-color": CIRCLE_COLOUR, "fill-opacity": 0.05 } }, below);
    map.addLayer({ id: "nearby-circle-line", type: "line", source: "nearby-circle",
                   paint: { "line-color": CIRCLE_COLOUR, "line-width": 2, "line-dasharray": [3, 2] } }, below);
  };
  if (map.loaded() && map.getLayer("page-markers")) add();
  else map.once("idle", add);
}

async function start() {
  const container = document.getElementById("report-map");
  const source = document.getElementById("report-map-data");
  if (!container || !source) return;
  const data = JSON.parse(source.textContent);
  const metres = data.radius_m || 500;
  const markers = [
    ...data.nearby.map((n) => ({ lon: n.lon, lat: n.lat, label: `${n.code} ${n.label}`, id: n.code, ...NEARBY })),
    { lon: data.lon, lat: data.lat, label: data.strings.this_report, id: "this", ...REPORT },
  ];
  const basemap = await createBasemap(container, {
    bounds: around(data, metres, markers),
    search: false,
    markers,
    onMarkerClick: (marker) => {
      if (marker.id && marker.id !== "this") window.location.assign(`/grievances/workbench/${encodeURIComponent(marker.id)}/`);
    },
  });
  if (basemap.map) {
    drawCircle(basemap.map, circle(data, metres));
    basemap.map.getCanvas().setAttribute("aria-label", data.strings.map_label);
  }
  container.dataset.ready = "1";
}

start();
