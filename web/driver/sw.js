// web/driver/sw.js: the driver app's service worker. The app's files and the map library are
// kept in a cache and served from it (refreshed in the background), so the app opens without
// signal; the day's route (GET /v1/driver/route) is fetched from the network first and its last
// copy answered when there is none. Everything else (actions, positions, the event stream) goes
// to the network: the app's outbox (js/queue.js) keeps what could not be sent.
'use strict';
const CACHE = 'lastmile-driver-1';
const APP = ['/driver/', '/driver/index.html', '/driver/style.css', '/driver/manifest.webmanifest', '/driver/icon.svg',
  '/driver/i18n/en.js', '/driver/i18n/fr.js', '/driver/js/util.js', '/driver/js/api.js', '/driver/js/queue.js',
  '/driver/js/geo.js', '/driver/js/live.js', '/driver/js/map.js', '/driver/js/stops.js', '/driver/js/forms.js',
  '/driver/js/main.js', '/vendor/leaflet/leaflet.js', '/vendor/leaflet/leaflet.css'];

self.addEventListener('install', (e) => {
  e.waitUntil(caches.open(CACHE).then((c) => c.addAll(APP)).then(() => self.skipWaiting()));
});
self.addEventListener('activate', (e) => {
  e.waitUntil(caches.keys().then((ks) => Promise.all(ks.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

const offline = () => new Response('{"error":{"code":"unavailable","field":null,"message":"offline"}}',
  { status: 503, headers: { 'Content-Type': 'application/json', 'X-Lastmile-Offline': '1' } });

self.addEventListener('fetch', (e) => {
  const url = new URL(e.request.url);
  if (e.request.method !== 'GET' || url.origin !== location.origin) return;
  if (url.pathname === '/v1/driver/route') {
    e.respondWith(fetch(e.request).then((r) => {
      if (r.ok) { const copy = r.clone(); caches.open(CACHE).then((c) => c.put('/v1/driver/route', copy)); }
      return r;
    }).catch(() => caches.match('/v1/driver/route').then((r) => {
      if (!r) return offline();
      // the app must know this is the last copy, not a fresh answer
      const h = new Headers(r.headers);
      h.set('X-Lastmile-Offline', '1');
      return r.blob().then((b) => new Response(b, { status: 200, headers: h }));
    })));
    return;
  }
  if (url.pathname.startsWith('/v1/')) return;
  if (url.pathname.startsWith('/driver/') || url.pathname.startsWith('/vendor/leaflet/')) {
    const key = url.pathname === '/driver/' ? '/driver/' : url.pathname;
    e.respondWith(caches.open(CACHE).then((c) => c.match(key).then((hit) => {
      const net = fetch(e.request).then((r) => { if (r.ok) c.put(key, r.clone()); return r; });
      return hit ? (net.catch(() => hit), hit) : net.catch(offline);
    })));
  }
});
