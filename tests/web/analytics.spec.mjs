// tests/web/analytics.spec.mjs: browser test of the dashboard's analytics panel (web/analytics.js)
// against the real server: `lastmile serve --demo` on a free 127.0.0.1 port with a temporary
// database; the demo day is planned, committed and partly delivered through the API (so the
// rollups hold deliveries, routes and cycle times); then Debian's chromium (playwright-core,
// headless) signs in and each of the four charts must be drawn with data: its Chart.js data
// non-empty and carrying the figures the API gives, and its canvas holding drawn pixels (not a
// blank element). Chart.js must come from the server itself (/vendor/chartjs/).
//
//   LASTMILE_BIN=build/debug/cli/lastmile node tests/web/analytics.spec.mjs
//
// Writes tests/web/out/analytics.png to look at.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { api as request, assert, browser, demoServer, missingRoutes, steps } from './harness.mjs';

const outDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'out');
mkdirSync(outDir, { recursive: true });
const { step, fail, finish } = steps(6);
let server = null, context = null, base = '';
const api = (method, p, body, key) => request(base, method, p, body, key);

// Polls fn (async, truthy when done) every 200 ms up to ms milliseconds.
async function until(fn, ms, what) {
  const end = Date.now() + ms;
  for (let i = 0; i < 10000 && Date.now() < end; i++) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 200)); // timing-ok: poll interval
  }
  throw new Error(`timed out waiting for ${what}`);
}

// The demo day planned, committed and up to 8 stops delivered by their drivers, via the API.
async function deliverSome(key) {
  if (!(await api('GET', '/v1/vehicles', null, key)).data.vehicles.length) {
    for (const [i, depot] of ['DEP-VEN', 'DEP-VLX'].entries()) {
      const v = await api('POST', '/v1/vehicles', { id: `van-${i + 1}`, name: `Van ${i + 1}`, start_depot: depot, capacity_parcels: 40, cost_fixed: 1000, cost_per_hour: 3600 }, key);
      assert(v.status === 201 || v.status === 200, `vehicle: ${v.status} ${JSON.stringify(v.data)}`);
      const d = await api('POST', '/v1/drivers', { id: `drv-${i + 1}`, name: `Driver ${i + 1}`, vehicle_id: `van-${i + 1}` }, key);
      assert(d.status === 201 || d.status === 200, `driver: ${d.status}`);
    }
  }
  const allocated = (await api('GET', '/v1/orders?status=allocated&limit=30', null, key)).data.orders;
  assert(allocated.length > 0, 'the demo day has allocated orders');
  for (const o of allocated) {
    await api('POST', `/v1/orders/${o.id}/picking`, null, key);
    const r = await api('POST', `/v1/orders/${o.id}/ready`, { weight_g: 2000, volume_cm3: 9000, parcels: 1 }, key);
    assert(r.status === 200, `ready answered ${r.status}`);
  }
  const p = await api('POST', '/v1/plans', { time_limit_ms: 2000 }, key);
  assert(p.status === 202, `plan: ${p.status} ${JSON.stringify(p.data)}`);
  const plan = await until(async () => {
    const g = await api('GET', `/v1/plans/${p.data.id}`, null, key);
    assert(g.data.status !== 'failed', `plan failed: ${JSON.stringify(g.data)}`);
    return g.data.status === 'proposed' ? g.data : null;
  }, 60000, 'the plan to be proposed');
  assert(plan.routes.length >= 1, 'the plan has routes');
  assert((await api('POST', `/v1/plans/${p.data.id}/commit`, null, key)).status === 200, 'commit');
  let delivered = 0;
  for (const d of (await api('GET', '/v1/drivers', null, key)).data.drivers) {
    const k = await api('POST', '/v1/keys', { role: 'driver', driver_id: d.id }, key);
    assert(k.status === 201, `driver key: ${k.status}`);
    const rt = await api('GET', '/v1/driver/route', null, k.data.key);
    const stops = (rt.data.stops || []).filter((s) => s.kind === 'delivery').slice(0, 4);
    for (const [i, st] of stops.entries()) {
      if (st.status === 'planned') await api('POST', `/v1/driver/stops/${st.id}/arrived`, null, k.data.key);
      // the route starts at its first arrival: let two seconds of route time pass, so that the
      // hourly cost makes a cost per stop above zero (the dispatch clock runs with the real one)
      if (i === 0) await new Promise((r) => setTimeout(r, 2000)); // timing-ok: route time, not a wait for a condition
      // cash on delivery: the driver collects what the route says is due
      const body = st.collect ? { recipient: 'J. Doe', collected: { amount: st.collect.amount, method: 'cash' } } : { recipient: 'J. Doe' };
      const dl = await api('POST', `/v1/driver/stops/${st.id}/delivered`, body, k.data.key);
      assert(dl.status === 200, `delivered: ${dl.status} ${JSON.stringify(dl.data)}`);
      delivered++;
    }
    if (delivered >= 8) break;
  }
  assert(delivered > 0, 'some stops were delivered');
  return delivered;
}

// How many pixels of a canvas are drawn (alpha > 0), from the page.
const drawnPixels = (page, id) => page.evaluate((cid) => {
  const c = document.getElementById(cid);
  if (!c || !c.width || !c.height) return 0;
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
  return n;
}, id);

