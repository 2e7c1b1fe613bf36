/**
 * basemap.js — the one map every CityOps page uses: our own labelled layers (districts, streets, communities,
 * roads, health facilities, monitoring stations), fully offline, over the operator's tiles when configured.
 *
 *   import { createBasemap } from "../lib/basemap.js";
 *   const basemap = await createBasemap(container, {
 *     bounds: [west, south, east, north], // fit the map to a region (e.g. its bbox); default: the whole data
 *     language: "zh-hans" | "en",          // labels and controls; default: <html lang>
 *     search: true,                        // the search box (places by name, addresses by region name)
 *     pin: false,                          // pin mode: tap / click to place or move a pin, drag it, or
 *                                          //   "pin the centre" from the keyboard
 *     pinAt: [lon, lat] | null,            // a pin to start with (e.g. a form posted back)
 *     onPin: ({ lon, lat, label, inside, regions, pending }) => {}, // when the pin moves (pending: true, no
 *                                          //   label yet) and again when its place is named: label
 *                                          //   "东湖区 · 七星街道 · 七星四社区", regions [{code, name, level}]
 *                                          //   (city → deepest), inside false when no region contains it,
 *                                          //   null when the lookup failed
 *     markers: [{ lon, lat, label, color, id, radius, stroke, strokeWidth, z }], // points of the page's own
 *                                          //   (alerts, reports, visits); radius 8, white stroke 2 by default;
 *                                          //   higher z drawn on top
 *     onMarkerClick: (marker) => {},
 *     maxZoom: 19,
 *   });
 *   basemap.map            // the maplibre-gl Map (null when the device cannot draw it: the search still works)
 *   basemap.getPin()       // { lon, lat } or null
 *   basemap.setPin(lon, lat, { fly })   // place the pin (and look its place up, calling onPin)
 *   basemap.clearPin()
 *   basemap.setMarkers(markers)
 *   basemap.fitBounds([w, s, e, n])
 *   basemap.destroy()
 *   container.basemap      // the same handle, for other scripts and tests
 *
 * The container gets a search box, the map and a status line (aria-live); a bar on the map's bottom edge repeats
 * the pinned place ("位置：…") or names the place chosen from the search, which is outlined until the next pin or
 * search. The style comes from
 * /maps/style.json (sources are this app's own GeoJSON; no glyph server: MapLibre draws text with the device's
 * fonts); the confirmation of a pin asks GET /api/v1/regions/lookup. Buttons are ≥ 44 px on touch screens.
 */
import * as maplibregl from "../../vendor/maplibre-gl/maplibre-gl.mjs";

const VENDOR_CSS = new URL("../../vendor/maplibre-gl/maplibre-gl.css", import.meta.url).href;
const OWN_CSS = new URL("../../css/basemap.css", import.meta.url).href;

function addStylesheet(href) {
  if ([...document.querySelectorAll("link[rel=stylesheet]")].some((link) => link.href === href)) return;
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = href;
  document.head.append(link);
}

const fill = (text, values) => text.replace(/%\((\w+)\)s/g, (_m, key) => values[key] ?? "");

function element(tag, attributes = {}, text = "") {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (text) node.textContent = text;
  return node;
}

function pageLanguage() {
  return (document.documentElement.lang || "zh-hans").toLowerCase().startsWith("zh") ? "zh-hans" : "en";
}

async function getJson(url, signal) {
  const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", signal });
  return { status: response.status, body: response.ok ? await response.json() : null };
}

/** The names of what a point lies in, from the region lookup: [] outside every region; null on failure. */
export async function lookupPlace(lon, lat) {
  const params = new URLSearchParams({ lon: lon.toFixed(6), lat: lat.toFixed(6) });
  try {
    const { status, body } = await getJson(`/api/v1/regions/lookup?${params}`);
    if (status === 404) return [];
    if (!body) return null;
    return [...(body.ancestors || []), body].map((r) => ({ code: r.code, name: r.name, level: r.level }));
  } catch {
    return null;
  }
}

