// tests/web/driver_signin.spec.mjs: signing a phone in and out of the driver app from the
// dispatcher's dashboard, in headless Chromium against the real server (driver_world.mjs): the
// "Driver phones" panel makes a sign-in link shown as a QR code and as text; the phone opens the
// link and is in; the dashboard lists the enrolment as active; one click on Revoke and the
// phone's key is refused at once (the app goes back to its sign-in screen); the used link does
// not sign in again.
//
//   LASTMILE_BIN=build/debug/cli/lastmile node tests/web/driver_signin.spec.mjs
import path from 'node:path';
import { step, assert, finish, until, startWorld, checkRoutes, setupDay, phone, outDir } from './driver_world.mjs';

const w = await startWorld('driver-signin');
let code = 1;
try {
  await checkRoutes(w);
  await setupDay(w);
  const mobile = await phone(w);
  const desk = await w.browser.newContext({ viewport: { width: 1440, height: 900 } });
  const dash = await desk.newPage();
  const errors = [];
  dash.on('pageerror', (e) => errors.push(String(e)));
  let url = '';

  await step('the dashboard makes a sign-in link with its QR code for the driver', async () => {
    await dash.goto(`${w.base}/`);
    await dash.fill('#login-key', w.admin);
    await dash.click('#login-submit');
    await dash.waitForSelector('#panel-phones', { timeout: 20000 });
    await until('the driver listed', () => dash.evaluate(() => [...document.querySelectorAll('#enrol-driver option')].some((o) => o.value === 'drv-1')));
    await dash.selectOption('#enrol-driver', 'drv-1');
    await dash.click('#enrol-create');
    await dash.waitForSelector('#enrol-qr svg', { timeout: 10000 });
    url = await dash.locator('#enrol-link').innerText();
    assert(url.startsWith(`${w.base}/driver/#enrol=`) && /#enrol=[0-9a-f]{32}$/.test(url), `link: ${url}`);
    const cells = await dash.locator('#enrol-qr svg path, #enrol-qr svg rect').count();
    assert(cells >= 1, 'a QR code is drawn');
    await dash.locator('#panel-phones').screenshot({ path: path.join(process.env.DRIVER_SHOTS_DIR || outDir, 'dashboard-phones.png') });
    await until('listed as pending', () => dash.locator('#enrol-list li.enrol-pending').count());
  });

  await step('the phone opens the link and is signed in; the dashboard shows it active', async () => {
    await mobile.goto(url);
    await mobile.waitForSelector('#current-stop', { timeout: 20000 });
    await dash.selectOption('#enrol-driver', 'drv-1');
    await until('listed as active', async () => {
      await dash.dispatchEvent('#enrol-driver', 'change');
      return dash.locator('#enrol-list li.enrol-active').count();
    });
  });

  await step('one click on Revoke: the phone is refused at once and back at its sign-in screen', async () => {
    const key = await mobile.evaluate(() => localStorage.getItem('lastmile.driver.key'));
    await dash.click('#enrol-list li.enrol-active .enrol-revoke');
    await until('listed as revoked', () => dash.locator('#enrol-list li.enrol-revoked').count());
    const r = await w.api('GET', '/v1/driver/route', null, key);
    assert(r.status === 401, `the phone's key after revocation: ${r.status}`);
    await mobile.evaluate(() => DA.refreshRoute());
    await mobile.waitForSelector('#signin:not([hidden])', { timeout: 10000 });
    assert(!(await mobile.evaluate(() => localStorage.getItem('lastmile.driver.key'))), 'the key is forgotten on the phone');
    await until('the day is wiped from the phone', () => mobile.evaluate(async () => !localStorage.getItem('lastmile.driver.route') &&
      (await DA.outbox.all()).length === 0 && !(await caches.match('/v1/driver/route'))));
  });

  await step('the used link does not sign in again, and says why', async () => {
    await mobile.goto(url);
    await mobile.waitForFunction(() => /already used|revoked/.test(document.getElementById('signin-error').textContent), null, { timeout: 10000 });
    assert(await mobile.isHidden('#app'), 'still signed out');
  });

  await step('no page errors', async () => {
    assert(!errors.length && !w.pageErrors.length, `page errors: ${errors.concat(w.pageErrors).join('\n')}`);
  });
  await desk.close();
  code = finish();
} finally {
  await w.stop();
}
process.exit(code);
