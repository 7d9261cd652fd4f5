// tests/web/harness.mjs: what a browser spec needs around the page: numbered steps that report
// TAP-style lines, a free loopback port, `lastmile serve --demo` on a temporary database (the
// admin key it prints), headless Debian chromium through playwright-core, and a JSON API client.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { freePort, startServer, stopServer } from './support.mjs';

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

// The demo server on a free port with a fresh database (extra: more `serve` arguments):
// {base, key, tmp, stop()}.
export async function demoServer(extra = []) {
  const bin = path.resolve(repo, process.env.LASTMILE_BIN || 'build/release/cli/lastmile');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'lastmile-web-'));
  const port = await freePort();
  let server;
  try {
    server = await startServer(bin, repo, port, path.join(tmp, 'demo.db'), extra);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return {
    base: `http://127.0.0.1:${port}`,
    key: server.key,
    tmp,
    async stop() {
      await stopServer(server);
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

// A JSON request, as key's holder (none: no Authorization header): {status, data, headers}.
export async function api(base, method, p, body, key, extraHeaders = {}) {
  const res = await fetch(base + p, {
    method,
    headers: { ...(key ? { Authorization: `Bearer ${key}` } : {}), ...(body ? { 'Content-Type': 'application/json' } : {}), ...extraHeaders },
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
