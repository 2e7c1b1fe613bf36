// A public warning's page: its area outlined on the offline basemap (static/js/lib/basemap.js). Without the map
// (no WebGL) the area's name above it says the same.
import { createBasemap } from "../lib/basemap.js";

const OUTLINE = "#d32f2f";

async function start() {
  const container = document.getElementById("warning-map");
  const source = document.getElementById("warning-map-data");
  if (!container || !source) return;
  const data = JSON.parse(source.textContent);
  const basemap = await createBasemap(container, { bounds: data.bbox, search: false });
  const map = basemap.map;
  if (!map) return;
  const add = () => {
    if (map.getSource("warning-area")) return;
    map.addSource("warning-area", { type: "geojson", data: { type: "Feature", geometry: data.outline, properties: {} } });
    map.addLayer({ id: "warning-area-fill", type: "fill", source: "warning-area",
                   paint: { "fill-color": OUTLINE, "fill-opacity": 0.12 } });
    map.addLayer({ id: "warning-area-line", type: "line", source: "warning-area",
                   paint: { "line-color": OUTLINE, "line-width": 3 } });
  };
  if (map.loaded()) add();
  else map.once("idle", add);
}

start();
