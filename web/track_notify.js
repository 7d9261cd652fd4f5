// web/track_notify.js: the notifications part of the customer tracking page (web/track.html):
// which messages this customer gets (e-mail, SMS) and a switch to stop or resume each, by the
// tracking token (GET/PUT /v1/track/{token}/notifications). A channel the order has no address
// for is not offered. An opt-out covers this customer's later orders too (it is kept per address).
'use strict';

(() => {
  let token = '', started = false;
  const LABELS = { email: 'E-mail updates', sms: 'Text message (SMS) updates' };

  const { tokenApi } = window.lmUi;
  const call = (method, body) => tokenApi(token, method, '/notifications', body);

  function render(prefs) {
    const box = document.getElementById('notify');
    box.replaceChildren();
    const channels = Object.keys(LABELS).filter((c) => prefs[c] !== null && prefs[c] !== undefined);
    if (!channels.length) { box.hidden = true; return; }
    const h = document.createElement('h2');
    h.textContent = 'Messages about your delivery';
    box.append(h);
    const note = document.createElement('div');
    note.className = 'muted';
    note.id = 'notify-status';
    for (const c of channels) {
      const label = document.createElement('label');
      const input = document.createElement('input');
      input.type = 'checkbox';
      input.id = `notify-${c}`;
      input.checked = prefs[c] === true;
      input.addEventListener('change', async () => {
        input.disabled = true;
        const res = await call('PUT', { [c]: input.checked });
        input.disabled = false;
        if (res.status === 200) {
          note.textContent = input.checked ? `${LABELS[c]} are on.` : `${LABELS[c]} are off.`;
          render(res.data);
          document.getElementById('notify-status').textContent = note.textContent;
        } else {
          input.checked = !input.checked;
          const e = res.data && res.data.error;
          note.textContent = e ? e.message : `Could not save (HTTP ${res.status}).`;
        }
      });
      label.append(input, ' ', LABELS[c]);
      box.append(label);
    }
    box.append(note);
    box.hidden = false;
  }

  // Called by track.html after each poll; loads the choices once.
  window.trackNotify = async (tok) => {
    if (started) return;
    started = true;
    token = tok;
    const res = await call('GET');
    if (res.status === 200) render(res.data);
  };
})();
