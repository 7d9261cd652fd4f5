// tests/web/returns.spec.mjs: browser test of returns and after-sales (web/track_returns.js on the
// tracking page, web/returns.js on the dashboard) against the real server: `lastmile serve --demo`
// on a free 127.0.0.1 port with a temporary database, Debian's chromium driven by playwright-core,
// headless. A demo order is taken to delivered through the API; the customer asks for a return on
// the tracking page; the dispatcher approves it from the returns queue and resolves a pending
// after-sales case; the customer's page shows the new status. Every route a step uses must be in
// openapi.json, and a missing route or element fails the test instead of switching a step off.
//
//   LASTMILE_BIN=build/debug/cli/lastmile node tests/web/returns.spec.mjs
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { api as request, assert, browser, demoServer, missingRoutes, steps } from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const outDir = path.join(here, 'out');
const { step, fail, finish } = steps(5);
let server = null, context = null;

function ok(r, what) { assert(r.status >= 200 && r.status < 300, `${what}: ${r.status} ${JSON.stringify(r.data)}`); return r.data; }

try {
  mkdirSync(outDir, { recursive: true });
  server = await demoServer();
  const { base, key } = server;
  const api = (method, p, body, k) => request(base, method, p, body, k);
  const used = [['get', '/v1/orders'], ['get', '/v1/orders/{}'], ['post', '/v1/orders/{}/picking'],
    ['post', '/v1/orders/{}/ready'], ['post', '/v1/orders/{}/status'], ['get', '/v1/track/{}'],
    ['get', '/v1/track/{}/returns'], ['post', '/v1/track/{}/returns'], ['get', '/v1/returns'],
    ['post', '/v1/returns/{}/approve'], ['get', '/v1/returns/{}'], ['post', '/v1/cases'], ['get', '/v1/cases'],
    ['post', '/v1/cases/{}/reship'], ['post', '/v1/cases/{}/resolve']];
  const missing = await missingRoutes(base, used);
  assert(!missing.length, `routes missing from openapi.json: ${missing.join(', ')}`);

  // An order (no money: nothing to collect at the door) where the demo delivers, for a product
  // the demo has in stock, taken to delivered through the API (the dispatcher's side).
  const demo = ok(await api('GET', '/v1/orders?status=allocated&limit=1', null, key), 'orders').orders[0];
  assert(demo, 'the demo day has an allocated order');
  const model = ok(await api('GET', `/v1/orders/${demo.id}`, null, key), 'demo order');
  const order = ok(await api('POST', '/v1/orders', {
    external_ref: 'WEBRET-1', channel: 'web',
    customer: { name: 'Rita Returns', phone: '+33 6 11 22 33 44', address: '9 rue du Retour', location: model.customer.location },
    lines: [{ sku: model.lines[0].sku, qty: 1 }],
  }, key), 'order');
  assert(order.status === 'allocated', `the new order is allocated: ${order.status}`);
  ok(await api('POST', `/v1/orders/${order.id}/picking`, null, key), 'picking');
  ok(await api('POST', `/v1/orders/${order.id}/ready`, { weight_g: 1000, volume_cm3: 1000, parcels: 1 }, key), 'ready');
  for (const status of ['planned', 'out_for_delivery', 'delivered'])
    ok(await api('POST', `/v1/orders/${order.id}/status`, { status }, key), status);
  const full = ok(await api('GET', `/v1/orders/${order.id}`, null, key), 'order');
  const token = full.tracking_token;
  const sku = full.lines[0].sku;

  context = await browser(server.tmp);
  const pageErrors = [];
  const foreign = [];
  const watch = (p) => {
    p.on('pageerror', (e) => pageErrors.push(String(e)));
    p.on('console', (m) => { if (m.type() === 'error' && !/status of (401|404|409)/.test(m.text())) pageErrors.push(m.text()); });
    p.on('request', (r) => { if (!r.url().startsWith(base) && !r.url().startsWith('data:')) foreign.push(r.url()); });
  };
  let rmaId = 0;

  await step('the tracking page offers a return once delivered and asks for one', async () => {
    const cust = await context.newPage();
    watch(cust);
    await cust.goto(`${base}/track.html#${token}`);
    await cust.waitForSelector('#returns:not([hidden]) #ret-form', { state: 'attached', timeout: 15000 });
    await cust.click('#ret-open summary');
    // nothing chosen: refused on the page, nothing sent
    await cust.click('#ret-submit');
    await cust.waitForFunction(() => document.getElementById('ret-error').textContent.length > 0, null, { timeout: 5000 });
    await cust.fill(`#ret-form input[data-sku="${sku}"]`, '1');
    await cust.selectOption('#ret-reason', 'changed_mind');
    await cust.fill('#ret-note', '<i>too small</i>');
    await cust.click('#ret-submit');
    await cust.waitForSelector('#ret-list li[data-return]', { timeout: 10000 });
    rmaId = Number(await cust.getAttribute('#ret-list li[data-return]', 'data-return'));
    const text = await cust.textContent('#ret-list');
    assert(/Asked for/.test(text), `the return is shown as asked for: ${text}`);
    const rma = ok(await api('GET', `/v1/returns/${rmaId}`, null, key), 'return');
    assert(rma.status === 'requested' && rma.note === '<i>too small</i>', `stored: ${JSON.stringify(rma)}`);
    await cust.screenshot({ path: path.join(outDir, 'track-returns.png') });
    await cust.close();
  });

  const page = await context.newPage();
  watch(page);
  await page.goto(`${base}/`);

  await step('the dispatcher approves it from the returns queue', async () => {
    await page.fill('#login-key', key);
    await page.click('#login-submit');
    await page.waitForSelector('#app:not([hidden])', { timeout: 10000 });
    const row = `#returns-list li[data-return="${rmaId}"]`;
    await page.waitForSelector(row, { timeout: 15000 });
    assert((await page.textContent(`${row} .ret-status`)) === 'requested', 'listed as requested');
    assert((await page.locator('#returns-list i').count()) === 0, 'the customer note is text, not markup');
    await page.click(`${row} button[data-action="approve"]`);
    await page.waitForFunction((sel) => document.querySelector(sel + ' .ret-status')?.textContent === 'approved', row, { timeout: 10000 });
    const rma = ok(await api('GET', `/v1/returns/${rmaId}`, null, key), 'return');
    assert(rma.status === 'approved', `approved on the server: ${rma.status}`);
  });

  await step('a pending after-sales case is resolved by a reship from the queue', async () => {
    const c = ok(await api('POST', '/v1/cases', { order_id: order.id, kind: 'missing', resolution: 'pending', lines: [{ sku, qty: 1 }] }, key), 'case');
    const row = `#cases-list li[data-case="${c.id}"]`;
    await page.waitForSelector(row, { timeout: 15000 });
    await page.click(`${row} button[data-action="reship"]`);
    await page.waitForSelector(row, { state: 'detached', timeout: 10000 });
    const done = ok(await api('GET', `/v1/cases/${c.id}`, null, key), 'case');
    assert(done.status === 'resolved' && done.reship_order_id > 0, `resolved: ${JSON.stringify(done)}`);
    await page.screenshot({ path: path.join(outDir, 'returns-queue.png') });
  });

  await step('the customer sees the approval', async () => {
    const cust = await context.newPage();
    watch(cust);
    await cust.goto(`${base}/track.html#${token}`);
    await cust.waitForSelector(`#ret-list li[data-return="${rmaId}"]`, { timeout: 15000 });
    const text = await cust.textContent(`#ret-list li[data-return="${rmaId}"] .ret-status`);
    assert(/Accepted/.test(text), `status on the page: ${text}`);
    await cust.close();
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
