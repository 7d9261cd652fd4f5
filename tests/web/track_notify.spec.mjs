// tests/web/track_notify.spec.mjs: browser test of the tracking page's notification switches
// (web/track_notify.js) against the real server: `lastmile serve --demo` on a free 127.0.0.1
// port, Debian's chromium through playwright-core, headless. The customer of a demo order opens
// their tracking link, sees one switch per channel their order has an address for, turns e-mail
// off and back on; the server's answer (GET /v1/track/{token}/notifications) must follow. A
// missing route or element fails the test; nothing is skipped.
//
//   LASTMILE_BIN=build/debug/cli/lastmile node tests/web/track_notify.spec.mjs
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const bin = path.resolve(repo, process.env.LASTMILE_BIN || 'build/release/cli/lastmile');
const browserPath = process.env.CHROMIUM || '/usr/bin/chromium';

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

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

function startServer(port, db) {
  return new Promise((resolve, reject) => {
    const args = ['serve', '--port', String(port), '--bind', '127.0.0.1', '--db', db, '--demo',
      '--threads', '2', '--web-root', path.join(repo, 'web'), '--osmand-port', '0',
    '--tiles', 'none']; // the pages reach only their server (street tiles: map.spec.mjs)
    const proc = spawn(bin, args, { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', key = null, done = false;
    const timer = setTimeout(() => { if (!done) { done = true; proc.kill('SIGKILL'); reject(new Error(`server did not start:\n${out}`)); } }, 60000); // timing-ok: start deadline
    const onData = (b) => {
      out += b.toString();
      const m = out.match(/^(lm_[0-9a-f_]+)\s*$/m);
      if (m) key = m[1];
      if (!done && key && /listening on/.test(out)) { done = true; clearTimeout(timer); resolve({ proc, key }); }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', (b) => { if (!/"method"/.test(b.toString())) onData(b); });
    proc.on('exit', (code) => { if (!done) { done = true; clearTimeout(timer); reject(new Error(`server exited ${code}:\n${out}`)); } });
  });
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'lastmile-track-notify-'));
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
let server = null, context = null;

async function api(method, p, key) {
  const res = await fetch(base + p, { method, headers: key ? { Authorization: `Bearer ${key}` } : {} });
  return { status: res.status, data: await res.json().catch(() => null) };
}

try {
  server = await startServer(port, path.join(tmp, 'demo.db'));
  const openapi = (await (await fetch(`${base}/openapi.json`)).json()).paths || {};
  for (const m of ['get', 'put'])
    assert(openapi['/v1/track/{token}/notifications'] && openapi['/v1/track/{token}/notifications'][m],
      `${m.toUpperCase()} /v1/track/{token}/notifications missing from openapi.json`);
  const orders = (await api('GET', '/v1/orders?status=allocated&limit=50', server.key)).data.orders;
  const order = orders.find((o) => o.customer && o.customer.email && o.customer.phone);
  assert(order, 'the demo day has an allocated order with an e-mail and a phone');
  const token = order.tracking_token;

  context = await chromium.launchPersistentContext(path.join(tmp, 'profile'), {
    executablePath: browserPath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
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
    const r = await api('GET', `/v1/track/${token}/notifications`);
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
    const r = await api('GET', `/v1/track/${token}/notifications`);
    assert(r.data.email === true, `server says ${JSON.stringify(r.data)}`);
  });

  await step('no page errors', async () => {
    assert(!pageErrors.length, `page errors: ${pageErrors.join('; ')}`);
  });
} catch (e) {
  failed++;
  console.log(`not ok - setup: ${e && e.stack ? e.stack : e}`);
} finally {
  if (context) await context.close().catch(() => {});
  if (server) {
    server.proc.kill('SIGTERM');
    await new Promise((r) => { const t = setTimeout(() => { server.proc.kill('SIGKILL'); r(); }, 12000); server.proc.on('exit', () => { clearTimeout(t); r(); }); }); // timing-ok: exit deadline
  }
  rmSync(tmp, { recursive: true, force: true });
}
const EXPECTED_STEPS = 4;
if (passed + failed !== EXPECTED_STEPS) {
  failed++;
  console.log(`not ok - ${passed + failed - 1} of ${EXPECTED_STEPS} steps ran`);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
