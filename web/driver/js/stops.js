// web/driver/js/stops.js: the day on screen: the stops in order with window, ETA and status,
// the current one (the first still to do) opened up with address, customer, tap-to-call phone,
// instructions, what to hand over or collect, cash to collect, navigation links and the action
// buttons; the breaks where the plan put them (start / end buttons on the next one), else the
// van's breaks between the stops around their window. Actions still in the outbox
// already show on their stop, so the list is the same online or not.
'use strict';
(() => {
  const { el, t } = DA;
  const OPEN = new Set(['planned', 'arrived']);

  // What the outbox has not yet sent, applied to the route the server last gave.
  DA.overlay = (route, items) => {
    const rt = JSON.parse(JSON.stringify(route));
    for (const it of items) {
      if (it.start) rt.started = true;
      const s = it.stop && (rt.stops || []).find((x) => x.id === it.stop);
      if (s && it.to) { s.status = it.to; s.pending = true; rt.started = true; }
      const b = it.stop && (rt.planned_breaks || []).find((x) => x.stop_id === it.stop);
      if (b && it.to) { b.status = it.to; b.pending = true; rt.started = true; }
    }
    return rt;
  };

  // a return pickup (returns/): the stop carries return {id, reason, lines} and return_id
  const isReturn = (s) => !!(s.return || s.return_id);
  DA.isReturn = isReturn;
  const isCollect = (s) => s.kind !== 'delivery';
  DA.isCollect = isCollect;
  const kindName = (s) => t(isReturn(s) ? 'kind_return' : s.kind === 'pickup' ? 'kind_pickup' : 'kind_delivery');
  DA.kindName = kindName;
  const who = (s) => s.customer_name || s.address || `#${s.seq}`;
  DA.who = who;

  // Navigation links: the server's when it sends them (stop.links / stop.deep_links), else ours.
  function navLinks(s) {
    const given = s.navigation || s.links || s.deep_links;
    const [lon, lat] = s.location || [];
    const ours = Number.isFinite(lat) ? {
      geo: `geo:${lat},${lon}?q=${lat},${lon}(${encodeURIComponent(who(s))})`,
      osmand: `https://osmand.net/map?pin=${lat},${lon}#17/${lat}/${lon}`,
      google: `https://www.google.com/maps/dir/?api=1&destination=${lat},${lon}&travelmode=driving`,
      apple: `https://maps.apple.com/?daddr=${lat},${lon}&dirflg=d`,
    } : {};
    const links = Object.assign({}, ours, given && typeof given === 'object' ? given : {});
    if (given && given.google_maps) links.google = given.google_maps;
    if (given && given.apple_maps) links.apple = given.apple_maps;
    return ['geo', 'osmand', 'google', 'apple'].filter((k) => typeof links[k] === 'string' && /^(geo:|https:|osmand)/.test(links[k]))
      .map((k) => el('a', { class: `nav nav-${k}`, href: links[k], target: k === 'geo' ? null : '_blank', rel: 'noopener' }, t(`nav_${k}`)));
  }

  function lines(s) {
    // a return's lines are what to collect; the order's are what was delivered then
    const ls = s.return && Array.isArray(s.return.lines) ? s.return.lines : Array.isArray(s.lines) ? s.lines : [];
    if (!ls.length && !s.parcels) return null;
    return el('div', { class: 'lines' },
      el('h3', null, t(isCollect(s) ? 'to_collect' : 'hand_over')),
      s.parcels ? el('p', null, t('parcels', { n: s.parcels })) : null,
      ls.length ? el('ul', null, ls.map((l) => el('li', null, el('b', null, `${l.qty} ×`), ` ${l.name || l.sku}`, l.name ? el('small', null, ` ${l.sku}`) : null))) : null);
  }

  function actions(s) {
    const b = (cls, key, fn) => el('button', { class: `act ${cls}`, 'data-act': key, onclick: fn }, t(key));
    if (!OPEN.has(s.status)) return null;
    const row = [];
    if (s.status === 'planned') row.push(b('primary', 'arrived', () => DA.act.arrived(s)));
    if (isCollect(s)) {
      row.push(b('good', 'collected', () => DA.forms.delivered(s)));
      row.push(b('bad', 'not_collected', () => DA.forms.failed(s)));
    } else {
      row.push(b('good', 'delivered', () => DA.forms.delivered(s)));
      row.push(b('bad', 'failed', () => DA.forms.failed(s)));
    }
    return el('div', { class: 'actions' }, row);
  }

  function current(s) {
    const safe = s.safe_place || '';
    return el('li', { class: `stop current status-${s.status}`, id: 'current-stop', 'data-stop': s.id },
      el('div', { class: 'stop-head' }, el('span', { class: 'seq' }, s.n), el('span', { class: 'kind' }, kindName(s)),
        el('span', { class: `badge st-${s.status}` }, t(`status_${s.status}`))),
      el('h2', { class: 'who' }, who(s)),
      el('p', { class: 'address' }, s.address),
      el('p', { class: 'times' }, times(s)),
      s.customer_phone ? el('a', { class: 'call', href: `tel:${s.customer_phone.replace(/[^0-9+]/g, '')}` }, t('call', { phone: s.customer_phone })) : null,
      s.return && s.return.reason ? el('p', { class: 'return-reason' }, `${t('return_reason')}: ${s.return.reason.replace(/_/g, ' ')}`) : null,
      s.instructions ? el('div', { class: 'instructions' }, el('h3', null, t('instructions')), el('p', null, s.instructions)) : null,
      safe ? el('div', { class: 'instructions' }, el('h3', null, t('safe_place')), el('p', null, safe)) : null,
      // collect-and-deliver: what the sender said about the collection
      s.pickup && s.pickup.notes ? el('div', { class: 'instructions pickup-notes' }, el('h3', null, t('pickup_notes')), el('p', null, s.pickup.notes)) : null,
      lines(s),
      s.collect && s.collect.amount !== undefined ? el('p', { class: 'cash', id: 'cash-due' }, t('cash_due', { amount: DA.money(s.collect.amount, s.collect.currency) })) : null,
      el('div', { class: 'navs' }, el('h3', null, t('navigate')), navLinks(s)),
      actions(s));
  }

  function times(s) {
    const parts = [];
    if (Array.isArray(s.time_window)) parts.push(t('window', { a: DA.hhmm(s.time_window[0]), b: DA.hhmm(s.time_window[1]) }));
    if (s.eta_s && OPEN.has(s.status)) parts.push(t('eta', { t: DA.hhmm(s.eta_s) }));
    return parts.join(' · ');
  }

  function row(s) {
    return el('li', { class: `stop status-${s.status}${s.pending ? ' pending' : ''}`, 'data-stop': s.id },
      el('div', { class: 'stop-head' }, el('span', { class: 'seq' }, s.n), el('span', { class: 'who' }, s.kind === 'delivery' ? who(s) : `${kindName(s)} · ${who(s)}`),
        el('span', { class: `badge st-${s.status}` }, t(`status_${s.status}`))),
      el('p', { class: 'times' }, times(s)));
  }

  function breakRow(b) {
    return el('li', { class: 'break' }, t('break_row', { d: Math.round(b.service_s / 60), a: DA.todHHMM(b.start_s), b: DA.todHHMM(b.end_s) }));
  }

  // A break the plan placed (GET /v1/driver/route's planned_breaks): its window, when the plan
  // expects it, where it stands; the next one gets "start" (arrived) and "end" (delivered), sent
  // through the outbox like any stop action.
  function plannedBreakRow(b, next) {
    const tw = Array.isArray(b.time_window) ? b.time_window : [0, 0];
    const open = OPEN.has(b.status);
    const act = (key, to, path) => el('button', { class: 'act', 'data-act': key, onclick: () => DA.enqueue({
      kind: 'action', stop: b.stop_id, to, method: 'POST', path: `/v1/driver/stops/${b.stop_id}/${path}`, label: t(key),
    }).then(DA.refreshRoute) }, t(key));
    return el('li', { class: `break planned-break status-${b.status}${b.pending ? ' pending' : ''}`, 'data-stop': b.stop_id },
      el('div', { class: 'stop-head' },
        el('span', { class: 'who' }, t('break_row', { d: Math.round(b.service_s / 60), a: DA.hhmm(tw[0]), b: DA.hhmm(tw[1]) })),
        el('span', { class: `badge st-${b.status}` }, t(b.status === 'done' ? 'break_taken' : `status_${b.status}`))),
      open && b.eta_s ? el('p', { class: 'times' }, t('break_eta', { t: DA.hhmm(b.eta_s) })) : null,
      next && open ? el('div', { class: 'actions' }, b.status === 'planned'
        ? act('break_start', 'arrived', 'arrived') : act('break_end', 'done', 'delivered')) : null);
  }

  // The stops and the planned breaks in route order (both carry the plan's seq); a break is the
  // next thing to do when every stop before it is done.
  function withPlannedBreaks(stops, pbs) {
    const items = stops.map((s) => ({ seq: s.seq, stop: s })).concat(pbs.map((b) => ({ seq: b.seq, brk: b })));
    items.sort((a, b) => a.seq - b.seq);
    let seenOpen = false;
    return items.map((it) => {
      if (it.stop) {
        seenOpen = seenOpen || OPEN.has(it.stop.status);
        return DA.current && it.stop.id === DA.current.id ? current(it.stop) : row(it.stop);
      }
      return plannedBreakRow(it.brk, !seenOpen);
    });
  }

  DA.renderRoute = () => {
    const rt = DA.route;
    const list = DA.$('stops');
    const head = DA.$('route-head');
    if (!rt) return;
    DA.$('driver-name').textContent = rt.driver_name || rt.driver_id || '';
    const stops = (rt.stops || []).filter((s) => s.status !== 'superseded');
    stops.forEach((s, i) => { s.n = i + 1; }); // the number the driver sees: 1, 2, 3 … in route order
    const open = stops.filter((s) => OPEN.has(s.status));
    DA.current = open[0] || null;
    head.replaceChildren(
      !stops.length ? el('p', { class: 'empty' }, t('no_route'))
        : !open.length ? el('p', { class: 'empty', id: 'all-done' }, t('all_done'))
          : el('p', null, t('stops_left', { n: open.length })),
      stops.length && open.length && !rt.started
        ? el('button', { class: 'act primary', id: 'start-route', onclick: () => DA.act.start() }, t('start_route'))
        : rt.started && open.length ? el('span', { class: 'badge st-arrived', id: 'started' }, t('route_started')) : null);
    const pbs = Array.isArray(rt.planned_breaks) ? rt.planned_breaks : [];
    if (pbs.length) { // where the plan put them
      list.replaceChildren(...withPlannedBreaks(stops, pbs));
      DA.redrawMap();
      return;
    }
    // no plan placed one: the van's breaks before the first stop whose ETA is past their start
    const breaks = (rt.breaks || []).slice().sort((a, b) => a.start_s - b.start_s);
    const items = [];
    let bi = 0;
    for (const s of stops) {
      while (bi < breaks.length && s.eta_s && DA.secOfDay(s.eta_s) >= breaks[bi].start_s) items.push(breakRow(breaks[bi++]));
      items.push(DA.current && s.id === DA.current.id ? current(s) : row(s));
    }
    while (bi < breaks.length) items.push(breakRow(breaks[bi++]));
    list.replaceChildren(...items);
    DA.redrawMap();
  };
})();
