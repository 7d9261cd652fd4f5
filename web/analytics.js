// web/analytics.js: the dashboard's analytics panel (web/index.html, panel "Analytics"): four
// Chart.js charts from the analytics routes (docs/analytics.md): the on-time rate per day with the
// deliveries, this week's cycle time per stage (median and p90), a SKU's demand forecast with its
// interval against the actual history, and the cost per stop by vehicle. Chart.js is served by
// the server itself (/vendor/chartjs/chart.umd.min.js, `make web-deps`); no CDN. It reads the key
// the dashboard keeps in sessionStorage and refreshes every minute while signed in.
'use strict';

(() => {
  const KEY_STORAGE = 'lastmile.key';
  const $ = (id) => document.getElementById(id);
  const charts = {};
  const state = { loads: 0, error: null, busy: false };
  window.lastmileAnalytics = { charts, state };

  async function get(path) {
    const r = await fetch(path, { headers: { Authorization: `Bearer ${sessionStorage.getItem(KEY_STORAGE)}` } });
    const data = await r.json().catch(() => null);
    if (!r.ok) {
      const e = data && data.error;
      throw new Error(e ? `${e.message}${e.field ? ` (${e.field})` : ''}` : `GET ${path}: HTTP ${r.status}`);
    }
    return data;
  }

  // Creates the chart on its canvas the first time, then swaps its data in place.
  function draw(name, config) {
    const c = charts[name];
    if (!c) {
      charts[name] = new window.Chart($(`an-${name}`), config);
      return;
    }
    c.data = config.data;
    c.update('none');
  }

  const base = (extra) => ({
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    plugins: { legend: { labels: { boxWidth: 10, font: { size: 10 }, filter: (item) => item.text !== '' } } },
    ...extra,
  });
  const minutes = (s) => Math.round((s / 60) * 10) / 10;

  async function onTime() {
    const rep = await get('/v1/reports/deliveries?period=day');
    const rows = rep.rows;
    draw('ontime', {
      type: 'line',
      data: {
        labels: rows.map((r) => r.period_start.slice(5)),
        datasets: [
          { label: 'on time %', data: rows.map((r) => Math.round(r.on_time_rate * 1000) / 10), borderColor: '#1f7a4d', backgroundColor: '#1f7a4d', yAxisID: 'y', tension: 0.2 },
          { type: 'bar', label: 'delivered', data: rows.map((r) => r.delivered), backgroundColor: 'rgba(60,110,180,0.35)', yAxisID: 'n' },
        ],
      },
      options: base({ scales: { y: { min: 0, max: 100, title: { display: true, text: '%' } }, n: { position: 'right', beginAtZero: true, grid: { drawOnChartArea: false } } } }),
    });
  }

  async function cycle() {
    const rep = await get('/v1/reports/cycle-times?period=week');
    const last = rep.rows[rep.rows.length - 1] || {};
    const stages = ['audit', 'pick', 'dispatch', 'drive', 'total'];
    draw('cycle', {
      type: 'bar',
      data: {
        labels: stages,
        datasets: [
          { label: 'median (min)', data: stages.map((s) => minutes(last[`${s}_median_s`] || 0)), backgroundColor: '#3c6eb4' },
          { label: 'p90 (min)', data: stages.map((s) => minutes(last[`${s}_p90_s`] || 0)), backgroundColor: '#e08a2c' },
        ],
      },
      options: base({ scales: { y: { beginAtZero: true, title: { display: true, text: 'minutes' } } } }),
    });
    $('an-cycle-week').textContent = last.period_start ? `week of ${last.period_start}, ${last.total_n} delivered` : 'no deliveries yet';
  }

  async function forecastChoices() {
    const sel = $('an-sku');
    if (sel.options.length) return;
    const stock = (await get('/v1/stock')).stock || [];
    for (const s of stock) {
      const o = document.createElement('option');
      o.value = `${s.depot}/${s.sku}`;
      o.textContent = `${s.sku} @ ${s.depot}`;
      sel.append(o);
    }
  }

  async function forecast() {
    await forecastChoices();
    const pick = $('an-sku').value;
    if (!pick) return;
    const [depot, sku] = pick.split('/');
    const fc = await get(`/v1/forecast/${encodeURIComponent(depot)}/${encodeURIComponent(sku)}?days=56&h=14`);
    const n = fc.history.length;
    const labels = fc.history.map((d) => d.date.slice(5)).concat(fc.forecast.map((d) => d.date.slice(5)));
    const pad = (arr) => new Array(n).fill(null).concat(arr);
    draw('forecast', {
      type: 'line',
      data: {
        labels,
        datasets: [
          { label: 'actual', data: fc.history.map((d) => d.units).concat(new Array(fc.forecast.length).fill(null)), borderColor: '#333', backgroundColor: '#333', pointRadius: 1 },
          // the expected demand: the interval is about it (an intermittent SKU's point forecast is its median, often 0)
          { label: 'forecast (expected)', data: pad(fc.forecast.map((d) => d.mean)), borderColor: '#3c6eb4', backgroundColor: '#3c6eb4', pointRadius: 1 },
          { label: 'interval', data: pad(fc.forecast.map((d) => d.hi)), borderColor: 'rgba(60,110,180,0.25)', backgroundColor: 'rgba(60,110,180,0.18)', fill: '+1', pointRadius: 0 },
          { label: '', data: pad(fc.forecast.map((d) => d.lo)), borderColor: 'rgba(60,110,180,0.25)', pointRadius: 0 },
        ],
      },
      options: base({ scales: { y: { beginAtZero: true, title: { display: true, text: 'units / day' } } } }),
    });
    const bt = fc.backtest;
    $('an-forecast-method').textContent = `${fc.method.replace(/_/g, ' ')}; MASE ${bt.mase >= 0 ? bt.mase.toFixed(2) : '–'} vs seasonal-naive ${bt.naive_mase >= 0 ? bt.naive_mase.toFixed(2) : '–'}`;
  }

  async function costs() {
    const rep = await get('/v1/reports/costs?group=vehicle&period=month');
    const by = new Map(); // cost and stops add up over the months: cost per stop of the sums
    for (const r of rep.rows) {
      const a = by.get(r.key) || { cost: 0, stops: 0 };
      a.cost += r.cost;
      a.stops += r.route_stops;
      by.set(r.key, a);
    }
    const keys = [...by.keys()].filter((k) => k !== '-' && by.get(k).stops > 0).sort();
    draw('costs', {
      type: 'bar',
      data: { labels: keys, datasets: [{ label: 'cost per stop', data: keys.map((k) => Math.round((by.get(k).cost / by.get(k).stops) * 10) / 10), backgroundColor: '#7a4dbf' }] },
      options: base({ indexAxis: 'y', scales: { x: { beginAtZero: true } } }),
    });
  }

  async function load() {
    if (state.busy || !sessionStorage.getItem(KEY_STORAGE) || $('app').hidden || !window.Chart) return;
    state.busy = true;
    try {
      await Promise.all([onTime(), cycle(), forecast(), costs()]);
      state.error = null;
      $('an-error').textContent = '';
      state.loads++;
    } catch (e) {
      state.error = String(e.message || e);
      $('an-error').textContent = state.error;
    } finally {
      state.busy = false;
    }
  }

  $('an-refresh').addEventListener('click', load);
  $('an-sku').addEventListener('change', load);
  // the dashboard shows #app once signed in: load then, and every minute after
  new MutationObserver(() => { if (!$('app').hidden) load(); }).observe($('app'), { attributes: true, attributeFilter: ['hidden'] });
  setInterval(load, 60000);
  load();
})();