/** "东湖区 · 七星街道 · 七星四社区": the city is left out when something below it is known. */
export function placeLabel(regions) {
  const below = regions.filter((r) => r.level !== "city");
  return (below.length ? below : regions).map((r) => r.name).join(" · ");
}

// What the bar says of a place chosen from the search. An area or an address reads top-down, as a pin does
// ("West District · West 1 Subdistrict · Qixing 4 Community"): its context is what it lies in. A road or a
// facility reads name first, then its own address.
const TOP_DOWN = new Set(["district", "street", "community", "address"]);

export function placeText(place) {
  const parts = TOP_DOWN.has(place.kind) ? [place.context, place.name] : [place.name, place.context];
  return parts.filter(Boolean).join(" · ");
}

function markerCollection(markers) {
  return {
    type: "FeatureCollection",
    features: (markers || []).map((m, index) => ({
      type: "Feature",
      id: index,
      geometry: { type: "Point", coordinates: [m.lon, m.lat] },
      properties: { label: m.label || "", color: m.color || "#1b5fa8", index, radius: m.radius || 8,
                    stroke: m.stroke || "#ffffff", strokeWidth: m.strokeWidth || 2, z: m.z || 0 },
    })),
  };
}

function addMarkerLayers(map) {
  map.addSource("page-markers", { type: "geojson", data: markerCollection([]) });
  map.addLayer({
    id: "page-markers",
    type: "circle",
    source: "page-markers",
    layout: { "circle-sort-key": ["get", "z"] },
    paint: {
      "circle-color": ["get", "color"],
      "circle-radius": ["get", "radius"],
      "circle-stroke-color": ["get", "stroke"],
      "circle-stroke-width": ["get", "strokeWidth"],
    },
  });
  map.addLayer({
    id: "page-markers-label",
    type: "symbol",
    source: "page-markers",
    minzoom: 13,
    layout: { "text-field": ["get", "label"], "text-size": 12, "text-offset": [0, 1.1], "text-anchor": "top",
              "text-optional": true },
    paint: { "text-color": "#1b2a3a", "text-halo-color": "#ffffff", "text-halo-width": 1.6 },
  });
}

// The place chosen from the search results, outlined and named on the map until the user pins or searches again.
const NOTHING = ["==", ["get", "code"], "\u0000none"];

function chosenFilter(place, layer) {
  // The search names a place by its name and kind (a region's level, or a domain layer's key).
  if (!place?.name) return NOTHING;
  const region = ["district", "street", "community"].includes(place.kind);
  const source = region ? (layer === "label" ? "region-labels" : "regions") : place.kind;
  return ["all", ["==", ["get", "layer"], source], ...(region ? [["==", ["get", "class"], place.kind]] : []),
          ["any", ["==", ["get", "name_zh"], place.name], ["==", ["get", "name_en"], place.name]]];
}

function addChosenLayers(map) {
  map.addLayer({ id: "chosen-fill", type: "fill", source: "cityops", filter: NOTHING,
                 paint: { "fill-color": "#e65100", "fill-opacity": 0.08 } });
  map.addLayer({ id: "chosen-line", type: "line", source: "cityops", filter: NOTHING,
                 layout: { "line-join": "round", "line-cap": "round" },
                 paint: { "line-color": "#e65100", "line-width": 3.5 } });
  // The chosen name takes part in label placement like every other name (drawn first: it is the top layer), set
  // beside its point wherever it fits, so it never prints over a street's or a road's name.
  map.addLayer({ id: "chosen-label", type: "symbol", source: "cityops", filter: NOTHING,
                 layout: { "text-field": "", "text-size": 16, "symbol-placement": "point",
                           "text-variable-anchor": ["bottom", "top", "left", "right"], "text-radial-offset": 1.1,
                           "text-padding": 4 },
                 paint: { "text-color": "#8a2f00", "text-halo-color": "#ffffff", "text-halo-width": 2.2 } });
  // An address is a point the basemap's own data does not hold: it is ringed and named at its position instead.
  map.addSource("chosen-point", { type: "geojson", data: chosenPoint(null) });
  map.addLayer({ id: "chosen-point", type: "circle", source: "chosen-point",
                 paint: { "circle-radius": 9, "circle-color": "#e65100", "circle-opacity": 0.25,
                          "circle-stroke-color": "#e65100", "circle-stroke-width": 3 } });
  map.addLayer({ id: "chosen-point-label", type: "symbol", source: "chosen-point",
                 layout: { "text-field": ["get", "name"], "text-size": 16,
                           "text-variable-anchor": ["bottom", "top", "left", "right"], "text-radial-offset": 1.2,
                           "text-padding": 4 },
                 paint: { "text-color": "#8a2f00", "text-halo-color": "#ffffff", "text-halo-width": 2.2 } });
}

