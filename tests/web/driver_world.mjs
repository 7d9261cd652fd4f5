// tests/web/driver_world.mjs: what the driver app's browser tests (tests/web/driver_*.spec.mjs)
// share: a real server (the debug build's `lastmile serve`) on a free 127.0.0.1 port with a fresh
// database, a small day set up through the HTTP API (one depot, one van with a lunch break, its
// driver, four orders of which one is cash on delivery, a plan solved and committed), a phone-
// sized headless Chromium (360 x 740, touch, geolocation granted) and a TAP-style step runner.
// A route a step needs that the server lacks fails the step; nothing is skipped.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repo = path.resolve(here, '../..');
const bin = path.resolve(repo, process.env.LASTMILE_BIN || 'build/debug/cli/lastmile');
const browserPath = process.env.CHROMIUM || '/usr/bin/chromium';
export const outDir = path.join(here, 'out');
export const DEPOT = [4.85, 45.75];

let passed = 0, failed = 0;
export async function step(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok ${passed + failed} - ${name}`);
  } catch (e) {
    failed++;
    console.log(`not ok ${passed + failed} - ${name}\n  ${String(e && e.stack ? e.stack : e).split('\n').join('\n  ')}`);
  }
}
export function assert(cond, msg) { if (!cond) throw new Error(msg); }
export function finish() {
  console.log(`1..${passed + failed}\n# passed ${passed}, failed ${failed}`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

// Polls fn until it returns a truthy value; the last value or error is in the failure.
export async function until(what, fn, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (let i = 0; i < 10000; i++) {
    try { last = await fn(); if (last) return last; } catch (e) { last = e; }
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 100)); // timing-ok: poll interval of a bounded wait
  }
  throw new Error(`timed out waiting for ${what}: ${last instanceof Error ? last.stack : JSON.stringify(last)}`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

// The local day the world plans on, placed so that it is between 12:00 and 13:00 when the world
// starts: the server runs with that --utc-offset and the phone's browser in the zone of the same
// whole-hour offset (tz), so a spec run at 23:50 UTC still has half a day ahead (on the UTC day its
// routes would run past the windows' end) and the app shows the times the server planned. As
// tests/support/test_day.h does for the C suites.
function dayAtNoon() {
  const now = Math.floor(Date.now() / 1000);
  const hours = 12 - Math.floor((now % 86400) / 3600);
  const tz = hours === 0 ? 'Etc/UTC' : `Etc/GMT${hours > 0 ? '-' : '+'}${Math.abs(hours)}`; // POSIX signs
  return { day: now - 43200 - (now % 3600), utcOffset: hours * 3600, tz };
}

function startServer(port, db, utcOffset) {
  return new Promise((resolve, reject) => {
    const args = ['serve', '--port', String(port), '--bind', '127.0.0.1', '--db', db, '--threads', '4',
      '--web-root', path.join(repo, 'web'), '--osmand-port', '0', '--utc-offset', String(utcOffset),
      '--data-dir', path.join(path.dirname(db), 'data')];
    const proc = spawn(bin, args, { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', done = false;
    const timer = setTimeout(() => { if (!done) { done = true; proc.kill('SIGKILL'); reject(new Error(`server did not start:\n${out}`)); } }, 60000); // timing-ok: start deadline
    const onData = (b) => {
      out += b.toString();
      if (!done && /listening on/.test(out)) { done = true; clearTimeout(timer); resolve(proc); }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', (b) => { if (!/"method"/.test(b.toString())) onData(b); });
    proc.on('exit', (code) => { if (!done) { done = true; clearTimeout(timer); reject(new Error(`server exited ${code}:\n${out}`)); } });
  });
}

// The world: server, admin key, the day committed for driver drv-1. cod: the order with
// customer "Chloé Cash" is cash on delivery (24.50 EUR).
export async function startWorld(name) {
  const tmp = mkdtempSync(path.join(os.tmpdir(), `lastmile-${name}-`));
  mkdirSync(outDir, { recursive: true });
  const db = path.join(tmp, 'd.db');
  const admin = execFileSync(bin, ['keys', 'create', '--role', 'admin', '--db', db]).toString().trim().split('\n').pop();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const { day, utcOffset, tz } = dayAtNoon();
  const proc = await startServer(port, db, utcOffset);
  // a spec that dies (an unhandled rejection) must not leave its server running
  process.on('exit', () => { try { proc.kill('SIGKILL'); } catch {} });
  const w = { tmp, db, base, admin, proc, day, utcOffset, tz, driver: 'drv-1', orders: {} };
  w.api = async (method, p, body, key = admin, headers = {}) => {
    const res = await fetch(base + p, {
      method,
      headers: { Authorization: `Bearer ${key}`, ...(body ? { 'Content-Type': 'application/json' } : {}), ...headers },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = text; }
    return { status: res.status, data };
  };
  w.ok = async (method, p, body, want) => {
    const r = await w.api(method, p, body);
    assert(want ? r.status === want : r.status < 300, `${method} ${p} -> ${r.status} ${JSON.stringify(r.data)}`);
    return r.data;
  };
  w.stop = async () => {
    if (w.context) await w.context.close().catch(() => {});
    if (w.proc) { w.proc.kill('SIGTERM'); await new Promise((r) => { w.proc.on('exit', r); setTimeout(r, 10000); }); } // timing-ok: shutdown deadline
    rmSync(tmp, { recursive: true, force: true });
  };
  return w;
}

// Every route the app uses must be in the server's OpenAPI document.
export async function checkRoutes(w) {
  const openapi = (await (await fetch(`${w.base}/openapi.json`)).json()).paths || {};
  const has = (m, p) => Object.keys(openapi).some((k) => k.replace(/\{[^}]*\}/g, '{}') === p && openapi[k][m]);
  const used = [['post', '/v1/drivers/{}/enrolments'], ['get', '/v1/drivers/{}/enrolments'], ['delete', '/v1/drivers/{}/enrolments/{}'],
    ['post', '/v1/driver/enrol'], ['get', '/v1/driver/route'], ['post', '/v1/driver/route/start'], ['post', '/v1/driver/positions'],
    ['post', '/v1/driver/stops/{}/arrived'], ['post', '/v1/driver/stops/{}/delivered'], ['post', '/v1/driver/stops/{}/failed'],
    ['post', '/v1/driver/exceptions'], ['get', '/v1/driver/events'], ['post', '/v1/replans'], ['post', '/v1/replans/{}/apply']];
  const missing = used.filter(([m, p]) => !has(m, p)).map(([m, p]) => `${m.toUpperCase()} ${p}`);
  assert(!missing.length, `routes missing from openapi.json: ${missing.join(', ')}`);
}

const CUSTOMERS = [
  { name: 'Alice Martin', phone: '+33 6 11 22 33 44', address: '12 rue de la République, Lyon', d: [0.010, 0.006], notes: 'Digicode 4521, 3rd floor' },
  { name: 'Bruno Petit', phone: '+33 6 22 33 44 55', address: '8 quai Saint-Vincent, Lyon', d: [0.018, 0.012], notes: 'Leave with the concierge' },
  { name: 'Chloé Cash', phone: '+33 6 33 44 55 66', address: '40 cours Vitton, Lyon', d: [0.026, 0.004], notes: '', cod: true },
  { name: 'David Roux', phone: '+33 6 44 55 66 77', address: '3 place Bellecour, Lyon', d: [0.006, 0.020], notes: '' },
];

// The day: depot, product with a price, stock, one van with a break, its driver, four ready
// orders, a committed plan. opts.beforePlan(w) runs just before planning (more work to plan).
export async function setupDay(w, opts = {}) {
  const { day } = w;
  await w.ok('POST', '/v1/depots', { id: 'DEP', name: 'Depot Gerland', location: DEPOT, opening_hours: { open: '00:00', close: '23:59' } });
  await w.ok('POST', '/v1/products', { sku: 'TEA-1', name: 'Green tea 1 kg', weight_g: 1000, volume_cm3: 2000, active: true });
  await w.ok('PUT', '/v1/stock/DEP/TEA-1', { on_hand: 100, reorder_point: 0 });
  await w.ok('PUT', '/v1/prices/TEA-1/EUR', { unit_price: 1225, tax_rate_bp: 0 });
  await w.ok('POST', '/v1/vehicles', { id: 'van-1', name: 'Van 1', start_depot: 'DEP', capacity_parcels: 20,
    breaks: [{ time_windows: [[43200, 50400]], service: 1800 }] });
  await w.ok('POST', '/v1/drivers', { id: w.driver, name: 'Ana Driver', phone: '+33 6 00 00 00 01', vehicle_id: 'van-1' });
  for (const [i, c] of CUSTOMERS.entries()) {
    const body = {
      external_ref: `DAY-${i}`, channel: 'web', notes: c.notes || undefined,
      customer: { name: c.name, phone: c.phone, address: c.address, location: [DEPOT[0] + c.d[0], DEPOT[1] + c.d[1]] },
      lines: [{ sku: 'TEA-1', qty: c.cod ? 2 : 1 }], time_windows: [[day, day + 86399]],
    };
    if (c.cod) Object.assign(body, { currency: 'EUR', payment: { method: 'cod' } });
    const o = await w.ok('POST', '/v1/orders', body);
    w.orders[c.name] = o.id;
    await w.ok('POST', `/v1/orders/${o.id}/picking`);
    await w.ok('POST', `/v1/orders/${o.id}/ready`, { weight_g: 1000, volume_cm3: 2000, parcels: 1 });
  }
  if (opts.beforePlan) await opts.beforePlan(w, day);
  const plan = await w.ok('POST', '/v1/plans', { depot: 'DEP', time_limit_ms: 1000 });
  const id = plan.plan_id || plan.id;
  await until('the plan to be proposed', async () => (await w.api('GET', `/v1/plans/${id}`)).data.status === 'proposed', 60000);
  await w.ok('POST', `/v1/plans/${id}/commit`);
  const rt = await driverRoute(w, await driverKey(w));
  assert(rt.stops.filter((s) => s.kind === 'delivery' && !s.return_id).length === CUSTOMERS.length, `route: ${JSON.stringify(rt)}`);
  return rt;
}

// A plain driver key (for the test's own look at the route; the app gets its own by enrolment).
export async function driverKey(w) {
  if (!w.driverKey) w.driverKey = (await w.ok('POST', '/v1/keys', { role: 'driver', driver_id: w.driver })).key;
  return w.driverKey;
}
export async function driverRoute(w, key) {
  const r = await w.api('GET', '/v1/driver/route', null, key);
  assert(r.status === 200, `route: ${r.status} ${JSON.stringify(r.data)}`);
  return r.data;
}
export async function events(w, type) {
  const all = [];
  for (let after = 0, i = 0; i < 1000; i++) {
    const r = await w.ok('GET', `/v1/events?after=${after}&limit=1000`);
    all.push(...r.events);
    if (r.events.length < 1000) break;
    after = r.next_after;
  }
  return type ? all.filter((e) => e.type === type) : all;
}

// A phone: 360 x 740, touch, geolocation at the depot, the given language.
export async function phone(w, { locale = 'en-GB', geo = { latitude: DEPOT[1], longitude: DEPOT[0], accuracy: 10 } } = {}) {
  const browser = await chromium.launch({ executablePath: browserPath, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    env: { ...process.env, TZ: w.tz } });
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
    locale, geolocation: geo, permissions: ['geolocation'], serviceWorkers: 'allow' });
  w.context = context;
  w.browser = browser;
  const page = await context.newPage();
  w.pageErrors = [];
  page.on('pageerror', (e) => w.pageErrors.push(String(e)));
  // the app must reach nothing but its own server
  w.foreign = [];
  page.on('request', (r) => { const u = r.url(); if (!u.startsWith(w.base) && !u.startsWith('data:') && !u.startsWith('blob:')) w.foreign.push(u); });
  const stop = w.stop;
  w.stop = async () => { await browser.close().catch(() => {}); await stop(); };
  return page;
}

// Signs the phone in by a fresh enrolment link, as a driver scanning the QR code would.
export async function signIn(w, page) {
  const e = await w.ok('POST', `/v1/drivers/${w.driver}/enrolments`, {}, 201);
  await page.goto(w.base + e.link);
  await page.waitForSelector('#app:not([hidden])', { timeout: 20000 });
  await page.waitForSelector('#current-stop', { timeout: 20000 });
  return e;
}

// The stored state of the driver's stops, by customer name: {status, reason}.
export async function stopsByName(w) {
  const rt = await driverRoute(w, await driverKey(w));
  const by = {};
  for (const s of rt.stops) by[s.customer_name] = s;
  return by;
}

// A tiny valid JPEG made by the browser itself, written to a file for the camera input.
export async function photoFile(page, file) {
  const b64 = await page.evaluate(() => {
    const c = document.createElement('canvas');
    c.width = 64; c.height = 48;
    const g = c.getContext('2d');
    g.fillStyle = '#c33'; g.fillRect(0, 0, 64, 48); g.fillStyle = '#fff'; g.fillRect(10, 10, 20, 20);
    return c.toDataURL('image/jpeg', 0.9).split(',')[1];
  });
  const { writeFileSync } = await import('node:fs');
  writeFileSync(file, Buffer.from(b64, 'base64'));
  return file;
}

// Draws a signature stroke on the canvas with touch-like pointer moves.
export async function sign(page) {
  const box = await page.locator('#signature').boundingBox();
  await page.mouse.move(box.x + 20, box.y + box.height * 0.7);
  await page.mouse.down();
  for (let i = 1; i <= 12; i++) await page.mouse.move(box.x + 20 + i * (box.width - 40) / 12, box.y + box.height * (0.7 - 0.4 * Math.sin(i / 2)));
  await page.mouse.up();
}
