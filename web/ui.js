// web/ui.js: what the dashboard's side panels (web/index.html) and the tracking page's sections
// (web/track.html) share, loaded before them: $ by id, el() building elements whose text is set
// with textContent only (customer text never becomes markup), words(), and keyApi() for the
// dashboard's calls with the key it keeps in sessionStorage, tokenApi() and problem() for the
// tracking page's calls with the customer's token. Exposed as window.lmUi.
'use strict';

window.lmUi = (() => {
  const KEY_STORAGE = 'lastmile.key';
  const $ = (id) => document.getElementById(id);
  const words = (s) => String(s).replace(/_/g, ' ');

  // <tag attrs...>kids</tag>: "onX" attributes add listeners; kids are nodes or text.
  const el = (tag, attrs, ...kids) => {
    const e = document.createElement(tag);
    for (const k in attrs || {}) {
      if (k.startsWith('on')) e.addEventListener(k.slice(2), attrs[k]);
      else if (k === 'class') e.className = attrs[k];
      else e.setAttribute(k, attrs[k]);
    }
    for (const c of kids) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
    return e;
  };

  // A JSON call with the dashboard's key: the answer's body (null when empty). A refusal throws
  // an Error with the server's message and the field it names, unless answer(status, data) says
  // the refusal is itself the answer to show (a dry run's 409 verdict, say).
  async function keyApi(method, path, body, answer) {
    const key = sessionStorage.getItem(KEY_STORAGE);
    const r = await fetch(path, {
      method,
      headers: { Authorization: `Bearer ${key}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const data = r.status === 204 ? null : await r.json().catch(() => null);
    if (!r.ok && !(answer && answer(r.status, data))) {
      const e = data && data.error;
      throw new Error(e ? `${e.message}${e.field ? ` (${e.field})` : ''}` : `${method} ${path}: HTTP ${r.status}`);
    }
    return data;
  }

  // A JSON call under /v1/track/{token}: {status, data} (data null when the body is not JSON);
  // never throws on a refusal, which the page shows with problem().
  async function tokenApi(token, method, rest, body) {
    const r = await fetch(`/v1/track/${token}${rest}`, {
      method, cache: 'no-store',
      headers: body ? { 'Content-Type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: r.status, data: await r.json().catch(() => null) };
  }

  // The sentence a refused tokenApi answer shows: the server's message and the field it names.
  function problem(res) {
    const e = res.data && res.data.error;
    return e ? `${e.message}${e.field ? ` (${e.field})` : ''}` : `HTTP ${res.status}`;
  }

  return { $, el, words, keyApi, tokenApi, problem, KEY_STORAGE };
})();
