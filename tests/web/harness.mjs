// tests/web/harness.mjs: what the browser specs share: TAP-like steps that count, a free
// 127.0.0.1 port, `lastmile serve --demo` on a temporary database (resolves with the admin key it
// prints), a JSON API client, and headless Debian chromium through playwright-core.
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repo = path.resolve(here, '../..');
export const bin = path.resolve(repo, process.env.LASTMILE_BIN || 'build/release/cli/lastmile');
export const browserPath = process.env.CHROMIUM || '/usr/bin/chromium';

export const tally = { passed: 0, failed: 0, failures: [] };
export async function step(name, fn) {
  try {
    await fn();
    tally.passed++;
    console.log(`ok ${tally.passed + tally.failed} - ${name}`);
  } catch (e) {
    tally.failed++;
    tally.failures.push(name);
    console.log(`not ok ${tally.passed + tally.failed} - ${name}\n  ${String(e && e.stack ? e.stack : e).split('\n').join('\n  ')}`);
  }
}
export function assert(cond, msg) { if (!cond) throw new Error(msg); }

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

// Starts the server with the demo day; resolves with {proc, key} once it listens.
export function startServer(port, db, extra = []) {
  return new Promise((resolve, reject) => {
    const args = ['serve', '--port', String(port), '--bind', '127.0.0.1', '--db', db,
      '--demo', '--threads', '2', '--web-root', path.join(repo, 'web'), '--osmand-port', '0', ...extra];
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

// Stops a server started above (SIGTERM, SIGKILL after 12 s).
export async function stopServer(server) {
  if (!server) return;
  server.proc.kill('SIGTERM');
  await new Promise((r) => { const t = setTimeout(() => { server.proc.kill('SIGKILL'); r(); }, 12000); server.proc.on('exit', () => { clearTimeout(t); r(); }); }); // timing-ok: exit deadline
}

// A JSON client of base: api(method, path, body, key) -> {status, data}.
export function apiClient(base) {
  return async (method, p, body, key) => {
    const res = await fetch(base + p, {
      method,
      headers: { Authorization: `Bearer ${key}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = text; }
    return { status: res.status, data };
  };
}

// Headless chromium with a profile under dir.
export function launch(dir) {
  return chromium.launchPersistentContext(path.join(dir, 'profile'), {
    executablePath: browserPath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 1440, height: 900 },
  });
}
