// web/driver/js/map.js: the map (Leaflet from /vendor/leaflet, loaded only when the map is first
// shown, so the stop list needs no map code). No tiles are fetched from anywhere: the map draws
// the route, the stops and the phone's own position. The route follows the roads when the server
// gives the route's geometry (GeoJSON LineString, [lon, lat] pairs or an encoded polyline);
// without it, straight lines join the stops.
'use strict';
(() => {
  let map = null, line = null, marks = null, me = null, loading = null;

  function loadLeaflet() {
    if (window.L) return Promise.resolve();
    if (!loading) loading = new Promise((resolve, reject) => {
      const css = document.createElement('link');
      css.rel = 'stylesheet';
      css.href = '/vendor/leaflet/leaflet.css';
      document.head.append(css);
      const s = document.createElement('script');
      s.src = '/vendor/leaflet/leaflet.js';
      s.onload = resolve;
      s.onerror = () => reject(new Error('leaflet'));
      document.head.append(s);
    });
    return loading;
  }

  // Google's encoded polyline (precision 5, or 6 when the server says so) -> [[lat, lon]].
  function decodePolyline(str, precision) {
    const f = 10 ** (precision || 5), out = [];
    let i = 0, lat = 0, lon = 0;
    while (i < str.length) {
      for (const which of [0, 1]) {
        let shift = 0, result = 0, b;
        do { b = str.charCodeAt(i++) - 63; result |= (b & 0x1f) << shift; shift += 5; } while (b >= 0x20 && i < str.length);
        const d = result & 1 ? ~(result >> 1) : result >> 1;
        if (which === 0) lat += d; else lon += d;
      }
      out.push([lat / f, lon / f]);
    }
    return out;
  }

  // The road geometry of the route as [[lat, lon]], or null when the server sent none.
  DA.routeLine = (rt) => {
    const g = rt && (rt.geometry || rt.route_geometry);
    if (!g) return null;
    if (typeof g === 'string') return decodePolyline(g, rt.geometry_precision);
    const coords = Array.isArray(g) ? g : g.coordinates;
    if (!Array.isArray(coords)) return null;
    if (g.type === 'MultiLineString') return coords.flat().map((c) => [c[1], c[0]]);
    return coords.map((c) => [c[1], c[0]]);
  };

  function draw() {
    const rt = DA.route;
    if (!map || !rt) return;
    marks.clearLayers();
    const pts = [];
    for (const s of rt.stops || []) {
      if (!Array.isArray(s.location)) continue;
      const ll = [s.location[1], s.location[0]];
      pts.push(ll);
      const cur = DA.current && DA.current.id === s.id;
      L.circleMarker(ll, { radius: cur ? 11 : 8, weight: 3, color: '#000', fillColor: s.status === 'done' ? '#2e7d32' : s.status === 'failed' ? '#c62828' : cur ? '#ffb300' : '#1565c0', fillOpacity: 1 })
        .bindTooltip(String(s.n || s.seq), { permanent: true, direction: 'center', className: 'stop-num' }).addTo(marks);
    }
    const road = DA.routeLine(rt);
    line.setLatLngs(road && road.length ? road : pts);
    line.setStyle({ dashArray: road ? null : '6 8' });
    const all = pts.concat(DA.here ? [DA.here] : []);
    if (all.length) map.fitBounds(L.latLngBounds(all).pad(0.15), { maxZoom: 16 });
    DA.mapMoved();
  }

  DA.mapMoved = () => {
    if (!map || !DA.here) return;
    if (!me) me = L.circleMarker(DA.here, { radius: 9, color: '#fff', weight: 3, fillColor: '#d500f9', fillOpacity: 1 }).addTo(map);
    else me.setLatLng(DA.here);
  };

  DA.showMap = async () => {
    await loadLeaflet();
    if (!map) {
      map = L.map('map', { zoomControl: true, attributionControl: false }).setView([0, 0], 2);
      line = L.polyline([], { color: '#0d47a1', weight: 6, opacity: 0.8 }).addTo(map);
      marks = L.layerGroup().addTo(map);
    }
    map.invalidateSize();
    draw();
  };
  DA.redrawMap = () => { if (map) draw(); };
})();
