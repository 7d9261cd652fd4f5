// tests/web/track_selfservice.spec.mjs: the customer's self-service on the tracking page
// (web/track.html + web/track_selfservice.js) in headless Debian chromium against the real server
// (`lastmile serve --demo`, temporary database, free 127.0.0.1 port): delivery instructions saved
// and read back, another window chosen among those the planner offers, and a cancel before the van
// leaves that releases the reserved stock. A missing route or element fails the test.
//
//   LASTMILE_BIN=build/debug/cli/lastmile node tests/web/track_selfservice.spec.mjs
import { api as request, assert, browser, demoServer, missingRoutes, steps } from './harness.mjs';

const { step, fail, finish } = steps(4);
let server = null, context = null;

try {
  server = await demoServer();
  const { base, key } = server;
  const api = (method, p, body, k) => request(base, method, p, body, k);
  const used = [['get', '/v1/track/{}'], ['get', '/v1/track/{}/reschedule'], ['post', '/v1/track/{}/reschedule'],
    ['get', '/v1/track/{}/instructions'], ['put', '/v1/track/{}/instructions'], ['post', '/v1/track/{}/cancel'],
    ['get', '/v1/orders/{}'], ['get', '/v1/stock']];
  const missing = await missingRoutes(base, used);
  assert(!missing.length, `routes missing from openapi.json: ${missing.join(', ')}`);

  if (!(await api('GET', '/v1/vehicles', null, key)).data.vehicles.length) {
    // the planner offers windows only where a van with a driver has room
    for (const [i, depot] of ['DEP-VEN', 'DEP-VLX'].entries()) {
      const v = await api('POST', '/v1/vehicles', { id: `ss-van-${i}`, name: `Van ${i}`, start_depot: depot, capacity_parcels: 40 }, key);
      assert(v.status === 201 || v.status === 200, `vehicle: ${v.status} ${JSON.stringify(v.data)}`);
      const d = await api('POST', '/v1/drivers', { id: `ss-drv-${i}`, name: `Driver ${i}`, vehicle_id: `ss-van-${i}` }, key);
      assert(d.status === 201 || d.status === 200, `driver: ${d.status} ${JSON.stringify(d.data)}`);
    }
  }
  const allocated = (await api('GET', '/v1/orders?status=allocated&limit=2', null, key)).data.orders;
  assert(allocated.length === 2, 'the demo day has allocated orders');
  const [a, b] = await Promise.all(allocated.map(async (o) => (await api('GET', `/v1/orders/${o.id}`, null, key)).data));

  context = await browser(server.tmp);
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('dialog', (d) => d.accept());

  await step('the customer leaves delivery instructions and a safe place', async () => {
    await page.goto(`${base}/track.html#${a.tracking_token}`);
    await page.waitForSelector('#ss-instructions', { timeout: 15000 });
    await page.fill('#ss-instructions', 'Door code 4521, 3rd floor');
    await page.fill('#ss-safe-place', 'behind the blue gate');
    await page.click('#ss-instructions-save');
    await page.waitForFunction(() => /Saved/.test(document.getElementById('ss-instructions-msg').textContent), null, { timeout: 10000 });
    const r = await api('GET', `/v1/track/${a.tracking_token}/instructions`);
    assert(r.status === 200 && r.data.instructions === 'Door code 4521, 3rd floor', `instructions: ${JSON.stringify(r.data)}`);
    assert(r.data.safe_place === 'behind the blue gate', 'safe place stored');
    const o = (await api('GET', `/v1/orders/${a.id}`, null, key)).data;
    assert(o.customer_instructions === 'Door code 4521, 3rd floor', 'the order shows them to staff');
  });

  await step('the customer picks another window among those with room', async () => {
    await page.click('#ss-window');
    await page.waitForSelector('input[name="ss-slot"]', { timeout: 30000 });
    const offered = (await api('GET', `/v1/track/${a.tracking_token}/reschedule`)).data.offered;
    assert(offered.length > 0, 'the planner offers windows');
    const slot = page.locator('input[name="ss-slot"]').first();
    const from = await slot.getAttribute('data-from');
    await slot.check();
    await page.click('#ss-slot-confirm');
    await page.waitForFunction(() => /Done/.test(document.getElementById('ss-window-msg').textContent), null, { timeout: 30000 });
    const o = (await api('GET', `/v1/orders/${a.id}`, null, key)).data;
    const w = o.time_windows[0];
    const start = Array.isArray(w) ? w[0] : (w.from || w.start);
    assert(new Date(typeof start === 'number' ? start * 1000 : start).getTime() === new Date(from).getTime(),
      `the order's window is the chosen one: ${JSON.stringify(o.time_windows)} vs ${from}`);
  });

  await step('the customer cancels before the van leaves; the reserved stock is released', async () => {
    const line = b.lines[0];
    const reserved = async () => (await api('GET', '/v1/stock', null, key)).data.stock
      .find((s) => s.depot_id === b.depot_id && s.sku === line.sku).reserved;
    const before = await reserved();
    // another order: a new document (a changed #hash alone would keep the first token)
    await page.goto(`${base}/track.html?t=${b.tracking_token}`);
    await page.waitForSelector('#ss-cancel', { timeout: 15000 });
    await page.click('#ss-cancel');
    await page.waitForFunction(() => /cancelled/.test(document.getElementById('ss-cancel-msg').textContent), null, { timeout: 10000 });
    const o = (await api('GET', `/v1/orders/${b.id}`, null, key)).data;
    assert(o.status === 'cancelled', `order status ${o.status}`);
    assert(await reserved() === before - line.qty, 'the reservation is released');
    const again = await api('POST', `/v1/track/${b.tracking_token}/cancel`);
    assert(again.status === 409, `a second cancel answers ${again.status}`);
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
