// tests/web/support.mjs: what the browser specs share: a free loopback port and the real server
// (`lastmile serve --demo` with a temporary database), started and awaited until it listens.
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

// Starts bin serve --demo on port with database db and the pages of repo/web (extra: more
// arguments); resolves with {proc, key} (the admin key it prints) once it listens.
export function startServer(bin, repo, port, db, extra = []) {
  return new Promise((resolve, reject) => {
    const args = ['serve', '--port', String(port), '--bind', '127.0.0.1', '--db', db,
      '--demo', '--threads', '2', '--web-root', path.join(repo, 'web')];
    args.push('--osmand-port', '0'); // no second listener on the fixed OsmAnd port
    args.push('--tiles', 'none'); // the pages reach only their server (street tiles: map.spec.mjs)
    args.push(...extra);
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

// Stops a server from startServer: SIGTERM, then SIGKILL after 12 s.
export async function stopServer(server) {
  server.proc.kill('SIGTERM');
  await new Promise((r) => { const t = setTimeout(() => { server.proc.kill('SIGKILL'); r(); }, 12000); server.proc.on('exit', () => { clearTimeout(t); r(); }); }); // timing-ok: exit deadline
}
