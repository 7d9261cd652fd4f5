// web/driver/js/live.js: route changes from re-plans, pushed by the server as Server-Sent Events
// on GET /v1/driver/events (read with fetch, since EventSource cannot send the key). Each
// route.changed makes the app fetch its route again and say what moved (DA.refreshRoute).
'use strict';
(() => {
  let lastId = null, ctrl = null, backoff = 1000;

  async function run() {
    ctrl = new AbortController();
    const headers = { Authorization: `Bearer ${DA.key()}`, Accept: 'text/event-stream' };
    if (lastId) headers['Last-Event-ID'] = lastId;
    const r = await fetch('/v1/driver/events', { headers, signal: ctrl.signal, cache: 'no-store' });
    if (r.status === 401) { DA.onSignedOut(); return false; }
    if (!r.ok || !r.body) throw new Error(`events: HTTP ${r.status}`);
    DA.setOnline(true);
    backoff = 1000;
    DA.liveConnected = true;
    const reader = r.body.getReader();
    const dec = new TextDecoder();
    let text = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += dec.decode(value, { stream: true });
      let cut;
      while ((cut = text.indexOf('\n\n')) >= 0) {
        const block = text.slice(0, cut);
        text = text.slice(cut + 2);
        let type = 'message', id = null;
        for (const line of block.split('\n')) {
          if (line.startsWith('event: ')) type = line.slice(7);
          else if (line.startsWith('id: ')) id = line.slice(4);
        }
        if (id) lastId = id;
        if (type === 'route.changed') DA.refreshRoute({ notify: true });
      }
    }
    return true;
  }

  DA.startLive = async () => {
    for (let i = 0; DA.key(); i++) {
      try {
        if ((await run()) === false) return;
      } catch (e) {
        if (e && e.name === 'AbortError') return;
      }
      DA.liveConnected = false;
      // after a drop: catch up on what was missed, then listen again
      await new Promise((res) => setTimeout(res, backoff)); // timing-ok: reconnect back-off
      backoff = Math.min(backoff * 2, 30000);
      DA.refreshRoute({ notify: true }).catch(() => {});
    }
  };
  DA.stopLive = () => { if (ctrl) ctrl.abort(); };
})();
