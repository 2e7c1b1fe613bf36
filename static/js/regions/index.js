// Regions page: draw the density map from the server's figure JSON, fitted to the map's real size;
// click an area to drill down.
import { fitMapView } from "../lib/mapview.js";

const container = document.getElementById("region-map");
const figure = JSON.parse(document.getElementById("region-map-figure").textContent);
const bbox = container.dataset.bbox.split(",").map(Number);

Object.assign(figure.layout.map, fitMapView(bbox, container.clientWidth, container.clientHeight));
if (container.clientWidth < 600) {
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
    if (point && point.location) {
      const url = new URL(window.location.href);
      url.searchParams.set("code", point.location);
      window.location.assign(url.toString());
    }
  });
}
