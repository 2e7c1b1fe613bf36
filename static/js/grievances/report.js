// Report form: find the street by name on the basemap (static/js/lib/basemap.js), zoom in and tap to pin the
// problem — the confirmation names the district, street and community — or use the device's location. The pin
// fills the lon / lat fields, which people without JavaScript can type themselves. The chosen category's extra
// questions are shown, the others disabled so they are not sent.
import { createBasemap } from "../lib/basemap.js";

const form = document.getElementById("report-form");
const pick = document.getElementById("pick");
const status = document.querySelector("[data-role=pick-status]");
const lon = form.elements.lon;
const lat = form.elements.lat;
const T = JSON.parse(document.getElementById("report-strings").textContent);
const fill = (text, values) => text.replace(/%\((\w+)\)s/g, (_m, key) => values[key]);
let basemap = null;

function fields(longitude, latitude) {
  lon.value = longitude.toFixed(6);
  lat.value = latitude.toFixed(6);
}

async function startMap() {
  const bounds = pick.dataset.bounds ? pick.dataset.bounds.split(",").map(Number) : undefined;
  const posted = lon.value && lat.value ? [Number(lon.value), Number(lat.value)] : null;
  basemap = await createBasemap(pick, {
    bounds,
    pin: true,
    pinAt: posted && posted.every(Number.isFinite) ? posted : null,
    onPin: ({ lon: longitude, lat: latitude }) => fields(longitude, latitude),
  });
  if (basemap.map) {
    // the basemap's own status line names the place; the page's line is kept for the device's location
    status.hidden = true;
  }
}

function pinAt(longitude, latitude, accuracy) {
  fields(longitude, latitude);
  const near = accuracy ? ` ${fill(T.within, { metres: Math.round(accuracy) })}` : "";
  if (basemap?.map) {
    basemap.setPin(longitude, latitude, { fly: true });
    status.hidden = !near;
    status.textContent = near.trim();
  } else {
    status.hidden = false;
    status.textContent = fill(T.pinned, { where: `${longitude.toFixed(5)}, ${latitude.toFixed(5)}` }) + near;
  }
}

document.querySelector("[data-role=locate]").addEventListener("click", () => {
  status.hidden = false;
  if (!navigator.geolocation) {
    status.textContent = T.no_device;
    return;
  }
  status.textContent = T.locating;
  navigator.geolocation.getCurrentPosition(
    (position) => pinAt(position.coords.longitude, position.coords.latitude, position.coords.accuracy),
    () => { status.textContent = T.no_fix; },
    { enableHighAccuracy: true, timeout: 15000 },
  );
});

// typed coordinates move the pin too
for (const input of [lon, lat]) {
  input.addEventListener("change", () => {
    const [x, y] = [Number(lon.value), Number(lat.value)];
    if (lon.value && lat.value && Number.isFinite(x) && Number.isFinite(y)) basemap?.setPin(x, y, { fly: true });
  });
}

function showQuestions() {
  const chosen = form.elements.category.value;
  for (const fieldset of form.querySelectorAll("fieldset.attributes")) {
    const on = fieldset.dataset.category === chosen;
    fieldset.hidden = !on;
    for (const input of fieldset.querySelectorAll("input, select, textarea")) input.disabled = !on;
  }
}
form.elements.category.addEventListener("change", showQuestions);
showQuestions();

startMap().catch((error) => {
  console.warn("report: the map could not start", error);
});
