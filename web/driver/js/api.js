// web/driver/js/api.js: calls to the server with the driver's key (kept in localStorage: the
// phone stays signed in until the key is revoked), and the server's refusals put in words.
'use strict';
(() => {
  const KEY = 'lastmile.driver.key';
  DA.key = () => localStorage.getItem(KEY);
  DA.setKey = (k) => (k ? localStorage.setItem(KEY, k) : localStorage.removeItem(KEY));

  // A network failure (offline, server unreachable): the caller keeps the request for later.
  class Offline extends Error {}
  DA.Offline = Offline;

  // -> {status, data, replayed}; throws DA.Offline when no answer came.
  DA.call = async (method, path, body, idem) => {
    const headers = {};
    const key = DA.key();
    if (key) headers.Authorization = `Bearer ${key}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (idem) headers['Idempotency-Key'] = idem;
    let r;
    try {
      r = await fetch(path, { method, headers, body: body !== undefined ? JSON.stringify(body) : undefined, cache: 'no-store' });
    } catch (e) {
      throw new Offline(String(e && e.message));
    }
    // a service worker answering for an unreachable server says so with 503 + this header
    if (r.headers.get('X-Lastmile-Offline')) throw new Offline('offline');
    const data = r.status === 204 ? null : await r.json().catch(() => null);
    if (r.status === 401 && key && path !== '/v1/driver/enrol') DA.onSignedOut && DA.onSignedOut();
    return { status: r.status, data, replayed: r.headers.get('Idempotent-Replayed') === 'true' };
  };

  // The server's error in words: its message, naming the field in the phone's language.
  DA.errorText = (res) => {
    const e = res && res.data && res.data.error;
    if (!e) return `HTTP ${res ? res.status : '?'}`;
    return e.field ? `${DA.fieldName(e.field)}: ${e.message}` : e.message;
  };
})();
