// tests/web/hand.spec.mjs: browser test of the dashboard's hand dispatch panel (web/hand.js)
// against the real server (`lastmile serve --demo`, temporary database, free 127.0.0.1 port) in
// headless Debian chromium: a committed plan's van is opened, a stop moved down (the dry-run
// verdict shown first, stored on Apply), a stop and the route locked, a ready order checked and
// assigned. Each change is verified through the API. Every route the panel uses must be in
// openapi.json: a missing one fails the test, nothing is skipped.
//
//   LASTMILE_BIN=build/debug/cli/lastmile node tests/web/hand.spec.mjs
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { api as request, assert, browser, demoServer, missingRoutes, steps } from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const outDir = path.join(here, 'out');
const { step, fail, finish } = steps(5);
let server = null, context = null;

// Polls fn until it returns a truthy value (generous deadline, never a fixed sleep).
async function until(fn, what, ms = 30000) {
  for (const end = Date.now() + ms; Date.now() < end;) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 100)); // timing-ok: poll, deadline above
  }
  throw new Error(`timed out waiting for ${what}`);
}

try {
  server = await demoServer();
  const { base, key } = server;
  const api = (method, p, body, k) => request(base, method, p, body, k);
  const missing = await missingRoutes(base, [['get', '/v1/routes/{}/stops'], ['put', '/v1/routes/{}/stops'],
    ['post', '/v1/routes/{}/stops'], ['delete', '/v1/routes/{}/stops/{}'], ['put', '/v1/routes/{}/lock'],
    ['put', '/v1/routes/{}/stops/{}/lock'], ['post', '/v1/plans/{}/assign'], ['get', '/v1/vehicles'],
    ['get', '/v1/orders'], ['post', '/v1/plans'], ['get', '/v1/plans/{}'], ['post', '/v1/plans/{}/commit']]);
  assert(!missing.length, `routes missing from openapi.json: ${missing.join(', ')}`);

  // a fleet when the demo has none, packages ready, a plan solved and committed (the API side)
  if (!(await api('GET', '/v1/vehicles', null, key)).data.vehicles.length) {
    for (const [i, depot] of ['DEP-VEN', 'DEP-VLX', 'DEP-VEN'].entries()) {
      await api('POST', '/v1/vehicles', { id: `van-${i + 1}`, name: `Van ${i + 1}`, start_depot: depot, capacity_parcels: 40 }, key);
      await api('POST', '/v1/drivers', { id: `drv-${i + 1}`, name: `Driver ${i + 1}`, vehicle_id: `van-${i + 1}` }, key);
    }
  }
  const allocated = (await api('GET', '/v1/orders?status=allocated&limit=40', null, key)).data.orders;
  assert(allocated.length >= 4, `the demo day has allocated orders (${allocated.length})`);
  const ready = async (o) => {
    await api('POST', `/v1/orders/${o.id}/picking`, null, key);
    const r = await api('POST', `/v1/orders/${o.id}/ready`, { weight_g: 2000, volume_cm3: 9000, parcels: 1 }, key);
    assert(r.status === 200, `ready answered ${r.status}: ${JSON.stringify(r.data)}`);
  };
  const later = allocated.pop(); // made ready after the commit: the order to assign by hand
  for (const o of allocated) await ready(o);
  const created = await api('POST', '/v1/plans', { time_limit_ms: 2000 }, key);
  assert(created.status === 202, `plan: ${created.status}`);
  const plan = await until(async () => {
    const p = (await api('GET', `/v1/plans/${created.data.id}`, null, key)).data;
    return p.status === 'proposed' || p.status === 'failed' ? p : null;
  }, 'the plan to be solved', 90000);
  assert(plan.status === 'proposed', `plan ${plan.status}: ${plan.error || ''}`);
  const commit = await api('POST', `/v1/plans/${plan.id}/commit`, null, key);
  assert(commit.status === 200, `commit: ${commit.status} ${JSON.stringify(commit.data)}`);
  await ready(later);
  // the van with the most deliveries of the live routes
  const deliveries = (r) => (r.stops || []).filter((s) => s.kind === 'delivery').length;
  const van = plan.routes.slice().sort((a, b) => deliveries(b) - deliveries(a))[0];
  assert(van && deliveries(van) >= 2, `a route with two deliveries: ${JSON.stringify(plan.routes.map(deliveries))}`);
  const routeOf = async () => (await api('GET', `/v1/routes/${encodeURIComponent(van.vehicle_id)}/stops`, null, key)).data;

  context = await browser(server.tmp);
  const page = context.pages()[0] || await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error' && !/status of (401|404|409)/.test(m.text())) pageErrors.push(m.text()); });
  await page.goto(`${base}/`);

  await step('the hand dispatch panel shows a van\'s live route in order', async () => {
    await page.fill('#login-key', key);
    await page.click('#login-submit');
    await page.waitForSelector('#panel-hand:not([hidden])', { timeout: 15000 });
    await page.selectOption('#hand-vehicle', van.vehicle_id);
    // the panel shows what the API answers (reloaded until both read the same route: the server
    // may re-plan meanwhile)
    let shown = [], want = [];
    await until(async () => {
      await page.click('#hand-reload');
      want = (await routeOf()).stops.map((s) => s.id);
      await page.waitForFunction((n) => document.querySelectorAll('#hand-stops li[data-stop]').length === n, want.length, { timeout: 5000 }).catch(() => {});
      shown = await page.$$eval('#hand-stops li[data-stop]', (ls) => ls.map((l) => Number(l.dataset.stop)));
      return JSON.stringify(shown) === JSON.stringify(want);
    }, 'the panel to show the route', 30000).catch(() => {});
    assert(JSON.stringify(shown) === JSON.stringify(want), `panel ${shown} vs route ${want}`);
  });

  await step('moving a stop down shows the verdict first, then Apply reorders the route', async () => {
    const beforeIds = (await routeOf()).stops.map((s) => s.id);
    // the first adjacent swap the server finds feasible (windows may forbid some): bounded
    let applied = -1;
    for (let i = 0; i + 1 < beforeIds.length && applied < 0; i++) {
      await page.evaluate(() => { document.getElementById('hand-preview').dataset.state = ''; });
      await page.locator('#hand-stops li[data-stop]').nth(i).locator('.hand-down').click();
      await page.waitForFunction(() => ['ok', 'error'].includes(document.getElementById('hand-preview').dataset.state), null, { timeout: 15000 });
      const state = await page.getAttribute('#hand-preview', 'data-state');
      const text = await page.textContent('#hand-preview');
      if (state === 'ok') {
        assert(/feasible/.test(text) && /cost/.test(text), `preview: ${text}`);
        // a dry run stored nothing
        assert(JSON.stringify((await routeOf()).stops.map((s) => s.id)) === JSON.stringify(beforeIds), 'the preview changed the route');
        await page.click('#hand-apply');
        applied = i;
      } else {
        assert(/not feasible/.test(text) && await page.isDisabled('#hand-apply'), `refused preview: ${text}`);
      }
    }
    assert(applied >= 0, 'no adjacent swap was feasible');
    const want = beforeIds.slice();
    [want[applied], want[applied + 1]] = [want[applied + 1], want[applied]];
    await until(async () => JSON.stringify((await routeOf()).stops.map((s) => s.id)) === JSON.stringify(want), 'the reorder to be stored', 15000);
    await page.waitForFunction((id) => document.querySelectorAll('#hand-stops li[data-stop]')[0]?.dataset.stop === String(id), want[0], { timeout: 10000 });
  });

  await step('a stop and the whole route are locked from the panel', async () => {
    const first = (await routeOf()).stops[0];
    await page.locator('#hand-stops li[data-stop] .hand-lock').first().check();
    await until(async () => (await routeOf()).stops.find((s) => s.id === first.id)?.locked, 'the stop lock', 15000);
    await page.check('#hand-route-lock');
    await until(async () => (await routeOf()).locked, 'the route lock', 15000);
    await page.uncheck('#hand-route-lock');
    await until(async () => !(await routeOf()).locked, 'the route unlock', 15000);
  });

  await step('a ready order is checked against the van and assigned on Apply', async () => {
    await page.click('#hand-reload');
    await page.waitForSelector(`#hand-order option[value="${later.id}"]`, { state: 'attached', timeout: 15000 });
    await page.selectOption('#hand-order', String(later.id));
    await page.waitForFunction((id) => document.getElementById('hand-order').value === String(id), later.id, { timeout: 10000 });
    await page.evaluate(() => { document.getElementById('hand-preview').dataset.state = ''; });
    await page.click('#hand-check');
    await page.waitForFunction(() => ['ok', 'error'].includes(document.getElementById('hand-preview').dataset.state), null, { timeout: 15000 });
    const text = await page.textContent('#hand-preview');
    console.log(`# assign preview: ${text.replace(/\s+/g, ' ').slice(0, 160)}`);
    if ((await page.getAttribute('#hand-preview', 'data-state')) === 'ok') {
      await page.click('#hand-apply');
      await until(async () => (await routeOf()).stops.some((s) => s.order_id === later.id), 'the assigned order on the route', 15000);
      const o = (await api('GET', `/v1/orders/${later.id}`, null, key)).data;
      assert(o.status === 'planned', `assigned order is ${o.status}`);
    } else {
      // a refusal must say why (a window, the capacity, the shift) and store nothing
      assert(/not feasible: \S/.test(text) && await page.isDisabled('#hand-apply'), `refused: ${text}`);
      assert(!(await routeOf()).stops.some((s) => s.order_id === later.id), 'a refused assignment changed the route');
    }
    await page.screenshot({ path: path.join(outDir, 'hand.png') });
  });

  await step('no page errors', async () => {
    assert(!pageErrors.length, `page errors: ${pageErrors.join('; ')}`);
  });
} catch (e) {
  fail('setup', e);
} finally {
  if (context) await context.close().catch(() => {});
  if (server) await server.stop();
}
process.exit(finish());