function chosenPoint(place) {
  const point = place?.kind === "address" && place.center;
  return { type: "FeatureCollection", features: point ? [{ type: "Feature", properties: { name: place.name },
    geometry: { type: "Point", coordinates: place.center } }] : [] };
}

function buildSearch(root, T) {
  const form = element("div", { class: "basemap-search", role: "search" });
  const id = `basemap-q-${Math.random().toString(36).slice(2, 8)}`;
  const label = element("label", { for: id, class: "basemap-search-label" }, T.search_label);
  const row = element("div", { class: "basemap-search-row" });
  const input = element("input", {
    id, type: "search", autocomplete: "off", enterkeyhint: "search", placeholder: T.search_placeholder,
    "aria-controls": `${id}-results`, maxlength: "100",
  });
  const button = element("button", { type: "button", class: "basemap-button" }, T.search);
  const results = element("ul", { id: `${id}-results`, class: "basemap-results", hidden: "" });
  row.append(input, button);
  form.append(label, row, results);
  root.append(form);
  return { input, button, results };
}

function wireSearch(ui, T, language, onChoose, say) {
  let controller = null;
  let timer = null;
  let last = [];

  const show = (places) => {
    last = places;
    ui.results.replaceChildren(...places.map((place, index) => {
      const item = element("li");
      const choose = element("button", { type: "button", class: "basemap-result", "data-index": String(index) });
      choose.append(element("span", { class: "basemap-result-name" }, place.name));
      const detail = [place.kind_label, place.context].filter(Boolean).join(" · ");
      choose.append(element("span", { class: "basemap-result-detail" }, detail));
      choose.addEventListener("click", () => pick(index));
      item.append(choose);
      return item;
    }));
    ui.results.hidden = places.length === 0;
  };

  const pick = (index) => {
    const place = last[index];
    if (!place) return;
    ui.results.hidden = true;
    ui.input.value = place.name;
    onChoose(place);
  };

  const run = async (immediate) => {
    const q = ui.input.value.trim();
    controller?.abort();
    if (!q) { show([]); return []; }
    controller = new AbortController();
    if (immediate) say(T.searching);
    try {
      const { status, body } = await getJson(`/maps/search?${new URLSearchParams({ q, lang: language })}`,
        controller.signal);
      if (!body) { say(status === 429 ? T.search_failed : T.search_failed); return []; }
      show(body.results);
      if (immediate && !body.results.length) say(T.no_results);
      return body.results;
    } catch (error) {
      if (error.name !== "AbortError") say(T.search_failed);
      return [];
    }
  };

  ui.input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => run(false), 250);
  });
  ui.input.addEventListener("keydown", async (event) => {
    if (event.key === "Enter") {
      event.preventDefault(); // never submits the page's form
      clearTimeout(timer);
      const places = await run(true);
      if (places.length === 1) pick(0);
      else ui.results.querySelector("button")?.focus();
    } else if (event.key === "Escape") {
      ui.results.hidden = true;
    } else if (event.key === "ArrowDown") {
      event.preventDefault();
      ui.results.querySelector("button")?.focus();
    }
  });
  ui.results.addEventListener("keydown", (event) => {
    const buttons = [...ui.results.querySelectorAll("button")];
    const at = buttons.indexOf(document.activeElement);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const next = at + (event.key === "ArrowDown" ? 1 : -1);
      (next < 0 ? ui.input : buttons[Math.min(next, buttons.length - 1)]).focus();
    } else if (event.key === "Escape") {
      ui.results.hidden = true;
      ui.input.focus();
    }
  });
  ui.button.addEventListener("click", async () => {
    const places = await run(true);
    if (places.length === 1) pick(0);
  });
}

