// web/hand.js: the dashboard's hand dispatch panel (web/index.html, panel "Hand dispatch"): a
// van's live route in order (GET /v1/routes/{vehicle}/stops) with up/down buttons to reorder,
// a lock per stop and for the whole route, "take off" for a planned delivery, and a ready order
// to assign at the cheapest place or an index. Every change is first sent as a dry run: the
// server's verdict (feasible or the violated constraint, the cost change, the new ETAs) is shown
// and only "Apply" stores it. It reads the key the dashboard keeps in sessionStorage; text from
// the server is shown with textContent only.
'use strict';

(() => {
  const { $, el, keyApi, KEY_STORAGE } = window.lmUi;
  // The verdict of an edit comes back as 200 (dry run, feasible or not) or 409 (with violations):
  // both are answers to show, not failures.
  const api = (method, path, body) =>
    keyApi(method, path, body, (status, data) => status === 409 && data && 'feasible' in data);
  let route = null;   // the loaded route (GET answer)
  let pending = null; // {method, path, body, label}: the change previewed, stored on Apply

  const hhmm = (s) => (s ? new Date(s * 1000).toTimeString().slice(0, 5) : '—');
  const vehiclePath = () => `/v1/routes/${encodeURIComponent($('hand-vehicle').value)}`;

  function say(text, bad) {
    const p = $('hand-preview');
    p.replaceChildren(el('span', { class: bad ? 'error-text' : '' }, text));
    p.dataset.state = bad ? 'error' : 'info';
    $('hand-apply').disabled = true;
  }

  function renderRoute() {
    const ol = $('hand-stops');
    ol.replaceChildren();
    $('hand-route-lock').checked = !!(route && route.locked);
    if (!route) return;
    const stops = route.stops || [];
    stops.forEach((s, i) => {
      const what = s.kind === 'break' ? 'break' : `${s.kind === 'pickup' ? 'pickup ' : ''}order ${s.order_id}`;
      const li = el('li', { 'data-stop': s.id, class: `stop-${s.status}${s.locked ? ' locked' : ''}` },
        el('span', { class: 'eta' }, hhmm(s.eta)), ' ', el('span', { class: 'who' }, what), ' ',
        el('button', { class: 'small ghost hand-up', title: 'earlier', onclick: () => shift(i, -1) }, '↑'),
        el('button', { class: 'small ghost hand-down', title: 'later', onclick: () => shift(i, 1) }, '↓'),
        el('label', { class: 'inline', title: 're-plans keep it on this van' },
          el('input', { type: 'checkbox', class: 'hand-lock', onchange: (e) => lockStop(s.id, e.target.checked) }), 'lock'));
      li.querySelector('.hand-lock').checked = !!s.locked;
      if (s.kind === 'delivery' && s.status === 'planned')
        li.append(' ', el('button', { class: 'small ghost hand-off', title: 'back to ready', onclick: () => takeOff(s.id) }, 'take off'));
      ol.append(li);
    });
    if (!stops.length) ol.append(el('li', { class: 'empty' }, 'no pending stop'));
  }

  async function loadRoute() {
    if (!$('hand-vehicle').value) return;
    try {
      route = await api('GET', `${vehiclePath()}/stops`);
      renderRoute();
    } catch (e) {
      route = null;
      renderRoute();
      say(`Route: ${e.message}`, true);
    }
  }

  async function loadChoices() {
    const [veh, ready] = await Promise.all([api('GET', '/v1/vehicles'), api('GET', '/v1/orders?status=ready&limit=200')]);
    const vs = $('hand-vehicle'), keep = vs.value;
    vs.replaceChildren(...(veh.vehicles || []).map((v) => el('option', { value: v.id }, v.id)));
    if (keep) vs.value = keep;
    const os = $('hand-order'), chosen = os.value; // a reload keeps what the dispatcher chose
    os.replaceChildren(el('option', { value: '' }, 'ready order…'),
      ...(ready.orders || []).map((o) => el('option', { value: o.id }, `#${o.id} ${o.customer && o.customer.name ? o.customer.name : ''}`)));
    if (chosen && [...os.options].some((o) => o.value === chosen)) os.value = chosen;
  }

  // Sends the change as a dry run and shows the verdict; Apply sends it for real.
  async function preview(method, path, body, label) {
    pending = null;
    try {
      const v = await api(method, path, { ...body, dry_run: true });
      const p = $('hand-preview');
      if (v.feasible) {
        const delta = v.cost_delta > 0 ? `+${v.cost_delta}` : String(v.cost_delta);
        const etas = (v.routes || []).map((r) => `${r.vehicle_id}: ${(r.stops || []).map((s) => hhmm(s.eta)).join(' ')}`).join(' · ');
        p.replaceChildren(el('b', {}, `${label}: feasible`), ` · cost ${delta}`, el('div', { class: 'etas' }, etas));
        p.dataset.state = 'ok';
        pending = { method, path, body, label };
        $('hand-apply').disabled = false;
      } else {
        say(`${label}: not feasible: ${(v.violations || []).join('; ') || 'refused'}`, true);
      }
    } catch (e) {
      say(`${label}: ${e.message}`, true);
    }
  }

  // Reorders against the route as it is now (a re-plan or another dispatcher may have changed it
  // since it was shown): the stop clicked moves one place among the current stops.
  async function shift(i, by) {
    const id = route.stops[i].id;
    await loadRoute();
    const ids = (route ? route.stops : []).map((s) => s.id);
    const k = ids.indexOf(id), j = k + by;
    if (k < 0) return say(`Stop ${id} is no longer on this route`, true);
    if (j < 0 || j >= ids.length) return say(`Stop ${id} cannot move further`, true);
    [ids[k], ids[j]] = [ids[j], ids[k]];
    preview('PUT', `${vehiclePath()}/stops`, { stop_ids: ids }, `Move stop ${id} ${by < 0 ? 'up' : 'down'}`);
  }

  function takeOff(stopId) {
    pending = null;
    api('DELETE', `${vehiclePath()}/stops/${stopId}?dry_run=true`).then((v) => {
      if (!v.feasible) return say(`Take off ${stopId}: not feasible`, true);
      $('hand-preview').replaceChildren(el('b', {}, `Take off stop ${stopId}: feasible`), ` · cost ${v.cost_delta}`);
      pending = { method: 'DELETE', path: `${vehiclePath()}/stops/${stopId}`, body: null, label: `Take off stop ${stopId}` };
      $('hand-apply').disabled = false;
    }).catch((e) => say(`Take off ${stopId}: ${e.message}`, true));
  }

  async function apply() {
    if (!pending) return;
    const { method, path, body, label } = pending;
    pending = null;
    $('hand-apply').disabled = true;
    try {
      const v = await api(method, path, body || undefined);
      if (v.feasible === false) say(`${label}: refused: ${(v.violations || []).join('; ')}`, true);
      else say(`${label}: applied`, false);
    } catch (e) {
      say(`${label}: ${e.message}`, true);
    }
    await loadRoute();
    await loadChoices().catch(() => {});
  }

  async function lockStop(stopId, locked) {
    try {
      await api('PUT', `${vehiclePath()}/stops/${stopId}/lock`, { locked });
      say(`Stop ${stopId} ${locked ? 'locked' : 'unlocked'}`, false);
    } catch (e) {
      say(`Lock stop ${stopId}: ${e.message}`, true);
    }
    await loadRoute();
  }

  async function lockRoute(locked) {
    try {
      await api('PUT', `${vehiclePath()}/lock`, { locked });
      say(`Route of ${$('hand-vehicle').value} ${locked ? 'locked' : 'unlocked'}`, false);
    } catch (e) {
      say(`Lock route: ${e.message}`, true);
    }
    await loadRoute();
  }

  function assign() {
    const order = Number($('hand-order').value);
    if (!order) return say('Choose a ready order first', true);
    const pos = $('hand-position').value.trim();
    const body = { order_id: order, ...(pos !== '' ? { position: Number(pos) } : {}) };
    preview('POST', `${vehiclePath()}/stops`, body, `Assign order ${order} to ${$('hand-vehicle').value}`);
  }

  // Shown once the dashboard has signed in (it shows #app); polled, not pushed, like the
  // complaints panel: the panel is a tool the dispatcher opens, not a live feed.
  async function boot() {
    if ($('app').hidden || !sessionStorage.getItem(KEY_STORAGE)) return;
    if (!$('panel-hand').hidden) return;
    $('panel-hand').hidden = false;
    try {
      await loadChoices();
      await loadRoute();
    } catch (e) {
      say(`Hand dispatch: ${e.message}`, true);
    }
  }

  $('hand-vehicle').addEventListener('change', () => { pending = null; say('', false); loadRoute(); });
  $('hand-route-lock').addEventListener('change', (e) => lockRoute(e.target.checked));
  $('hand-check').addEventListener('click', assign);
  $('hand-apply').addEventListener('click', apply);
  $('hand-reload').addEventListener('click', () => { loadChoices().then(loadRoute).catch((e) => say(e.message, true)); });
  setInterval(boot, 1000);
})();
