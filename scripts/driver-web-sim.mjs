#!/usr/bin/env node
// scripts/driver-web-sim.mjs: drives one driver's day through the driver app (web/driver/) in
// headless Chromium, for `lastmile simulate --web-driver ID` (or on its own). It makes an
// enrolment link with the admin key (LASTMILE_KEY), opens it on a 360 px phone, starts the route,
// then for each current stop moves the phone's emulated position towards it (the app reports it
// through watchPosition and POST /v1/driver/positions), taps Arrived and Delivered (a typed name;
// the cash amount as prefilled for cash on delivery), until the app says the day is done or
// --duration seconds pass. Exit 0 when every stop was served.
//
//   LASTMILE_KEY=lm_... node scripts/driver-web-sim.mjs --server http://127.0.0.1:8080 --driver drv-1
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { chromium } = createRequire(path.join(repo, 'tests', 'web', 'package.json'))('playwright-core');

const opt = { speedUp: 10, duration: 600 };
for (let i = 2; i < process.argv.length; i += 2) {
  const [k, v] = [process.argv[i], process.argv[i + 1]];
  if (k === '--server') opt.server = v.replace(/\/+$/, '');
  else if (k === '--driver') opt.driver = v;
  else if (k === '--speed-up') opt.speedUp = Number(v);
  else if (k === '--duration') opt.duration = Number(v);
  else { console.error(`driver-web-sim: unknown argument ${k}`); process.exit(2); }
}
const key = process.env.LASTMILE_KEY;
if (!opt.server || !opt.driver || !key || !(opt.speedUp > 0) || !(opt.duration > 0)) {
  console.error('usage: LASTMILE_KEY=<admin key> driver-web-sim.mjs --server URL --driver ID [--speed-up X] [--duration S]');
  process.exit(2);
}
const deadline = Date.now() + opt.duration * 1000;
const log = (m) => console.error(`driver-web-sim ${opt.driver}: ${m}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms)); // timing-ok: simulated driving pace

const r = await fetch(`${opt.server}/v1/drivers/${encodeURIComponent(opt.driver)}/enrolments`,
  { method: 'POST', headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' }, body: '{}' });
const enrol = await r.json();
if (r.status !== 201) { log(`enrolment refused: ${r.status} ${JSON.stringify(enrol)}`); process.exit(1); }

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
let served = 0, total = 0, code = 1;
try {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true,
    permissions: ['geolocation'], geolocation: { latitude: 0, longitude: 0, accuracy: 10 } });
  // positions in small batches: simulated time runs faster than a real day
  await context.addInitScript(() => { self.DA_GEO_CONFIG = { minGapMs: 1000, batchMs: 3000, batchMax: 20 }; });
  const page = await context.newPage();
  await page.goto(opt.server + enrol.link);
  await page.waitForSelector('#app:not([hidden])', { timeout: 30000 });
  await page.waitForSelector('#current-stop, #all-done', { timeout: 30000 });
  total = await page.evaluate(() => (DA.route.stops || []).filter((s) => s.status === 'planned' || s.status === 'arrived').length);
  const first = await page.evaluate(() => DA.current && DA.current.location);
  let here = first ? { lat: first[1] - 0.01, lon: first[0] - 0.01 } : { lat: 0, lon: 0 };
  await context.setGeolocation({ latitude: here.lat, longitude: here.lon, accuracy: 10 });
  if (await page.locator('#start-route').count()) await page.click('#start-route');
  while (Date.now() < deadline && !(await page.locator('#all-done').count())) {
    const cur = await page.evaluate(() => DA.current && { id: DA.current.id, loc: DA.current.location, status: DA.current.status });
    if (!cur) { await sleep(500); continue; }
    // drive: 10 m/s simulated, one emulated fix per wall-clock second
    for (let k = 0; k < 600 && Date.now() < deadline; k++) {
      const dLat = cur.loc[1] - here.lat, dLon = cur.loc[0] - here.lon;
      const dist = Math.hypot(dLat * 111000, dLon * 78000);
      if (dist < 20) break;
      const f = Math.min(1, (10 * opt.speedUp) / dist);
      here = { lat: here.lat + dLat * f, lon: here.lon + dLon * f };
      await context.setGeolocation({ latitude: here.lat, longitude: here.lon, accuracy: 10 });
      await sleep(1000);
    }
    if (cur.status === 'planned') await page.click('#current-stop .act[data-act="arrived"]');
    await page.click('#current-stop .act[data-act="delivered"], #current-stop .act[data-act="collected"]');
    await page.fill('#recipient', 'Simulated recipient');
    await page.click('#form-send');
    await page.waitForFunction((id) => !DA.current || DA.current.id !== id, cur.id, { timeout: 30000 });
    served++;
    log(`stop ${cur.id} served (${served}/${total})`);
  }
  await page.evaluate(() => DA.sendPositions());
  await page.waitForFunction(() => document.getElementById('outbox-count').dataset.waiting === '0', null, { timeout: 30000 });
  const doneAll = await page.locator('#all-done').count();
  log(`${served} stops served, ${doneAll ? 'day done' : 'stopped by --duration'}`);
  code = doneAll ? 0 : 1;
} catch (e) {
  log(`failed: ${e && e.stack ? e.stack : e}`);
} finally {
  await browser.close();
}
process.exit(code);
