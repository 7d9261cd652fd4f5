// web/track_returns.js: the returns part of the customer tracking page (web/track.html): once the
// order is delivered and a line is still inside its return window, "Return or report a problem"
// offers a return of chosen lines and units with a reason and a pickup or drop-off; the
// customer's returns are listed with their status and, once a pickup is planned, its ETA, like a
// delivery's. All by the tracking token (/v1/track/{token}/returns). Text is shown with
// textContent only.
'use strict';

(() => {
  const { el, tokenApi, problem } = window.lmUi;
  const REASON_TEXT = {
    changed_mind: 'I changed my mind', damaged: 'It arrived damaged', defective: 'It does not work',
    wrong_item: 'I got the wrong item', missing_item: 'Something is missing', late_delivery: 'It came too late',
  };
  const STATUS_TEXT = {
    requested: 'Asked for: we will answer soon', approved: 'Accepted: we will plan the pickup',
    refused: 'Refused', pickup_scheduled: 'Pickup planned', dropoff_expected: 'Waiting for you at the depot',
    collected: 'Collected: on its way back', received: 'Received at our depot', inspected: 'Checked',
    refunded: 'Refunded', closed: 'Closed',
  };
  let token = '', started = false, timer = null;

  const call = (method, body) => tokenApi(token, method, '/returns', body);
  const hhmm = (s) => new Date(s * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

  function returnsList(returns) {
    const ul = el('ul', { class: 'tickets', id: 'ret-list' });
    for (const r of returns) {
      const what = r.lines.map((l) => `${l.qty} × ${l.sku}`).join(', ');
      const li = el('li', { 'data-return': String(r.id) },
        el('div', null, el('strong', null, `Return #${r.id}`), ' ',
          el('span', { class: 'pill ret-status' }, STATUS_TEXT[r.status] || r.status)),
        el('div', { class: 'muted' }, what));
      if (r.pickup && r.pickup.eta_s) li.append(el('div', { class: 'ret-eta' }, `Pickup expected around ${hhmm(r.pickup.eta_s)}`));
      if (r.refund_amount) li.append(el('div', { class: 'muted' }, `Refunded: ${(r.refund_amount / 100).toFixed(2)}`));
      ul.append(li);
    }
    return ul;
  }

  function returnForm(el_, box) {
    const lines = el_.lines.filter((l) => l.returnable > 0);
    const rows = lines.map((l) => el('label', { class: 'ret-line' },
      el('input', { type: 'number', min: '0', max: String(l.returnable), value: '0', 'data-sku': l.sku }),
      ` of ${l.returnable} × ${l.sku} (until ${new Date(l.until_ms).toLocaleDateString()})`));
    const reason = el('select', { id: 'ret-reason' }, ...el_.reasons.map((r) => el('option', { value: r }, REASON_TEXT[r] || r)));
    const method = el('select', { id: 'ret-method' }, ...el_.methods.map((m) => el('option', { value: m }, m === 'pickup' ? 'Pick it up at my door' : 'I bring it to the depot')));
    const note = el('input', { id: 'ret-note', maxlength: '255', placeholder: 'What happened? (optional)' });
    const err = el('p', { class: 'error', id: 'ret-error' });
    return el('form', {
      id: 'ret-form',
      onsubmit: async (ev) => {
        ev.preventDefault();
        const chosen = rows.map((r) => r.querySelector('input')).filter((i) => Number(i.value) > 0)
          .map((i) => ({ sku: i.dataset.sku, qty: Number(i.value) }));
        if (!chosen.length) { err.textContent = 'Choose at least one item to return.'; return; }
        const body = { reason: reason.value, method: method.value, lines: chosen };
        if (note.value.trim()) body.note = note.value.trim();
        const res = await call('POST', body);
        if (res.status !== 201) { err.textContent = problem(res); return; }
        load(box);
      },
    }, el('p', null, 'What would you like to send back?'), ...rows, reason, method, note,
    el('button', { type: 'submit', id: 'ret-submit' }, 'Ask for a return'), err);
  }

  async function load(box) {
    clearTimeout(timer);
    const res = await call('GET');
    if (res.status !== 200) { box.hidden = true; return; }
    const { eligibility, returns } = res.data;
    if (!eligibility.can_return && !returns.length) { box.hidden = true; return; }
    box.hidden = false;
    const kids = [el('h2', null, 'Return or report a problem')];
    if (returns.length) kids.push(returnsList(returns));
    if (eligibility.can_return) {
      const open = el('details', { id: 'ret-open' }, el('summary', null, returns.length ? 'Return something else' : 'Return an item'));
      open.append(returnForm(eligibility, box));
      kids.push(open);
    }
    box.replaceChildren(...kids);
    // a return in progress moves (pickup planned, collected, refunded): follow it
    if (returns.some((r) => !['refused', 'closed'].includes(r.status))) timer = setTimeout(() => load(box), 15000);
  }

  // Called by track.html on every tracking poll with the order's tracking data.
  window.trackReturns = (t, tok) => {
    if (started || t.status !== 'delivered') return;
    started = true;
    token = tok;
    let box = document.getElementById('returns');
    if (!box) {
      box = el('section', { id: 'returns', hidden: '' });
      document.querySelector('main').append(box);
    }
    load(box).catch(() => { box.hidden = true; });
  };
})();
