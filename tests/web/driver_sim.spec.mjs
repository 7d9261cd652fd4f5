// tests/web/driver_sim.spec.mjs: `lastmile simulate --web-driver ID` drives that driver through
// the driver app in headless Chromium (scripts/driver-web-sim.mjs) instead of the raw API: on the
// small day of tests/web/driver_world.mjs every stop ends delivered with the name the script
// typed in the app, and the phone's emulated positions reached the server.
//
//   LASTMILE_BIN=build/debug/cli/lastmile node tests/web/driver_sim.spec.mjs
import { spawn } from 'node:child_process';
import path from 'node:path';
import { step, assert, finish, startWorld, checkRoutes, setupDay, stopsByName, events, repo } from './driver_world.mjs';

const bin = path.resolve(repo, process.env.LASTMILE_BIN || 'build/debug/cli/lastmile');
const w = await startWorld('driver-sim');
let code = 1;
try {
  await checkRoutes(w);
  await setupDay(w);
  await step('lastmile simulate --web-driver drives the day through the app', async () => {
    const out = await new Promise((resolve, reject) => {
      const p = spawn(bin, ['simulate', '--server', w.base, '--web-driver', w.driver, '--speed-up', '200', '--duration', '150'],
        { cwd: repo, env: { ...process.env, LASTMILE_KEY: w.admin }, stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      p.stdout.on('data', (b) => { text += b; });
      p.stderr.on('data', (b) => { text += b; });
      const timer = setTimeout(() => p.kill('SIGKILL'), 200000); // timing-ok: bound of the run
      p.on('exit', (c) => { clearTimeout(timer); resolve({ c, text }); });
      p.on('error', reject);
    });
    assert(out.c === 0, `simulate exited ${out.c}:\n${out.text}`);
    assert(/driven through the driver app/.test(out.text) && /day done/.test(out.text), out.text);
    const by = await stopsByName(w);
    const deliveries = Object.values(by).filter((s) => s.kind === 'delivery');
    assert(deliveries.length === 4 && deliveries.every((s) => s.status === 'done'), `stops: ${JSON.stringify(deliveries.map((s) => [s.customer_name, s.status]))}`);
    const delivered = await events(w, 'stop.delivered');
    assert(delivered.length === 4 && delivered.every((e) => JSON.stringify(e.payload).includes('Simulated recipient')), 'proofs typed in the app');
    const st = (await w.ok('GET', '/v1/fleet/state')).vehicles[0];
    assert(st.location && Math.abs(st.location[1] - 45.75) > 0.001, `positions from the app moved the van: ${JSON.stringify(st)}`);
  });
  code = finish();
} finally {
  await w.stop();
}
process.exit(code);
