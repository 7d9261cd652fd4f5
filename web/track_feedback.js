// web/track_feedback.js: the feedback part of the customer tracking page (web/track.html): once
// the delivery is done (or an attempt failed) the customer rates it, reports a problem, follows
// their tickets and answers the satisfaction survey, all by the tracking token
// (/v1/track/{token}/rating, /complaints, /survey). Text typed by anyone is shown with
// textContent only: it is never interpreted as markup.
'use strict';

(() => {
  const { el, tokenApi, problem } = window.lmUi;
  const TAGS = ['late', 'on_time', 'rude', 'friendly', 'damaged', 'careful', 'missing_item',
    'wrong_item', 'instructions_ignored', 'great'];
  const CATEGORIES = ['lateness', 'damage', 'missing_item', 'wrong_item', 'driver_conduct', 'billing', 'other'];
  const words = (s) => s.replace(/_/g, ' ');
  let token = '', started = false;

  const call = (method, rest, body) => tokenApi(token, method, rest, body);

  // ---- rating

  function ratingShown(rt) {
    const box = document.getElementById('fb-rating');
    box.replaceChildren(el('p', { id: 'rating-done' }, `Thank you: you rated this delivery ${rt.score}/5.`));
    if (rt.tags.length) box.append(el('p', { class: 'muted' }, rt.tags.map(words).join(', ')));
    if (rt.comment) box.append(el('p', { class: 'muted' }, `“${rt.comment}”`));
    if (rt.complaint_id) box.append(el('p', null, `We opened ticket #${rt.complaint_id} and will answer soon.`));
  }

  function ratingForm() {
    const box = document.getElementById('fb-rating');
    let score = 0;
    const stars = el('div', { class: 'stars', role: 'radiogroup', 'aria-label': 'score' });
    for (let s = 1; s <= 5; s++) {
      stars.append(el('button', {
        type: 'button', 'data-score': String(s), 'aria-label': `${s} of 5`,
        onclick: () => {
          score = s;
          [...stars.children].forEach((b, i) => b.classList.toggle('on', i < s));
        },
      }, '★'));
    }
    const tags = el('div', { class: 'tags' }, ...TAGS.map((t) =>
      el('label', null, el('input', { type: 'checkbox', value: t, name: 'tag' }), ` ${words(t)}`)));
    const comment = el('input', { id: 'rate-comment', maxlength: '1000', placeholder: 'A comment (optional)' });
    const err = el('p', { class: 'error', id: 'rate-error' });
    const form = el('form', {
      id: 'rate-form',
      onsubmit: async (ev) => {
        ev.preventDefault();
        if (!score) { err.textContent = 'Choose 1 to 5 stars.'; return; }
        const body = { score, tags: [...tags.querySelectorAll('input:checked')].map((i) => i.value) };
        if (comment.value.trim()) body.comment = comment.value.trim();
        const res = await call('POST', '/rating', body);
        if (res.status !== 201) { err.textContent = problem(res); return; }
        ratingShown(res.data);
        loadComplaints();
      },
    }, el('p', null, 'How was your delivery?'), stars, tags, comment,
    el('button', { type: 'submit', id: 'rate-submit' }, 'Send rating'), err);
    box.replaceChildren(form);
  }

  // ---- complaints

  function ticketView(c) {
    const li = el('li', { 'data-complaint': String(c.id) },
      el('strong', null, `#${c.id} ${words(c.category)}`), ' ',
      el('span', { class: 'pill' }, words(c.status)),
      c.subject ? el('div', null, c.subject) : null);
    const thread = el('ul', { class: 'thread' });
    for (const m of c.messages || []) {
      thread.append(el('li', { class: m.author },
        el('span', { class: 'muted' }, `${m.author === 'customer' ? 'You' : 'Support'} · ${new Date(m.created_ms).toLocaleString()}`),
        el('div', null, m.text)));
    }
    li.append(thread);
    if (c.status !== 'closed') {
      const text = el('input', { maxlength: '4000', placeholder: 'Write a reply' });
      li.append(el('form', {
        class: 'reply',
        onsubmit: async (ev) => {
          ev.preventDefault();
          if (!text.value.trim()) return;
          const res = await call('POST', `/complaints/${c.id}/reply`, { text: text.value.trim() });
          if (res.status === 201) li.replaceWith(ticketView(res.data));
          else text.setCustomValidity(problem(res));
        },
      }, text, el('button', { type: 'submit' }, 'Reply')));
    }
    if (c.status === 'resolved') {
      li.append(el('button', { type: 'button', onclick: async () => {
        const res = await call('POST', `/complaints/${c.id}/close`);
        if (res.status === 200) li.replaceWith(ticketView(res.data));
      } }, 'Close: solved'));
    }
    return li;
  }

  async function loadComplaints() {
    const res = await call('GET', '/complaints');
    if (res.status !== 200) return;
    const list = document.getElementById('fb-tickets');
    list.replaceChildren();
    for (const c of res.data.complaints) {
      const one = await call('GET', `/complaints/${c.id}`);
      if (one.status === 200) list.append(ticketView(one.data));
    }
  }

  // failed: the attempt failed, so the customer may dispute it (source dispute).
  function complaintForm(failed) {
    const dispute = failed ? el('input', { type: 'checkbox', id: 'complaint-dispute' }) : null;
    const cat = el('select', { id: 'complaint-category' }, ...CATEGORIES.map((c) => el('option', { value: c }, words(c))));
    const text = el('textarea', { id: 'complaint-text', maxlength: '4000', rows: '3', placeholder: 'What went wrong?' });
    const err = el('p', { class: 'error' });
    return el('form', {
      id: 'complaint-form',
      onsubmit: async (ev) => {
        ev.preventDefault();
        const body = { category: cat.value, text: text.value };
        if (dispute && dispute.checked) body.source = 'dispute';
        const res = await call('POST', '/complaints', body);
        if (res.status !== 201) { err.textContent = problem(res); return; }
        text.value = '';
        err.textContent = '';
        loadComplaints();
      },
    }, el('p', null, 'Report a problem'), cat, text,
    dispute ? el('label', null, dispute, ' I was there: the failed attempt was not my fault') : null,
    el('button', { type: 'submit' }, 'Send'), err);
  }

  // ---- survey

  async function loadSurvey() {
    const res = await call('GET', '/survey');
    const box = document.getElementById('fb-survey');
    if (res.status !== 200) { box.hidden = true; return; }
    const s = res.data;
    box.hidden = false;
    if (s.answered_ms) { box.replaceChildren(el('p', null, `Thanks for answering our survey (${s.score}).`)); return; }
    const q = s.kind === 'nps' ? 'How likely are you to recommend us to a friend?' : 'How satisfied are you with our service?';
    const row = el('div', { class: 'scale' });
    for (let v = s.min; v <= s.max; v++) {
      row.append(el('button', { type: 'button', onclick: async () => {
        const a = await call('POST', '/survey', { score: v });
        if (a.status === 200) loadSurvey();
      } }, String(v)));
    }
    box.replaceChildren(el('p', null, q), row);
  }

  // Called by the tracking page with each tracking reply: the feedback part appears once the
  // delivery (or an attempt) is over, and is built once.
  window.trackFeedback = async (t, tok) => {
    if (started || !(t.delivery || t.failure)) return;
    started = true;
    token = tok;
    const root = document.getElementById('feedback');
    root.hidden = false;
    root.replaceChildren(el('div', { id: 'fb-rating' }), el('div', { id: 'fb-survey', hidden: '' }),
      el('h2', null, 'Your tickets'), el('ul', { id: 'fb-tickets', class: 'tickets' }), complaintForm(!!t.failure));
    const rt = await call('GET', '/rating');
    if (rt.status === 200) ratingShown(rt.data); else ratingForm();
    loadComplaints();
    loadSurvey();
  };
})();
