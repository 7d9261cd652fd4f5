// web/driver/js/queue.js: the outbox. Every action and every batch of positions is written to
// IndexedDB first, with its own Idempotency-Key, then sent in the order it was made; when the
// network is gone it waits there (the screen lists it) and is replayed in order when it returns.
// The server keeps each action's reply under its key, so a replay whose first try did arrive
// changes nothing. A refusal (4xx) is taken out of the queue and shown in words.
'use strict';
(() => {
  const DB = 'lastmile-driver', STORE = 'outbox';
  let dbp = null;
  function db() {
    if (!dbp) dbp = new Promise((resolve, reject) => {
      const rq = indexedDB.open(DB, 1);
      rq.onupgradeneeded = () => rq.result.createObjectStore(STORE, { keyPath: 'n', autoIncrement: true });
      rq.onsuccess = () => resolve(rq.result);
      rq.onerror = () => reject(rq.error);
    });
    return dbp;
  }
  async function tx(mode, fn) {
    const d = await db();
    return new Promise((resolve, reject) => {
      const t = d.transaction(STORE, mode);
      const out = fn(t.objectStore(STORE));
      t.oncomplete = () => resolve(out && 'result' in out ? out.result : undefined);
      t.onerror = () => reject(t.error);
    });
  }
  DA.outbox = {
    add: (item) => tx('readwrite', (s) => s.add({ ...item, idem: item.idem || DA.uuid(), created: Date.now() })),
    all: () => tx('readonly', (s) => s.getAll()),
    remove: (n) => tx('readwrite', (s) => s.delete(n)),
    clear: () => tx('readwrite', (s) => s.clear()),
  };

  DA.refused = []; // {label, msg}: refusals shown until dismissed
  let flushing = null;

  // Sends what is waiting, oldest first; stops at the first item that cannot be sent now.
  async function flushOnce() {
    const items = await DA.outbox.all();
    let changed = false;
    for (const it of items) {
      let res;
      try {
        res = await DA.call(it.method, it.path, it.body, it.idem);
      } catch (e) {
        if (e instanceof DA.Offline) { DA.setOnline(false); break; }
        throw e;
      }
      DA.setOnline(true);
      if (res.status >= 500 || res.status === 429 || res.status === 401) break; // later, same order
      await DA.outbox.remove(it.n);
      changed = changed || it.kind !== 'positions';
      if (res.status >= 400) {
        DA.refused.push({ label: it.label, msg: DA.errorText(res) });
        DA.toast(DA.t('refused', { what: it.label, msg: DA.errorText(res) }), true);
      }
    }
    await DA.renderOutbox();
    if (changed) await DA.refreshRoute();
  }
  DA.flush = () => {
    if (!flushing) flushing = flushOnce().catch((e) => console.warn('flush', e)).finally(() => { flushing = null; });
    return flushing;
  };

  // Queues an action and tries to send it now; the screen shows the result either way.
  DA.enqueue = async (item) => {
    await DA.outbox.add(item);
    await DA.renderOutbox();
    await DA.flush();
    const left = await DA.outbox.all();
    if (item.kind !== 'positions') DA.toast(left.some((x) => x.label === item.label) ? DA.t('queued') : DA.t('sent'));
  };

  DA.renderOutbox = async () => {
    const items = await DA.outbox.all();
    const box = DA.$('outbox');
    const n = items.length;
    DA.$('outbox-count').textContent = n ? DA.t('waiting', { n }) : DA.t('waiting_none');
    DA.$('outbox-count').dataset.waiting = String(n);
    const list = DA.$('outbox-list');
    list.replaceChildren(...items.map((x) => DA.el('li', { class: 'waiting', 'data-kind': x.kind }, x.label)));
    const ref = DA.$('refused-list');
    ref.replaceChildren(...DA.refused.map((x, i) => DA.el('li', { class: 'refused' }, `${x.label}: ${x.msg} `,
      DA.el('button', { class: 'link', onclick: () => { DA.refused.splice(i, 1); DA.renderOutbox(); } }, DA.t('dismiss')))));
    box.hidden = n === 0 && DA.refused.length === 0;
    DA.$('refused-title').hidden = DA.refused.length === 0;
    DA.$('waiting-title').hidden = n === 0;
  };

  window.addEventListener('online', () => DA.flush());
})();