try {
  server = await demoServer();
  base = server.base;
  const key = server.key;
  const missing = await missingRoutes(base, [['get', '/v1/reports/{}'], ['get', '/v1/forecast/{}/{}'],
    ['get', '/v1/stock'], ['post', '/v1/plans'], ['post', '/v1/plans/{}/commit'],
    ['get', '/v1/driver/route'], ['post', '/v1/driver/stops/{}/delivered']]);
  assert(!missing.length, `routes missing from openapi.json: ${missing.join(', ')}`);
  const delivered = await deliverSome(key);
  const rep = await api('GET', '/v1/reports/deliveries?period=day', null, key);
  assert(rep.status === 200, `report: ${rep.status}`);
  const apiDelivered = rep.data.rows.reduce((a, r) => a + r.delivered, 0);
  assert(apiDelivered === delivered, `the rollups count ${apiDelivered} deliveries, the test made ${delivered}`);

  context = await browser(server.tmp);
  const page = context.pages()[0] || await context.newPage();
  const pageErrors = [], foreign = [], scripts = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error' && !/status of (401|404|409)/.test(m.text())) pageErrors.push(m.text()); });
  page.on('request', (r) => {
    if (!r.url().startsWith(base) && !r.url().startsWith('data:')) foreign.push(r.url());
    if (r.resourceType() === 'script') scripts.push(r.url().slice(base.length));
  });
  await page.goto(`${base}/`);
  await page.fill('#login-key', key);
  await page.click('#login-submit');
  await page.waitForSelector('#app:not([hidden])', { timeout: 10000 });

  await step('Chart.js is served by the server and the panel loads every report', async () => {
    assert(scripts.includes('/vendor/chartjs/chart.umd.min.js'), `scripts: ${scripts.join(', ')}`);
    await page.waitForFunction(() => window.lastmileAnalytics && (window.lastmileAnalytics.state.loads > 0 || window.lastmileAnalytics.state.error), null, { timeout: 30000 });
    const st = await page.evaluate(() => window.lastmileAnalytics.state);
    assert(!st.error && st.loads > 0, `analytics panel: ${JSON.stringify(st)}`);
  });

  const charts = () => page.evaluate(() => {
    const c = window.lastmileAnalytics.charts;
    const sets = (k) => (c[k] ? c[k].data.datasets.map((d) => d.data) : null);
    return { ontime: sets('ontime'), cycle: sets('cycle'), forecast: sets('forecast'), forecastLabels: c.forecast ? c.forecast.data.labels.length : 0, costs: sets('costs'), costLabels: c.costs ? c.costs.data.labels : [] };
  });

  await step('the on-time trend is drawn with the deliveries the API counts', async () => {
    const c = await charts();
    assert(c.ontime, 'no on-time chart');
    const sum = c.ontime[1].reduce((a, v) => a + (v || 0), 0);
    assert(sum === delivered, `the chart shows ${sum} deliveries, the API ${delivered}`);
    assert(await drawnPixels(page, 'an-ontime') > 2000, 'the on-time canvas is blank');
  });

  await step('the cycle-time distribution is drawn with a total time per delivered order', async () => {
    const c = await charts();
    assert(c.cycle && c.cycle[0].length === 5, `cycle chart: ${JSON.stringify(c.cycle)}`);
    assert(c.cycle[1][4] > 0 && c.cycle[1][4] >= c.cycle[0][4], `total median/p90: ${c.cycle[0][4]}/${c.cycle[1][4]}`);
    assert(await drawnPixels(page, 'an-cycle') > 2000, 'the cycle canvas is blank');
  });

  await step('the forecast is drawn with its interval against 56 days of actuals', async () => {
    const c = await charts();
    assert(c.forecast && c.forecastLabels === 70, `forecast chart: ${c.forecastLabels} labels`);
    const actual = c.forecast[0].filter((v) => v !== null), fc = c.forecast[1].filter((v) => v !== null);
    const hi = c.forecast[2].filter((v) => v !== null), lo = c.forecast[3].filter((v) => v !== null);
    assert(actual.length === 56 && fc.length === 14 && hi.length === 14, 'actuals and forecast lengths');
    assert(fc.every((v, i) => lo[i] <= v && v <= hi[i]), 'the forecast lies inside its interval');
    assert(await drawnPixels(page, 'an-forecast') > 2000, 'the forecast canvas is blank');
  });

  await step('the cost per stop is drawn for the vehicles that served stops', async () => {
    const c = await charts();
    assert(c.costs && c.costLabels.length >= 1, `cost chart: ${JSON.stringify(c.costLabels)}`);
    assert(c.costs[0].every((v) => v > 0), `costs per stop: ${JSON.stringify(c.costs[0])}`);
    assert(await drawnPixels(page, 'an-costs') > 1000, 'the cost canvas is blank');
    await page.locator('#panel-analytics').screenshot({ path: path.join(outDir, 'analytics.png') });
  });

  await step('no page errors and no request leaves the server', async () => {
    assert(!pageErrors.length, `page errors: ${pageErrors.join('; ')}`);
    assert(!foreign.length, `foreign requests: ${foreign.join(', ')}`);
  });
} catch (e) {
  fail('setup', e);
} finally {
  if (context) await context.close().catch(() => {});
  if (server) await server.stop();
}
process.exit(finish());
