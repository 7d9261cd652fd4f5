// tests/web/driver_offline.spec.mjs: the driver app offline first (web/driver/), in a phone-sized
// headless Chromium against the real server (tests/web/driver_world.mjs). Mid-route the network
// goes (Playwright's offline emulation, which covers the service worker too): arrived, delivered
// and failed are made anyway, positions keep coming, the screen lists what waits, the app even
// reloads from its service worker with the day's route and the waiting actions on it, and the
// server has seen nothing. One action's first try is then made to have reached the server with
// its answer lost (sent with the same Idempotency-Key). Back online, the queue is replayed in
// order, and the server's stored state has each action once, in the order made.
//
//   LASTMILE_BIN=build/debug/cli/lastmile node tests/web/driver_offline.spec.mjs
import path from 'node:path';
import { step, assert, finish, until, startWorld, checkRoutes, setupDay, phone, signIn, stopsByName, events, outDir, DEPOT } from './driver_world.mjs';

const w = await startWorld('driver-offline');
let code = 1;
try {
  await checkRoutes(w);
  await setupDay(w);
  const page = await phone(w);
  await signIn(w, page);
  // the service worker controls the page before the network goes
  await until('the service worker in control', () => page.evaluate(() => !!navigator.serviceWorker.controller), 20000);
  await page.click('#start-route');
  await until('route.started', async () => (await events(w, 'route.started')).length === 1);

  const names = [];
  await step('offline: arrived, delivered and failed are kept on the phone and listed', async () => {
    await w.context.setOffline(true);
    const a = await page.locator('#current-stop h2.who').innerText();
    names.push(a);
    await page.click('#current-stop .act[data-act="arrived"]');
    await page.waitForSelector('#current-stop.status-arrived', { timeout: 10000 });
    await page.click('#current-stop .act[data-act="delivered"]');
    await page.fill('#recipient', 'Offline Olga');
    if (await page.locator('#cash-amount').count()) await page.selectOption('#cash-method', 'cash');
    await page.click('#form-send');
    await page.waitForFunction((x) => document.querySelector('#current-stop h2.who').textContent !== x, a, { timeout: 10000 });
    const b = await page.locator('#current-stop h2.who').innerText();
    names.push(b);
    await page.click('#current-stop .act[data-act="failed"]');
    await page.selectOption('#fail-reason', 'refused');
    await page.click('#form-send');
    await page.waitForFunction((x) => document.querySelector('#current-stop h2.who').textContent !== x, b, { timeout: 10000 });
    await w.context.setGeolocation({ latitude: DEPOT[1] + 0.0004, longitude: DEPOT[0] + 0.0004, accuracy: 8 });
    await until('the phone sees the new position', () => page.evaluate((lat) => DA.here && DA.here[0] === lat, DEPOT[1] + 0.0004));
    await page.evaluate(() => DA.sendPositions());
    await until('four items waiting', () => page.evaluate(() => document.getElementById('outbox-count').dataset.waiting === '4'));
    assert(await page.getAttribute('#net', 'data-online') === '0', 'the screen says offline');
    const waiting = await page.locator('#outbox-list li').allInnerTexts();
    assert(waiting.length === 4 && /arrived at/.test(waiting[0]) && /delivered to/.test(waiting[1]) && /not delivered/.test(waiting[2]) && /positions/.test(waiting[3]),
      `the waiting list, in order: ${JSON.stringify(waiting)}`);
    await page.screenshot({ path: path.join(process.env.DRIVER_SHOTS_DIR || outDir, 'offline.png') });
  });

  await step('offline: the server has seen none of it', async () => {
    const by = await stopsByName(w);
    assert(by[names[0]].status === 'planned' && by[names[1]].status === 'planned', `server: ${by[names[0]].status}, ${by[names[1]].status}`);
  });

  await step('offline: a reload opens the app from the service worker with the route and the waiting actions', async () => {
    await page.reload();
    await page.waitForSelector('#current-stop', { timeout: 20000 });
    assert(await page.locator('#outbox-list li').count() === 4, 'still four waiting');
    const done = await page.locator(`li.stop.status-done.pending`).count();
    const failed = await page.locator(`li.stop.status-failed.pending`).count();
    assert(done === 1 && failed === 1, `the waiting actions show on their stops: ${done} done, ${failed} failed`);
  });

  await step('the first tries of arrived and delivered reached the server, their answers lost', async () => {
    // as a phone in a tunnel would: the request went out, the answer never came back. Without
    // the server keeping replies by Idempotency-Key, the replay would be refused (409: the stop
    // is done) or counted twice; both fail the next step.
    const items = await page.evaluate(() => DA.outbox.all());
    const key = await page.evaluate(() => localStorage.getItem('lastmile.driver.key'));
    for (const it of items.slice(0, 2)) {
      const r = await w.api('POST', it.path, it.body, key, { 'Idempotency-Key': it.idem });
      assert(r.status === 200, `first try of ${it.path}: ${r.status} ${JSON.stringify(r.data)}`);
    }
  });

  await step('back online: replayed in order, nothing twice, nothing left waiting', async () => {
    await w.context.setOffline(false);
    await page.evaluate(() => DA.flush());
    await until('the queue empty', () => page.evaluate(() => document.getElementById('outbox-count').dataset.waiting === '0'), 30000);
    const by = await stopsByName(w);
    assert(by[names[0]].status === 'done' && by[names[1]].status === 'failed', `server: ${by[names[0]].status}, ${by[names[1]].status}`);
    const arrived = await events(w, 'stop.arrived'), delivered = await events(w, 'stop.delivered'), failed = await events(w, 'stop.failed');
    assert(arrived.length === 1 && delivered.length === 1 && failed.length === 1, `once each: ${arrived.length} arrived, ${delivered.length} delivered, ${failed.length} failed`);
    assert(arrived[0].seq < delivered[0].seq && delivered[0].seq < failed[0].seq, 'in the order made');
    assert(JSON.stringify(delivered[0].payload).includes('Offline Olga'), 'the delivery is the one made offline');
    let seen = '';
    await until('the offline position stored', async () => {
      const st = JSON.stringify((await w.api('GET', '/v1/fleet/state')).data);
      seen = `${st} refusals ${JSON.stringify((await w.api('GET', `/v1/drivers/${w.driver}/refusals`)).data)}`;
      return st.includes(String(DEPOT[1] + 0.0004).slice(0, 7));
    }).catch((e) => { throw new Error(`${e.message}\n${seen}`); });
    assert(await page.getAttribute('#net', 'data-online') === '1', 'the screen says online');
    assert(!(await page.locator('#refused-list li').count()), 'nothing refused');
  });

  await step('no page errors and nothing fetched from elsewhere', async () => {
    assert(!w.pageErrors.length, `page errors: ${w.pageErrors.join('\n')}`);
    assert(!w.foreign.length, `foreign requests: ${w.foreign.join(', ')}`);
  });
  code = finish();
} finally {
  await w.stop();
}
process.exit(code);
