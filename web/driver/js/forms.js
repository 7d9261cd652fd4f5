// web/driver/js/forms.js: the action sheets. Delivered / collected (recipient name, a signature
// drawn on a canvas, a photo from the camera, the cash amount and method when the order is cash
// on delivery), not delivered (reason, note, photo), report a problem (breakdown, delay, vehicle
// full, accident). Every action goes through the outbox (queue.js) with its own Idempotency-Key.
'use strict';
(() => {
  const { el, t } = DA;
  const PROOF_MAX = 500 * 1024; // the server takes 512 KiB per image

  DA.act = {
    start: () => DA.enqueue({ kind: 'action', start: true, method: 'POST', path: '/v1/driver/route/start', label: t('action_start') })
      .then(DA.refreshRoute),
    arrived: (s) => DA.enqueue({ kind: 'action', stop: s.id, to: 'arrived', method: 'POST', path: `/v1/driver/stops/${s.id}/arrived`,
      label: t('action_arrived', { who: DA.who(s) }) }).then(DA.refreshRoute),
  };

  function sheet(title, body, onSend) {
    const err = el('p', { class: 'form-error', role: 'alert', id: 'form-error' });
    const form = el('form', { class: 'sheet-form', onsubmit: async (e) => {
      e.preventDefault();
      err.textContent = '';
      const msg = await onSend();
      if (msg) { err.textContent = msg; return; }
      close();
    } }, el('h2', null, title), body, err,
    el('div', { class: 'sheet-buttons' },
      el('button', { type: 'button', class: 'act', onclick: () => close() }, t('cancel')),
      el('button', { type: 'submit', class: 'act primary', id: 'form-send' }, t('send'))));
    const box = DA.$('sheet');
    box.replaceChildren(form);
    box.hidden = false;
    function close() { box.hidden = true; box.replaceChildren(); }
  }

  // A canvas to sign on with a finger; .png() is null until something was drawn.
  function signaturePad() {
    const c = el('canvas', { class: 'signature', id: 'signature', width: 640, height: 240 });
    const g = c.getContext('2d');
    g.fillStyle = '#fff';
    g.fillRect(0, 0, c.width, c.height);
    g.lineWidth = 4;
    g.lineCap = 'round';
    g.strokeStyle = '#000';
    let drawing = false, drawn = false;
    const at = (e) => { const r = c.getBoundingClientRect(); return [(e.clientX - r.left) * c.width / r.width, (e.clientY - r.top) * c.height / r.height]; };
    c.addEventListener('pointerdown', (e) => { drawing = true; c.setPointerCapture(e.pointerId); g.beginPath(); g.moveTo(...at(e)); e.preventDefault(); });
    c.addEventListener('pointermove', (e) => { if (!drawing) return; g.lineTo(...at(e)); g.stroke(); drawn = true; e.preventDefault(); });
    const end = () => { drawing = false; };
    c.addEventListener('pointerup', end);
    c.addEventListener('pointercancel', end);
    const clear = () => { g.fillStyle = '#fff'; g.fillRect(0, 0, c.width, c.height); drawn = false; };
    return {
      node: el('div', { class: 'field' }, el('label', { for: 'signature' }, t('signature')), c,
        el('button', { type: 'button', class: 'link', onclick: clear }, t('clear'))),
      png: () => (drawn ? { content_type: 'image/png', data_base64: c.toDataURL('image/png').split(',')[1] } : null),
    };
  }

  // A camera photo, scaled down to a JPEG the server accepts.
  function photoField() {
    let img = null;
    const state = el('span', { class: 'photo-state', id: 'photo-state' });
    const input = el('input', { type: 'file', accept: 'image/*', capture: 'environment', id: 'photo', class: 'photo-input', onchange: async () => {
      const f = input.files && input.files[0];
      img = f ? await shrink(f) : null;
      state.textContent = img ? t('photo_taken') : '';
    } });
    return {
      node: el('div', { class: 'field' }, el('label', { for: 'photo', class: 'act photo-btn' }, t('take_photo')), input, state),
      jpeg: () => img,
    };
  }

  async function shrink(file) {
    const bmp = await createImageBitmap(file);
    let side = 1600;
    for (let q = 0.85; q > 0.2; q -= 0.15, side = Math.round(side * 0.8)) {
      const k = Math.min(1, side / Math.max(bmp.width, bmp.height));
      const c = document.createElement('canvas');
      c.width = Math.max(1, Math.round(bmp.width * k));
      c.height = Math.max(1, Math.round(bmp.height * k));
      c.getContext('2d').drawImage(bmp, 0, 0, c.width, c.height);
      const b64 = c.toDataURL('image/jpeg', q).split(',')[1];
      if (b64.length * 3 / 4 < PROOF_MAX) return { content_type: 'image/jpeg', data_base64: b64 };
    }
    return null;
  }

  const select = (id, label, options) => el('div', { class: 'field' }, el('label', { for: id }, label),
    el('select', { id }, options.map(([v, text]) => el('option', { value: v }, text))));
  const input = (id, label, attrs) => el('div', { class: 'field' }, el('label', { for: id }, label), el('input', { id, ...attrs }));
  const textarea = (id, label) => el('div', { class: 'field' }, el('label', { for: id }, label), el('textarea', { id, rows: 3, maxlength: 500 }));
  const val = (id) => DA.$(id).value.trim();

  DA.forms = {
    delivered(s) {
      const sig = signaturePad(), ph = photoField();
      const cod = s.collect && s.collect.amount !== undefined ? s.collect : null;
      const body = [
        input('recipient', t('recipient'), { type: 'text', autocomplete: 'off', maxlength: 200 }),
        sig.node, ph.node,
        cod ? el('div', { class: 'cash-form' },
          el('p', { class: 'cash' }, t('cash_due', { amount: DA.money(cod.amount, cod.currency) })),
          input('cash-amount', `${t('cash_amount')} (${cod.currency})`, { type: 'text', inputmode: 'decimal', value: (cod.amount / 10 ** DA.decimals(cod.currency)).toFixed(DA.decimals(cod.currency)) }),
          select('cash-method', t('cash_method'), [['cash', t('method_cash')], ['card_terminal', t('method_card_terminal')]])) : null,
      ];
      sheet(t(DA.isCollect(s) ? 'collected' : 'delivered'), body, async () => {
        const b = {};
        const name = val('recipient');
        if (name) b.recipient_name = name;
        const png = sig.png(), jpg = ph.jpeg();
        if (png) b.signature = png;
        if (jpg) b.photo = jpg;
        if (!DA.isCollect(s) && !name && !png) return t('need_signature_or_name');
        if (cod) {
          const amount = DA.toMinor(val('cash-amount'), cod.currency);
          if (amount === null) return t('need_amount');
          b.collected = { amount, method: DA.$('cash-method').value };
        }
        // a return is marked collected (its RMA moves in the same transaction), anything else delivered
        const verb = DA.isReturn(s) ? 'collected' : 'delivered';
        await DA.enqueue({ kind: 'action', stop: s.id, to: 'done', method: 'POST', path: `/v1/driver/stops/${s.id}/${verb}`, body: b,
          label: t(DA.isCollect(s) ? 'action_collected' : 'action_delivered', { who: DA.who(s) }) });
        await DA.refreshRoute();
        return null;
      });
    },

    failed(s) {
      const ph = photoField();
      const reasons = ['not_home', 'refused', 'address_not_found', 'damaged', 'other'].map((r) => [r, t(`reason_${r}`)]);
      sheet(t(DA.isCollect(s) ? 'not_collected' : 'failed'), [select('fail-reason', t('reason'), reasons), textarea('fail-note', t('note')), ph.node], async () => {
        const b = { reason: DA.$('fail-reason').value };
        const note = DA.$('fail-note').value.trim();
        if (note) b.note = note;
        const jpg = ph.jpeg();
        if (jpg) b.photo = jpg;
        await DA.enqueue({ kind: 'action', stop: s.id, to: 'failed', method: 'POST', path: `/v1/driver/stops/${s.id}/failed`, body: b,
          label: t('action_failed', { who: DA.who(s) }) });
        await DA.refreshRoute();
        return null;
      });
    },

    problem() {
      const kinds = ['delay', 'breakdown', 'vehicle_full', 'accident'].map((k) => [k, t(`problem_${k}`)]);
      sheet(t('report_problem'), [select('problem-kind', t('problem_kind'), kinds),
        input('problem-delay', t('delay_min'), { type: 'number', min: 0, max: 1440, value: 15, inputmode: 'numeric' }),
        textarea('problem-note', t('note'))], async () => {
        const kind = DA.$('problem-kind').value;
        const b = { kind };
        if (kind === 'delay') b.delay_min = Number(DA.$('problem-delay').value || 0);
        const note = DA.$('problem-note').value.trim();
        if (note) b.note = note;
        await DA.enqueue({ kind: 'action', method: 'POST', path: '/v1/driver/exceptions', body: b, label: t('action_problem', { kind: t(`problem_${kind}`) }) });
        return null;
      });
    },
  };
})();
