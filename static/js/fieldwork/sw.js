// The field app's service worker: the app and what it last read stay usable with no signal.
// Network first (fresh when there is signal), the cache when there is none. Uploads are not handled here:
// the page keeps unsent visits in IndexedDB and sends them when the browser is back online.
const CACHE = "cityops-field-v1";

self.addEventListener("install", () => self.skipWaiting());
// What one officer read (their visit list, their assignments) is not kept here, where it would answer whoever holds
// the phone next: the page keeps it in IndexedDB under its owner. Copies an earlier worker kept are dropped.
const PERSONAL = (pathname) => pathname.startsWith("/api/");
self.addEventListener("activate", (event) => event.waitUntil(
  caches.open(CACHE)
    .then((cache) => cache.keys().then((keys) => Promise.all(keys
      .filter((request) => PERSONAL(new URL(request.url).pathname)).map((request) => cache.delete(request)))))
    .catch(() => {})
    .then(() => self.clients.claim()),
));

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  const ours = url.origin === self.location.origin
    && (url.pathname.startsWith("/field/") || url.pathname.startsWith("/static/")
      // the basemap's style and our own labelled layers, kept for a street with no signal
      || url.pathname === "/maps/style.json" || url.pathname === "/maps/features.geojson"
      || url.pathname.startsWith("/maps/tiles/"));
  if (request.method !== "GET" || !ours) return;
  event.respondWith(
    fetch(request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(request, copy));
        }
        return response;
      })
      // from the cache, saying so (X-Field-Cache: offline): the page shows that it has no signal
      .catch(() => caches.match(request, { ignoreVary: true }).then((hit) => (hit ? offline(hit) : Response.error()))),
  );
});

function offline(hit) {
  const headers = new Headers(hit.headers);
  headers.set("X-Field-Cache", "offline");
  return new Response(hit.body, { status: hit.status, statusText: hit.statusText, headers });
}
