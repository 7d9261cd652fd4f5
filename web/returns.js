// web/returns.js: the dashboard's returns and after-sales queue (web/index.html; it builds its own
// panel "Returns & after-sales" in the side column): returns still in progress, oldest first, with
// their pickup's ETA and the next steps the caller may take (approve / refuse, schedule, receive,
// inspect each line, refund, close), and the open after-sales cases with their resolution
// buttons. It reads the key the dashboard keeps in sessionStorage and polls GET /v1/returns and
// GET /v1/cases; text from customers is shown with textContent only.
'use strict';

(() => {
  const { $, el, words, keyApi: api, KEY_STORAGE } = window.lmUi;
  const DONE = ['refused', 'closed'];
  // The steps of each state (docs/returns.md); the server refuses what the key may not do.
  const STEPS = {
    requested: ['approve', 'refuse'], approved: ['schedule'], pickup_scheduled: ['collect'],
    dropoff_expected: ['receive'], collected: ['receive'], inspected: ['refund', 'close'], refunded: ['close'],
  };
  let busy = false;

  function panel() {
    let p = $('panel-returns');
    if (p) return p;
    p = el('section', { class: 'panel', id: 'panel-returns' },
      el('h2', null, 'Returns & after-sales ', el('span', { id: 'returns-count', class: 'badge' })),
      el('p', { class: 'error', id: 'returns-error' }),
      el('ul', { id: 'returns-list', class: 'list' }),
      el('h3', null, 'Open cases ', el('span', { id: 'cases-count', class: 'badge' })),
      el('ul', { id: 'cases-list', class: 'list' }));
    const side = document.querySelector('aside.side');
    if (!side) return null;
    side.insertBefore(p, $('panel-replans') || null);
    return p;
  }

  async function act(fn) {
    $('returns-error').textContent = '';
    try { await fn(); } catch (e) { $('returns-error').textContent = e.message; }
    load();
  }

  function buttons(r) {
    const b = (label, fn) => el('button', { type: 'button', class: 'small secondary', 'data-action': label, onclick: () => act(fn) }, label);
    const out = (STEPS[r.status] || []).map((a) => b(a, () => {
      if (a === 'refuse') {
        const reason = prompt(`Why is return #${r.id} refused?`);
        if (!reason) return Promise.resolve();
        return api('POST', `/v1/returns/${r.id}/refuse`, { reason });
      }
      return api('POST', `/v1/returns/${r.id}/${a}`, a === 'refund' ? {} : undefined);
    }));
    if (r.status === 'received') {
      for (const l of r.lines.filter((x) => !x.condition)) {
        for (const c of ['resellable', 'damaged', 'defective']) {
          out.push(b(`${l.sku}: ${c}`, () => api('POST', `/v1/returns/${r.id}/inspect`, { line: l.line, condition: c })));
        }
      }
    }
    return out;
  }

  function renderReturns(list) {
    const ul = $('returns-list');
    ul.replaceChildren();
    if (!list.length) ul.append(el('li', { class: 'empty' }, 'No returns in progress.'));
    for (const r of list) {
      const eta = r.pickup && r.pickup.eta_s ? ` · pickup ${new Date(r.pickup.eta_s * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}` : '';
      ul.append(el('li', { 'data-return': String(r.id) },
        el('div', null, el('strong', null, `#${r.id}`), ` order ${r.order_id} · `,
          el('span', { class: 'ret-status' }, words(r.status)), ` · ${words(r.reason)} · ${r.method}${eta}`),
        el('div', { class: 'muted' }, r.lines.map((l) => `${l.qty} × ${l.sku}${l.condition ? ` (${l.condition})` : ''}`).join(', ')),
        r.note ? el('div', { class: 'muted' }, r.note) : null,
        el('div', { class: 'steps' }, ...buttons(r))));
    }
  }

  function renderCases(list) {
    const ul = $('cases-list');
    ul.replaceChildren();
    if (!list.length) ul.append(el('li', { class: 'empty' }, 'No open cases.'));
    for (const c of list) {
      const resolve = (res) => el('button', { type: 'button', class: 'small secondary', 'data-action': res, onclick: () => act(() =>
        api('POST', res === 'reship' ? `/v1/cases/${c.id}/reship` : `/v1/cases/${c.id}/resolve`, res === 'reship' ? undefined : { resolution: res })) }, res);
      ul.append(el('li', { 'data-case': String(c.id) },
        el('div', null, el('strong', null, `case #${c.id}`), ` order ${c.order_id} · ${words(c.kind)}`),
        el('div', { class: 'muted' }, c.lines.map((l) => `${l.qty} × ${l.sku}`).join(', ')),
        el('div', { class: 'steps' }, resolve('reship'), resolve('refund'), c.kind === 'missing' ? null : resolve('return'))));
    }
  }

  async function load() {
    if (busy || !sessionStorage.getItem(KEY_STORAGE) || ($('app') && $('app').hidden)) return;
    if (!panel()) return;
    busy = true;
    try {
      const [rs, cs] = await Promise.all([api('GET', '/v1/returns?limit=1000'), api('GET', '/v1/cases?status=open&limit=1000')]);
      const open = rs.returns.filter((r) => !DONE.includes(r.status));
      $('returns-count').textContent = String(open.length);
      $('cases-count').textContent = String(cs.cases.length);
      renderReturns(open);
      renderCases(cs.cases);
    } catch (e) {
      $('returns-count').textContent = '!';
      $('returns-count').title = e.message;
    } finally {
      busy = false;
    }
  }

  setInterval(load, 5000);
  document.addEventListener('DOMContentLoaded', load);
  window.addEventListener('load', load);
  window.lastmileReturns = { reload: load };
})();
