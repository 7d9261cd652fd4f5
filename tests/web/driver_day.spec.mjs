// tests/web/driver_day.spec.mjs: the driver app (web/driver/) through a day on a phone-sized
// headless Chromium against the real server (tests/web/driver_world.mjs): sign-in by the
// dispatcher's enrolment link (the link works once), the current stop with address, tap-to-call,
// instructions, lines, navigation links and the break; start route; a full stop cycle with a
// drawn signature and a camera photo; a failed stop with reason, note and photo; a cash-on-
// delivery collection; a problem report; French strings when the phone is French; the server's
// refusal shown in words. Checks the server's stored state after each action. Screenshots of the
// main screens go to docs/driver-app/ (docs/driver-app.md).
//
//   LASTMILE_BIN=build/debug/cli/lastmile node tests/web/driver_day.spec.mjs
import path from 'node:path';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { step, assert, finish, until, startWorld, checkRoutes, setupDay, phone, signIn, stopsByName, events, photoFile, sign, repo, outDir } from './driver_world.mjs';

// screenshots: tests/web/out/ normally; DRIVER_SHOTS_DIR=docs/driver-app refreshes the docs' ones
const shots = process.env.DRIVER_SHOTS_DIR ? path.resolve(repo, process.env.DRIVER_SHOTS_DIR) : outDir;
mkdirSync(shots, { recursive: true });
const w = await startWorld('driver-day');
let code = 1;
try {
  await step('the server has every route the app uses', () => checkRoutes(w));
  await step('a day is planned and committed for the driver', () => setupDay(w));
  const page = await phone(w);

  let link;
  await step('the enrolment link signs the phone in and shows the current stop', async () => {
    link = await signIn(w, page);
    const key = await page.evaluate(() => localStorage.getItem('lastmile.driver.key'));
    assert(/^lm_[0-9a-f]{16}_[0-9a-f]{64}$/.test(key || ''), `a driver key is kept on the phone: ${key}`);
    assert(!(await page.evaluate(() => location.hash)), 'the token is taken out of the address bar');
    const who = await w.api('GET', '/v1/whoami', null, key);
    assert(who.data.driver_id === w.driver, `the key is the driver's: ${JSON.stringify(who.data)}`);
    await page.screenshot({ path: path.join(shots, 'stops.png') });
  });

  await step('the link works once: opened again it is refused in words', async () => {
    const ctx = await w.browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
    const p2 = await ctx.newPage();
    await p2.goto(w.base + link.link);
    await p2.waitForFunction(() => /already used/.test(document.getElementById('signin-error').textContent), null, { timeout: 10000 });
    assert(await p2.isHidden('#app'), 'no access with a used link');
    await p2.screenshot({ path: path.join(shots, 'signin-used.png') });
    await ctx.close();
  });

  await step('the current stop shows address, customer, phone, instructions, lines, links; breaks are listed', async () => {
    const cur = page.locator('#current-stop');
    const text = await cur.innerText();
    const tel = await cur.locator('a.call').getAttribute('href');
    assert(/^tel:\+336\d{8}$/.test(tel), `tap-to-call link: ${tel}`);
    assert(/Green tea 1 kg/.test(text), `lines to hand over: ${text}`);
    for (const k of ['geo', 'osmand', 'google', 'apple']) assert(await cur.locator(`a.nav-${k}`).count() === 1, `${k} link`);
    const geo = await cur.locator('a.nav-geo').getAttribute('href');
    assert(/^geo:45\.\d+,4\.\d+/.test(geo), `geo: URI ${geo}`);
    assert(await page.locator('li.break').count() === 1, 'the van\'s break is shown');
    assert(/Break 30 min, between 12:00 and 14:00/.test(await page.locator('li.break').innerText()), 'break text');
    const box = await page.locator('#current-stop .act[data-act="arrived"]').boundingBox();
    assert(box.height >= 48 && box.width >= 300, `big touch target: ${JSON.stringify(box)}`);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert(width <= 360, `fits 360 px: scrollWidth ${width}`);
  });

  await step('start route: the server records route.started once', async () => {
    await page.click('#start-route');
    await page.waitForSelector('#started', { timeout: 10000 });
    await until('route.started', async () => (await events(w, 'route.started')).length === 1);
  });

  // Each customer gets one kind of visit; the plan decides the order, so a step first handles
  // the stops before its own with their own visit (each of which checks the server too).
  const visits = {
    'Alice Martin': signedWithPhoto,
    'Bruno Petit': failedWithPhoto,
    'Chloé Cash': cashOnDelivery,
    'David Roux': byName,
  };
  const done = new Set();
  const current = () => page.locator('#current-stop h2.who').innerText();
  async function visitUntil(name) {
    for (let i = 0; i < 4 && !done.has(name); i++) {
      const who = await current();
      const id = await page.getAttribute('#current-stop', 'data-stop');
      await visits[who](who);
      done.add(who);
      await page.waitForFunction((x) => { const c = document.getElementById('current-stop'); return !c || c.dataset.stop !== x; }, id, { timeout: 10000 });
    }
    assert(done.has(name), `${name} visited`);
  }

  async function arrive(who) {
    await page.click('#current-stop .act[data-act="arrived"]');
    await page.waitForSelector('#current-stop.status-arrived', { timeout: 10000 });
    await until(`${who} arrived on the server`, async () => (await stopsByName(w))[who].status === 'arrived');
  }

  async function signedWithPhoto(who) {
    await arrive(who);
    await page.click('#current-stop .act[data-act="delivered"]');
    await page.fill('#recipient', 'Jeanne Voisin');
    await sign(page);
    await page.setInputFiles('#photo', await photoFile(page, path.join(w.tmp, 'door.jpg')));
    await page.waitForSelector('#photo-state:text("Photo ready")', { timeout: 10000 });
    await page.screenshot({ path: path.join(shots, 'delivered-form.png') });
    const before = existsSync(path.join(w.tmp, 'data', 'proofs')) ? readdirSync(path.join(w.tmp, 'data', 'proofs')) : [];
    await page.click('#form-send');
    await until(`${who} delivered on the server`, async () => (await stopsByName(w))[who].status === 'done');
    const proofs = readdirSync(path.join(w.tmp, 'data', 'proofs')).filter((f) => !before.includes(f));
    assert(proofs.some((f) => /\.png$/.test(f)) && proofs.some((f) => /\.jpg$/.test(f)), `signature and photo stored: ${proofs}`);
    const ev = (await events(w, 'stop.delivered')).find((e) => JSON.stringify(e.payload).includes('Jeanne Voisin'));
    assert(ev && /signature/.test(JSON.stringify(ev.payload)) && /photo/.test(JSON.stringify(ev.payload)), `proof in stop.delivered: ${JSON.stringify(ev)}`);
  }

  async function failedWithPhoto(who) {
    await page.click('#current-stop .act[data-act="failed"]');
    await page.selectOption('#fail-reason', 'address_not_found'); // final: not_home would add a retry stop later today
    await page.fill('#fail-note', 'Nobody answered the bell');
    await page.setInputFiles('#photo', await photoFile(page, path.join(w.tmp, 'closed.jpg')));
    await page.waitForSelector('#photo-state:text("Photo ready")', { timeout: 10000 });
    await page.screenshot({ path: path.join(shots, 'failed-form.png') });
    await page.click('#form-send');
    await until(`${who} failed on the server`, async () => (await stopsByName(w))[who].status === 'failed');
    const ev = (await events(w, 'stop.failed')).map((e) => JSON.stringify(e.payload));
    assert(ev.length === 1 && ev[0].includes('address_not_found'), `stop.failed: ${ev}`);
    const st = (await stopsByName(w))[who];
    assert(/^photo proofs\/\S+\.jpg; Nobody answered the bell$/.test(st.note), `the note keeps the photo: ${st.note}`);
  }

  async function cashOnDelivery(who) {
    const due = await page.locator('#cash-due').innerText();
    assert(/24[.,]50/.test(due), `cash to collect shown: ${due}`);
    await page.screenshot({ path: path.join(shots, 'cod-stop.png') });
    await page.click('#current-stop .act[data-act="delivered"]');
    await page.fill('#recipient', who);
    assert(/24[.,]50/.test(await page.inputValue('#cash-amount')), 'amount prefilled');
    await page.fill('#cash-amount', '24,50');
    await page.selectOption('#cash-method', 'card_terminal');
    await page.screenshot({ path: path.join(shots, 'cod-form.png') });
    await page.click('#form-send');
    await until(`${who} delivered`, async () => (await stopsByName(w))[who].status === 'done');
    const pay = await w.ok('GET', `/v1/orders/${w.orders[who]}/payments`);
    const text = JSON.stringify(pay);
    assert(/cod_collected/.test(text) && /2450/.test(text) && /card_terminal/.test(text), `payment: ${text}`);
    assert(!(await events(w, 'cod.discrepancy')).length, 'no discrepancy');
  }

  async function byName(who) {
    await page.click('#current-stop .act[data-act="delivered"]');
    await page.click('#form-send');
    assert(/name|sign/i.test(await page.locator('#form-error').innerText()), 'a delivery needs a name or a signature');
    await page.fill('#recipient', 'Neighbour');
    await page.click('#form-send');
    await until(`${who} delivered`, async () => (await stopsByName(w))[who].status === 'done');
  }

  await step('a full stop cycle: arrived, delivered with a name, a drawn signature and a photo', () => visitUntil('Alice Martin'));
  await step('a failed stop: reason, note and photo, kept by the server', () => visitUntil('Bruno Petit'));
  await step('a cash-on-delivery collection: amount and method recorded on the payment', () => visitUntil('Chloé Cash'));
  await step('the last stop, then the day is done', async () => {
    await visitUntil('David Roux');
    await page.waitForSelector('#all-done', { timeout: 10000 });
  });

  await step('a refusal by the server is shown in words (a done stop delivered again)', async () => {
    const key = await page.evaluate(() => localStorage.getItem('lastmile.driver.key'));
    const done = (await stopsByName(w))['Chloé Cash'];
    await page.evaluate(async ({ id }) => {
      await DA.enqueue({ kind: 'action', method: 'POST', path: `/v1/driver/stops/${id}/delivered`, body: { recipient_name: 'x' }, label: 'again' });
    }, { id: done.id });
    await page.waitForSelector('#refused-list li.refused', { timeout: 10000 });
    const text = await page.locator('#refused-list').innerText();
    assert(/again: .*(done|cannot|collect)/i.test(text), `refusal in words: ${text}`);
    assert(key, 'key');
  });

  await step('report a problem: a delay reaches the server', async () => {
    await page.click('#report-btn');
    await page.selectOption('#problem-kind', 'delay');
    await page.fill('#problem-delay', '20');
    await page.fill('#problem-note', 'Traffic on the bridge');
    await page.click('#form-send');
    await until('driver.exception', async () => (await events(w, 'driver.exception')).length === 1);
  });

  await step('the map shows the route and the phone\'s position', async () => {
    await page.click('.tabs button[data-tab="map"]');
    await page.waitForSelector('#map .leaflet-interactive', { timeout: 20000 });
    await until('own position marker', () => page.evaluate(() => document.querySelectorAll('#map path.leaflet-interactive').length >= 3));
    await page.screenshot({ path: path.join(shots, 'map.png') });
    await page.click('.tabs button[data-tab="list"]');
  });

  await step('positions from watchPosition reach the server in batches', async () => {
    await w.context.setGeolocation({ latitude: 45.7503, longitude: 4.8504, accuracy: 8 }); // 40 m: no jump
    await until('the phone sees the new position', () => page.evaluate(() => DA.here && DA.here[0] === 45.7503));
    await page.evaluate(() => DA.sendPositions());
    await until('a position stored', async () => {
      const st = await w.api('GET', '/v1/fleet/state');
      return JSON.stringify(st.data).includes('45.7503');
    });
  });

  await step('road geometry and navigation links from the server are used when present', async () => {
    // the encoded polyline of the routing engine (precision 5; Google's documented example)
    const line = await page.evaluate(() => DA.routeLine({ geometry: '_p~iF~ps|U_ulLnnqC_mqNvxq`@' }));
    const want = [[38.5, -120.2], [40.7, -120.95], [43.252, -126.453]];
    assert(line.length === 3 && line.every((p, i) => Math.abs(p[0] - want[i][0]) < 1e-9 && Math.abs(p[1] - want[i][1]) < 1e-9), `decoded: ${JSON.stringify(line)}`);
    const gj = await page.evaluate(() => DA.routeLine({ geometry: { type: 'LineString', coordinates: [[4.85, 45.75], [4.86, 45.76]] } }));
    assert(JSON.stringify(gj) === '[[45.75,4.85],[45.76,4.86]]', `GeoJSON: ${JSON.stringify(gj)}`);
    assert(await page.evaluate(() => DA.routeLine({ geometry: null })) === null, 'no geometry: straight lines');
  });

  await step('less than 200 KB of JavaScript before the map', async () => {
    const dir = path.join(repo, 'web', 'driver');
    const files = ['i18n/en.js', 'i18n/fr.js', ...readdirSync(path.join(dir, 'js')).map((f) => `js/${f}`)];
    const total = files.reduce((n, f) => n + statSync(path.join(dir, f)).size, 0);
    console.log(`# driver app JavaScript before the map: ${total} bytes in ${files.length} files`);
    assert(total < 200 * 1024, `${total} bytes`);
  });

  await step('a French phone gets the French strings', async () => {
    const ctx = await w.browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'fr-FR', isMobile: true, hasTouch: true });
    const p = await ctx.newPage();
    await p.goto(`${w.base}/driver/`);
    await p.waitForSelector('#signin:not([hidden])');
    assert(/Connexion/.test(await p.locator('#signin-title').innerText()), 'French sign-in title');
    await p.screenshot({ path: path.join(shots, 'signin-fr.png') });
    await ctx.close();
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
