// Regions page: draw the density map from the server's figure JSON; click an area to drill down.
const container = document.getElementById("region-map");
const figure = JSON.parse(document.getElementById("region-map-figure").textContent);

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
