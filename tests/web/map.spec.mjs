// tests/web/map.spec.mjs: the street map of the dashboard (web/map.js) and of the tracking page
// (web/track_map.js) in headless Debian chromium against the real server routed by the loopback
// fake engine (tests/support/fake_router.py, OSRM API). Tiles come from a tile fixture served on
// 127.0.0.1 by this script (PNG images of a street grid); a second server runs without tiles
// (--tiles none) and a third with a tile server that is not there: both fall back to the plain
// background with everything else drawn. Part of `make test` (ctest test_web_map).
//
//   LASTMILE_BIN=build/debug/cli/lastmile node tests/web/map.spec.mjs [--screenshot docs/dashboard-map.png]
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const bin = path.resolve(repo, process.env.LASTMILE_BIN || 'build/debug/cli/lastmile');
const browserPath = process.env.CHROMIUM || '/usr/bin/chromium';
const outDir = path.join(here, 'out');
const shotArg = process.argv.indexOf('--screenshot');
const shotPath = shotArg > 0 ? path.resolve(process.argv[shotArg + 1]) : path.join(outDir, 'map.png');

let passed = 0, failed = 0;
async function step(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok ${passed + failed} - ${name}`);
  } catch (e) {
    failed++;
    console.log(`not ok ${passed + failed} - ${name}\n  ${String(e && e.stack ? e.stack : e).split('\n').join('\n  ')}`);
  }
}
function assert(cond, msg) { if (!cond) throw new Error(msg); }

// ---- the tile fixture: 256 x 256 PNGs of a light street grid, counted ----

function crc32(buf) {
  let c, crc = 0xffffffff;
  for (let n = 0; n < buf.length; n++) {
    c = (crc ^ buf[n]) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crc = (crc >>> 8) ^ c;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type), data]);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
function tilePng(z, x, y) {
  const raw = Buffer.alloc(256 * (1 + 256 * 3));
  for (let r = 0; r < 256; r++) {
    raw[r * 769] = 0;
    for (let c = 0; c < 256; c++) {
      const road = r % 64 < 5 || c % 64 < 5, major = r < 8 || c < 8;
      const [R, G, B] = major ? [250, 214, 150] : road ? [255, 255, 255] : [(x * 7 + y * 3 + z) % 2 ? 236 : 232, 236, 226];
      raw.set([R, G, B], r * 769 + 1 + c * 3);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(256, 0); ihdr.writeUInt32BE(256, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}
const tileHits = [];
function startTiles() {
  return new Promise((resolve) => {
    const srv = http.createServer((req, res) => {
      const m = req.url.match(/^\/(\d+)\/(\d+)\/(\d+)\.png$/);
      if (!m) { res.writeHead(404); res.end(); return; }
      tileHits.push(req.url);
      res.writeHead(200, { 'Content-Type': 'image/png', 'Access-Control-Allow-Origin': '*' });
      res.end(tilePng(+m[1], +m[2], +m[3]));
    });
    srv.listen(0, '127.0.0.1', () => resolve(srv));
  });
}

// ---- processes ----

function startFakeRouter() {
  return new Promise((resolve, reject) => {
    const proc = spawn('python3', [path.join(repo, 'tests/support/fake_router.py')], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const timer = setTimeout(() => reject(new Error('fake router did not start')), 30000); // timing-ok: start deadline
    proc.stdout.on('data', (b) => {
      out += b.toString();
      const m = out.match(/port (\d+)/);
      if (m) { clearTimeout(timer); resolve({ proc, port: +m[1] }); }
    });
  });
}

function startServer(db, extra) {
  return new Promise((resolve, reject) => {
    const args = ['serve', '--port', '0', '--bind', '127.0.0.1', '--db', db, '--demo', '--threads', '2',
      '--web-root', path.join(repo, 'web'), '--osmand-port', '0', '--position-future-skew-s', '0', ...extra];
    const proc = spawn(bin, args, { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', key = null, done = false;
    const timer = setTimeout(() => { if (!done) { done = true; proc.kill('SIGKILL'); reject(new Error(`server did not start:\n${out}`)); } }, 60000); // timing-ok: start deadline
    const onData = (b) => {
      out += b.toString();
      const m = out.match(/^(lm_[0-9a-f_]+)\s*$/m);
      if (m) key = m[1];
      const p = out.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
      if (!done && key && p) { done = true; clearTimeout(timer); resolve({ proc, key, base: `http://127.0.0.1:${p[1]}` }); }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', (b) => { if (!/"method"/.test(b.toString())) onData(b); });
    proc.on('exit', (code) => { if (!done) { done = true; clearTimeout(timer); reject(new Error(`server exited ${code}:\n${out}`)); } });
  });
}

