// tests/web/driver_replan.spec.mjs: route changes reach the driver app (web/driver/) while it is
// open, by Server-Sent Events on GET /v1/driver/events, in a phone-sized headless Chromium
// against the real server (tests/web/driver_world.mjs): a cancelled order is shown as removed,
// and an urgent order added by a re-plan the dispatcher applies is shown as new, each in a
// "your route changed" notice that says what moved; the stop list follows.
//
//   LASTMILE_BIN=build/debug/cli/lastmile node tests/web/driver_replan.spec.mjs
import path from 'node:path';
import { step, assert, finish, until, startWorld, checkRoutes, setupDay, phone, signIn, events, outDir, DEPOT } from './driver_world.mjs';

const w = await startWorld('driver-replan');
let code = 1;
try {
  await checkRoutes(w);
  await setupDay(w);
  const page = await phone(w);
  await signIn(w, page);
  await until('the event stream open', () => page.evaluate(() => DA.liveConnected === true));

  await step('a cancelled order: the notice names the stop removed', async () => {
    const target = 'David Roux';
    await w.ok('POST', `/v1/orders/${w.orders[target]}/cancel`);
    await page.waitForSelector('#notice:not([hidden])', { timeout: 20000 });
    const text = await page.locator('#notice').innerText();
    assert(/Your route changed/.test(text) && /Removed: David Roux/.test(text), `notice: ${text}`);
    assert(!(await page.locator('#stops').innerText()).includes(target) ||
      await page.locator('li.stop.status-cancelled').count() === 1, 'the stop is gone from the list or shown cancelled');
    await page.click('#notice-ok');
    assert(await page.isHidden('#notice'), 'dismissed');
  });

  await step('an urgent order planned in by an applied re-plan: the notice names the new stop', async () => {
    const { day } = w;
    const o = await w.ok('POST', '/v1/orders', {
      external_ref: 'URGENT-1', channel: 'phone', priority: 90,
      customer: { name: 'Emma Nouvelle', phone: '+33 6 55 66 77 88', address: '5 rue Neuve, Lyon', location: [DEPOT[0] + 0.012, DEPOT[1] + 0.009] },
      lines: [{ sku: 'TEA-1', qty: 1 }], time_windows: [[day, day + 86399]],
    });
    await w.ok('POST', `/v1/orders/${o.id}/picking`);
    await w.ok('POST', `/v1/orders/${o.id}/ready`, { weight_g: 1000, volume_cm3: 2000, parcels: 1 });
    // the cancellation may have queued a re-plan of its own: the one asked for here is the
    // dispatcher's ("manual"), proposed after the urgent order was ready
    const after = (await events(w)).pop().seq;
    await w.ok('POST', '/v1/replans', {});
    const prop = await until('the re-plan proposal', async () => (await events(w, 'plan.replan_proposed'))
      .find((e) => e.seq > after && e.payload.trigger === 'manual'), 60000);
    await w.ok('POST', `/v1/replans/${prop.payload.plan_id}/apply`);
    const rt = await w.api('GET', '/v1/driver/route', null, await (await import('./driver_world.mjs')).driverKey(w));
    assert(JSON.stringify(rt.data).includes('Emma Nouvelle'), `the re-plan put the order on the route: ${JSON.stringify(prop.payload)} ${JSON.stringify(rt.data.stops.map((x) => [x.customer_name, x.status]))}`);
    await page.waitForFunction(() => /Emma Nouvelle/.test(document.getElementById('notice').textContent) && !document.getElementById('notice').hidden, null, { timeout: 20000 });
    const text = await page.locator('#notice').innerText();
    assert(/^New: .*Emma Nouvelle/m.test(text) && !/^Removed: .*Emma/m.test(text), `notice: ${text}`);
    await page.screenshot({ path: path.join(process.env.DRIVER_SHOTS_DIR || outDir, 'route-changed.png') });
    assert((await page.locator('#stops').innerText()).includes('Emma Nouvelle'), 'the new stop is in the list');
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
