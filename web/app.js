// web/app.js: the dispatcher dashboard's logic: API client, SVG map, panels and the live event
// stream. Vanilla JS, no dependencies; it only talks to the lastmile HTTP API of its own origin.
'use strict';

(() => {
  const KEY_STORAGE = 'lastmile.key';
  const STATUSES = [
    // [status, colour, label] in lifecycle order
    ['received', '#94a3b8', 'received'],
    ['held', '#dc2626', 'held'],
    ['allocated', '#3b82f6', 'allocated'],
    ['backordered', '#f59e0b', 'backordered'],
    ['picking', '#06b6d4', 'picking'],
    ['ready', '#14b8a6', 'ready'],
    ['planned', '#8b5cf6', 'planned'],
    ['out_for_delivery', '#1e3a8a', 'out for delivery'],
    ['delivered', '#16a34a', 'delivered'],
    ['failed', '#7f1d1d', 'failed'],
    ['cancelled', '#d1d5db', 'cancelled'],
  ];
  const STATUS_COLOUR = Object.fromEntries(STATUSES.map(([s, c]) => [s, c]));
  // Route colours, most distinct first; beyond them hues step by the golden angle.
  const VEHICLE_COLOURS = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#0fa3b1',
    '#f032e6', '#9a6324', '#469990', '#800000', '#808000', '#000075', '#e6a800', '#5b8c00',
    '#c2185b', '#1565c0', '#6d4c41', '#00897b', '#7b1fa2', '#ef6c00'];
  const NO_ROUTE_COLOUR = '#64748b';
  // events worth a dispatcher's attention: highlighted in the feed (class: bad / replan / warn)
  const HOT_EVENTS = {
    'stop.late': 'bad', 'vehicle.breakdown': 'bad', 'vehicle.silent': 'bad', 'stop.failed': 'bad',
    'plan.failed': 'bad', 'order.held': 'bad', 'driver.exception': 'bad', 'order.unrouted': 'bad',
    'plan.replanned': 'replan', 'plan.replan_proposed': 'replan', 'plan.proposed': 'replan',
    'plan.committed': 'replan', 'stock.low': 'warn', 'order.failed': 'bad',
    'sla.breached': 'bad', 'sla.breach_imminent': 'warn', 'complaint.opened': 'warn',
    'complaint.reopened': 'warn', 'complaint.escalated': 'bad',
  };
  const FEED_MAX = 300;

  const $ = (id) => document.getElementById(id);
  const SVGNS = 'http://www.w3.org/2000/svg';
  const svgEl = (tag, attrs) => {
    const e = document.createElementNS(SVGNS, tag);
    for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
    return e;
  };
  const h = (tag, attrs, ...kids) => {
    const e = document.createElement(tag);
    for (const k in attrs || {}) {
      if (k === 'class') e.className = attrs[k];
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), attrs[k]);
      else if (attrs[k] !== undefined && attrs[k] !== null && attrs[k] !== false) e.setAttribute(k, attrs[k]);
    }
    for (const c of kids.flat()) if (c !== null && c !== undefined && c !== false) e.append(c instanceof Node ? c : String(c));
    return e;
  };

  // ---------------------------------------------------------------- state

  const S = {
    key: null,
    whoami: null,
    routes: new Map(), // "METHOD /path/{x}" -> openapi operation (what this server offers)
    depots: [],
    orders: new Map(), // id -> order
    area: null, // GeoJSON geometry of the service area
    hidden: new Set(['cancelled']), // order statuses not drawn
    plans: [],
    planCache: new Map(), // id -> full plan
    planLimits: new Map(), // plan id -> time limit asked (ms), for its progress bar
    selectedPlan: null, // id shown in the detail and drawn dashed
    committedPlan: null, // full plan whose routes are live
    vehicles: new Map(), // id -> {id, driver_id, lat, lon, broken, silent, ...}
    vehicleColour: new Map(),
    cursor: 0, // last event seq seen
    selectedOrder: null,
    trackPage: false,
  };

  // ---------------------------------------------------------------- API client

  class ApiError extends Error {
    constructor(status, code, field, message) {
      super(message);
      this.status = status; this.code = code; this.field = field;
    }
    toString() {
      const where = this.field ? ` (${this.field})` : '';
      return `${this.message}${where}`;
    }
  }

  async function api(method, path, body, opts = {}) {
    const headers = { Accept: 'application/json' };
    if (S.key) headers.Authorization = `Bearer ${S.key}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res;
    try {
      res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (e) {
      throw new ApiError(0, 'network', '', `cannot reach the server (${e.message})`);
    }
    const type = res.headers.get('Content-Type') || '';
    let data = null;
    if (res.status !== 204) {
      const text = await res.text();
      if (type.includes('json') && text) {
        try { data = JSON.parse(text); } catch { data = null; }
      } else data = text;
    }
    if (!res.ok) {
      const e = data && data.error ? data.error : {};
      const err = new ApiError(res.status, e.code || String(res.status), e.field || '',
        e.message || `${method} ${path} answered ${res.status}`);
      err.data = data;
      if (res.status === 401 && !opts.login) signOut('The server refused the key (401): sign in again.');
      throw err;
    }
    return data;
  }

  // Has the server a route like this? pattern: "/v1/plans/{}/commit" ({} = any parameter).
  function route(method, pattern) {
    const want = pattern.replace(/\{[^}]*\}/g, '{}');
    for (const k of S.routes.keys()) {
      const [m, p] = k.split(' ');
      if (m === method && p.replace(/\{[^}]*\}/g, '{}') === want) return p;
    }
    return null;
  }
  const firstRoute = (method, patterns) => patterns.map((p) => route(method, p)).find(Boolean) || null;
  const fill = (tpl, ...vals) => { let i = 0; return tpl.replace(/\{[^}]*\}/g, () => encodeURIComponent(vals[i++])); };
  // Property names of a route's JSON request body (from the OpenAPI document).
  function bodyProps(method, path) {
    const op = S.routes.get(`${method} ${path}`);
    const schema = op && op.requestBody && op.requestBody.content &&
      (op.requestBody.content['application/json'] || Object.values(op.requestBody.content)[0]);
    return Object.keys((schema && schema.schema && schema.schema.properties) || {});
  }
  const pickProp = (props, names) => names.find((n) => props.includes(n)) || null;

  async function loadRoutes() {
    S.routes.clear();
    const doc = await api('GET', '/openapi.json');
    for (const [p, ops] of Object.entries(doc.paths || {}))
      for (const [m, op] of Object.entries(ops)) S.routes.set(`${m.toUpperCase()} ${p}`, op);
  }

  // ---------------------------------------------------------------- UI helpers

  function toast(text, kind = 'info', detail = '') {
    const t = h('div', { class: `toast ${kind}` }, text, detail ? h('span', { class: 'code' }, detail) : null);
    $('toasts').append(t);
    setTimeout(() => t.remove(), kind === 'error' ? 9000 : 4000);
  }
  function showError(e, what) {
    if (e instanceof ApiError) {
      const status = e.status ? `HTTP ${e.status} · ${e.code}` : e.code;
      // the feasibility checker's findings come as a list beside the error
      const more = e.data && Array.isArray(e.data.violations) ? e.data.violations.slice(1, 6)
        .map((x) => (typeof x === 'string' ? x : x.message || JSON.stringify(x))) : [];
      toast(`${what}: ${e.toString()}${more.length ? `\n• ${more.join('\n• ')}` : ''}`, 'error', status);
    } else {
      toast(`${what}: ${e && e.message ? e.message : e}`, 'error');
      console.error(e);
    }
  }
  const pad = (n) => String(n).padStart(2, '0');
  const hhmm = (d) => `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  const hhmmss = (d) => `${hhmm(d)}:${pad(d.getSeconds())}`;
  const fmtEpochS = (s) => (s ? hhmm(new Date(s * 1000)) : '—');
  const fmtDur = (s) => (s === undefined || s === null ? '—' : `${Math.floor(s / 3600)}h${pad(Math.round((s % 3600) / 60))}`);
  const fmtKm = (m) => (m === undefined || m === null ? '—' : `${(m / 1000).toFixed(1)} km`);
  const fmtNum = (n) => (n === undefined || n === null || n < 0 ? '—' : Number(n).toLocaleString('en'));
  const fmtWindow = (w) => {
    if (!Array.isArray(w) || w.length < 2) return '';
    const a = new Date(typeof w[0] === 'number' ? w[0] * 1000 : w[0]);
    const b = new Date(typeof w[1] === 'number' ? w[1] * 1000 : w[1]);
    return `${hhmm(a)}–${hhmm(b)}`;
  };
  // Runs fn at most once per ms, the last call always honoured (a burst never starves it).
  const throttle = (fn, ms) => {
    let timer = null, last = 0;
    const run = () => { timer = null; last = Date.now(); fn(); };
    return () => {
      if (timer) return; // the pending run comes after this call: it sees its change
      timer = setTimeout(run, Math.max(50, ms - (Date.now() - last)));
    };
  };
  const debounce = (fn, ms) => {
    let t = null;
    return (...a) => { clearTimeout(t); t = setTimeout(() => fn(...a), ms); };
  };
  // Two clicks to do something that cannot be undone (no modal dialogs: they block the page).
  function confirmButton(label, confirmLabel, cls, action) {
    const b = h('button', { class: `small ${cls}` }, label);
    let armed = null;
    b.addEventListener('click', async (ev) => {
      ev.stopPropagation();
      if (!armed) {
        b.textContent = confirmLabel;
        armed = setTimeout(() => { armed = null; b.textContent = label; }, 3000);
        return;
      }
      clearTimeout(armed); armed = null;
      b.disabled = true;
      try { await action(); } finally { b.disabled = false; b.textContent = label; }
    });
    return b;
  }
  function actionButton(label, cls, action) {
    const b = h('button', { class: `small ${cls}` }, label);
    b.addEventListener('click', async (ev) => {
      ev.stopPropagation();
      b.disabled = true;
      try { await action(); } finally { b.disabled = false; }
    });
    return b;
  }
  const orderLoc = (o) => (o && o.customer && Array.isArray(o.customer.location) ? o.customer.location : null);
  const orderName = (id) => {
    const o = S.orders.get(Number(id));
    return o ? `#${id} ${o.customer && o.customer.name ? o.customer.name : ''}`.trim() : `#${id}`;
  };

  // ---------------------------------------------------------------- map

  const M = {
    svg: null, vp: null, w: 800, h: 600,
    lon0: 0, lat0: 0, kx: 1, // projection: x = (lon - lon0) * kx, y = (lat0 - lat)
    s: 1, tx: 0, ty: 0, // view: screen = world * s + t
    fitted: false, raf: 0,
  };

  const proj = (lon, lat) => [(lon - M.lon0) * M.kx, M.lat0 - lat];

  function mapInit() {
    M.svg = $('map'); M.vp = $('viewport');
    const ro = new ResizeObserver(() => {
      const r = M.svg.getBoundingClientRect();
      const first = !M.w || !M.fitted;
      M.w = r.width; M.h = r.height;
      if (first) mapFit(); else mapApplyView();
    });
    ro.observe(M.svg);
    M.svg.addEventListener('wheel', (ev) => {
      ev.preventDefault();
      const r = M.svg.getBoundingClientRect();
      mapZoomAt(ev.clientX - r.left, ev.clientY - r.top, Math.exp(-ev.deltaY * (ev.deltaMode ? 0.05 : 0.0015)));
    }, { passive: false });
    let drag = null;
    M.svg.addEventListener('pointerdown', (ev) => {
      if (ev.button !== 0) return;
      drag = { x: ev.clientX, y: ev.clientY, tx: M.tx, ty: M.ty, moved: false, id: ev.pointerId };
    });
    M.svg.addEventListener('pointermove', (ev) => {
      if (drag && drag.id === ev.pointerId) {
        const dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
        if (!drag.moved && Math.hypot(dx, dy) > 3) {
          drag.moved = true;
          M.svg.setPointerCapture(ev.pointerId);
          M.svg.classList.add('dragging');
          $('map-tip').hidden = true;
        }
        if (drag.moved) { M.tx = drag.tx + dx; M.ty = drag.ty + dy; mapScheduleView(); }
        return;
      }
      mapHover(ev);
    });
    const end = (ev) => {
      if (!drag || drag.id !== ev.pointerId) return;
      const wasDrag = drag.moved;
      drag = null;
      M.svg.classList.remove('dragging');
      if (!wasDrag && ev.type === 'pointerup') mapClick(ev);
    };
    M.svg.addEventListener('pointerup', end);
    M.svg.addEventListener('pointercancel', end);
    M.svg.addEventListener('pointerleave', () => { $('map-tip').hidden = true; });
    $('zoom-in').addEventListener('click', () => mapZoomAt(M.w / 2, M.h / 2, 1.5));
    $('zoom-out').addEventListener('click', () => mapZoomAt(M.w / 2, M.h / 2, 1 / 1.5));
    $('zoom-fit').addEventListener('click', mapFit);
  }

  function mapZoomAt(px, py, f) {
    const s = Math.min(Math.max(M.s * f, M.minS || 1), (M.minS || 1) * 400);
    f = s / M.s;
    M.tx = px - (px - M.tx) * f; M.ty = py - (py - M.ty) * f; M.s = s;
    mapScheduleView();
  }
  function mapScheduleView() {
    if (!M.raf) M.raf = requestAnimationFrame(() => { M.raf = 0; mapApplyView(); });
  }
  // Sets the view transform; markers keep their size on screen (radius and labels / scale).
  function mapApplyView() {
    M.vp.setAttribute('transform', `translate(${M.tx},${M.ty}) scale(${M.s})`);
    const r = Math.max(2.5, Math.min(6, 2.5 + Math.log2(M.s / (M.minS || M.s)) * 0.8)) / M.s;
    for (const c of $('layer-orders').children) c.setAttribute('r', c.classList.contains('selected') ? r * 1.8 : r);
    for (const c of document.querySelectorAll('#layer-routes .late-ring')) c.setAttribute('r', r * 2.2);
    const inv = `scale(${1 / M.s})`;
    for (const g of document.querySelectorAll('#layer-depots > g, #layer-vehicles > g'))
      g.setAttribute('transform', `translate(${g.dataset.x},${g.dataset.y}) ${inv}`);
  }

  // All the [lon, lat] points the view should cover.
  function mapExtentPoints() {
    const pts = [];
    if (S.area) for (const ring of areaRings(S.area)) pts.push(...ring);
    for (const d of S.depots) if (Array.isArray(d.location)) pts.push(d.location);
    if (!pts.length || pts.length < 3) for (const o of S.orders.values()) { const l = orderLoc(o); if (l) pts.push(l); }
    for (const v of S.vehicles.values()) if (v.lon !== undefined) pts.push([v.lon, v.lat]);
    return pts;
  }

  function mapFit() {
    const box = M.svg.getBoundingClientRect();
    if (box.width && box.height) { M.w = box.width; M.h = box.height; }
    const pts = mapExtentPoints();
    if (!pts.length || !M.w || !M.h) return;
    let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const [lon, lat] of pts) { x0 = Math.min(x0, lon); x1 = Math.max(x1, lon); y0 = Math.min(y0, lat); y1 = Math.max(y1, lat); }
    if (!M.fitted || M.lon0 === 0) {
      M.lat0 = (y0 + y1) / 2; M.lon0 = (x0 + x1) / 2;
      M.kx = Math.cos((M.lat0 * Math.PI) / 180);
      M.fitted = true;
      mapRenderAll();
    }
    const [ax, ay] = proj(x0, y1), [bx, by] = proj(x1, y0);
    const ww = Math.max(bx - ax, 1e-4), wh = Math.max(by - ay, 1e-4);
    M.s = Math.min(M.w / ww, M.h / wh) * 0.9;
    M.minS = M.s / 4;
    M.tx = M.w / 2 - ((ax + bx) / 2) * M.s;
    M.ty = M.h / 2 - ((ay + by) / 2) * M.s;
    mapApplyView();
  }

  function areaRings(g) {
    if (!g) return [];
    if (g.type === 'Feature') return areaRings(g.geometry);
    if (g.type === 'FeatureCollection') return (g.features || []).flatMap(areaRings);
    if (g.type === 'Polygon') return g.coordinates || [];
    if (g.type === 'MultiPolygon') return (g.coordinates || []).flat();
    return [];
  }
  const pathOf = (coords, close) => coords.map(([lon, lat], i) => {
    const [x, y] = proj(lon, lat);
    return `${i ? 'L' : 'M'}${x.toFixed(6)},${y.toFixed(6)}`;
  }).join('') + (close ? 'Z' : '');

  function mapRenderAll() {
    if (!M.fitted) { if (mapExtentPoints().length) mapFit(); return; }
    mapRenderArea(); mapRenderDepots(); mapRenderOrders(); mapRenderRoutes(); mapRenderVehicles();
    $('map-empty').hidden = mapExtentPoints().length > 0;
  }
  function mapRenderArea() {
    const g = $('layer-area'); g.replaceChildren();
    const rings = areaRings(S.area);
    if (rings.length) g.append(svgEl('path', { class: 'area', d: rings.map((r) => pathOf(r, true)).join(''), 'fill-rule': 'evenodd' }));
  }
  function mapRenderDepots() {
    const g = $('layer-depots'); g.replaceChildren();
    for (const d of S.depots) {
      if (!Array.isArray(d.location)) continue;
      const [x, y] = proj(d.location[0], d.location[1]);
      const dg = svgEl('g', { class: 'depot', 'data-depot': d.id });
      dg.dataset.x = x; dg.dataset.y = y;
      dg.dataset.tip = `Depot ${d.id}\n${d.name || ''}${d.opening_hours ? `\nopen ${d.opening_hours.open}–${d.opening_hours.close}` : ''}`;
      dg.append(svgEl('rect', { x: -7, y: -7, width: 14, height: 14, rx: 2 }));
      const t = svgEl('text', { x: 10, y: 4 }); t.textContent = d.name || d.id;
      dg.append(t);
      g.append(dg);
    }
    mapApplyView();
  }
  function mapRenderOrders() {
    const g = $('layer-orders');
    const frag = document.createDocumentFragment();
    for (const o of S.orders.values()) {
      const l = orderLoc(o);
      if (!l || S.hidden.has(o.status)) continue;
      const [x, y] = proj(l[0], l[1]);
      const c = svgEl('circle', { class: 'order', cx: x, cy: y, r: 0.0005, fill: STATUS_COLOUR[o.status] || '#64748b' });
      c.dataset.order = o.id;
      if (S.selectedOrder === o.id) c.classList.add('selected');
      frag.append(c);
    }
    g.replaceChildren(frag);
    mapApplyView();
  }
  const scheduleOrdersRender = throttle(() => { mapRenderOrders(); renderCounts(); }, 300);

  // A vehicle gets its colour when one of its routes is first drawn, so routes shown together
  // differ; a vehicle without a route is grey.
  function vehicleColour(id) {
    if (!S.vehicleColour.has(id)) {
      const n = S.vehicleColour.size;
      S.vehicleColour.set(id, n < VEHICLE_COLOURS.length ? VEHICLE_COLOURS[n] : `hsl(${(n * 137.508) % 360},70%,42%)`);
    }
    return S.vehicleColour.get(id);
  }

  function mapRenderRoutes() {
    const g = $('layer-routes'); g.replaceChildren();
    const selected = S.selectedPlan !== null ? S.planCache.get(S.selectedPlan) : null;
    // a proposal is drawn dashed over the dimmed live routes; committed plans are history
    const showSelected = selected && ['proposed', 'solving'].includes(planStatus(selected)) &&
      (!S.committedPlan || selected.id !== S.committedPlan.id);
    if (S.committedPlan) {
      for (const r of planLines(S.committedPlan)) {
        const p = svgEl('path', { class: `route${showSelected ? ' dim' : ''}`, d: pathOf(r.coords, false), stroke: vehicleColour(r.vehicle) });
        p.dataset.tip = `Route ${r.vehicle} (plan ${S.committedPlan.id}, ${S.committedPlan.status})`;
        p.dataset.vehicle = r.vehicle;
        g.append(p);
      }
    }
    // stops of the live routes expected after their window: ringed in red
    if (S.committedPlan) {
      for (const r of S.committedPlan.routes || []) {
        for (const st of r.stops || []) {
          const l = st.late && ['planned', 'arrived'].includes(st.status || 'planned') ? stopLonLat(st) : null;
          if (!l) continue;
          const [x, y] = proj(l[0], l[1]);
          const c = svgEl('circle', { class: 'late-ring', cx: x, cy: y, r: 0.001 });
          c.dataset.tip = `LATE: ${orderName(st.order_id)} (${routeVehicle(r)})\nETA ${fmtEpochS(stopEta(st))}, window ${fmtWindow(st.time_window)}`;
          c.dataset.order = st.order_id;
          g.append(c);
        }
      }
    }
    if (showSelected) {
      for (const r of planLines(selected)) {
        const p = svgEl('path', { class: 'route proposed', d: pathOf(r.coords, false), stroke: vehicleColour(r.vehicle) });
        p.dataset.tip = `Route ${r.vehicle} (plan ${selected.id}, ${selected.status})`;
        p.dataset.vehicle = r.vehicle;
        g.append(p);
      }
    }
    mapApplyView();
  }

  function mapRenderVehicles() {
    const g = $('layer-vehicles');
    const seen = new Set();
    for (const v of S.vehicles.values()) {
      if (typeof v.lat !== 'number' || typeof v.lon !== 'number') continue;
      seen.add(v.id);
      let vg = g.querySelector(`g[data-vehicle="${CSS.escape(v.id)}"]`);
      if (!vg) {
        vg = svgEl('g', { class: 'vehicle', 'data-vehicle': v.id });
        vg.append(svgEl('circle', { r: 7 }));
        const t = svgEl('text', { x: 10, y: 4 }); t.textContent = v.id;
        vg.append(t);
        g.append(vg);
      }
      const [x, y] = proj(v.lon, v.lat);
      vg.dataset.x = x; vg.dataset.y = y;
      vg.firstChild.setAttribute('fill', S.vehicleColour.get(v.id) || NO_ROUTE_COLOUR);
      vg.classList.toggle('broken', !!v.broken);
      vg.classList.toggle('silent', !!v.silent);
      const seenAt = v.seen_ms ? `\nseen ${hhmmss(new Date(v.seen_ms))}` : '';
      vg.dataset.tip = `Vehicle ${v.id}${v.driver_id ? ` · driver ${v.driver_id}` : ''}${v.broken ? '\nBROKEN DOWN' : ''}${v.silent ? '\nsilent' : ''}${seenAt}`;
      vg.setAttribute('transform', `translate(${x},${y}) scale(${1 / M.s})`);
    }
    for (const vg of [...g.children]) if (!seen.has(vg.dataset.vehicle)) vg.remove();
  }

  function mapTarget(ev) {
    const el = ev.target.closest ? ev.target.closest('[data-order],[data-depot],[data-vehicle],.late-ring') : null;
    return el && M.svg.contains(el) ? el : null;
  }
  function mapHover(ev) {
    const tip = $('map-tip');
    const el = mapTarget(ev);
    if (!el) { tip.hidden = true; return; }
    let text = el.dataset.tip;
    if (el.dataset.order) {
      const o = S.orders.get(Number(el.dataset.order));
      if (o) text = `#${o.id} ${o.external_ref || ''}\n${o.customer ? o.customer.name : ''}\n${o.status}${o.time_windows && o.time_windows[0] ? ` · ${fmtWindow(o.time_windows[0])}` : ''}`;
    }
    if (!text) { tip.hidden = true; return; }
    const r = M.svg.getBoundingClientRect();
    tip.textContent = text;
    tip.style.left = `${ev.clientX - r.left + 14}px`;
    tip.style.top = `${ev.clientY - r.top + 10}px`;
    tip.hidden = false;
  }
  function mapClick(ev) {
    const el = mapTarget(ev);
    if (el && el.dataset.order) showOrderCard(Number(el.dataset.order));
    else if (!el) hideOrderCard();
  }
  function mapFocus(lon, lat) {
    const [x, y] = proj(lon, lat);
    if (M.s < M.minS * 8) M.s = M.minS * 8;
    M.tx = M.w / 2 - x * M.s; M.ty = M.h / 2 - y * M.s;
    mapApplyView();
  }

  function renderLegend() {
    const lg = $('map-legend'); lg.replaceChildren();
    for (const [s, c, label] of STATUSES) {
      const item = h('span', { class: `legend-item${S.hidden.has(s) ? ' off' : ''}`, title: 'show / hide on the map', 'data-status': s },
        h('span', { class: 'swatch', style: `background:${c}` }), label);
      item.addEventListener('click', () => toggleStatus(s));
      lg.append(item);
    }
    lg.append(h('span', { class: 'legend-item' }, h('span', { class: 'swatch square', style: 'background:#111827' }), 'depot'));
  }
  function toggleStatus(s) {
    if (S.hidden.has(s)) S.hidden.delete(s); else S.hidden.add(s);
    renderLegend(); renderCounts(); mapRenderOrders();
  }

  // ---------------------------------------------------------------- orders

  async function loadOrders() {
    const all = new Map();
    let after = 0;
    for (let page = 0; page < 200; page++) {
      const d = await api('GET', `/v1/orders?limit=1000&after=${after}`);
      const list = (d && d.orders) || [];
      for (const o of list) all.set(o.id, o);
      if (list.length < 1000) break;
      after = list[list.length - 1].id;
    }
    S.orders = all;
  }

  // Orders changed by events are fetched again in small batches (all of them after a big change).
  const pendingOrders = new Set();
  const flushOrders = throttle(async () => {
    const ids = [...pendingOrders]; pendingOrders.clear();
    try {
      if (ids.length > 80) await loadOrders();
      else {
        for (let i = 0; i < ids.length; i += 6) {
          const got = await Promise.all(ids.slice(i, i + 6).map((id) => api('GET', `/v1/orders/${id}`).catch(() => null)));
          for (const o of got) if (o && o.id !== undefined) S.orders.set(o.id, o);
        }
      }
    } catch (e) { showError(e, 'Refreshing orders'); }
    scheduleOrdersRender();
    if (S.selectedOrder !== null && ids.includes(S.selectedOrder)) showOrderCard(S.selectedOrder);
  }, 700);
  function orderChanged(id) {
    if (!Number.isFinite(id) || id <= 0) return; // break and return-pickup stops carry order_id 0
    pendingOrders.add(id);
    flushOrders();
  }

  function renderCounts() {
    const counts = {};
    for (const o of S.orders.values()) counts[o.status] = (counts[o.status] || 0) + 1;
    const box = $('orders-counts'); box.replaceChildren();
    for (const [s, c, label] of STATUSES) {
      const n = counts[s] || 0;
      const el = h('div', { class: 'count', title: 'click: show / hide on the map', 'data-status': s, style: S.hidden.has(s) ? 'opacity:.45' : '' },
        h('span', { class: 'swatch', style: `background:${c}` }), label, h('b', {}, n));
      el.addEventListener('click', () => toggleStatus(s));
      box.append(el);
    }
    $('orders-total').textContent = S.orders.size;
  }

  function hideOrderCard() {
    S.selectedOrder = null;
    $('order-card').hidden = true;
    for (const c of document.querySelectorAll('#layer-orders .selected')) c.classList.remove('selected');
    mapApplyView();
  }
  async function showOrderCard(id) {
    let o = S.orders.get(id);
    try { o = await api('GET', `/v1/orders/${id}`); S.orders.set(id, o); } catch (e) { if (!o) { showError(e, `Order #${id}`); return; } }
    S.selectedOrder = id;
    for (const c of document.querySelectorAll('#layer-orders circle')) c.classList.toggle('selected', Number(c.dataset.order) === id);
    mapApplyView();
    const card = $('order-card');
    const cust = o.customer || {};
    const rows = [
      ['Status', `${o.status}${o.customer_status ? ` — ${o.customer_status}` : ''}`],
      ['Customer', cust.name], ['Phone', cust.phone], ['Address', cust.address],
      ['Window', (o.time_windows || []).map(fmtWindow).join(', ')],
      ['Depot', o.depot], ['Lines', (o.lines || []).map((l) => `${l.sku}×${l.qty}`).join(', ')],
      ['Priority', o.priority], ['Notes', o.notes],
    ].filter(([, v]) => v !== undefined && v !== null && v !== '');
    const actions = h('div', { class: 'actions' });
    if (o.status === 'held' && route('POST', '/v1/orders/{}/release'))
      actions.append(actionButton('Release', '', () => orderAction(id, 'release')));
    if (!['out_for_delivery', 'delivered', 'failed', 'cancelled'].includes(o.status) && route('POST', '/v1/orders/{}/cancel'))
      actions.append(confirmButton('Cancel order', 'Click again to cancel', 'danger', () => orderAction(id, 'cancel')));
    if (S.trackPage && o.tracking_token)
      actions.append(h('a', { href: `track.html#${encodeURIComponent(o.tracking_token)}`, target: '_blank', rel: 'noopener', title: 'what the customer sees (opens a new tab)' }, 'customer tracking page'));
    const reasons = (o.exceptions || []).filter((x) => !x.resolution);
    card.replaceChildren(...[
      h('button', { class: 'close', title: 'close', onclick: hideOrderCard }, '×'),
      h('h3', {}, `Order #${o.id} `, h('small', {}, o.external_ref || '')),
      h('dl', {}, rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, String(v))])),
      reasons.length ? h('ul', { class: 'list' }, reasons.map((x) => h('li', { class: 'reason' }, h('b', {}, x.rule), ` ${x.message}`))) : null,
      actions].filter(Boolean));
    card.hidden = false;
  }

  async function orderAction(id, what) {
    try {
      const o = await api('POST', `/v1/orders/${id}/${what}`);
      if (o && o.id !== undefined) S.orders.set(o.id, o);
      toast(`Order #${id}: ${what === 'release' ? 'released' : 'cancelled'} (now ${o.status})`, 'ok');
      scheduleOrdersRender();
      refreshExceptions();
      if (S.selectedOrder === id) showOrderCard(id);
    } catch (e) { showError(e, `${what === 'release' ? 'Release' : 'Cancel'} order #${id}`); }
  }

  // Order search over what is loaded: id, external reference, customer name, phone, address.
  function searchInit() {
    const input = $('search'), box = $('search-results');
    let hits = [], active = 0;
    const norm = (x) => String(x || '').toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '');
    const pickHit = (o) => {
      box.hidden = true; input.value = ''; input.blur();
      const l = orderLoc(o);
      if (S.hidden.has(o.status)) toggleStatus(o.status);
      if (l) mapFocus(l[0], l[1]);
      showOrderCard(o.id);
    };
    const render = () => {
      box.replaceChildren(...hits.map((o, i) => {
        const li = h('li', { class: i === active ? 'active' : '', 'data-order': o.id },
          h('span', { class: 'swatch', style: `background:${STATUS_COLOUR[o.status] || '#64748b'}` }),
          h('b', {}, `#${o.id}`), `${o.customer ? o.customer.name : ''}`,
          h('span', { class: 'reason' }, `${o.external_ref || ''} · ${o.status}`));
        li.addEventListener('mousedown', (e) => { e.preventDefault(); pickHit(o); });
        return li;
      }));
      box.hidden = !hits.length;
    };
    input.addEventListener('input', () => {
      const q = norm(input.value.trim().replace(/^#/, ''));
      hits = []; active = 0;
      if (q) {
        for (const o of S.orders.values()) {
          const c = o.customer || {};
          if (String(o.id) === q || norm(o.external_ref).includes(q) || norm(c.name).includes(q) ||
              norm(c.phone).replace(/\s/g, '').includes(q.replace(/\s/g, '')) || norm(c.address).includes(q)) hits.push(o);
          if (hits.length >= 30) break;
        }
        hits.sort((a, b) => (String(b.id) === q) - (String(a.id) === q));
      }
      render();
    });
    input.addEventListener('keydown', (e) => {
      if (e.key === 'ArrowDown' && hits.length) { active = (active + 1) % hits.length; render(); e.preventDefault(); }
      else if (e.key === 'ArrowUp' && hits.length) { active = (active + hits.length - 1) % hits.length; render(); e.preventDefault(); }
      else if (e.key === 'Enter' && hits[active]) { pickHit(hits[active]); e.preventDefault(); }
      else if (e.key === 'Escape') { box.hidden = true; input.blur(); }
    });
    input.addEventListener('blur', () => { setTimeout(() => { box.hidden = true; }, 100); });
  }

  // ---------------------------------------------------------------- exceptions

  async function loadExceptions() {
    if (!route('GET', '/v1/exceptions')) { $('panel-exceptions').hidden = true; return; }
    const resolved = $('exc-resolved').checked;
    let d;
    try { d = await api('GET', `/v1/exceptions?open=${resolved ? 'false' : 'true'}`); } catch (e) {
      if (e.status === 404 || e.status === 403) { $('panel-exceptions').hidden = true; return; }
      throw e;
    }
    $('panel-exceptions').hidden = false;
    const list = (d && d.exceptions) || [];
    const ul = $('exc-list'); ul.replaceChildren();
    const open = list.filter((x) => !x.resolution).length;
    $('exc-count').textContent = open;
    $('exc-count').classList.toggle('alert', open > 0);
    if (!list.length) ul.append(h('li', { class: 'empty' }, 'No held orders.'));
    for (const x of list.slice().reverse()) {
      const id = x.order_id;
      const actions = h('span', { class: 'actions' });
      if (!x.resolution) {
        if (route('POST', '/v1/orders/{}/release')) actions.append(actionButton('Release', '', () => orderAction(id, 'release')));
        if (route('POST', '/v1/orders/{}/cancel')) actions.append(confirmButton('Cancel', 'Confirm', 'danger', () => orderAction(id, 'cancel')));
      } else actions.append(h('span', { class: 'reason' }, x.resolution));
      const who = h('span', { class: 'who', title: 'show on the map' }, `#${id} ${x.customer || ''}`);
      who.addEventListener('click', () => {
        const l = orderLoc(S.orders.get(id));
        if (l) mapFocus(l[0], l[1]);
        showOrderCard(id);
      });
      ul.append(h('li', { 'data-order': id },
        h('div', { class: 'exc-head' }, who, h('span', { class: 'reason' }, x.external_ref || ''), actions),
        (x.reasons || []).map((r) => h('div', { class: 'reason' }, h('b', {}, r.rule), ` ${r.field ? `${r.field}: ` : ''}${r.message}`))));
    }
  }
  const refreshExceptions = throttle(() => loadExceptions().catch((e) => showError(e, 'Exceptions')), 1000);

  // ---------------------------------------------------------------- plans

  const P = {}; // plan routes found on this server
  function discoverPlanRoutes() {
    P.create = route('POST', '/v1/plans');
    P.list = route('GET', '/v1/plans');
    P.get = route('GET', '/v1/plans/{}');
    P.commit = route('POST', '/v1/plans/{}/commit');
    P.discard = route('POST', '/v1/plans/{}/discard');
    P.move = route('POST', '/v1/plans/{}/move');
    P.replan = route('POST', '/v1/replans');
    P.apply = firstRoute('POST', ['/v1/plans/{}/apply', '/v1/replans/{}/apply']);
    P.geojson = firstRoute('GET', ['/v1/plans/{}/geojson', '/v1/plans/{}/routes.geojson', '/v1/plans/{}/geometry']);
    P.vehicles = route('GET', '/v1/vehicles');
    P.live = firstRoute('GET', ['/v1/vehicles/live', '/v1/vehicles/state', '/v1/vehicles/states', '/v1/fleet/live',
      '/v1/fleet/state', '/v1/fleet', '/v1/positions/latest', '/v1/positions']);
    $('panel-plans').hidden = !(P.get && (P.create || P.list));
    $('plan-create').disabled = !P.create;
    $('panel-fleet').hidden = !(P.vehicles || P.live);
  }

  const listOf = (d, key) => (Array.isArray(d) ? d : (d && Array.isArray(d[key]) ? d[key] : []));
  const planStatus = (p) => String(p.status || '').toLowerCase();
  const isReplan = (p) => !!(p.is_replan || p.replan || p.kind === 'replan');

  async function loadPlans() {
    if (!P.list) return;
    try {
      S.plans = listOf(await api('GET', P.list), 'plans');
    } catch (e) {
      if (e.status === 404) { S.plans = []; return; }
      throw e;
    }
    S.plans.sort((a, b) => b.id - a.id);
    // live routes: the newest committed plan (a re-plan applied on top of it replaces it)
    const live = S.plans.find((p) => planStatus(p) === 'committed');
    if (live && (!S.committedPlan || S.committedPlan.id !== live.id || S.committedPlan._stale)) {
      try { S.committedPlan = await getPlan(live.id, true); } catch (e) { showError(e, `Plan ${live.id}`); }
    } else if (!live) S.committedPlan = null;
    renderPlans();
    renderReplans();
    mapRenderRoutes();
  }
  // stop events come in streams all day (ETAs): the live plan is fetched again at most every 3 s
  const refreshLivePlan = throttle(() => loadPlans().catch((e) => showError(e, 'Plans')), 3000);
  const refreshPlans = throttle(() => loadPlans().catch((e) => showError(e, 'Plans')), 500);

  async function getPlan(id, force) {
    if (!force && S.planCache.has(id)) return S.planCache.get(id);
    const p = await api('GET', fill(P.get, id));
    if (P.geojson && !planHasGeometry(p)) {
      try { p._geojson = await api('GET', fill(P.geojson, id)); } catch { /* drawn from the stops */ }
    }
    S.planCache.set(id, p);
    return p;
  }

  function planHasGeometry(p) { return !!(p.geojson || p.geometry || p.features || (p.routes || []).some((r) => r.geometry || r.polyline)); }

  // Decodes an encoded polyline (precision 5) into [lon, lat] pairs.
  function decodePolyline(str, precision = 5) {
    const f = 10 ** precision, out = [];
    let i = 0, lat = 0, lon = 0;
    const next = () => {
      let res = 0, shift = 0, b;
      do { b = str.charCodeAt(i++) - 63; res |= (b & 0x1f) << shift; shift += 5; } while (b >= 0x20 && i <= str.length);
      return res & 1 ? ~(res >> 1) : res >> 1;
    };
    while (i < str.length) { lat += next(); lon += next(); out.push([lon / f, lat / f]); }
    return out;
  }
  function lineCoords(g) {
    if (!g) return [];
    if (g.type === 'Feature') return lineCoords(g.geometry);
    if (g.type === 'LineString') return [g.coordinates];
    if (g.type === 'MultiLineString') return g.coordinates;
    return [];
  }
  const stopLonLat = (s) => {
    if (Array.isArray(s.location)) return s.location;
    if (typeof s.lon === 'number' && typeof s.lat === 'number') return [s.lon, s.lat];
    return null;
  };
  const routeVehicle = (r) => r.vehicle_id || r.vehicle || (r.properties && (r.properties.vehicle_id || r.properties.vehicle)) || '?';

  // The polylines of a plan, one or more per vehicle: its GeoJSON when it has some, else the
  // straight legs between its stops.
  function planLines(p) {
    const out = [];
    const fc = p._geojson || p.geojson || p.geometry || (p.type === 'FeatureCollection' ? p : null);
    if (fc && (fc.features || fc.type)) {
      for (const f of fc.features || [fc]) {
        if (f.geometry && f.geometry.type === 'Point') continue;
        for (const c of lineCoords(f)) if (c && c.length > 1) out.push({ vehicle: routeVehicle(f), coords: c });
      }
      if (out.length) return out;
    }
    for (const r of p.routes || []) {
      const v = routeVehicle(r);
      if (r.geometry) { for (const c of lineCoords(r.geometry)) if (c.length > 1) out.push({ vehicle: v, coords: c }); continue; }
      if (typeof r.polyline === 'string' && r.polyline) { out.push({ vehicle: v, coords: decodePolyline(r.polyline) }); continue; }
      const pts = [];
      const start = Array.isArray(r.start) ? r.start : (typeof r.start_lon === 'number' ? [r.start_lon, r.start_lat] : null);
      if (start) pts.push(start);
      for (const s of r.stops || []) { const l = stopLonLat(s); if (l) pts.push(l); }
      const end = Array.isArray(r.end) ? r.end : (typeof r.end_lon === 'number' ? [r.end_lon, r.end_lat] : null);
      if (end) pts.push(end);
      if (pts.length > 1) out.push({ vehicle: v, coords: pts });
    }
    return out;
  }

  function renderPlans() {
    const ul = $('plan-list'); ul.replaceChildren();
    const shown = S.plans.slice(0, 8);
    if (!shown.length) ul.append(h('li', { class: 'empty' }, 'No plans yet.'));
    for (const p of shown) {
      const st = planStatus(p);
      const isLive = S.committedPlan && S.committedPlan.id === p.id;
      const li = h('li', { class: S.selectedPlan === p.id ? 'current' : '', 'data-plan': p.id },
        h('b', {}, `${isReplan(p) ? 'Re-plan' : 'Plan'} ${p.id}`), h('span', { class: `status status-${st}` }, st),
        isLive ? h('span', { class: 'badge live', title: 'the routes drivers follow now' }, 'live') : null,
        h('span', { class: 'reason' }, st === 'solving' ? `best ${fmtNum(p.best_cost)}` : `cost ${fmtNum(p.cost)}`),
        h('span', { class: 'reason' }, p.created_ms ? hhmm(new Date(p.created_ms)) : ''));
      li.addEventListener('click', () => selectPlan(p.id));
      ul.append(li);
    }
  }

  async function selectPlan(id) {
    S.selectedPlan = id;
    renderPlans();
    try { await getPlan(id, true); } catch (e) { showError(e, `Plan ${id}`); return; }
    renderPlanDetail();
    mapRenderRoutes();
  }

  const planProgress = new Map(); // id -> last plan.progress payload
  const expandedRoutes = new Set(); // vehicle ids whose stops are listed in the plan detail
  const pick = (o, ...keys) => { for (const k of keys) if (o && o[k] !== undefined && o[k] !== null) return o[k]; return undefined; };
  const stopEta = (s) => pick(s, 'eta', 'eta_s', 'planned', 'planned_s');
  const routeLoad = (r) => {
    const l = r.load || {};
    const parcels = pick(l, 'parcels') ?? pick(r, 'load_parcels');
    const kg = pick(l, 'kg') ?? (r.load_g !== undefined ? r.load_g / 1000 : undefined);
    return [parcels !== undefined ? `${parcels} parcels` : '', kg ? `${Math.round(kg)} kg` : ''].filter(Boolean).join(', ');
  };

  function renderPlanDetail() {
    const box = $('plan-detail');
    const p = S.selectedPlan !== null ? S.planCache.get(S.selectedPlan) : null;
    if (!p) { box.hidden = true; return; }
    const st = planStatus(p);
    const kids = [h('div', {}, h('b', {}, `Plan ${p.id}${isReplan(p) ? ' (re-plan)' : ''}`), ' ',
      h('span', { class: `status status-${st}` }, st),
      p.created_ms ? h('span', { class: 'reason' }, ` created ${hhmm(new Date(p.created_ms))}`) : null)];
    if (st === 'solving') {
      const pr = planProgress.get(p.id);
      const limit = pick(p, 'time_limit_ms') || S.planLimits.get(p.id) || 5000;
      const pct = pr && pr.elapsed_ms ? Math.min(100, (100 * pr.elapsed_ms) / limit) : 3;
      kids.push(h('div', { class: 'progress' }, h('div', { style: `width:${pct}%` })),
        h('div', { class: 'reason' }, `solving… best cost ${fmtNum(pr ? pr.best_cost : p.best_cost)}${pr && pr.unassigned !== undefined ? `, ${pr.unassigned} unassigned` : ''}`));
    }
    if (p.error) kids.push(h('div', { class: 'reason' }, h('b', {}, 'error'), ` ${p.error}`));
    const routes = p.routes || [];
    if (st !== 'solving') {
      const stops = routes.reduce((n, r) => n + (r.stops || []).length, 0);
      kids.push(h('div', { class: 'reason' }, `${routes.length} routes · ${stops} stops · cost ${fmtNum(p.cost)} · ${fmtKm(pick(p, 'distance_m', 'distance'))} · ${fmtDur(pick(p, 'duration_s', 'duration'))}`));
    }
    const actions = h('div', { class: 'actions' });
    if (st === 'proposed' && isReplan(p) && P.apply) actions.append(actionButton('Apply re-plan', '', () => planAction(p.id, 'apply')));
    else if (st === 'proposed' && P.commit) actions.append(actionButton('Commit', '', () => planAction(p.id, 'commit')));
    if ((st === 'proposed' || st === 'solving') && P.discard) actions.append(confirmButton('Discard', 'Confirm discard', 'danger', () => planAction(p.id, 'discard')));
    if (actions.childElementCount) kids.push(actions);
    if (isReplan(p) && p.effect) kids.push(effectTable(p.effect));
    if (routes.length) {
      const tbody = h('tbody');
      const canMove = st === 'proposed' && !!P.move;
      for (const r of routes) {
        const v = routeVehicle(r);
        const stops = r.stops || [];
        const first = stops[0], last = stops[stops.length - 1];
        const span = first && last ? `${fmtEpochS(stopEta(first))}–${fmtEpochS(stopEta(last))}` : '';
        const late = stops.filter((s) => s.late).length;
        const open = expandedRoutes.has(v);
        const tr = h('tr', { class: 'route-row', title: 'click: list the stops; hover: highlight on the map', 'data-vehicle': v },
          h('td', {}, h('span', { class: 'swatch square', style: `background:${vehicleColour(v)}` }), ` ${open ? '▾' : '▸'} ${v}`),
          h('td', {}, r.driver_id || ''), h('td', {}, stops.length), h('td', {}, fmtKm(pick(r, 'distance_m', 'distance'))),
          h('td', {}, span, late ? h('b', { class: 'worse' }, ` ${late} late`) : null), h('td', {}, routeLoad(r)));
        tr.addEventListener('mouseenter', () => highlightVehicle(v));
        tr.addEventListener('mouseleave', () => highlightVehicle(null));
        tr.addEventListener('click', () => { if (open) expandedRoutes.delete(v); else expandedRoutes.add(v); renderPlanDetail(); });
        tbody.append(tr);
        if (open) tbody.append(h('tr', { class: 'stops-row' }, h('td', { colspan: 6 }, stopList(p, r, routes, canMove))));
      }
      kids.push(h('table', {}, h('thead', {}, h('tr', {}, ['vehicle', 'driver', 'stops', 'distance', 'ETAs', 'load'].map((t) => h('th', {}, t)))), tbody));
    }
    const un = p.unassigned || [];
    if (un.length) {
      kids.push(h('div', { class: 'reason' }, h('b', {}, `${un.length} unassigned`)));
      kids.push(h('ul', { class: 'list unassigned' }, un.map((u) => h('li', {}, `${orderName(pick(u, 'order_id', 'id'))}: ${u.reason || 'no reason given'}`))));
    }
    box.replaceChildren(...kids);
    box.hidden = false;
  }

  // A route's stops in order; on a proposed plan each can be moved to another vehicle (the
  // server checks the result with the solver's feasibility checker and refuses a broken one).
  function stopList(p, r, routes, canMove) {
    const v = routeVehicle(r);
    const ol = h('ol', { class: 'stops' });
    for (const s of r.stops || []) {
      const o = S.orders.get(Number(s.order_id));
      const who = s.kind === 'break' ? 'break' : s.kind === 'pickup' ? `pickup ${orderName(s.order_id)}` : orderName(s.order_id);
      const li = h('li', { class: `${s.late ? 'late' : ''} stop-${s.status || 'planned'}`, 'data-stop': s.id },
        h('span', { class: 'eta' }, fmtEpochS(stopEta(s))), ' ',
        h('span', { class: 'who' }, who), ' ',
        h('span', { class: 'reason' }, `${s.time_window ? fmtWindow(s.time_window) : ''}${s.status && s.status !== 'planned' ? ` · ${s.status}` : ''}${s.late ? ' · LATE' : ''}`));
      li.addEventListener('click', () => { const l = stopLonLat(s) || orderLoc(o); if (l) mapFocus(l[0], l[1]); });
      if (canMove && s.id !== undefined && s.kind !== 'break') {
        const sel = h('select', { title: 'move this stop to another vehicle (at the end of its route)' },
          h('option', { value: '' }, 'move to…'),
          routes.map(routeVehicle).filter((x) => x !== v).map((x) => h('option', { value: x }, x)));
        sel.addEventListener('click', (e) => e.stopPropagation());
        sel.addEventListener('change', () => { if (sel.value) moveStop(p.id, s.id, sel.value); });
        li.append(' ', sel);
      }
      ol.append(li);
    }
    return ol;
  }

  async function moveStop(planId, stopId, toVehicle) {
    try {
      await api('POST', fill(P.move, planId), { stop: stopId, to_vehicle: toVehicle, position: -1 });
      toast(`Stop ${stopId} moved to ${toVehicle}`, 'ok');
    } catch (e) {
      showError(e, `Move stop ${stopId} to ${toVehicle}`);
    }
    try { await getPlan(planId, true); } catch { /* shown above */ }
    renderPlanDetail();
    mapRenderRoutes();
  }
  function highlightVehicle(v) {
    for (const el of $('layer-routes').children) el.style.strokeWidth = v && el.dataset.vehicle === v ? '6' : '';
  }

  async function planAction(id, what) {
    const path = fill(P[what], id);
    try {
      await api('POST', path);
      toast(`Plan ${id}: ${what === 'commit' ? 'committed' : what === 'apply' ? 'applied' : 'discarded'}`, 'ok');
      S.planCache.delete(id);
      if (S.committedPlan) S.committedPlan._stale = true;
      await loadPlans();
      if (S.selectedPlan === id) await selectPlan(id);
      if (what !== 'discard') { await loadOrders(); scheduleOrdersRender(); }
    } catch (e) { showError(e, `${what[0].toUpperCase()}${what.slice(1)} plan ${id}`); }
  }

  async function createPlan(ev) {
    ev.preventDefault();
    const props = bodyProps('POST', P.create);
    const body = {};
    const depot = $('plan-depot').value;
    const depotKey = pickProp(props, ['depot', 'depot_id']) || 'depot';
    if (depot) body[depotKey] = depot;
    const secs = Number($('plan-limit').value);
    if (secs > 0) {
      const ms = pickProp(props, ['time_limit_ms']), s = pickProp(props, ['time_limit_s', 'time_limit']);
      if (ms || !s) body[ms || 'time_limit_ms'] = Math.round(secs * 1000); else body[s] = secs;
    }
    const btn = $('plan-create'); btn.disabled = true;
    try {
      const p = await api('POST', P.create, body);
      const id = p && (p.id !== undefined ? p.id : p.plan_id);
      if (body.time_limit_ms) S.planLimits.set(id, body.time_limit_ms);
      toast(`Plan ${id} created: solving…`, 'ok');
      await loadPlans();
      if (id !== undefined) await selectPlan(id);
      watchPlan(id);
    } catch (e) { showError(e, 'Create plan'); } finally { btn.disabled = false; }
  }

  // While a plan solves, its detail is refreshed (events push progress; this is the safety net).
  const watching = new Set();
  function watchPlan(id) {
    if (id === undefined || watching.has(id)) return;
    watching.add(id);
    const tick = async () => {
      let p;
      try { p = await getPlan(id, true); } catch { watching.delete(id); return; }
      if (S.selectedPlan === id) { renderPlanDetail(); mapRenderRoutes(); }
      if (planStatus(p) === 'solving') setTimeout(tick, 1500);
      else { watching.delete(id); refreshPlans(); }
    };
    setTimeout(tick, 1000);
  }

  function effectTable(e) {
    const row = (label, a, b, lowerIsBetter = true) => {
      const cls = a === b || a === undefined || b === undefined ? '' : ((b < a) === lowerIsBetter ? 'better' : 'worse');
      return [h('span', {}, label), h('span', {}, fmtNum(a)), h('span', { class: cls }, `→ ${fmtNum(b)}`)];
    };
    return h('div', { class: 'replan-effect' },
      row('cost', e.cost_before, e.cost_after), row('late stops', e.late_before, e.late_after),
      row('unassigned', e.unassigned_before, e.unassigned_after),
      h('span', {}, 'changes'), h('span', {}, `${fmtNum(e.routes_changed)} routes`), h('span', {}, `${fmtNum(e.stops_moved)} stops moved`));
  }

  function renderReplans() {
    const proposals = S.plans.filter((p) => isReplan(p) && planStatus(p) === 'proposed');
    $('panel-replans').hidden = !P.get || (!proposals.length && !P.apply && !P.replan);
    $('replan-now').hidden = !P.replan;
    $('replan-count').textContent = proposals.length;
    $('replan-count').classList.toggle('alert', proposals.length > 0);
    const ul = $('replan-list'); ul.replaceChildren();
    if (!proposals.length) ul.append(h('li', { class: 'empty' }, 'No re-plan waiting.'));
    for (const p of proposals) {
      const full = S.planCache.get(p.id) || p;
      const e = full.effect || p.effect || {};
      const trig = e.trigger || p.trigger || '';
      const li = h('li', { 'data-plan': p.id },
        h('div', { class: 'exc-head' }, h('span', { class: 'who' }, `Re-plan ${p.id}`),
          h('span', { class: 'reason' }, `${trig}${e.trigger_vehicle || e.vehicle_id ? ` · ${e.trigger_vehicle || e.vehicle_id}` : ''}`),
          h('span', { class: 'actions' },
            P.apply ? actionButton('Apply', '', () => planAction(p.id, 'apply')) : null,
            P.discard ? confirmButton('Discard', 'Confirm', 'danger', () => planAction(p.id, 'discard')) : null)),
        Object.keys(e).length ? effectTable(e) : null);
      li.querySelector('.who').addEventListener('click', () => selectPlan(p.id));
      ul.append(li);
      if (!S.planCache.has(p.id)) getPlan(p.id).then(() => renderReplans()).catch(() => {});
    }
  }

  // ---------------------------------------------------------------- fleet

  function vehicleFrom(x) {
    const id = x.vehicle_id || x.id || x.vehicle;
    if (!id) return null;
    const v = S.vehicles.get(id) || { id };
    for (const k of ['driver_id', 'broken', 'silent', 'started', 'full', 'pace', 'speed_mps', 'seen_ms', 'next_stop_id', 'name'])
      if (x[k] !== undefined) v[k] = x[k];
    const loc = Array.isArray(x.location) ? x.location : (x.position && Array.isArray(x.position.coordinates) ? x.position.coordinates : null);
    if (loc) { v.lon = loc[0]; v.lat = loc[1]; }
    else if (typeof x.lat === 'number' && typeof x.lon === 'number' && (x.has_position !== false)) { v.lat = x.lat; v.lon = x.lon; }
    S.vehicles.set(id, v);
    return v;
  }

  async function loadFleet() {
    if (P.vehicles) {
      try { for (const x of listOf(await api('GET', P.vehicles), 'vehicles')) vehicleFrom(x); } catch (e) { if (e.status !== 404) throw e; }
    }
    await pollLive();
    renderFleet();
  }
  async function pollLive() {
    if (!P.live) return;
    try {
      const d = await api('GET', P.live);
      const list = Array.isArray(d) ? d : (d.vehicles || d.states || d.positions || (d.features || []).map((f) => ({ ...(f.properties || {}), location: f.geometry && f.geometry.coordinates })));
      for (const x of list) vehicleFrom(x);
      mapRenderVehicles();
      renderFleet();
    } catch (e) { if (e.status === 404) P.live = null; }
  }
  function renderFleet() {
    const ul = $('fleet-list'); ul.replaceChildren();
    const vs = [...S.vehicles.values()].sort((a, b) => String(a.id).localeCompare(String(b.id)));
    $('fleet-count').textContent = vs.length;
    if (!vs.length) ul.append(h('li', { class: 'empty' }, 'No vehicles.'));
    for (const v of vs) {
      const state = v.broken ? 'broken down' : v.silent ? 'silent' : v.started ? 'on route' : 'at depot';
      const li = h('li', { class: 'fleet' },
        h('span', { class: 'swatch', style: `background:${S.vehicleColour.get(v.id) || NO_ROUTE_COLOUR}` }), ` ${v.id} `,
        h('span', { class: 'reason' }, `${v.driver_id ? `${v.driver_id} · ` : ''}${state}${v.pace ? ` · pace ${Number(v.pace).toFixed(2)}` : ''}${v.seen_ms ? ` · seen ${hhmm(new Date(v.seen_ms))}` : ''}`));
      if (typeof v.lat === 'number') li.addEventListener('click', () => mapFocus(v.lon, v.lat));
      ul.append(li);
    }
  }

  // ---------------------------------------------------------------- events

  function eventSummary(ev) {
    const p = ev.payload || {};
    const parts = [];
    if (p.plan_id !== undefined && !ev.type.startsWith('order.')) parts.push(`plan ${p.plan_id}`);
    if (p.vehicle_id) parts.push(p.vehicle_id);
    if (p.order_id !== undefined) parts.push(orderName(p.order_id));
    else if (ev.entity === 'order' && ev.entity_id) parts.push(orderName(ev.entity_id));
    if (p.trigger) parts.push(`trigger ${p.trigger}`);
    if (p.reason) parts.push(String(p.reason));
    if (p.eta_s) parts.push(`ETA ${fmtEpochS(p.eta_s)}${p.window_end_s ? ` > window end ${fmtEpochS(p.window_end_s)}` : ''}`);
    if (p.best_cost !== undefined) parts.push(`best ${fmtNum(p.best_cost)}`);
    if (p.cost_before !== undefined) parts.push(`cost ${fmtNum(p.cost_before)} → ${fmtNum(p.cost_after)}`);
    else if (p.cost !== undefined) parts.push(`cost ${fmtNum(p.cost)}`);
    if (p.stops_moved !== undefined) parts.push(`${p.stops_moved} stops moved`);
    if (!parts.length && ev.entity_id) parts.push(`${ev.entity} ${ev.entity_id}`);
    return parts.join(' · ');
  }

  function feedAdd(ev, top = true) {
    if (!$('ev-orders').checked && ev.type.startsWith('order.')) return;
    if (ev.type === 'plan.progress') return; // shown as the plan's progress bar instead
    const hot = HOT_EVENTS[ev.type];
    const li = h('li', { class: hot ? `hot ${hot}` : '', 'data-type': ev.type, 'data-seq': ev.seq },
      h('span', { class: 't' }, ev.time_ms ? hhmmss(new Date(ev.time_ms)) : ''),
      h('span', { class: 'ty' }, ev.type),
      h('span', { class: 'sum' }, eventSummary(ev)));
    const p = ev.payload || {};
    const orderId = p.order_id !== undefined ? Number(p.order_id) : (ev.entity === 'order' ? Number(ev.entity_id) : NaN);
    const vehicleId = p.vehicle_id || (ev.entity === 'vehicle' ? ev.entity_id : null);
    const planId = p.plan_id !== undefined ? p.plan_id : null;
    if (Number.isFinite(orderId) || vehicleId || planId !== null) {
      li.classList.add('clickable');
      li.title = 'show it';
      li.addEventListener('click', () => {
        if (planId !== null && S.plans.some((x) => x.id === planId)) selectPlan(planId);
        const o = S.orders.get(orderId);
        const v = vehicleId ? S.vehicles.get(vehicleId) : null;
        if (o && orderLoc(o)) { mapFocus(...orderLoc(o)); showOrderCard(orderId); }
        else if (v && typeof v.lat === 'number') mapFocus(v.lon, v.lat);
      });
    }
    const ul = $('event-list');
    if (top) ul.prepend(li); else ul.append(li);
    while (ul.children.length > FEED_MAX) ul.lastChild.remove();
  }

  // What an event changes on screen.
  function applyEvent(ev) {
    if (!ev || typeof ev.seq !== 'number') return;
    if (ev.seq <= S.cursor) return;
    S.cursor = ev.seq;
    feedAdd(ev);
    const p = ev.payload || {};
    const t = ev.type;
    if (t.startsWith('order.') || ev.entity === 'order') {
      orderChanged(Number(ev.entity_id !== null && ev.entity_id !== undefined ? ev.entity_id : p.id));
      refreshExceptions(); // any change of status may put an order in the queue or take it out
    }
    if (p.order_id !== undefined && t.startsWith('stop.')) orderChanged(Number(p.order_id));
    if (t === 'depot.put') loadDepots().then(() => { mapRenderDepots(); }).catch(() => {});
    if (t === 'orders.config') loadArea().then(mapRenderArea).catch(() => {});
    if (t.startsWith('plan.')) {
      const id = p.plan_id !== undefined ? p.plan_id : Number(ev.entity_id);
      if (t === 'plan.progress') {
        planProgress.set(id, p);
        const cached = S.planCache.get(id);
        if (cached) cached.best_cost = p.best_cost;
        if (S.selectedPlan === id) renderPlanDetail();
        const item = S.plans.find((x) => x.id === id);
        if (item) { item.best_cost = p.best_cost; renderPlans(); }
      } else {
        S.planCache.delete(id);
        if (t === 'plan.committed' || t === 'plan.replanned') { if (S.committedPlan) S.committedPlan._stale = true; }
        if (t === 'plan.replan_proposed') toast(`Re-plan ${id} proposed${p.trigger ? ` after ${p.trigger}` : ''}${p.vehicle_id ? ` (${p.vehicle_id})` : ''}`, 'info');
        refreshPlans();
        if (S.selectedPlan === id) selectPlan(id);
      }
    }
    if (t.startsWith('stop.') || t === 'route.assigned' || t === 'route.started') {
      if (S.committedPlan) { S.committedPlan._stale = true; refreshLivePlan(); }
    }
    if (ev.entity === 'vehicle' || p.vehicle_id) {
      const vid = p.vehicle_id || ev.entity_id;
      if (vid && (typeof p.lat === 'number' || Array.isArray(p.location) || t.startsWith('vehicle.'))) {
        const v = vehicleFrom({ ...p, vehicle_id: vid });
        if (t === 'vehicle.breakdown') v.broken = true;
        if (t === 'vehicle.silent') v.silent = true;
        if (t === 'vehicle.position' || typeof p.lat === 'number') { v.silent = false; if (p.t_ms) v.seen_ms = p.t_ms; }
        mapRenderVehicles();
        scheduleFleetRender();
      }
    }
  }
  const scheduleFleetRender = debounce(renderFleet, 500);

  // The newest seq in the log, found with a few limit=1 probes (the listing is oldest first).
  async function lastSeq() {
    const probe = async (after) => ((await api('GET', `/v1/events?after=${after}&limit=1`)).events || []).length > 0;
    if (!(await probe(0))) return 0;
    let lo = 0, hi = 1;
    while (await probe(hi)) { lo = hi; hi *= 2; if (hi > 2 ** 52) break; }
    // invariant: an event exists after lo, none after hi
    while (hi - lo > 1) { const mid = Math.floor((lo + hi) / 2); if (await probe(mid)) lo = mid; else hi = mid; }
    return hi;
  }

  async function loadRecentEvents() {
    const last = await lastSeq();
    const from = Math.max(0, last - 120);
    const d = await api('GET', `/v1/events?after=${from}&limit=120`);
    for (const ev of d.events || []) feedAdd(ev);
    S.cursor = last;
  }

  const live = { ctrl: null, mode: 'off', failures: 0, timer: null, wake: null, stopped: true, gen: 0 };
  function setLive(mode) {
    live.mode = mode;
    const el = $('live-status');
    el.dataset.state = mode;
    el.textContent = { live: '● live', polling: '● polling', paused: '❚❚ paused' }[mode] || '● offline';
  }
  // A dispatcher may freeze the screen to read it; resuming catches up from the last event seen.
  function toggleLivePause() {
    if (!S.key) return;
    if (live.mode === 'paused') { liveStart(); return; }
    liveStop();
    setLive('paused');
  }

  // Reads the text/event-stream with fetch (EventSource cannot send the Authorization header).
  async function streamOnce() {
    live.ctrl = new AbortController();
    const res = await fetch(`/v1/events?after=${S.cursor}`, {
      headers: { Authorization: `Bearer ${S.key}`, Accept: 'text/event-stream', 'Last-Event-ID': String(S.cursor) },
      signal: live.ctrl.signal, cache: 'no-store',
    });
    if (res.status === 401) { signOut('The server refused the key (401): sign in again.'); return false; }
    if (!res.ok || !(res.headers.get('Content-Type') || '').startsWith('text/event-stream') || !res.body) {
      if (res.body) res.body.cancel().catch(() => {});
      return false; // no stream on this server: poll the JSON listing
    }
    setLive('live');
    live.failures = 0;
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    let ev = { data: [] };
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += value;
      let nl;
      while ((nl = buf.search(/\r\n|\n|\r/)) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + (buf.startsWith('\r\n', nl) ? 2 : 1));
        if (line === '') {
          if (ev.data.length) {
            try { applyEvent(JSON.parse(ev.data.join('\n'))); } catch (e) { console.warn('bad event', e, ev); }
          }
          ev = { data: [] };
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let val = colon < 0 ? '' : line.slice(colon + 1);
        if (val.startsWith(' ')) val = val.slice(1);
        if (field === 'data') ev.data.push(val);
        else if (field === 'id') ev.id = val;
        else if (field === 'event') ev.type = val;
      }
    }
    return true;
  }

  // One loop at a time: each start takes a new generation and an older loop ends when it sees
  // that its generation is over (sign-out, pause).
  async function liveStart() {
    if (!live.stopped) return;
    live.stopped = false;
    const gen = ++live.gen;
    const over = () => live.stopped || live.gen !== gen;
    while (!over()) {
      let streamed = false;
      try { streamed = await streamOnce(); } catch { /* reconnect below */ }
      if (over()) return;
      if (!streamed) live.failures++;
      if (live.failures >= 2) { await pollFor(30000, over); live.failures = 0; continue; }
      await pollFor(2000, over); // catch up while reconnecting
    }
  }
  // Polls the JSON event listing for ms milliseconds.
  async function pollFor(ms, over) {
    setLive('polling');
    const until = Date.now() + ms;
    while (!over() && Date.now() < until) {
      try {
        const d = await api('GET', `/v1/events?after=${S.cursor}&limit=500`);
        if (over()) return;
        for (const ev of d.events || []) applyEvent(ev);
      } catch (e) { setLive('off'); }
      await new Promise((r) => { live.wake = r; live.timer = setTimeout(r, 2500); });
    }
  }
  function liveStop() {
    live.stopped = true;
    live.gen++;
    if (live.ctrl) live.ctrl.abort();
    clearTimeout(live.timer);
    if (live.wake) live.wake(); // lets a waiting loop see that it is over
    setLive('off');
  }


  // ---------------------------------------------------------------- loading

  async function loadDepots() {
    try { S.depots = listOf(await api('GET', '/v1/depots'), 'depots'); } catch (e) { if (e.status !== 404 && e.status !== 403) throw e; S.depots = []; }
    const sel = $('plan-depot');
    const cur = sel.value;
    sel.replaceChildren(h('option', { value: '' }, 'all depots'), ...S.depots.map((d) => h('option', { value: d.id }, d.name || d.id)));
    sel.value = cur;
  }
  async function loadArea() {
    S.area = null;
    const path = firstRoute('GET', ['/v1/service-area', '/v1/config/orders']);
    if (!path) return;
    try {
      const d = await api('GET', path);
      S.area = d && (d.service_area !== undefined ? d.service_area : (d.type ? d : null));
    } catch (e) { if (e.status !== 404 && e.status !== 403) throw e; }
  }

  async function loadAll() {
    await loadRoutes();
    discoverPlanRoutes();
    const head = await fetch('track.html', { method: 'HEAD' }).catch(() => null);
    S.trackPage = !!(head && head.ok);
    await Promise.all([loadDepots(), loadArea(), loadOrders()]);
    M.fitted = false;
    mapFit();
    mapRenderAll();
    renderLegend();
    renderCounts();
    const jobs = [loadExceptions().catch((e) => showError(e, 'Exceptions')),
      loadPlans().catch((e) => showError(e, 'Plans')),
      loadFleet().catch((e) => showError(e, 'Fleet'))];
    await Promise.all(jobs);
    for (const p of S.plans) if (planStatus(p) === 'solving') watchPlan(p.id);
  }

  let liveTimer = null;
  async function start() {
    $('login').hidden = true;
    $('app').hidden = false;
    try {
      S.whoami = await api('GET', '/v1/whoami');
      $('whoami').textContent = `role ${S.whoami.role}${S.whoami.key_id ? ` · key ${S.whoami.key_id}` : ''}`;
      await loadAll();
      await loadRecentEvents();
    } catch (e) {
      if (S.key) showError(e, 'Loading the dashboard');
      return;
    }
    liveStart();
    clearInterval(liveTimer);
    liveTimer = setInterval(() => { if (!document.hidden && P.live) pollLive(); }, 4000);
  }

  function signOut(message) {
    sessionStorage.removeItem(KEY_STORAGE);
    S.key = null;
    liveStop();
    clearInterval(liveTimer);
    $('app').hidden = true;
    $('login').hidden = false;
    $('login-error').textContent = message || '';
    $('login-key').focus();
  }

  async function login(ev) {
    ev.preventDefault();
    const key = $('login-key').value.trim();
    if (!key) return;
    $('login-error').textContent = '';
    S.key = key;
    try {
      const who = await api('GET', '/v1/whoami', undefined, { login: true });
      if (who.role !== 'admin' && who.role !== 'dispatcher') {
        S.key = null;
        $('login-error').textContent = `This key has the role "${who.role}": the dashboard needs a dispatcher or admin key.`;
        return;
      }
    } catch (e) {
      S.key = null;
      $('login-error').textContent = e.status === 401 ? 'Unknown key (401).' : `Cannot sign in: ${e.toString()}`;
      return;
    }
    sessionStorage.setItem(KEY_STORAGE, key);
    $('login-key').value = '';
    start();
  }

  function boot() {
    mapInit();
    searchInit();
    $('login-form').addEventListener('submit', login);
    $('logout-btn').addEventListener('click', () => signOut(''));
    $('refresh-btn').addEventListener('click', () => loadAll().catch((e) => showError(e, 'Refresh')));
    $('exc-resolved').addEventListener('change', refreshExceptions);
    $('live-status').addEventListener('click', toggleLivePause);
    $('plan-form').addEventListener('submit', createPlan);
    $('replan-now').addEventListener('click', async () => {
      try { await api('POST', P.replan, {}); toast('Re-plan of the remaining work queued: the proposal appears here when computed', 'ok'); } catch (e) { showError(e, 'Re-plan now'); }
    });
    document.addEventListener('keydown', (e) => { if (e.key === 'Escape') hideOrderCard(); });
    const tick = () => { $('clock').textContent = hhmmss(new Date()); };
    tick(); setInterval(tick, 1000);
    S.key = sessionStorage.getItem(KEY_STORAGE);
    if (S.key) start(); else signOut('');
  }

  // For tests and the console: a read-only view of what is loaded.
  window.lastmile = {
    state: S,
    get liveMode() { return live.mode; },
  };
  boot();
})();
