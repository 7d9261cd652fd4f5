// tests/web/harness.mjs: what a browser spec needs around the page: numbered steps that report
// TAP-style lines, a free loopback port, `lastmile serve --demo` on a temporary database (the
// admin key it prints), headless Debian chromium through playwright-core, and a JSON API client.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repo = path.resolve(here, '../..');

// Steps: each runs once; the summary fails when one failed or when fewer than `expected` ran.
export function steps(expected) {
  let passed = 0, failed = 0;
  return {
    async step(name, fn) {
      try {
        await fn();
        passed++;
        console.log(`ok ${passed + failed} - ${name}`);
      } catch (e) {
        failed++;
        console.log(`not ok ${passed + failed} - ${name}\n  ${String(e && e.stack ? e.stack : e).split('\n').join('\n  ')}`);
      }
    },
    fail(what, e) { failed++; console.log(`not ok - ${what}: ${e && e.stack ? e.stack : e}`); },
    finish() {
      if (passed + failed !== expected) {
        failed++;
        console.log(`not ok - ${passed + failed - 1} of ${expected} steps ran`);
      }
      console.log(`${passed} passed, ${failed} failed`);
      return failed ? 1 : 0;
    },
  };
}

export function assert(cond, msg) { if (!cond) throw new Error(msg); }

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

// The demo server on a free port with a fresh database: {base, key, stop()}.
export async function demoServer() {
  const bin = path.resolve(repo, process.env.LASTMILE_BIN || 'build/release/cli/lastmile');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'lastmile-web-'));
  const port = await freePort();
  const args = ['serve', '--port', String(port), '--bind', '127.0.0.1', '--db', path.join(tmp, 'demo.db'),
    '--demo', '--threads', '2', '--web-root', path.join(repo, 'web'), '--osmand-port', '0',
    '--tiles', 'none']; // the pages reach only their server (street tiles: map.spec.mjs)
  const proc = spawn(bin, args, { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  const key = await new Promise((resolve, reject) => {
    let out = '', k = null, done = false;
    const timer = setTimeout(() => { if (!done) { done = true; proc.kill('SIGKILL'); reject(new Error(`server did not start:\n${out}`)); } }, 60000); // timing-ok: start deadline
    const onData = (b) => {
      out += b.toString();
      const m = out.match(/^(lm_[0-9a-f_]+)\s*$/m);
      if (m) k = m[1];
      if (!done && k && /listening on/.test(out)) { done = true; clearTimeout(timer); resolve(k); }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', (b) => { if (!/"method"/.test(b.toString())) onData(b); });
    proc.on('exit', (code) => { if (!done) { done = true; clearTimeout(timer); reject(new Error(`server exited ${code}:\n${out}`)); } });
  });
  return {
    base: `http://127.0.0.1:${port}`,
    key,
    tmp,
    async stop() {
      proc.kill('SIGTERM');
      await new Promise((r) => { const t = setTimeout(() => { proc.kill('SIGKILL'); r(); }, 12000); proc.on('exit', () => { clearTimeout(t); r(); }); }); // timing-ok: exit deadline
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

// A JSON request: {status, data, headers}.
export async function api(base, method, p, body, key, extraHeaders = {}) {
  const res = await fetch(base + p, {
    method,
    headers: { Authorization: `Bearer ${key}`, ...(body ? { 'Content-Type': 'application/json' } : {}), ...extraHeaders },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = text; }
  return { status: res.status, data, headers: res.headers };
}

// Headless chromium (no sandbox: CI runs as root) with a profile under dir.
export function browser(dir) {
  return chromium.launchPersistentContext(path.join(dir, 'profile'), {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 1440, height: 900 },
  });
}

// The routes [method, path with {} for parameters] missing from the server's openapi.json.
export async function missingRoutes(base, used) {
  const openapi = (await (await fetch(`${base}/openapi.json`)).json()).paths || {};
  const has = (method, p) => Object.keys(openapi).some((k) => k.replace(/\{[^}]*\}/g, '{}') === p && openapi[k][method]);
  return used.filter(([m, p]) => !has(m, p)).map(([m, p]) => `${m.toUpperCase()} ${p}`);
}
