// tests/web/driver_breaks.spec.mjs: the plan places the van's break (GET /v1/plans/{id}) and the
// driver app (web/driver/) shows it where the plan put it (GET /v1/driver/route's
// planned_breaks): in route order among the stops, with their
// window and planned time; once every stop before it is done the break is the next thing to do,
// and "Start break" / "End break" reach the server (the break stop arrived, then done, event
// stop.break_taken). Real server, phone-sized headless Chromium (tests/web/driver_world.mjs).
//
//   LASTMILE_BIN=build/debug/cli/lastmile node tests/web/driver_breaks.spec.mjs
import { step, assert, finish, until, startWorld, setupDay, phone, signIn, driverKey, driverRoute, events } from './driver_world.mjs';

const w = await startWorld('driver-breaks');
let code = 1;
try {
  let rt;
  await step('the plan placed the van\'s lunch break on the route', async () => {
    rt = await setupDay(w);
    assert(Array.isArray(rt.planned_breaks) && rt.planned_breaks.length === 1, `planned_breaks: ${JSON.stringify(rt.planned_breaks)}`);
    const b = rt.planned_breaks[0];
    assert(b.status === 'planned' && b.service_s === 1800, `break: ${JSON.stringify(b)}`);
    assert(!rt.stops.some((s) => s.kind === 'break'), 'a break is not listed as a stop');
    // the plan the dispatcher committed shows it too, inside the van's 12:00-14:00 window
    const last = (await w.ok('GET', '/v1/plans?limit=1')).plans[0];
    const plan = await w.ok('GET', `/v1/plans/${last.id}`);
    const brk = plan.routes.flatMap((r) => r.stops).filter((s) => s.kind === 'break');
    assert(brk.length === 1 && brk[0].id === b.stop_id, `the plan's break: ${JSON.stringify(brk)}`);
    const sod = (t) => t - w.day; // seconds into the world's local day
    assert(sod(brk[0].eta) >= 43200 && sod(brk[0].eta) <= 50400, `taken 12:00-14:00: ${brk[0].eta}`);
  });
  const brk = rt.planned_breaks[0];
  const before = rt.stops.filter((s) => s.seq < brk.seq);
  const page = await phone(w);

  await step('the app lists the planned break in route order with its window and planned time', async () => {
    await signIn(w, page);
    const rows = page.locator('#stops > li');
    const n = await rows.count();
    assert(n === rt.stops.length + 1, `stops and the break: ${n}`);
    const at = await page.evaluate(() => [...document.querySelectorAll('#stops > li')].findIndex((li) => li.classList.contains('planned-break')));
    assert(at === before.length, `the break after the ${before.length} stops the plan puts before it, shown at ${at}`);
    const text = await page.locator('li.planned-break').innerText();
    assert(/Break 30 min, between 12:00 and 14:00/.test(text), `window: ${text}`);
    assert(/Planned at \d\d:\d\d/.test(text), `planned time: ${text}`);
    assert(await page.locator('li.planned-break [data-act="break_start"]').count() === (before.length ? 0 : 1),
      'the start button only once it is the next thing to do');
  });

  await step('once the stops before it are done, the break is started and ended from the app', async () => {
    const key = await driverKey(w);
    for (const s of before) {
      const r = await w.api('POST', `/v1/driver/stops/${s.id}/failed`, { reason: 'refused' }, key);
      assert(r.status === 200, `stop ${s.id}: ${r.status} ${JSON.stringify(r.data)}`);
    }
    await page.reload();
    await page.waitForSelector('li.planned-break [data-act="break_start"]', { timeout: 20000 });
    await page.click('li.planned-break [data-act="break_start"]');
    await until('the break started on the server', async () =>
      (await driverRoute(w, key)).planned_breaks[0].status === 'arrived');
    await page.waitForSelector('li.planned-break [data-act="break_end"]', { timeout: 20000 });
    await page.click('li.planned-break [data-act="break_end"]');
    await until('the break taken on the server', async () =>
      (await driverRoute(w, key)).planned_breaks[0].status === 'done');
    await until('stop.break_taken', async () => (await events(w, 'stop.break_taken')).length === 1);
    await page.waitForSelector('li.planned-break.status-done', { timeout: 20000 });
    assert(/Taken/.test(await page.locator('li.planned-break').innerText()), 'shown as taken');
  });

  await step('the app made no request beyond its own server and threw nothing', async () => {
    assert(!w.foreign.length, `foreign requests: ${w.foreign.join(', ')}`);
    assert(!w.pageErrors.length, `page errors: ${w.pageErrors.join('; ')}`);
  });
  code = finish();
} finally {
  await w.stop();
}
process.exit(code);
