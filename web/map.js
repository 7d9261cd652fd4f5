// web/map.js: the dashboard's street map. Leaflet (from npm, served by the server under
// /vendor/leaflet) draws the basemap tiles under app.js's SVG map and follows its view, so the
// routes (along their road geometry), live vehicles, depots and orders of the SVG sit on real
// streets. The tile URL and attribution come from GET /v1/map/config (`serve --tiles`): an empty
// URL, a missing Leaflet or tiles that do not load leave the plain background (no-tiles
// fallback). Also: routes whose road geometry the server has not fetched yet are fetched again,
// stop details (ETA, status) for the map's tooltips, and the warning when a plan's travel times
// were mostly estimated. app.js calls window.lmBasemap's hooks; nothing here calls app.js.
(function () {
  'use strict';

  const FAILED_TILES = 4;  // tile errors without one tile loaded: the tile server is not there
  const WARN_PCT = 3;      // estimated cells above this share of a routed plan: warn
  const ROAD_RETRIES = 15; // re-fetches of a committed plan waiting for its road geometry

  const B = { map: null, tiles: null, wrap: null, loaded: 0, failed: 0, view: null, waits: new Map() };

  function setMode(mode, note) {
    if (!B.wrap) return;
    B.wrap.dataset.basemap = mode;
    const el = B.wrap.querySelector('#basemap');
    if (el) el.hidden = mode !== 'tiles';
    const n = B.wrap.querySelector('#basemap-note');
    if (n) { n.textContent = note || ''; n.hidden = !note; }
  }

  async function config() {
    try {
      const r = await fetch('/v1/map/config', { cache: 'no-store' });
      if (r.ok) return await r.json();
    } catch (e) { /* the fallback below */ }
    return { tiles: '', attribution: '' };
  }

  // Builds the basemap in wrap (the SVG map's container), under the SVG.
  async function init(wrap) {
    B.wrap = wrap;
    const el = document.createElement('div');
    el.id = 'basemap';
    el.className = 'basemap';
    el.setAttribute('aria-hidden', 'true');
    wrap.prepend(el);
    const note = document.createElement('div');
    note.id = 'basemap-note';
    note.className = 'basemap-note';
    note.hidden = true;
    wrap.append(note);
    const warn = document.createElement('div');
    warn.id = 'roads-warning';
    warn.className = 'roads-warning';
    warn.hidden = true;
    wrap.append(warn);
    const cfg = await config();
    if (typeof L === 'undefined') { setMode('none', 'street map unavailable (Leaflet not loaded)'); return; }
    if (!cfg.tiles) { setMode('none', ''); return; }
    // the SVG on top takes every pointer event: this map only shows tiles at the SVG's view
    B.map = L.map(el, {
      zoomControl: false, attributionControl: true, dragging: false, scrollWheelZoom: false,
      doubleClickZoom: false, boxZoom: false, keyboard: false, touchZoom: false,
      zoomSnap: 0, zoomAnimation: false, fadeAnimation: false, inertia: false, maxZoom: 22,
    });
    B.map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
    B.tiles = L.tileLayer(cfg.tiles, { attribution: cfg.attribution, maxNativeZoom: 19, maxZoom: 22 });
    B.tiles.on('tileload', () => { B.loaded++; if (B.wrap.dataset.basemap !== 'tiles') setMode('tiles'); });
    B.tiles.on('tileerror', () => {
      B.failed++;
      if (!B.loaded && B.failed >= FAILED_TILES) {
        B.map.removeLayer(B.tiles);
        setMode('failed', 'street map unavailable: the tile server does not answer');
      }
    });
    B.tiles.addTo(B.map);
    setMode('tiles');
    if (B.view) sync(B.view);
  }

  // The SVG's view (app.js's M): screen = world * s + t, world x = (lon - lon0) * kx,
  // y = lat0 - lat. Leaflet (Web Mercator) shows 256 * 2^z / 360 px per degree of longitude, so
  // z = log2(s * kx * 360 / 256) matches the SVG at its centre.
  function sync(view) {
    B.view = { w: view.w, h: view.h, s: view.s, tx: view.tx, ty: view.ty, lon0: view.lon0, lat0: view.lat0, kx: view.kx };
    if (!B.map || !view.s || !view.kx || !view.w) return;
    B.map.invalidateSize({ animate: false, pan: false });
    const cx = (view.w / 2 - view.tx) / view.s, cy = (view.h / 2 - view.ty) / view.s;
    const lon = cx / view.kx + view.lon0, lat = view.lat0 - cy;
    const z = Math.log2((view.s * view.kx * 360) / 256);
    if (Number.isFinite(z) && Number.isFinite(lat) && Number.isFinite(lon))
      B.map.setView([lat, lon], Math.max(0, Math.min(22, z)), { animate: false });
  }

  // A committed plan whose routes have no road geometry yet (the server's worker fetches it from
  // the routing engine right after the commit): ask again a little later, a bounded number of times.
  function awaitRoads(plan, again) {
    if (!plan || !Array.isArray(plan.routes)) return;
    const waiting = plan.routes.some((r) => r.geometry === null);
    const n = B.waits.get(plan.id) || 0;
    if (!waiting || n >= ROAD_RETRIES) return;
    B.waits.set(plan.id, n + 1);
    setTimeout(again, 1000 + 500 * n);
  }

  // " · stop planned, ETA 10:32 (van-1)" for an order on the plan's routes, else "".
  function stopInfo(plan, orderId, fmtTime) {
    for (const r of (plan && plan.routes) || []) {
      for (const s of r.stops || []) {
        if (s.order_id !== orderId || s.kind === 'pickup') continue;
        const eta = s.eta || s.eta_s;
        return `\nstop ${s.status || 'planned'}${eta ? `, ETA ${fmtTime(eta)}` : ''} (${r.vehicle_id})`;
      }
    }
    return '';
  }

  // The warning over the map when the plan shown was routed by an engine that could not route
  // more than a few percent of its cells (those are straight-line estimates).
  function routes(plan) {
    const warn = B.wrap && B.wrap.querySelector('#roads-warning');
    if (!warn) return;
    const ro = plan && plan.routing;
    const pct = ro && ro.router !== 'geodesic' && ro.cells ? (100 * ro.cells_estimated) / ro.cells : 0;
    warn.hidden = !(pct > WARN_PCT);
    warn.textContent = warn.hidden ? '' :
      `Plan ${plan.id}: ${pct.toFixed(1)}% of travel times are estimates (${ro.cells_estimated} of ${ro.cells} pairs): ` +
      `the ${ro.router} engine could not route them`;
  }

  // the Leaflet map (null without tiles): tests check the tiles line up with the SVG through it
  const leaflet = () => B.map;

  window.lmBasemap = { init, sync, awaitRoads, stopInfo, routes, leaflet };
})();
