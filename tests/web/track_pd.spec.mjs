// tests/web/track_pd.spec.mjs: the tracking page (web/track.html + web/track_pd.js) of a
// pickup-and-delivery order in headless chromium against the real server: the order goes in over
// HTTP ("type": "pickup_delivery"), is planned and committed; its customer's page shows both ends
// (collection, then delivery) with their windows and state, and after the driver collects the
// goods the collection shows as done. Nothing is skipped; a missing element fails the step.
//
//   LASTMILE_BIN=build/debug/cli/lastmile node tests/web/track_pd.spec.mjs
import { step, assert, finish, until, startWorld, phone, driverKey, driverRoute, DEPOT } from './driver_world.mjs';

const w = await startWorld('track-pd');
let code = 1;
try {
  let order, day;
  await step('a pickup-and-delivery order is taken in, planned and committed', async () => {
    day = w.day;
    await w.ok('POST', '/v1/depots', { id: 'DEP', name: 'Depot', location: DEPOT, opening_hours: { open: '00:00', close: '23:59' } });
    await w.ok('POST', '/v1/vehicles', { id: 'van-1', name: 'Van 1', start_depot: 'DEP', capacity_parcels: 20 });
    await w.ok('POST', '/v1/drivers', { id: w.driver, name: 'Ana Driver', phone: '+33 6 00 00 00 01', vehicle_id: 'van-1' });
    const iso = (s) => new Date(s * 1000).toISOString().replace('.000', '');
    order = await w.ok('POST', '/v1/orders', {
      type: 'pickup_delivery', external_ref: 'B2B-WEB',
      pickup: { address: 'Atelier Nord, 1 quai Nord', location: [DEPOT[0] + 0.01, DEPOT[1] + 0.03],
        window: [iso(day + 8 * 3600), iso(day + 20 * 3600)], contact: { name: 'Sender Ltd', phone: '+33400000001' } },
      package: { weight_g: 5000, parcels: 1 },
      customer: { name: 'Receiver SA', address: '9 rue Est', location: [DEPOT[0] + 0.03, DEPOT[1] + 0.01] },
      time_windows: [[iso(day + 8 * 3600), iso(day + 22 * 3600)]],
    }, 201);
    assert(order.type === 'pickup_delivery' && order.status === 'ready', `order: ${JSON.stringify(order)}`);
    const plan = await w.ok('POST', '/v1/plans', { depot: 'DEP', time_limit_ms: 1000 });
    const id = plan.plan_id || plan.id;
    await until('the plan to be proposed', async () => (await w.api('GET', `/v1/plans/${id}`)).data.status === 'proposed', 60000);
    await w.ok('POST', `/v1/plans/${id}/commit`);
  });

  const page = await phone(w);
  // the page's street map would fetch tiles from the internet: nothing leaves this machine
  await page.route((url) => !url.href.startsWith(w.base), (route) => route.abort());
  await step('the tracking page shows the collection, then the delivery, each with its window', async () => {
    await page.goto(`${w.base}/track.html#${order.tracking_token}`);
    await page.waitForSelector('#pd:not([hidden]) dd[data-kind="pickup"]', { timeout: 20000 });
    const kinds = await page.$$eval('#pd dd[data-kind]', (dds) => dds.map((d) => d.dataset.kind));
    assert(kinds.join(',') === 'pickup,delivery', `ends in order: ${kinds}`);
    const pick = await page.locator('#pd dd[data-kind="pickup"]').innerText();
    assert(/scheduled/.test(pick) && /expected/.test(pick), `collection: ${pick}`);
    assert(/Atelier Nord/.test(await page.locator('#pd').innerText()), 'where it is collected');
    const drop = await page.locator('#pd dd[data-kind="delivery"]').getAttribute('data-status');
    assert(drop === 'planned', `delivery: ${drop}`);
  });

  await step('once the driver has collected the goods, the collection shows as done', async () => {
    const key = await driverKey(w);
    const rt = await driverRoute(w, key);
    const stop = rt.stops.find((s) => s.kind === 'pickup' && s.order_id === order.id);
    assert(stop && stop.pickup && stop.pickup.goods.parcels === 1, `the pickup stop: ${JSON.stringify(stop)}`);
    const r = await w.api('POST', `/v1/driver/stops/${stop.id}/collected`, { recipient_name: 'Front desk' }, key);
    assert(r.status === 200, `collected: ${r.status} ${JSON.stringify(r.data)}`);
    await page.reload();
    await page.waitForSelector('#pd dd[data-kind="pickup"][data-status="done"]', { timeout: 20000 });
    assert(/done/.test(await page.locator('#pd dd[data-kind="pickup"]').innerText()), 'shown as done');
  });

  await step('no page errors', async () => {
    assert(!w.pageErrors.length, `page errors: ${w.pageErrors.join('; ')}`);
  });
  code = finish();
} finally {
  await w.stop();
}
process.exit(code);
