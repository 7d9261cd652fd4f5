// web/settings.js: the dashboard's settings page (docs/settings.md): the global settings, one
// depot's overrides, the last versions with who changed what, and the vehicles and drivers, each
// saved under the version it was read at (If-Match). A refused change shows the server's message
// and marks the field it names. Opened by the "Settings" button this script adds to the top bar;
// it reads the key the dashboard keeps in sessionStorage.
'use strict';

(() => {
  const { $, el } = window.lmUi;
  const KEY_STORAGE = 'lastmile.key';

  // A refused request: the message, and the field the server named.
  class ApiError extends Error {
    constructor(message, field) { super(message); this.field = field || ''; }
  }

  async function api(method, path, body, version) {
    const headers = { Authorization: `Bearer ${sessionStorage.getItem(KEY_STORAGE)}` };
    if (body) headers['Content-Type'] = 'application/json';
    if (version !== undefined) headers['If-Match'] = `"${version}"`;
    const r = await fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined });
    const data = await r.json().catch(() => null);
    if (!r.ok) {
      const e = data && data.error;
      throw new ApiError(e ? `${e.message}${e.field ? ` (${e.field})` : ''}` : `${method} ${path}: HTTP ${r.status}`,
        e && e.field);
    }
    return data;
  }

  // The settings a form edits: [JSON path inside a section, label, kind].
  const FIELDS = [
    ['geofence_radius_m', 'Geofence radius (m)', 'int'],
    ['arrival_dwell_s', 'Arrival dwell (s)', 'int'],
    ['late_threshold_s', 'Late threshold (s)', 'int'],
    ['eta_change_s', 'ETA change shown (s)', 'int'],
    ['silent_after_s', 'Silent after (s)', 'int', 'global'],
    ['service_s', 'Service time (s)', 'int'],
    ['replan.auto_apply', 'Re-plan auto-apply', 'policy'],
    ['replan.max_eta_shift_min', 'Largest ETA move applied alone (min)', 'int'],
    ['working_hours.start', 'Working hours from', 'clock'],
    ['working_hours.end', 'Working hours to', 'clock'],
  ];
  const get = (o, p) => p.split('.').reduce((x, k) => (x == null ? undefined : x[k]), o);
  const set = (o, p, v) => {
    const ks = p.split('.');
    let x = o;
    for (const k of ks.slice(0, -1)) x = x[k] = x[k] || {};
    x[ks[ks.length - 1]] = v;
  };

  let doc = null; // GET /v1/settings
  let depotDoc = null; // GET /v1/settings/depots/{id}

  function fieldInput(prefix, [p, , kind]) {
    if (kind === 'policy') {
      return el('select', { 'data-path': `settings.${p}`, id: `${prefix}-${p.replace('.', '-')}` },
        el('option', { value: '' }, '—'), el('option', { value: 'never' }, 'never'),
        el('option', { value: 'eta_within' }, 'when no ETA moves more than …'),
        el('option', { value: 'always' }, 'always'));
    }
    return el('input', {
      'data-path': `settings.${p}`, id: `${prefix}-${p.replace('.', '-')}`,
      type: kind === 'clock' ? 'text' : 'number', placeholder: kind === 'clock' ? 'HH:MM' : '',
      inputmode: kind === 'clock' ? 'numeric' : 'decimal',
    });
  }

  function form(prefix, global) {
    const f = el('div', { class: 'settings-grid', id: `${prefix}-form` });
    for (const d of FIELDS) {
      if (d[3] === 'global' && !global) continue;
      f.append(el('label', { for: `${prefix}-${d[0].replace('.', '-')}` }, d[1]), fieldInput(prefix, d));
    }
    return f;
  }

  // Fills a form's inputs from a section (values, or "" where the section has none).
  function fill(formEl, section) {
    for (const i of formEl.querySelectorAll('[data-path]')) {
      const v = get({ settings: section }, i.dataset.path);
      i.value = v === undefined || v === null ? '' : String(v);
      i.dataset.was = i.value;
      i.classList.remove('invalid');
      i.removeAttribute('aria-invalid');
    }
  }

  // The changed inputs of a form as a change body: a number, a string, or null for a cleared one.
  function changes(formEl) {
    const body = {};
    for (const i of formEl.querySelectorAll('[data-path]')) {
      if (i.value === i.dataset.was) continue;
      const v = i.value.trim();
      set(body, i.dataset.path, v === '' ? null : i.type === 'number' ? Number(v) : v);
    }
    return body;
  }

  // Shows a refusal: the message, and the input whose data-path the server named.
  function showError(box, scope, e) {
    box.textContent = e.message;
    for (const i of scope.querySelectorAll('[data-path]')) {
      const p = i.dataset.path;
      const bad = e.field && (e.field === p || e.field.startsWith(`${p}.`) || p.startsWith(`${e.field}.`));
      i.classList.toggle('invalid', !!bad);
      if (bad) i.setAttribute('aria-invalid', 'true'); else i.removeAttribute('aria-invalid');
    }
  }

  async function loadGlobal() {
    doc = await api('GET', '/v1/settings');
    fill($('settings-form'), doc.settings);
    $('settings-version').textContent = `version ${doc.version}${doc.updated_by ? ` · ${doc.updated_by}` : ''}`;
    const h = await api('GET', '/v1/settings/history?limit=5');
    const list = $('settings-history');
    list.replaceChildren();
    if (!h.versions.length) list.append(el('li', { class: 'empty' }, 'Never changed: the server defaults apply.'));
    for (const v of h.versions) {
      const what = v.changes.map((c) => `${c.scope === 'global' ? '' : `${c.scope} `}${c.key}: ${c.from ?? '—'} → ${c.to ?? '—'}`);
      list.append(el('li', null, el('strong', null, `v${v.version}`), ` ${new Date(v.created_ms).toLocaleString()} · ${v.actor} · ${what.join('; ')}`));
    }
  }

  async function saveGlobal() {
    const box = $('settings-error');
    box.textContent = '';
    try {
      await api('PUT', '/v1/settings', changes($('settings-form')), doc.version);
      $('settings-saved').textContent = 'Saved.';
      await Promise.all([loadGlobal(), loadDepot()]); // one version number for both forms
    } catch (e) {
      $('settings-saved').textContent = '';
      showError(box, $('settings-form'), e);
    }
  }

  async function loadDepot() {
    const id = $('settings-depot').value;
    if (!id) return;
    depotDoc = await api('GET', `/v1/settings/depots/${encodeURIComponent(id)}`);
    fill($('settings-depot-form'), depotDoc.overrides);
  }

  async function saveDepot() {
    const box = $('settings-depot-error');
    box.textContent = '';
    try {
      const id = $('settings-depot').value;
      await api('PUT', `/v1/settings/depots/${encodeURIComponent(id)}`, changes($('settings-depot-form')), depotDoc.version);
      $('settings-depot-saved').textContent = 'Saved.';
      await Promise.all([loadGlobal(), loadDepot()]);
    } catch (e) {
      $('settings-depot-saved').textContent = '';
      showError(box, $('settings-depot-form'), e);
    }
  }

  // ---- Vehicles and drivers ----

  const hhmm = (s) => `${String(Math.floor(s / 3600)).padStart(2, '0')}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}`;
  const secs = (t) => { const m = /^(\d\d):(\d\d)$/.exec(t.trim()); return m ? Number(m[1]) * 3600 + Number(m[2]) * 60 : NaN; };
  const list = (s) => s.split(',').map((x) => x.trim()).filter(Boolean);

  const VEHICLE_COLS = [['capacity_kg', 'kg'], ['capacity_parcels', 'parcels'], ['cost_fixed', 'fixed'],
    ['cost_per_hour', '/ hour'], ['cost_per_km', '/ km']];

  async function saveVehicle(row, id) {
    const box = row.querySelector('.row-error');
    box.textContent = '';
    try {
      const v = await api('GET', `/v1/vehicles/${encodeURIComponent(id)}`);
      const version = v.version;
      delete v.version;
      for (const [k] of VEHICLE_COLS) v[k] = Number(row.querySelector(`[data-path="${k}"]`).value);
      v.skills = list(row.querySelector('[data-path="skills"]').value);
      v.time_window = [secs(row.querySelector('[data-path="time_window.0"]').value),
        secs(row.querySelector('[data-path="time_window.1"]').value)];
      if (!v.end_depot) v.end_depot = null;
      await api('PUT', `/v1/vehicles/${encodeURIComponent(id)}`, v, version);
      box.textContent = 'Saved.';
      box.className = 'row-error ok';
    } catch (e) {
      box.className = 'row-error error-text';
      showError(box, row, e);
    }
  }

  function vehicleRow(v) {
    const row = el('tr', { 'data-vehicle': v.id }, el('th', null, v.id));
    for (const [k] of VEHICLE_COLS) row.append(el('td', null, el('input', { type: 'number', 'data-path': k, value: String(v[k]) })));
    row.append(el('td', null, el('input', { type: 'text', 'data-path': 'skills', value: v.skills.join(', '), placeholder: 'refrigerated, …' })));
    row.append(el('td', null, el('input', { type: 'text', 'data-path': 'time_window.0', value: hhmm(v.time_window[0]), size: '5' }),
      '–', el('input', { type: 'text', 'data-path': 'time_window.1', value: hhmm(v.time_window[1]), size: '5' })));
    const save = el('button', { class: 'small', type: 'button', onclick: () => saveVehicle(row, v.id) }, 'Save');
    row.append(el('td', null, save, el('div', { class: 'row-error' })));
    return row;
  }

  async function saveDriver(row, id) {
    const box = row.querySelector('.row-error');
    box.textContent = '';
    try {
      const d = await api('GET', `/v1/drivers/${encodeURIComponent(id)}`);
      const val = (k) => row.querySelector(`[data-path="${k}"]`).value.trim();
      const body = { name: val('name'), phone: val('phone'), vehicle_id: val('vehicle_id') || null,
        allow_short_device_id: d.allow_short_device_id };
      await api('PUT', `/v1/drivers/${encodeURIComponent(id)}`, body, d.version);
      await api('PUT', `/v1/drivers/${encodeURIComponent(id)}/skills`, { skills: list(val('skills')) });
      box.textContent = 'Saved.';
      box.className = 'row-error ok';
    } catch (e) {
      box.className = 'row-error error-text';
      showError(box, row, e);
    }
  }

  function driverRow(d, skills) {
    const row = el('tr', { 'data-driver': d.id }, el('th', null, d.id));
    for (const k of ['name', 'phone', 'vehicle_id'])
      row.append(el('td', null, el('input', { type: 'text', 'data-path': k, value: d[k] || '' })));
    row.append(el('td', null, el('input', { type: 'text', 'data-path': 'skills', value: skills.join(', '), placeholder: 'id_check, …' })));
    row.append(el('td', null, el('button', { class: 'small', type: 'button', onclick: () => saveDriver(row, d.id) }, 'Save'),
      el('div', { class: 'row-error' })));
    return row;
  }

  async function loadFleet() {
    const [vs, ds] = await Promise.all([api('GET', '/v1/vehicles'), api('GET', '/v1/drivers')]);
    const vb = $('settings-vehicles');
    vb.replaceChildren(...vs.vehicles.map(vehicleRow));
    const skills = await Promise.all(ds.drivers.map((d) => api('GET', `/v1/drivers/${encodeURIComponent(d.id)}/skills`)));
    $('settings-drivers').replaceChildren(...ds.drivers.map((d, i) => driverRow(d, skills[i].skills)));
  }

  // ---- The page ----

  function build() {
    const head = (...cols) => el('thead', null, el('tr', null, ...cols.map((c) => el('th', null, c))));
    const dialog = el('div', { id: 'settings-page', class: 'settings-page', role: 'dialog', 'aria-label': 'settings', hidden: '' },
      el('div', { class: 'settings-box' },
        el('h1', null, 'Settings ', el('small', { id: 'settings-version' }),
          el('button', { id: 'settings-close', class: 'ghost small', type: 'button', onclick: close }, 'Close')),
        el('section', null, el('h2', null, 'All depots'), form('settings', true),
          el('button', { id: 'settings-save', type: 'button', onclick: saveGlobal }, 'Save settings'),
          el('span', { id: 'settings-saved', class: 'ok' }),
          el('p', { id: 'settings-error', class: 'error-text', role: 'alert' })),
        el('section', null, el('h2', null, 'One depot ', el('select', { id: 'settings-depot', onchange: loadDepot })),
          el('p', { class: 'hint' }, 'Empty: the value for all depots applies.'), form('settings-depot', false),
          el('button', { id: 'settings-depot-save', type: 'button', onclick: saveDepot }, 'Save depot'),
          el('span', { id: 'settings-depot-saved', class: 'ok' }),
          el('p', { id: 'settings-depot-error', class: 'error-text', role: 'alert' })),
        el('section', null, el('h2', null, 'Last changes'), el('ul', { id: 'settings-history', class: 'list' })),
        el('section', null, el('h2', null, 'Vehicles'),
          el('table', { class: 'settings-table' }, head('id', 'kg', 'parcels', 'fixed', '/ hour', '/ km', 'skills', 'shift', ''),
            el('tbody', { id: 'settings-vehicles' }))),
        el('section', null, el('h2', null, 'Drivers'),
          el('table', { class: 'settings-table' }, head('id', 'name', 'phone', 'vehicle', 'skills', ''),
            el('tbody', { id: 'settings-drivers' })))));
    document.body.append(dialog);
    const btn = el('button', { id: 'settings-btn', class: 'ghost', type: 'button', onclick: open }, 'Settings');
    const anchor = $('refresh-btn');
    anchor.parentNode.insertBefore(btn, anchor);
  }

  async function open() {
    $('settings-page').hidden = false;
    for (const id of ['settings-error', 'settings-saved', 'settings-depot-error', 'settings-depot-saved']) $(id).textContent = '';
    try {
      const deps = await api('GET', '/v1/depots');
      const sel = $('settings-depot');
      const keep = sel.value;
      sel.replaceChildren(...deps.depots.map((d) => el('option', { value: d.id }, `${d.id} — ${d.name}`)));
      if (keep) sel.value = keep;
      await Promise.all([loadGlobal(), loadDepot(), loadFleet()]);
    } catch (e) {
      $('settings-error').textContent = e.message;
    }
  }

  function close() { $('settings-page').hidden = true; }

  if ($('refresh-btn')) build();
})();