async function api(srv, method, p, body, key) {
  const res = await fetch(srv.base + p, {
    method,
    headers: { Authorization: `Bearer ${key || srv.key}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = text; }
  return { status: res.status, data };
}

async function until(fn, what, ms = 30000) {
  const end = Date.now() + ms;
  for (let i = 0; i < 1000; i++) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) break;
    await new Promise((r) => setTimeout(r, 200)); // timing-ok: poll with a deadline
  }
  throw new Error(`timed out: ${what}`);
}

// A committed plan with road geometry on every route; returns it.
async function committedPlan(srv) {
  const allocated = (await api(srv, 'GET', '/v1/orders?status=allocated&limit=30')).data.orders;
  assert(allocated.length >= 10, `demo orders to make ready: ${allocated.length}`);
  for (const o of allocated) {
    await api(srv, 'POST', `/v1/orders/${o.id}/picking`);
    const r = await api(srv, 'POST', `/v1/orders/${o.id}/ready`, { weight_g: 2000, volume_cm3: 9000, parcels: 1 });
    assert(r.status === 200, `ready: ${r.status} ${JSON.stringify(r.data)}`);
  }
  const c = await api(srv, 'POST', '/v1/plans', { time_limit_ms: 1500 });
  assert(c.status === 202, `plan: ${c.status}`);
  const id = c.data.id;
  await until(async () => (await api(srv, 'GET', `/v1/plans/${id}`)).data.status === 'proposed', 'plan proposed', 60000);
  const cm = await api(srv, 'POST', `/v1/plans/${id}/commit`);
  assert(cm.status === 200, `commit: ${cm.status} ${JSON.stringify(cm.data)}`);
  return until(async () => {
    const p = (await api(srv, 'GET', `/v1/plans/${id}`)).data;
    return p.routes.every((r) => r.geometry) ? p : null;
  }, 'road geometry of the committed routes');
}

async function login(page, srv) {
  await page.goto(`${srv.base}/`);
  await page.fill('#login-key', srv.key);
  await page.click('#login-submit');
  await page.waitForSelector('#app:not([hidden])', { timeout: 15000 });
  await page.waitForFunction(() => document.querySelectorAll('#layer-orders circle').length > 0, null, { timeout: 20000 });
}

// Screen distance between a depot marker of the SVG and the same point on the Leaflet map.
async function misalignment(page, depots) {
  return page.evaluate((depots) => {
    const m = window.lmBasemap.leaflet();
    let worst = null;
    for (const g of document.querySelectorAll('#layer-depots > g')) {
      const d = g.querySelector('rect'), loc = depots[g.dataset.depot];
      if (!m || !d || !loc) return null;
      const b = d.getBoundingClientRect(), mb = document.getElementById('basemap').getBoundingClientRect();
      const p = m.latLngToContainerPoint([loc[1], loc[0]]);
      const off = Math.hypot(b.x + b.width / 2 - (mb.x + p.x), b.y + b.height / 2 - (mb.y + p.y));
      worst = worst === null ? off : Math.max(worst, off);
    }
    return worst;
  }, depots);
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'lastmile-map-'));
mkdirSync(outDir, { recursive: true });
mkdirSync(path.dirname(shotPath), { recursive: true });
const procs = [];
let tiles = null, context = null;
try {
  tiles = await startTiles();
  const tileUrl = `http://127.0.0.1:${tiles.address().port}/{z}/{x}/{y}.png`;
  const fake = await startFakeRouter();
  procs.push(fake.proc);
  const srv = await startServer(path.join(tmp, 'a.db'), ['--router', `osrm=http://127.0.0.1:${fake.port}`,
    '--tiles', tileUrl, '--tiles-attribution', 'Test tiles &copy; lastmile']);
  procs.push(srv.proc);
  const plan = await committedPlan(srv);

  context = await chromium.launchPersistentContext(path.join(tmp, 'profile'), {
    executablePath: browserPath, headless: true, viewport: { width: 1440, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const page = context.pages()[0] || await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  await login(page, srv);

  await step('the basemap loads Leaflet from the server and tiles from the configured tile server', async () => {
    await page.waitForFunction(() => document.querySelector('.map-wrap').dataset.basemap === 'tiles' &&
      document.querySelectorAll('#basemap img.leaflet-tile-loaded').length > 0, null, { timeout: 20000 });
    assert(tileHits.length > 0, 'the tile fixture was asked');
    const attribution = await page.textContent('#basemap .leaflet-control-attribution');
    assert(/Test tiles © lastmile/.test(attribution), `attribution: ${attribution}`);
    const src = await page.$eval('#basemap img.leaflet-tile-loaded', (i) => i.src);
    assert(src.startsWith(tileUrl.split('{z}')[0]), `tile from ${src}`);
    assert(await page.evaluate(() => typeof L === 'object' && /^1\./.test(L.version)), 'Leaflet 1.x from /vendor/leaflet');
  });

  await step('the tiles line up with the SVG map and follow zoom and pan', async () => {
    const depots = Object.fromEntries((await api(srv, 'GET', '/v1/depots')).data.depots.map((d) => [d.id, d.location]));
    const d0 = await misalignment(page, depots);
    assert(d0 !== null && d0 < 3, `depot off its tile position by ${d0} px`);
    const z0 = await page.evaluate(() => window.lmBasemap.leaflet().getZoom());
    const box = await page.locator('#map').boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, -600);
    await page.waitForFunction((z) => window.lmBasemap.leaflet().getZoom() > z + 0.5, z0, { timeout: 5000 });
    await page.mouse.move(box.x + 300, box.y + 300);
    await page.mouse.down();
    await page.mouse.move(box.x + 420, box.y + 360, { steps: 6 });
    await page.mouse.up();
    const d1 = await misalignment(page, depots);
    assert(d1 !== null && d1 < 3, `after zoom and pan the depot is off by ${d1} px`);
    await page.click('#zoom-fit');
  });

  await step('committed routes follow their road geometry, coloured per vehicle', async () => {
    await page.waitForFunction((n) => document.querySelectorAll('#layer-routes path.route:not(.proposed)').length === n, plan.routes.length, { timeout: 20000 });
    const paths = await page.$$eval('#layer-routes path.route:not(.proposed)', (ps) => ps.map((p) => ({
      v: p.dataset.vehicle, stroke: p.getAttribute('stroke'), points: (p.getAttribute('d').match(/[ML]/g) || []).length })));
    for (const r of plan.routes) {
      const p = paths.find((x) => x.v === r.vehicle_id);
      assert(p, `route of ${r.vehicle_id} drawn`);
      // the fake engine's roads turn a corner between every two points
      assert(p.points >= 2 * (r.stops.length + 1), `${r.vehicle_id}: ${p.points} points for ${r.stops.length} stops: not along the roads`);
    }
    assert(new Set(paths.map((p) => p.stroke)).size === paths.length, `one colour per vehicle: ${paths.map((p) => p.stroke)}`);
  });

  await step('a stop on the map tells its ETA and status', async () => {
    const st = plan.routes[0].stops[0];
    const c = page.locator(`#layer-orders circle[data-order="${st.order_id}"]`);
    await c.waitFor({ timeout: 10000 });
    const b = await c.boundingBox();
    await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2);
    await page.waitForFunction(() => !document.getElementById('map-tip').hidden, null, { timeout: 5000 });
    const tip = await page.textContent('#map-tip');
    assert(/stop planned, ETA \d\d:\d\d/.test(tip) && tip.includes(plan.routes[0].vehicle_id), `tooltip: ${tip}`);
  });

  let tracked = null;
  await step('a live position from the driver app moves the van on the map (SSE)', async () => {
    const route = plan.routes[0];
    const dev = await api(srv, 'POST', `/v1/drivers/${encodeURIComponent(route.driver_id)}/device`);
    assert(dev.status === 200, `device: ${dev.status}`);
    const [lon, lat] = route.start;
    const t = Math.floor(Date.now() / 1000);
    const r = await fetch(`${srv.base}/v1/osmand?id=${dev.data.device_id}&lat=${lat + 0.002}&lon=${lon + 0.002}&timestamp=${t}&speed=5`);
    assert(r.status === 200, `osmand: ${r.status}`);
    await page.waitForSelector(`#layer-vehicles g[data-vehicle="${route.vehicle_id}"]`, { timeout: 15000 });
    tracked = { route, device: dev.data.device_id };
    await page.screenshot({ path: shotPath });
  });

  await step('the tracking page shows the address and, as the next stop, the van on the street map', async () => {
    const order = (await api(srv, 'GET', `/v1/orders/${tracked.route.stops[0].order_id}`)).data;
    const tp = await context.newPage();
    const trackErrors = [];
    tp.on('pageerror', (e) => trackErrors.push(String(e)));
    await tp.goto(`${srv.base}/track.html#${order.tracking_token}`);
    await tp.waitForSelector('#track-map:not([hidden]) [data-role="destination"]', { timeout: 15000 }).catch(async (e) => {
      throw new Error(`${e.message}\npage errors: ${trackErrors.join('; ')}\n${(await tp.content()).slice(0, 3000)}`);
    });
    await tp.waitForSelector('#track-map [data-role="van"]', { timeout: 15000 });
    await tp.waitForFunction(() => document.querySelectorAll('#track-map img.leaflet-tile-loaded').length > 0, null, { timeout: 15000 });
    assert(await tp.$eval('#track-map', (e) => e.dataset.basemap) === 'tiles', 'tracking map tiles');
    await tp.screenshot({ path: path.join(outDir, 'track-map.png') });
    await tp.close();
  });

  await step('no page errors', async () => { assert(!pageErrors.length, pageErrors.join('\n')); });

  // ---- without tiles, and with a tile server that is not there ----
  for (const [name, tilesArg, mode] of [['no tiles', 'none', 'none'], ['a dead tile server', 'http://127.0.0.1:9/{z}/{x}/{y}.png', 'failed']]) {
    const s2 = await startServer(path.join(tmp, `${mode}.db`), ['--tiles', tilesArg]);
    procs.push(s2.proc);
    const p2 = await context.newPage();
    const tileAsks = [];
    p2.on('request', (r) => { if (r.url().startsWith(tileUrl.split('{z}')[0])) tileAsks.push(r.url()); });
    await login(p2, s2);
    await step(`${name}: the plain background, the map drawn on it`, async () => {
      await p2.waitForFunction((m) => document.querySelector('.map-wrap').dataset.basemap === m, mode, { timeout: 20000 });
      assert(await p2.locator('#basemap').isHidden(), 'basemap hidden');
      assert(await p2.locator('#basemap img.leaflet-tile-loaded').count() === 0, 'no tile shown');
      assert(await p2.locator('#layer-depots > g').count() >= 1, 'depots still drawn');
      assert(!tileAsks.length, `this page asked the tile fixture: ${tileAsks[0]}`);
      if (mode === 'failed') assert(/tile server does not answer/.test(await p2.textContent('#basemap-note')), 'the note says why');
    });
    await p2.close();
  }
} catch (e) {
  failed++;
  console.log(`not ok - setup\n  ${String(e && e.stack ? e.stack : e).split('\n').join('\n  ')}`);
} finally {
  if (context) await context.close().catch(() => {});
  for (const p of procs) p.kill('SIGTERM');
  if (tiles) tiles.close();
  rmSync(tmp, { recursive: true, force: true });
}
console.log(`# ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
