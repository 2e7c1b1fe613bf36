// Center and zoom that fit a [west, south, east, north] box into a map of width × height pixels
// (Web Mercator, MapLibre's 512-pixel tiles). The same formula as apps/regions/charts.py map_view.
const mercator = (lat) => {
  const clamped = Math.max(Math.min(lat, 85), -85);
  return (Math.log(Math.tan(Math.PI / 4 + (clamped * Math.PI) / 360)) * 180) / Math.PI;
};

export function fitMapView([west, south, east, north], width, height, padding = 0.15) {
  const lonSpan = Math.max(east - west, 1e-6);
  const ySpan = Math.max(Math.abs(mercator(north) - mercator(south)), 1e-6);
  const zoom = Math.min(Math.log2((width * 360) / (512 * lonSpan)), Math.log2((height * 360) / (512 * ySpan)));
  return { center: { lon: (west + east) / 2, lat: (south + north) / 2 }, zoom: zoom - padding };
}