export async function createBasemap(container, options = {}) {
  addStylesheet(VENDOR_CSS);
  addStylesheet(OWN_CSS);
  const language = options.language || pageLanguage();
  const style = await (await fetch(`/maps/style.json?lang=${language}`, { credentials: "same-origin" })).json();
  const T = style.metadata?.["cityops:strings"] || {};

  container.classList.add("basemap");
  const ui = options.search === false ? null : buildSearch(container, T);
  const canvasBox = element("div", { class: "basemap-map" });
  container.append(canvasBox);
  // What the map is showing, said on the map itself (a phone's screen ends at the map): the pinned place, or the
  // place chosen from the search. The same words are in the status line below it.
  const bar = element("p", { class: "basemap-place", "data-role": "map-place", hidden: "" });
  canvasBox.append(bar);
  const showBar = (text) => { bar.textContent = text || ""; bar.hidden = !text; };
  const actions = element("div", { class: "basemap-actions" });
  const status = element("p", { class: "basemap-status", "aria-live": "polite" });
  container.append(actions, status);
  const say = (text) => { status.textContent = text; };

  let pin = null;
  let pinMarker = null;
  let markers = options.markers || [];
  let lookupSeq = 0;
  let map = null;
  let chosen = null;

  try {
    map = new maplibregl.Map({
      container: canvasBox,
      style,
      bounds: options.bounds,
      fitBoundsOptions: { padding: 16 },
      maxZoom: options.maxZoom ?? 19,
      dragRotate: false,
      pitchWithRotate: false,
      touchPitch: false,
      attributionControl: { compact: true },
      locale: {
        "NavigationControl.ZoomIn": T.zoom_in,
        "NavigationControl.ZoomOut": T.zoom_out,
        "NavigationControl.ResetBearing": T.reset_north,
        "Map.Title": T.map_label,
      },
    });
    map.touchZoomRotate.disableRotation();
    // MapLibre reports a failed tile or source load on its "error" event, and without a listener prints it as a
    // console error. A load cancelled because the map moved on or was removed (an abort) is no failure; others
    // are logged as warnings, and the layers that did load stay on screen.
    map.on("error", (event) => {
      const error = event && event.error;
      if (!error || error.name === "AbortError" || /abort/i.test(String(error.message || ""))) return;
      console.warn("basemap:", error.message || error);
    });
    map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
    map.getCanvas().setAttribute("aria-label", T.map_label);
  } catch (error) {
    console.warn("basemap: cannot draw the map", error);
    canvasBox.replaceWith(element("p", { class: "basemap-failed" }, T.map_failed));
    map = null;
  }

  const fitBounds = (bounds, fitOptions = {}) => {
    if (!map || !bounds) return;
    map.fitBounds(bounds, { padding: 24, maxZoom: 17, duration: 600, ...fitOptions });
  };

  const setPin = async (lon, lat, { fly = false } = {}) => {
    pin = { lon, lat };
    if (map) {
      if (!pinMarker) {
        pinMarker = new maplibregl.Marker({ color: "#c62828", draggable: true })
          .setLngLat([lon, lat]).addTo(map);
        pinMarker.getElement().setAttribute("aria-label", T.marker);
        pinMarker.on("dragend", () => {
          const at = pinMarker.getLngLat();
          setPin(at.lng, at.lat);
        });
      } else {
        pinMarker.setLngLat([lon, lat]);
      }
      if (fly) map.easeTo({ center: [lon, lat], zoom: Math.max(map.getZoom(), 16), duration: 600 });
    }
    const seq = ++lookupSeq;
    choose(null);
    say(T.looking_up);
    showBar(T.looking_up);
    options.onPin?.({ lon, lat, label: "", inside: null, regions: [], pending: true });
    const regions = await lookupPlace(lon, lat);
    if (seq !== lookupSeq) return; // a later pin won
    let label = "";
    if (regions === null) say(T.lookup_failed);
    else if (!regions.length) say(T.outside);
    else {
      label = placeLabel(regions);
      say(fill(T.pinned_in, { place: label }));
    }
    showBar(status.textContent);
    options.onPin?.({ lon, lat, label, inside: regions ? regions.length > 0 : null, regions: regions || [],
                      pending: false });
  };

  // Outline and name the place chosen from the search (null: none).
  function choose(place) {
    chosen = place;
    if (map?.getLayer("chosen-line")) {
      map.setFilter("chosen-fill", chosenFilter(place, "area"));
      map.setFilter("chosen-line", chosenFilter(place, "area"));
      map.setFilter("chosen-label", chosenFilter(place, "label"));
      map.setLayoutProperty("chosen-label", "text-field", place?.name || "");
      map.getSource("chosen-point")?.setData(chosenPoint(place));
    }
    if (place) showBar(placeText(place));
    else if (!pin) showBar("");
  }

  const clearPin = () => {
    pin = null;
    showBar("");
    pinMarker?.remove();
    pinMarker = null;
    say(options.pin ? T.pin_hint : "");
  };

  const setMarkers = (list) => {
    markers = list || [];
    map?.getSource("page-markers")?.setData(markerCollection(markers));
  };

  if (map) {
    map.on("load", () => {
      addChosenLayers(map);
      choose(chosen);
      addMarkerLayers(map);
      setMarkers(markers);
      if (!options.bounds) {
        const data = map.getSource("cityops");
        data?.getBounds?.().then((b) => b && !b.isEmpty() && fitBounds(b.toArray(), { duration: 0 }));
      }
    });
    map.on("click", "page-markers", (event) => {
      const index = event.features?.[0]?.properties?.index;
      if (index !== undefined) options.onMarkerClick?.(markers[index]);
    });
    if (options.pin) {
      // A finger's tap is read from the touch events themselves: MapLibre takes the touches for panning and
      // zooming, and a phone's browser then does not always follow them with a click.
      let touch = null;
      let touchPinnedAt = -Infinity;
      map.on("touchstart", (event) => {
        touch = event.points.length === 1 ? { point: event.point, time: performance.now() } : null;
      });
      map.on("touchmove", (event) => {
        if (touch && (event.points.length > 1 || event.point.dist(touch.point) > 10)) touch = null;
      });
      map.on("touchend", () => {
        if (!touch) return;
        const { point, time } = touch;
        touch = null;
        if (performance.now() - time > 500) return; // a long press is not a tap
        touchPinnedAt = performance.now();
        const at = map.unproject(point);
        setPin(at.lng, at.lat);
      });
      map.on("click", (event) => {
        if (performance.now() - touchPinnedAt < 800) return; // the click that may follow a tap
        if (options.onMarkerClick && map.queryRenderedFeatures(event.point, { layers: ["page-markers"] }).length) return;
        setPin(event.lngLat.lng, event.lngLat.lat);
      });
      canvasBox.classList.add("basemap-pin-mode");
      const centre = element("button", { type: "button", class: "basemap-button basemap-pin-centre" }, T.pin_center);
      centre.addEventListener("click", () => {
        const at = map.getCenter();
        setPin(at.lng, at.lat);
      });
      actions.append(centre);
    }
  }

  if (ui) {
    ui.input.addEventListener("input", () => { if (chosen) choose(null); }); // searching again
    wireSearch(ui, T, language, (place) => {
      choose(place);
      if (place.bbox) fitBounds(place.bbox);
      else map?.easeTo({ center: place.center, zoom: 17, duration: 600 });
      say(fill(options.pin ? T.found : T.found_view, { name: place.name }));
    }, say);
  }

  if (options.pin) {
    if (options.pinAt) setPin(options.pinAt[0], options.pinAt[1], { fly: true });
    else say(T.pin_hint);
  }

  const api = {
    map,
    getPin: () => (pin ? { ...pin } : null),
    setPin,
    clearPin,
    setMarkers,
    fitBounds,
    destroy: () => { map?.remove(); container.replaceChildren(); delete container.basemap; },
  };
  container.basemap = api;
  return api;
}
