// tests/web/settings.spec.mjs: the dashboard's settings page (web/settings.js) in headless
// chromium against the real server (`lastmile serve --demo`, a temporary database, a free
// 127.0.0.1 port): a refused value shows the server's message and marks its field and saves
// nothing; accepted ones make a new version seen through the API; one depot's override; a
// vehicle's capacity and skills and a driver's skills saved under their versions. Part of
// `make test` (ctest test_web_settings); a route missing from openapi.json fails the test.
//
//   LASTMILE_BIN=build/debug/cli/lastmile node tests/web/settings.spec.mjs
// Writes tests/web/out/settings.png.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { api as apiAt, assert, browser, demoServer, missingRoutes, repo, steps } from './harness.mjs';

const outDir = path.join(repo, 'tests/web/out'); // settings.png, to look at
mkdirSync(outDir, { recursive: true });

const T = steps(9);
let server = null, context = null;
try {
  server = await demoServer();
  const { base, key } = server;
  const api = (method, p, body, extra) => apiAt(base, method, p, body, key, extra);

  await T.step('every route the page uses is in openapi.json', async () => {
    const missing = await missingRoutes(base, [['get', '/v1/settings'], ['put', '/v1/settings'],
      ['get', '/v1/settings/history'], ['get', '/v1/settings/depots/{}'], ['put', '/v1/settings/depots/{}'],
      ['get', '/v1/depots'], ['get', '/v1/vehicles'], ['get', '/v1/vehicles/{}'], ['put', '/v1/vehicles/{}'],
      ['get', '/v1/drivers'], ['get', '/v1/drivers/{}'], ['put', '/v1/drivers/{}'],
      ['get', '/v1/drivers/{}/skills'], ['put', '/v1/drivers/{}/skills']]);
    assert(!missing.length, `routes missing from openapi.json: ${missing.join(', ')}`);
  });

  context = await browser(server.tmp);
  const page = context.pages()[0] || await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  // a refused PUT is logged by chromium as a failed resource: expected here
  page.on('console', (m) => { if (m.type() === 'error' && !/status of (400|404|409|412)/.test(m.text())) pageErrors.push(m.text()); });
  await page.goto(`${base}/`);
  await page.fill('#login-key', key);
  await page.click('#login-submit');
  await page.waitForSelector('#app:not([hidden])', { timeout: 10000 });

  await T.step('the settings page opens with the values in effect', async () => {
    await page.click('#settings-btn');
    await page.waitForSelector('#settings-page:not([hidden])', { timeout: 5000 });
    await page.waitForFunction(() => document.getElementById('settings-geofence_radius_m').value === '60', null, { timeout: 10000 });
    assert(/version 0/.test(await page.textContent('#settings-version')), 'version 0 before any change');
    assert(await page.inputValue('#settings-replan-auto_apply') === 'never', 'auto-apply never by default');
    await page.waitForFunction(() => document.querySelectorAll('#settings-vehicles tr').length > 0, null, { timeout: 10000 });
    await page.screenshot({ path: path.join(outDir, 'settings.png') });
  });

  await T.step('a value out of range is refused: message shown, field marked, nothing saved', async () => {
    await page.fill('#settings-geofence_radius_m', '1');
    await page.click('#settings-save');
    await page.waitForFunction(() => /geofence_radius_m/.test(document.getElementById('settings-error').textContent), null, { timeout: 5000 });
    assert(await page.getAttribute('#settings-geofence_radius_m', 'aria-invalid') === 'true', 'the field is marked');
    const s = await api('GET', '/v1/settings');
    assert(s.data.version === 0 && s.data.settings.geofence_radius_m === 60, `unchanged: ${JSON.stringify(s.data.settings)}`);
  });

  await T.step('accepted values make version 1, seen through the API and in the history', async () => {
    await page.fill('#settings-geofence_radius_m', '80');
    await page.selectOption('#settings-replan-auto_apply', 'eta_within');
    await page.fill('#settings-replan-max_eta_shift_min', '15');
    await page.fill('#settings-working_hours-start', '07:00');
    await page.click('#settings-save');
    await page.waitForFunction(() => /version 1/.test(document.getElementById('settings-version').textContent), null, { timeout: 5000 });
    const s = (await api('GET', '/v1/settings')).data;
    assert(s.settings.geofence_radius_m === 80 && s.settings.replan.auto_apply === 'eta_within' &&
      s.settings.replan.max_eta_shift_min === 15 && s.settings.working_hours.start === '07:00', JSON.stringify(s.settings));
    // the history list is filled after the version line: wait for it, do not race it
    await page.waitForFunction(() => /arrival_radius_m: — → 80/.test(document.getElementById('settings-history').textContent), null, { timeout: 5000 });
    assert(await page.getAttribute('#settings-geofence_radius_m', 'aria-invalid') === null, 'no field marked');
  });

  await T.step("one depot's override is saved under the settings version", async () => {
    const depot = await page.inputValue('#settings-depot');
    assert(depot, 'a depot is selected');
    await page.selectOption('#settings-depot-replan-auto_apply', 'always');
    await page.fill('#settings-depot-late_threshold_s', '99999');
    await page.click('#settings-depot-save');
    await page.waitForFunction(() => /late_threshold_s/.test(document.getElementById('settings-depot-error').textContent), null, { timeout: 5000 });
    await page.fill('#settings-depot-late_threshold_s', '600');
    await page.click('#settings-depot-save');
    await page.waitForFunction(() => /Saved/.test(document.getElementById('settings-depot-saved').textContent), null, { timeout: 5000 });
    const d = (await api('GET', `/v1/settings/depots/${depot}`)).data;
    assert(d.overrides.late_threshold_s === 600 && d.overrides.replan.auto_apply === 'always' && d.version === 2, JSON.stringify(d));
  });

  await T.step("a vehicle's bad capacity is refused and marked; capacity and skills then saved", async () => {
    const row = page.locator('#settings-vehicles tr').first();
    const id = await row.getAttribute('data-vehicle');
    const before = (await api('GET', `/v1/vehicles/${id}`)).data;
    await row.locator('[data-path="capacity_kg"]').fill('-5');
    await row.locator('button').click();
    await page.waitForFunction((v) => /capacity_kg/.test(document.querySelector(`tr[data-vehicle="${v}"] .row-error`).textContent), id, { timeout: 5000 });
    assert(await row.locator('[data-path="capacity_kg"]').getAttribute('aria-invalid') === 'true', 'capacity marked');
    await row.locator('[data-path="capacity_kg"]').fill('900');
    await row.locator('[data-path="skills"]').fill('refrigerated, tail_lift');
    await row.locator('button').click();
    await page.waitForFunction((v) => /Saved/.test(document.querySelector(`tr[data-vehicle="${v}"] .row-error`).textContent), id, { timeout: 5000 });
    const after = (await api('GET', `/v1/vehicles/${id}`)).data;
    assert(after.capacity_kg === 900 && after.skills.join() === 'refrigerated,tail_lift', JSON.stringify(after));
    assert(after.version === before.version + 1, `version ${before.version} -> ${after.version}`);
    const h = (await api('GET', `/v1/vehicles/${id}/history`)).data;
    assert(h.versions[0].actor.startsWith('key:'), JSON.stringify(h.versions[0]));
  });

  await T.step("a driver's skills are saved", async () => {
    const row = page.locator('#settings-drivers tr').first();
    const id = await row.getAttribute('data-driver');
    await row.locator('[data-path="skills"]').fill('id_check');
    await row.locator('button').click();
    await page.waitForFunction((v) => /Saved/.test(document.querySelector(`tr[data-driver="${v}"] .row-error`).textContent), id, { timeout: 5000 });
    const s = (await api('GET', `/v1/drivers/${id}/skills`)).data;
    assert(s.skills.join() === 'id_check', JSON.stringify(s));
  });

  await T.step('a change made elsewhere meanwhile is not overwritten (412 shown)', async () => {
    const cur = (await api('GET', '/v1/settings')).data;
    const r = await api('PUT', '/v1/settings', { settings: { eta_change_s: 90 } }, { 'If-Match': `"${cur.version}"` });
    assert(r.status === 200, `elsewhere: ${r.status}`);
    await page.fill('#settings-arrival_dwell_s', '20');
    await page.click('#settings-save');
    await page.waitForFunction(() => /version/.test(document.getElementById('settings-error').textContent), null, { timeout: 5000 });
    const after = (await api('GET', '/v1/settings')).data;
    assert(after.settings.arrival_dwell_s === 15 && after.settings.eta_change_s === 90, JSON.stringify(after.settings));
  });

  await T.step('the page closes; no page errors', async () => {
    await page.click('#settings-close');
    assert(await page.isHidden('#settings-page'), 'closed');
    assert(!pageErrors.length, `page errors: ${pageErrors.join('; ')}`);
  });
} catch (e) {
  T.fail('setup', e);
} finally {
  if (context) await context.close().catch(() => {});
  if (server) await server.stop();
}
process.exit(T.finish());
