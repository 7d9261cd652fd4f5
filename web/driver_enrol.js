// web/driver_enrol.js: the dashboard's "Driver phones" panel: pick a driver, make a single-use
// sign-in link for the driver app (POST /v1/drivers/{id}/enrolments) shown as a QR code to scan
// and as text, list the driver's enrolments (pending, expired, active, revoked) and revoke one in
// one click (DELETE …/enrolments/{id}: the phone's key stops working at once). The QR code is
// drawn by qrcode-generator (web/vendor/qrcode/qrcode.js, from make web-deps). The token is shown
// only here, once, and never stored by the page.
'use strict';

(() => {
  const { $, el, keyApi: api, KEY_STORAGE } = window.lmUi;
  const panel = el('section', { class: 'panel', id: 'panel-phones' },
    el('h2', null, 'Driver phones'),
    el('form', { id: 'enrol-form', class: 'row-form' },
      el('label', null, 'Driver ', el('select', { id: 'enrol-driver' })),
      el('button', { type: 'submit', id: 'enrol-create' }, 'New sign-in link')),
    el('div', { id: 'enrol-new', class: 'enrol-new', hidden: '' }),
    el('p', { id: 'enrol-error', class: 'error-text', role: 'alert' }),
    el('ul', { id: 'enrol-list', class: 'list' }));

  function fmtTime(ms) { return ms ? new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : ''; }

  async function loadDrivers() {
    const sel = $('enrol-driver');
    const d = await api('GET', '/v1/drivers');
    const keep = sel.value;
    sel.replaceChildren(...(d.drivers || []).map((x) => el('option', { value: x.id }, `${x.name || x.id} (${x.id})`)));
    if (keep) sel.value = keep;
  }

  async function loadList() {
    const id = $('enrol-driver').value;
    if (!id) return;
    const d = await api('GET', `/v1/drivers/${encodeURIComponent(id)}/enrolments`);
    $('enrol-list').replaceChildren(...(d.enrolments || []).map((e) => el('li', { class: `enrol enrol-${e.state}`, 'data-id': e.enrolment_id },
      el('span', { class: 'enrol-state' }, e.state),
      ` ${fmtTime(e.created_ms)}`,
      e.state === 'pending' ? ` · until ${fmtTime(e.expires_ms)}` : '',
      e.key_prefix ? el('code', null, ` ${e.key_prefix}…`) : '',
      e.state === 'pending' || e.state === 'active'
        ? el('button', { class: 'small danger enrol-revoke', onclick: () => revoke(id, e.enrolment_id) }, 'Revoke') : '')));
  }

  async function revoke(driver, eid) {
    $('enrol-error').textContent = '';
    try {
      await api('DELETE', `/v1/drivers/${encodeURIComponent(driver)}/enrolments/${eid}`);
      await loadList();
    } catch (e) { $('enrol-error').textContent = e.message; }
  }

  async function create(ev) {
    ev.preventDefault();
    $('enrol-error').textContent = '';
    const id = $('enrol-driver').value;
    try {
      const e = await api('POST', `/v1/drivers/${encodeURIComponent(id)}/enrolments`, {});
      const url = location.origin + e.link;
      const box = $('enrol-new');
      const qr = window.qrcode ? window.qrcode(0, 'M') : null;
      let code = el('p', { class: 'error-text' }, 'QR library missing: run make web-deps');
      if (qr) {
        qr.addData(url);
        qr.make();
        code = el('div', { class: 'enrol-qr', id: 'enrol-qr' });
        code.innerHTML = qr.createSvgTag({ cellSize: 4, margin: 2, scalable: true }); // generated markup, no user text
      }
      box.replaceChildren(code,
        el('a', { id: 'enrol-link', href: url, target: '_blank', rel: 'noopener' }, url),
        el('p', { class: 'hint' }, `Scan with the driver's phone. Works once, until ${fmtTime(e.expires_ms)}.`));
      box.hidden = false;
      await loadList();
    } catch (e) { $('enrol-error').textContent = e.message; }
  }

  function start() {
    const side = document.querySelector('.side');
    if (!side || $('panel-phones')) return;
    side.insertBefore(panel, $('panel-events'));
    $('enrol-form').addEventListener('submit', create);
    $('enrol-driver').addEventListener('change', () => { $('enrol-new').hidden = true; loadList().catch(() => {}); });
    loadDrivers().then(loadList).catch((e) => { $('enrol-error').textContent = e.message; });
    setInterval(() => { if (!document.hidden && sessionStorage.getItem(KEY_STORAGE)) loadList().catch(() => {}); }, 10000);
  }

  // the dashboard shows #app once signed in; start then (and at once if it already is)
  const app = $('app');
  if (app && !app.hidden && sessionStorage.getItem(KEY_STORAGE)) start();
  else if (app) new MutationObserver((m, o) => { if (!app.hidden) { o.disconnect(); start(); } }).observe(app, { attributes: true, attributeFilter: ['hidden'] });
})();
