// tests/web/driver_returns.spec.mjs: return pickups in the driver app (web/driver/), in a phone-
// sized headless Chromium against the real server (tests/web/driver_world.mjs, with returns/):
// two customers asked to return a delivered parcel, approved for pickup and planned onto the
// driver's day; the app shows each pickup as a return with the units to collect and the reason,
// "Collected" moves one return to collected on the server (POST /v1/driver/stops/{id}/collected,
// with the recipient's name and a signature), "Not collected" records the other's failure
// (return.pickup_failed). Other stops on the way are delivered by name.
//
//   LASTMILE_BIN=build/debug/cli/lastmile node tests/web/driver_returns.spec.mjs
import path from 'node:path';
import { step, assert, finish, until, startWorld, checkRoutes, setupDay, phone, signIn, events, sign, outDir, DEPOT } from './driver_world.mjs';

const w = await startWorld('driver-returns');
let code = 1;
const rmas = {};
try {
  await checkRoutes(w);
  // two delivered orders whose customers return one unit each, approved for pickup before the
  // day is planned (POST /v1/plans adds approved pickups)
  await setupDay(w, { beforePlan: async (world, day) => {
    for (const [i, name] of ['Rita Returns', 'Sam Sendback'].entries()) {
      const o = await world.ok('POST', '/v1/orders', {
        external_ref: `RET-${i}`, channel: 'web',
        customer: { name, phone: `+33 6 77 88 99 0${i}`, address: `${i + 2} rue du Retour, Lyon`, location: [DEPOT[0] + 0.014 + i * 0.006, DEPOT[1] - 0.008] },
        lines: [{ sku: 'TEA-1', qty: 2 }], time_windows: [[day, day + 86399]],
      });
      await world.ok('POST', `/v1/orders/${o.id}/picking`);
      await world.ok('POST', `/v1/orders/${o.id}/ready`, { weight_g: 1000, volume_cm3: 2000, parcels: 1 });
      for (const status of ['planned', 'out_for_delivery', 'delivered']) await world.ok('POST', `/v1/orders/${o.id}/status`, { status });
      const r = await world.ok('POST', '/v1/returns', { order_id: o.id, reason: 'damaged', method: 'pickup', lines: [{ sku: 'TEA-1', qty: 1 }] });
      const id = r.id || r.return_id;
      if (r.status !== 'approved') await world.ok('POST', `/v1/returns/${id}/approve`, {});
      rmas[name] = id;
    }
  } });
  const page = await phone(w);
  await signIn(w, page);
  await page.click('#start-route');

  const current = () => page.locator('#current-stop h2.who').innerText();
  async function next(id) {
    await page.waitForFunction((x) => { const c = document.getElementById('current-stop'); return !c || c.dataset.stop !== x; }, id, { timeout: 10000 });
  }
  // serves the stops before the return pickup of name (by name, or collected as a depot pickup)
  async function reach(name) {
    for (let i = 0; i < 20; i++) {
      const isReturn = await page.evaluate(() => DA.isReturn(DA.current));
      if (isReturn && (await current()) === name) return;
      const collect = await page.locator('#current-stop .act[data-act="collected"]').count();
      const id = await page.getAttribute('#current-stop', 'data-stop');
      await page.click(`#current-stop .act[data-act="${collect ? 'collected' : 'delivered'}"]`);
      await page.fill('#recipient', 'On the way');
      await page.click('#form-send');
      await next(id);
    }
    throw new Error(`never reached the return of ${name}`);
  }

  await step('a return pickup shows as such, with the units to collect and the reason', async () => {
    await reach('Rita Returns');
    const text = await page.locator('#current-stop').innerText();
    assert(/Return pickup/.test(text) && /Collect/i.test(text) && /1 × Green tea 1 kg/.test(text) && /damaged/.test(text), `current stop: ${text}`);
    await page.screenshot({ path: path.join(process.env.DRIVER_SHOTS_DIR || outDir, 'return-pickup.png') });
  });

  await step('Collected: the return is collected on the server, with the proof', async () => {
    await page.click('#current-stop .act[data-act="collected"]');
    await page.fill('#recipient', 'Rita Returns');
    await sign(page);
    await page.click('#form-send');
    await until('the return collected', async () => (await w.ok('GET', `/v1/returns/${rmas['Rita Returns']}`)).status === 'collected');
    await page.waitForFunction(() => !DA.current || DA.current.customer_name !== 'Rita Returns' || !DA.isReturn(DA.current), null, { timeout: 10000 });
  });

  await step('Not collected: the pickup failure is recorded on the return', async () => {
    await reach('Sam Sendback');
    await page.click('#current-stop .act[data-act="not_collected"]');
    await page.selectOption('#fail-reason', 'not_home');
    await page.fill('#fail-note', 'Parcel not ready');
    await page.click('#form-send');
    await until('return.pickup_failed', async () => (await events(w, 'return.pickup_failed')).some((e) => JSON.stringify(e).includes(String(rmas['Sam Sendback']))));
    assert((await w.ok('GET', `/v1/returns/${rmas['Sam Sendback']}`)).status !== 'collected', 'not collected');
  });

  await step('no page errors and nothing refused', async () => {
    assert(!w.pageErrors.length, `page errors: ${w.pageErrors.join('\n')}`);
    assert(!(await page.locator('#refused-list li').count()), `refused: ${await page.locator('#refused-list').innerText()}`);
  });
  code = finish();
} finally {
  await w.stop();
}
process.exit(code);
