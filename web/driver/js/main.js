// web/driver/js/main.js: start-up. Sign-in by enrolment link (#enrol=<token> in the URL
// fragment, exchanged once at POST /v1/driver/enrol for the driver's key, kept on the phone),
// the route (GET /v1/driver/route; the last copy kept for offline use), the "your route changed"
// notice with what moved, the service worker, the tabs and the online / waiting indicators.
'use strict';
(() => {
  const { el, t } = DA;
  const ROUTE = 'lastmile.driver.route';

  DA.setOnline = (on) => {
    const p = DA.$('net');
    p.textContent = t(on ? 'online' : 'offline');
    p.dataset.online = on ? '1' : '0';
  };

  const keyOf = (s) => `${s.kind}:${s.order_id}:${s.rma_id || s.return_id || ''}`;
  // What changed between two routes, by order (a re-plan gives stops new ids): added, removed,
  // moved in the order, and ETAs shifted by 5 minutes or more.
  DA.routeDiff = (a, b) => {
    const open = (rt) => (rt.stops || []).filter((s) => s.status === 'planned' || s.status === 'arrived');
    const oa = open(a), ob = open(b);
    const ka = oa.map(keyOf), kb = ob.map(keyOf);
    const done = new Set((b.stops || []).filter((s) => s.status === 'done' || s.status === 'failed').map(keyOf));
    const added = ob.filter((s) => !ka.includes(keyOf(s)));
    const removed = oa.filter((s) => !kb.includes(keyOf(s)) && !done.has(keyOf(s)));
    const commonA = ka.filter((k) => kb.includes(k)), commonB = kb.filter((k) => ka.includes(k));
    const moved = ob.filter((s) => { const k = keyOf(s); return commonA.indexOf(k) >= 0 && commonA.indexOf(k) !== commonB.indexOf(k); });
    const eta = ob.filter((s) => { const o = oa.find((x) => keyOf(x) === keyOf(s)); return o && s.eta_s && o.eta_s && Math.abs(s.eta_s - o.eta_s) >= 300; });
    return { added, removed, moved, eta };
  };

  function showNotice(d) {
    // a pickup (loading at the depot, a return) is named as such: the same customer may have both
    const names = (l) => l.map((s) => (s.kind === 'delivery' ? DA.who(s) : `${DA.kindName(s)} ${DA.who(s)}`)).join(', ');
    const rows = [];
    if (d.added.length) rows.push(el('li', { class: 'ch-added' }, t('changed_added', { list: names(d.added) })));
    if (d.removed.length) rows.push(el('li', { class: 'ch-removed' }, t('changed_removed', { list: names(d.removed) })));
    if (d.moved.length) rows.push(el('li', { class: 'ch-moved' }, t('changed_moved', { list: names(d.moved) })));
    if (d.eta.length) rows.push(el('li', { class: 'ch-eta' }, t('changed_eta', { list: d.eta.map((s) => `${DA.who(s)} ${DA.hhmm(s.eta_s)}`).join(', ') })));
    if (!rows.length) return;
    const n = DA.$('notice');
    n.replaceChildren(el('h2', null, t('route_changed')), el('ul', null, rows),
      el('button', { class: 'act primary', id: 'notice-ok', onclick: () => { n.hidden = true; } }, t('ok')));
    n.hidden = false;
    if (navigator.vibrate) navigator.vibrate([200, 100, 200]);
  }

  let serverRoute = null, refreshing = null;
  DA.refreshRoute = (opts) => {
    const run = async () => {
      const before = DA.route;
      try {
        const res = await DA.call('GET', '/v1/driver/route');
        if (res.status === 200) {
          serverRoute = res.data;
          localStorage.setItem(ROUTE, JSON.stringify(serverRoute));
          DA.setOnline(true);
        }
      } catch (e) {
        if (!(e instanceof DA.Offline)) throw e;
        DA.setOnline(false);
      }
      if (!serverRoute) serverRoute = JSON.parse(localStorage.getItem(ROUTE) || 'null');
      if (!serverRoute) return;
      DA.route = DA.overlay(serverRoute, await DA.outbox.all());
      if (opts && opts.notify && before) showNotice(DA.routeDiff(before, DA.route));
      DA.renderRoute();
    };
    // one at a time; a request made meanwhile runs after (it may carry a notice)
    refreshing = (refreshing || Promise.resolve()).then(run, run);
    return refreshing;
  };

  async function enrol(token) {
    DA.$('signin-error').textContent = t('signin_working');
    let res;
    try {
      res = await DA.call('POST', '/v1/driver/enrol', { token });
    } catch (e) {
      DA.$('signin-error').textContent = t('signin_failed', { msg: t('offline') });
      return false;
    }
    if (res.status !== 201) {
      DA.$('signin-error').textContent = t('signin_failed', { msg: DA.errorText(res) });
      return false;
    }
    DA.setKey(res.data.key);
    DA.$('signin-error').textContent = '';
    return true;
  }

  function showSignin() {
    DA.$('signin').hidden = false;
    DA.$('app').hidden = true;
  }

  // Signed out (by the driver, or refused: the key was revoked, say for a lost phone): nothing of
  // the day stays on the phone: key, route copies (ours and the service worker's), the outbox
  // with its signatures and photos.
  DA.onSignedOut = () => {
    DA.setKey(null);
    DA.stopGeo();
    DA.stopLive();
    localStorage.removeItem(ROUTE);
    DA.outbox.clear().then(DA.renderOutbox).catch(() => {});
    if (self.caches) caches.keys().then((ks) => ks.forEach((k) => caches.open(k).then((c) => c.delete('/v1/driver/route')))).catch(() => {});
    serverRoute = null;
    DA.route = null;
    showSignin();
  };

  function tab(which) {
    for (const b of document.querySelectorAll('.tabs button')) b.setAttribute('aria-selected', String(b.dataset.tab === which));
    DA.$('stops-view').hidden = which !== 'list';
    DA.$('map-view').hidden = which !== 'map';
    if (which === 'map') DA.showMap().catch((e) => DA.toast(String(e), true));
  }

  async function startApp() {
    DA.$('signin').hidden = true;
    DA.$('app').hidden = false;
    await DA.renderOutbox();
    await DA.refreshRoute();
    DA.flush();
    DA.startGeo();
    DA.startLive();
    // retry what waits even without an online event (once per page, whatever the sign-ins)
    if (!retryTimer) retryTimer = setInterval(() => DA.flush(), 20000); // timing-ok: retry period
  }
  let retryTimer = 0;

  async function boot() {
    DA.$('signin-title').textContent = t('signin_title');
    DA.$('signin-scan').textContent = t('signin_scan');
    DA.$('signin-key-label').textContent = t('signin_key');
    DA.$('signin-submit').textContent = t('signin_button');
    DA.$('report-btn').textContent = t('report_problem');
    DA.$('signout-btn').textContent = t('signout');
    DA.$('gps-off').textContent = t('gps_off');
    DA.$('waiting-title').textContent = t('waiting_list');
    DA.$('refused-title').textContent = t('refused_list');
    for (const b of document.querySelectorAll('.tabs button')) {
      b.textContent = t(b.dataset.tab);
      b.addEventListener('click', () => tab(b.dataset.tab));
    }
    DA.$('report-btn').addEventListener('click', () => DA.forms.problem());
    DA.$('signout-btn').addEventListener('click', async () => {
      if (!confirm(t('signout_confirm'))) return;
      DA.onSignedOut();
    });
    DA.$('outbox-count').addEventListener('click', () => DA.flush());
    DA.$('signin-form').addEventListener('submit', async (e) => {
      e.preventDefault();
      const k = DA.$('signin-key').value.trim();
      if (!k) return;
      DA.setKey(k);
      const res = await DA.call('GET', '/v1/whoami').catch(() => null);
      if (!res || res.status !== 200 || !res.data.driver_id) {
        DA.setKey(null);
        DA.$('signin-error').textContent = t('signin_failed', { msg: res ? DA.errorText(res) : t('offline') });
        return;
      }
      startApp();
    });
    DA.setOnline(navigator.onLine);
    if ('serviceWorker' in navigator) navigator.serviceWorker.register('/driver/sw.js', { scope: '/driver/' }).catch(() => {});

    window.addEventListener('hashchange', () => fromLink().then((ok) => { if (ok) startApp(); }));
    if (await fromLink() === false && !DA.key()) return;
    if (!DA.key()) { showSignin(); return; }
    startApp();
  }

  // The enrolment link: the token is in the fragment (sent to no server but ours, here, once).
  // null without a token, else whether it signed in.
  async function fromLink() {
    const m = /(?:^#|&)enrol=([0-9a-f]+)/.exec(location.hash);
    if (!m) return null;
    history.replaceState(null, '', location.pathname);
    if (DA.key()) DA.onSignedOut(); // a new link replaces whoever was signed in here
    showSignin();
    return enrol(m[1]);
  }

  boot();
})();
