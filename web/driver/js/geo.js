// web/driver/js/geo.js: the phone's own positions while the app is open (an alternative to
// Traccar Client): navigator.geolocation.watchPosition, kept only when the van moved 20 m or
// 15 s passed, and sent in batches (every 30 s or 20 fixes) through the outbox to
// POST /v1/driver/positions, so positions made offline are sent later, in order, once.
'use strict';
(() => {
  const cfg = Object.assign({ minMoveM: 20, minGapMs: 15000, batchMs: 30000, batchMax: 20 }, self.DA_GEO_CONFIG || {});
  let buf = [], last = null, watch = null, timer = 0;
  DA.here = null; // [lat, lon] of the last fix, for the map

  function metres(a, b) {
    const R = 6371000, r = Math.PI / 180;
    const dLat = (b.lat - a.lat) * r, dLon = (b.lon - a.lon) * r;
    const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * r) * Math.cos(b.lat * r) * Math.sin(dLon / 2) ** 2;
    return 2 * R * Math.asin(Math.sqrt(h));
  }

  async function sendBatch() {
    if (!buf.length) return;
    const positions = buf;
    buf = [];
    await DA.enqueue({ kind: 'positions', method: 'POST', path: '/v1/driver/positions', body: { positions },
      label: DA.t('action_positions', { n: positions.length }) });
  }
  DA.sendPositions = sendBatch;

  function onFix(p) {
    const c = p.coords;
    const fix = { lat: c.latitude, lon: c.longitude, timestamp: Math.round(p.timestamp || Date.now()) };
    if (Number.isFinite(c.accuracy)) fix.accuracy = c.accuracy;
    if (Number.isFinite(c.speed) && c.speed !== null && c.speed >= 0) fix.speed = c.speed;
    if (Number.isFinite(c.heading) && c.heading !== null) fix.heading = c.heading;
    DA.here = [fix.lat, fix.lon];
    DA.$('gps-off').hidden = true;
    if (DA.mapMoved) DA.mapMoved();
    if (last && metres(last, fix) < cfg.minMoveM && fix.timestamp - last.timestamp < cfg.minGapMs) return;
    last = fix;
    buf.push(fix);
    if (buf.length >= cfg.batchMax) sendBatch();
  }

  DA.startGeo = () => {
    if (watch !== null || !navigator.geolocation) return;
    watch = navigator.geolocation.watchPosition(onFix, () => { DA.$('gps-off').hidden = false; },
      { enableHighAccuracy: true, maximumAge: 5000, timeout: 60000 });
    timer = setInterval(sendBatch, cfg.batchMs);
    // a page put away (screen off, app switched) sends what it has first
    document.addEventListener('visibilitychange', () => { if (document.hidden) sendBatch(); });
  };
  DA.stopGeo = () => {
    if (watch !== null) navigator.geolocation.clearWatch(watch);
    clearInterval(timer);
    watch = null;
  };
})();
