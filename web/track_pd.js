// web/track_pd.js: the tracking page's two ends of a pickup-and-delivery order (collect here,
// deliver there): for each, its window and where it stands (planned with an estimate, done,
// failed, cancelled). track.html calls window.trackPd(t) with each GET /v1/track/{token} reply;
// an ordinary delivery has no `stops` there and the section stays hidden.
'use strict';

(() => {
  const LABELS = { pickup: 'Collection', delivery: 'Delivery' };
  const STATES = {
    not_planned: 'not scheduled yet', planned: 'scheduled', arrived: 'driver on site',
    done: 'done', failed: 'failed', cancelled: 'cancelled',
  };
  const time = (iso) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

  window.trackPd = function (t) {
    const box = document.getElementById('pd');
    if (!box) return;
    if (!t || t.type !== 'pickup_delivery' || !Array.isArray(t.stops)) { box.hidden = true; return; }
    const h = document.createElement('h2');
    h.textContent = 'Collection and delivery';
    const dl = document.createElement('dl');
    for (const s of t.stops) {
      const dt = document.createElement('dt'), dd = document.createElement('dd');
      dt.textContent = LABELS[s.kind] || s.kind;
      dd.dataset.kind = s.kind;
      dd.dataset.status = s.status;
      let text = `${time(s.window.from)} – ${time(s.window.to)}, ${STATES[s.status] || s.status}`;
      if (s.eta) text += ` (expected ${time(s.eta)})`;
      if (s.done_at && s.status === 'done') text += ` at ${time(s.done_at)}`;
      dd.textContent = text;
      dl.append(dt, dd);
    }
    if (t.pickup && t.pickup.address) {
      const dt = document.createElement('dt'), dd = document.createElement('dd');
      dt.textContent = 'Collected from';
      dd.textContent = t.pickup.address;
      dl.append(dt, dd);
    }
    box.replaceChildren(h, dl);
    box.hidden = false;
  };
})();
