// tests/web/track_notify.spec.mjs: browser test of the tracking page's notification switches
// (web/track_notify.js) against the real server: `lastmile serve --demo` on a free 127.0.0.1
// port, Debian's chromium through playwright-core, headless. The customer of a demo order opens
// their tracking link, sees one switch per channel their order has an address for, turns e-mail
// off and back on; the server's answer (GET /v1/track/{token}/notifications) must follow. A
// missing route or element fails the test; nothing is skipped.
//
//   LASTMILE_BIN=build/debug/cli/lastmile node tests/web/track_notify.spec.mjs
import { api, assert, browser, demoServer, missingRoutes, steps } from './harness.mjs';

const { step, fail, finish } = steps(4);
let server = null, context = null;

try {
  server = await demoServer();
  const { base, key } = server;
  const missing = await missingRoutes(base, [['get', '/v1/track/{}/notifications'], ['put', '/v1/track/{}/notifications']]);
  assert(!missing.length, `routes missing from openapi.json: ${missing.join(', ')}`);
  const orders = (await api(base, 'GET', '/v1/orders?status=allocated&limit=50', null, key)).data.orders;
  const order = orders.find((o) => o.customer && o.customer.email && o.customer.phone);
  assert(order, 'the demo day has an allocated order with an e-mail and a phone');
  const token = order.tracking_token;

  context = await browser(server.tmp);
  const page = context.pages()[0] || await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  await page.goto(`${base}/track.html#${token}`);

  await step('the page offers a switch per channel, both on', async () => {
    await page.waitForSelector('#notify:not([hidden]) #notify-email', { timeout: 15000 });
    assert(await page.isChecked('#notify-email'), 'e-mail switch starts on');
    assert(await page.isChecked('#notify-sms'), 'SMS switch starts on');
  });

  await step('turning e-mail off is saved for this customer', async () => {
    await page.uncheck('#notify-email');
    await page.waitForFunction(() => /off/.test(document.getElementById('notify-status')?.textContent || ''),
      null, { timeout: 15000 });
    const r = await api(base, 'GET', `/v1/track/${token}/notifications`);
    assert(r.status === 200 && r.data.email === false && r.data.sms === true,
      `server says ${JSON.stringify(r.data)}`);
  });

  await step('a reload shows the saved choice; turning it back on is saved', async () => {
    await page.reload();
    await page.waitForSelector('#notify:not([hidden]) #notify-email', { timeout: 15000 });
    assert(!(await page.isChecked('#notify-email')), 'e-mail switch shows off after a reload');
    await page.check('#notify-email');
    await page.waitForFunction(() => / on\./.test(document.getElementById('notify-status')?.textContent || ''),
      null, { timeout: 15000 });
    const r = await api(base, 'GET', `/v1/track/${token}/notifications`);
    assert(r.data.email === true, `server says ${JSON.stringify(r.data)}`);
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
