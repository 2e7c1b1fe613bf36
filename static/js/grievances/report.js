// Report form: tap the map (an SVG of the districts, no tiles) or use the device's location to pin the
// problem; the chosen category's extra questions shown, the others disabled so they are not sent.
const form = document.getElementById("report-form");
const svg = document.querySelector("#pick svg.pick-map");
const status = document.querySelector("[data-role=pick-status]");
const lon = form.elements.lon;
const lat = form.elements.lat;
const west = Number(svg?.dataset.west);
const north = Number(svg?.dataset.north);
const scale = Number(svg?.dataset.scale);
const T = JSON.parse(document.getElementById("report-strings").textContent);
const fill = (text, values) => text.replace(/%\((\w+)\)s/g, (_m, key) => values[key]);

function showPin(x, y) {
  const pin = svg.querySelector(".pin");
  pin.setAttribute("cx", x);
  pin.setAttribute("cy", y);
}

function pinAt(longitude, latitude, accuracy) {
  lon.value = longitude.toFixed(6);
  lat.value = latitude.toFixed(6);
  if (svg) showPin((longitude - west) * scale, (north - latitude) * scale);
  const where = `${longitude.toFixed(5)}, ${latitude.toFixed(5)}`;
  const near = accuracy ? ` ${fill(T.within, { metres: Math.round(accuracy) })}` : "";
  status.textContent = fill(T.pinned, { where }) + near;
}

if (svg) {
  svg.addEventListener("click", (event) => {
    const point = svg.createSVGPoint();
    point.x = event.clientX;
    point.y = event.clientY;
    const local = point.matrixTransform(svg.getScreenCTM().inverse());
    pinAt(west + local.x / scale, north - local.y / scale);
  });
  if (lon.value && lat.value) pinAt(Number(lon.value), Number(lat.value));
}

document.querySelector("[data-role=locate]").addEventListener("click", () => {
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
