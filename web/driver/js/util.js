// web/driver/js/util.js: the app's namespace (DA), its strings in the phone's language
// (navigator.language: fr, else en), element building (text only: customer text is never parsed
// as HTML) and time / money formatting.
'use strict';
const DA = (self.DA = self.DA || {});

(() => {
  const langs = self.LM_I18N || {};
  const wanted = (navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || 'en'])
    .map((l) => String(l).slice(0, 2).toLowerCase());
  DA.lang = wanted.find((l) => langs[l]) || 'en';
  const S = langs[DA.lang] || langs.en;
  document.documentElement.lang = DA.lang;

  DA.t = (key, vars) => {
    const s = S[key] !== undefined ? S[key] : (langs.en[key] !== undefined ? langs.en[key] : key);
    return String(s).replace(/\{(\w+)\}/g, (m, k) => (vars && vars[k] !== undefined ? vars[k] : m));
  };
  DA.fieldName = (f) => (S.field_names && S.field_names[f]) || f;

  DA.el = (tag, attrs, ...kids) => {
    const e = document.createElement(tag);
    for (const k in attrs || {}) {
      const v = attrs[k];
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else if (k === 'class') e.className = v;
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const c of kids.flat()) if (c !== null && c !== undefined && c !== false) e.append(c instanceof Node ? c : String(c));
    return e;
  };
  DA.$ = (id) => document.getElementById(id);

  // times in the phone's own convention (en-GB and fr: 24 h; en-US: AM/PM)
  DA.hhmm = (epochS) => (epochS ? new Date(epochS * 1000).toLocaleTimeString(navigator.language || DA.lang, { hour: '2-digit', minute: '2-digit' }) : '');
  DA.todHHMM = (secOfDay) => {
    const h = Math.floor(secOfDay / 3600), m = Math.floor((secOfDay % 3600) / 60);
    return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
  };
  DA.secOfDay = (epochS) => { const d = new Date(epochS * 1000); return d.getHours() * 3600 + d.getMinutes() * 60 + d.getSeconds(); };

  // minor units <-> text, with the currency's own number of decimals (ISO 4217 via Intl)
  DA.decimals = (cur) => {
    try { return new Intl.NumberFormat('en', { style: 'currency', currency: cur }).resolvedOptions().maximumFractionDigits; } catch (e) { return 2; }
  };
  DA.money = (amount, cur) => {
    const d = DA.decimals(cur);
    try { return new Intl.NumberFormat(DA.lang, { style: 'currency', currency: cur }).format(amount / 10 ** d); } catch (e) { return `${(amount / 10 ** d).toFixed(d)} ${cur}`; }
  };
  DA.toMinor = (text, cur) => {
    const v = Number(String(text).replace(',', '.').trim());
    if (!Number.isFinite(v) || v < 0) return null;
    return Math.round(v * 10 ** DA.decimals(cur));
  };

  DA.uuid = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`);

  let toastTimer = 0;
  DA.toast = (text, bad) => {
    const t = DA.$('toast');
    t.textContent = text;
    t.className = bad ? 'toast bad' : 'toast';
    t.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { t.hidden = true; }, bad ? 8000 : 3000); // timing-ok: how long a notice shows
  };
})();
