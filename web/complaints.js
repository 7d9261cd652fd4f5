// web/complaints.js: the dashboard's complaints queue (web/index.html, panel "Complaints"): open
// tickets nearest SLA deadline first with live countdowns, a ticket's thread with a reply box
// (public or internal note) and its status steps, and the ratings per driver, depot or vehicle.
// It reads the key the dashboard keeps in sessionStorage and polls GET /v1/complaints; customer
// text is shown with textContent only.
'use strict';

(() => {
  const { $, el, words, keyApi: api, KEY_STORAGE } = window.lmUi;
  const OPEN = 'new,acknowledged,in_progress,resolved';
  const STEPS = { new: ['acknowledge'], acknowledged: ['start', 'resolve'], in_progress: ['resolve'], resolved: ['close', 'reopen'], closed: ['reopen'] };
  let rows = [], fetchedAt = 0, openId = null, busy = false;

  // "2 h 05 min left" / "overdue 12 min" from milliseconds left.
  function countdown(ms) {
    const m = Math.round(Math.abs(ms) / 60000);
    const text = m >= 60 ? `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min` : `${m} min`;
    return ms < 0 ? `overdue ${text}` : `${text} left`;
  }

  // The clock that matters now: first response while it runs, else resolution.
  function due(c) {
    const age = Date.now() - fetchedAt;
    if (c.first_response_left_ms !== null) return { what: 'first response', ms: c.first_response_left_ms - age };
    if (c.resolution_left_ms !== null) return { what: 'resolution', ms: c.resolution_left_ms - age };
    return null;
  }

  function renderCountdowns() {
    for (const li of document.querySelectorAll('#complaint-list li[data-complaint]')) {
      const c = rows.find((x) => String(x.id) === li.dataset.complaint);
      const d = c && due(c);
      const span = li.querySelector('.sla');
      if (!span) continue;
      span.textContent = d ? `${d.what}: ${countdown(d.ms)}` : 'no clock running';
      span.className = `sla ${d && d.ms < 0 ? 'overdue' : d && d.ms < 3600000 ? 'soon' : ''}`;
    }
  }

  function render() {
    $('complaint-count').textContent = String(rows.length);
    const list = $('complaint-list');
    list.replaceChildren();
    if (!rows.length) list.append(el('li', { class: 'empty' }, 'No open complaints.'));
    for (const c of rows) {
      const li = el('li', { 'data-complaint': String(c.id), class: `complaint prio-${c.priority}` },
        el('div', { class: 'who', onclick: () => toggle(c.id) },
          el('strong', null, `#${c.id}`), ` ${words(c.category)} · ${words(c.status)} · ${c.priority}`,
          c.order_id ? ` · order ${c.order_id}` : '', c.driver_id ? ` · ${c.driver_id}` : ''),
        el('div', { class: 'sla' }));
      if (c.id === openId) li.append(el('div', { class: 'ticket', id: 'ticket-detail' }, 'Loading…'));
      list.append(li);
    }
    renderCountdowns();
    if (openId !== null) showTicket(openId);
  }

  async function showTicket(id) {
    const box = $('ticket-detail');
    if (!box) return;
    let t;
    try { t = await api('GET', `/v1/complaints/${id}`); } catch (e) { box.textContent = e.message; return; }
    const thread = el('ul', { class: 'thread' }, ...(t.messages || []).map((m) =>
      el('li', { class: `${m.author}${m.internal ? ' internal' : ''}` },
        el('span', { class: 'muted' }, `${m.author}${m.internal ? ' (internal)' : ''} · ${new Date(m.created_ms).toLocaleString()}`),
        el('div', null, m.text))));
    const text = el('textarea', { rows: '2', maxlength: '4000', placeholder: 'Reply to the customer', id: 'ticket-reply-text' });
    const internal = el('input', { type: 'checkbox', id: 'ticket-reply-internal' });
    const reply = el('form', {
      class: 'reply',
      onsubmit: async (ev) => {
        ev.preventDefault();
        if (!text.value.trim()) return;
        try { await api('POST', `/v1/complaints/${id}/reply`, { text: text.value, internal: internal.checked }); load(); } catch (e) { alert(e.message); }
      },
    }, text, el('label', null, internal, ' internal note'), el('button', { type: 'submit' }, 'Send'));
    const steps = el('div', { class: 'steps' }, ...(STEPS[t.status] || []).map((a) =>
      el('button', { type: 'button', class: 'small secondary', onclick: async () => {
        try { await api('POST', `/v1/complaints/${id}/${a}`); load(); } catch (e) { alert(e.message); }
      } }, a)));
    const timeline = el('details', null, el('summary', null, `Order timeline (${(t.timeline || []).length} events)`),
      el('ul', { class: 'timeline' }, ...(t.timeline || []).map((e) =>
        el('li', null, `${new Date(e.time_ms).toLocaleString()} ${e.type}`))));
    box.replaceChildren(el('div', null, t.subject || ''), thread, reply, steps, timeline);
  }

  function toggle(id) {
    openId = openId === id ? null : id;
    render();
  }

  async function loadRatings() {
    const by = $('ratings-group').value || 'driver_id';
    const d = await api('GET', `/v1/ratings/summary?group_by=${by}`);
    $('ratings-key').textContent = by.replace('_id', '');
    const tb = $('ratings-by-driver');
    tb.replaceChildren(...d.groups.map((g) => el('tr', null, el('td', null, g.key || '—'),
      el('td', null, g.average.toFixed(2)), el('td', null, String(g.count)), el('td', null, String(g.low)))));
  }

  async function load() {
    if (busy || !sessionStorage.getItem(KEY_STORAGE) || $('app').hidden) return;
    busy = true;
    try {
      const d = await api('GET', `/v1/complaints?status=${OPEN}`);
      rows = d.complaints;
      fetchedAt = Date.now();
      // someone typing a reply keeps their text: only the countdowns move meanwhile
      const typing = $('ticket-detail') && $('ticket-detail').contains(document.activeElement);
      if (typing) renderCountdowns(); else render();
      await loadRatings();
    } catch (e) {
      $('complaint-count').textContent = '!';
      $('complaint-count').title = e.message;
    } finally {
      busy = false;
    }
  }

  document.addEventListener('change', (ev) => { if (ev.target.id === 'ratings-group') loadRatings().catch(() => {}); });
  setInterval(load, 5000);
  setInterval(renderCountdowns, 1000);
  document.addEventListener('DOMContentLoaded', load);
  window.addEventListener('load', load);
  window.lastmileComplaints = { reload: load };
})();
