// web/track_selfservice.js: the self-service part of the customer tracking page (web/track.html):
// choose another delivery window among those the planner has room for, leave delivery
// instructions and a safe place for the driver, and cancel before the van leaves, all by the
// tracking token (/v1/track/{token}/reschedule, /instructions, /cancel). Text typed by anyone
// is shown with textContent only: it is never interpreted as markup.
'use strict';

(() => {
  const { el, tokenApi, problem } = window.lmUi;
  const BEFORE_VAN = ['received', 'held', 'allocated', 'backordered', 'picking', 'ready', 'planned'];
  const fmt = (iso) => new Date(iso).toLocaleString([], {
    weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
  let token = '', built = false;

  const call = (method, rest, body) => tokenApi(token, method, rest, body);
  const say = (id, text, bad) => {
    const m = document.getElementById(id);
    m.textContent = text;
    m.className = bad ? 'error' : 'muted';
  };

  // ---- another window

  async function loadSlots() {
    const list = document.getElementById('ss-slots');
    list.replaceChildren();
    say('ss-window-msg', 'Looking for windows with room…');
    const res = await call('GET', '/reschedule');
    if (res.status !== 200) { say('ss-window-msg', problem(res), true); return; }
    if (!res.data.can_reschedule) { say('ss-window-msg', `Not possible now: ${res.data.why_not}.`); return; }
    if (!res.data.offered.length) { say('ss-window-msg', 'No window has room in the next days.'); return; }
    say('ss-window-msg', 'Choose a window:');
    res.data.offered.forEach((w, i) => {
      const input = el('input', { type: 'radio', name: 'ss-slot', id: `ss-slot-${i}`, value: i });
      input.dataset.from = w.from;
      input.dataset.to = w.to;
      list.append(el('label', { for: `ss-slot-${i}` }, input, ` ${fmt(w.from)} – ${fmt(w.to)}`));
    });
    list.append(el('button', { type: 'button', id: 'ss-slot-confirm', onclick: chooseSlot }, 'Confirm this window'));
  }

  async function chooseSlot() {
    const picked = document.querySelector('input[name="ss-slot"]:checked');
    if (!picked) { say('ss-window-msg', 'Pick one of the windows first.', true); return; }
    const res = await call('POST', '/reschedule', { from: picked.dataset.from, to: picked.dataset.to });
    if (res.status !== 200) { say('ss-window-msg', problem(res), true); return; }
    document.getElementById('ss-slots').replaceChildren();
    say('ss-window-msg', `Done: we will come ${fmt(picked.dataset.from)} – ${fmt(picked.dataset.to)}.`);
  }

  // ---- instructions

  async function loadInstructions() {
    const res = await call('GET', '/instructions');
    if (res.status !== 200) return;
    document.getElementById('ss-instructions').value = res.data.instructions;
    document.getElementById('ss-safe-place').value = res.data.safe_place;
  }

  async function saveInstructions(ev) {
    ev.preventDefault();
    const res = await call('PUT', '/instructions', {
      instructions: document.getElementById('ss-instructions').value,
      safe_place: document.getElementById('ss-safe-place').value,
    });
    say('ss-instructions-msg', res.status === 200 ? 'Saved: your driver will see this.' : problem(res), res.status !== 200);
  }

  // ---- cancel

  async function cancelOrder() {
    if (!window.confirm('Cancel this delivery? This cannot be undone.')) return;
    const res = await call('POST', '/cancel');
    say('ss-cancel-msg', res.status === 200 ? 'Your order is cancelled.' : problem(res), res.status !== 200);
    if (res.status === 200) document.getElementById('ss-cancel').disabled = true;
  }

  function build(root) {
    root.append(
      el('h2', {}, 'Another window'),
      el('button', { type: 'button', id: 'ss-window', onclick: loadSlots }, 'See other windows'),
      el('div', { id: 'ss-window-msg', class: 'muted' }),
      el('div', { id: 'ss-slots', class: 'slots' }),
      el('h2', {}, 'Delivery instructions'),
      el('form', { id: 'ss-instructions-form', onsubmit: saveInstructions },
        el('label', { for: 'ss-instructions' }, 'For the driver (door code, floor…)'),
        el('textarea', { id: 'ss-instructions', maxlength: '500', rows: '3' }),
        el('label', { for: 'ss-safe-place' }, 'Safe place if you are out'),
        el('input', { id: 'ss-safe-place', maxlength: '120' }),
        el('button', { type: 'submit', id: 'ss-instructions-save' }, 'Save')),
      el('div', { id: 'ss-instructions-msg', class: 'muted' }),
      el('div', { id: 'ss-cancel-box' },
        el('h2', {}, 'Cancel'),
        el('button', { type: 'button', id: 'ss-cancel', onclick: cancelOrder }, 'Cancel this delivery'),
        el('div', { id: 'ss-cancel-msg', class: 'muted' })));
    loadInstructions();
  }

  // Called by track.html after each poll with the tracking reply.
  window.trackSelfService = (t, tok) => {
    token = tok;
    const root = document.getElementById('selfservice');
    if (!root) return;
    const open = t.status !== 'delivered' && t.status !== 'cancelled';
    root.hidden = !open;
    if (!open) return;
    if (!built) { build(root); built = true; }
    const mayChoose = BEFORE_VAN.includes(t.status) || (t.recovery && t.recovery.customer_may_choose);
    document.getElementById('ss-window').hidden = !mayChoose;
    document.getElementById('ss-cancel-box').hidden = !BEFORE_VAN.includes(t.status);
  };
})();
