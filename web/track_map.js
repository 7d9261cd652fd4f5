// web/track_map.js: the tracking page's map: Leaflet (served by the server under /vendor/leaflet)
// with the delivery address and, when the parcel's van is next, the van itself. Tiles as the
// dashboard's (GET /v1/map/config, `serve --tiles`); without tiles the two markers stay on a
// plain background. track.html calls window.trackMap(t) with each tracking reply.
(function () {
  'use strict';
  const T = { map: null, dest: null, van: null, tilesTried: false, fitted: '' };

  async function tiles(map, box) {
    let cfg = { tiles: '', attribution: '' };
    try {
      const r = await fetch('/v1/map/config', { cache: 'no-store' });
      if (r.ok) cfg = await r.json();
    } catch (e) { /* plain background */ }
    box.dataset.basemap = cfg.tiles ? 'tiles' : 'none';
    if (!cfg.tiles) return;
    const layer = L.tileLayer(cfg.tiles, { attribution: cfg.attribution, maxZoom: 19 });
    let loaded = 0, failed = 0;
    layer.on('tileload', () => { loaded++; });
    layer.on('tileerror', () => {
      if (!loaded && ++failed >= 4) { map.removeLayer(layer); box.dataset.basemap = 'failed'; }
    });
    layer.addTo(map);
  }

  function ensure(box, dst) {
    if (T.map) return T.map;
    T.map = L.map(box, { zoomControl: true, attributionControl: true, scrollWheelZoom: false });
    T.map.setView([dst.lat, dst.lon], 15); // a view first: markers need one
    T.map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
    tiles(T.map, box);
    return T.map;
  }

  window.trackMap = function (t) {
    const box = document.getElementById('track-map');
    if (!box) return;
    const dst = t && t.destination;
    const done = t && (t.status === 'delivered' || t.status === 'cancelled');
    if (typeof L === 'undefined' || !dst || done) { box.hidden = true; return; }
    box.hidden = false;
    const map = ensure(box, dst);
    map.invalidateSize();
    if (!T.dest) {
      T.dest = L.circleMarker([dst.lat, dst.lon], { radius: 8, color: '#1d2430', weight: 2, fillColor: '#2b7de9', fillOpacity: 0.9 })
        .bindTooltip('Your address').addTo(map);
      T.dest.getElement().dataset.role = 'destination';
    }
    const dp = t.driver_position;
    if (dp) {
      if (!T.van) {
        T.van = L.circleMarker([dp.lat, dp.lon], { radius: 9, color: '#fff', weight: 3, fillColor: '#e8590c', fillOpacity: 1 })
          .bindTooltip('Your driver').addTo(map);
        T.van.getElement().dataset.role = 'van';
      } else T.van.setLatLng([dp.lat, dp.lon]);
    } else if (T.van) { map.removeLayer(T.van); T.van = null; }
    // refit when what is shown changes (not on every poll: the customer may have zoomed)
    const key = dp ? 'both' : 'dest';
    if (T.fitted !== key) {
      T.fitted = key;
      if (dp) map.fitBounds(L.latLngBounds([[dst.lat, dst.lon], [dp.lat, dp.lon]]).pad(0.3), { maxZoom: 16 });
      else map.setView([dst.lat, dst.lon], 15);
    }
  };
})();
