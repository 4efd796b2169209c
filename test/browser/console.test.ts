import type { BrowserContextOptions } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestHub } from '../support/hub.js';
import { desktop, overflowsSideways, phone, shoot, zoomed200 } from './support/browser.js';
import { home } from './support/district.js';
import { type BrowserSession, startBrowserSession } from './support/session.js';
import { signIn } from './support/sign-in.js';

async function pressSos(hub: TestHub, eventId: string) {
  const client = await hub.connectDevice('w-0001', 'watch-secret-0001');
  const sentAt = Date.now();
  await client.publishAsync(
    'care/w-0001/event',
    JSON.stringify({ ts: sentAt, event_id: eventId, type: 'sos' }),
    { qos: 1 },
  );
  return { client, sentAt };
}

/** Six hours of minute rollups for 王秀英's watch, so the alert's evidence chart has a series to draw. */
async function seedVitals(hub: TestHub) {
  const end = Math.floor(Date.now() / 60_000) * 60_000 - 120_000;
  const rows = Array.from({ length: 360 }, (_, i) => {
    const minute = end - (359 - i) * 60_000;
    const hr = 72 + Math.round(6 * Math.sin(i / 20)) + (i > 340 ? 40 : 0);
    return {
      device_id: 'w-0001',
      minute,
      elder_id: 'e-0001',
      hr_min: hr - 3,
      hr_max: hr + 3,
      hr_sum: hr * 4,
      hr_count: 4,
      spo2_min: 95,
      spo2_max: 98,
      spo2_sum: 97 * 4,
      spo2_count: 4,
      br_min: null,
      br_max: null,
      br_sum: 0,
      br_count: 0,
      steps: i % 30 === 0 ? 120 : 0,
      presence_ms: 0,
      standing_ms: 0,
      sitting_ms: 0,
      lying_ms: 0,
      door_openings: 0,
    };
  });
  await hub.store.db.insertInto('rollups_1m').values(rows).execute();
}

describe('console and responder app in Chromium', () => {
  let session: BrowserSession;
  let hub: TestHub;
  let site: { url: string };
  const open = (options: BrowserContextOptions) => session.open(options);

  beforeAll(async () => {
    session = await startBrowserSession();
    hub = session.hub;
    site = session;
    await seedVitals(hub);
  }, 120_000);
  afterAll(async () => {
    await session?.close();
  }, 60_000);

  it('[CONSOLE-FLOW] an SOS appears within 2 s, is acknowledged, a volunteer accepts on the phone, the console shows who is coming', async () => {
    // The volunteer's phone: signed in, on duty, sharing a location 80 m from the home.
    const volunteer = await open({
      ...phone,
      geolocation: { latitude: home.lat + 80 / 111_195, longitude: home.lon },
      permissions: ['geolocation'],
    });
    await signIn(volunteer, site.url, 'v-0001', 'volunteer-password');
    await volunteer.click('#duty');
    await volunteer.waitForSelector('.duty.on');
    await volunteer.waitForSelector('text=正在共享位置');
    await shoot(volunteer, '10-responder-on-duty');

    // The specialist's console.
    const console = await open(desktop);
    await console.context().grantPermissions(['notifications'], { origin: site.url });
    await signIn(console, site.url, 'spec-jingtian', 'spec-password-1', '01-login');
    await console.waitForSelector('#alert-queue');
    await console.waitForSelector('text=暂无待处理告警');
    await shoot(console, '02-queue-empty');

    const { client, sentAt } = await pressSos(hub, 'browser-sos-1');
    const row = await console.waitForSelector('#alert-queue tbody tr[data-severity="critical"]', {
      timeout: 2000,
    });
    const seenAfterMs = Date.now() - sentAt;
    expect(seenAfterMs).toBeLessThan(2000);
    expect(await row.textContent()).toContain('一键呼救');
    expect(await row.textContent()).toContain('王秀英');
    await shoot(console, '03-queue-sos');

    // The alert detail, opened by keyboard from the queue.
    await console.focus('#alert-queue a.elder-link');
    await console.keyboard.press('Enter');
    await console.waitForSelector('#acknowledge');
    await console.waitForSelector('.timeline li');
    await console.waitForSelector('.chart svg');
    // The hub's notes read in Chinese: coded, not the stored English.
    await console.waitForSelector('.timeline .note[data-code="offered"]');
    const timelineZh = await console.textContent('.timeline');
    expect(timelineZh).toContain('告警产生：一键呼救');
    expect(timelineZh).toMatch(/第 1\/\d 轮：已推送给 .*李建国（志愿者，\d+ 米）/);
    expect(timelineZh).not.toContain('offered to');
    await shoot(console, '04-alert-detail-open', true);
    await console.click('#acknowledge');
    await console.waitForSelector('.detail-head .ack.yes');

    // The volunteer gets the offer (no name, no address), accepts it.
    const offer = await volunteer.waitForSelector('.offer', { timeout: 5000 });
    expect(await offer.textContent()).not.toContain('王秀英');
    await shoot(volunteer, '11-responder-offer');
    await volunteer.click('.offer .accept');
    await volunteer.waitForSelector('.task');
    expect(await volunteer.textContent('.task')).toContain('景田北一街 3 栋 502');
    await shoot(volunteer, '12-responder-task');

    // The console: assigned, and who is coming.
    // By locator, not waitForFunction: the console's CSP refuses the eval that one polls with.
    await console.locator('.coming-line', { hasText: '李建国' }).waitFor({ timeout: 5000 });
    expect(await console.textContent('.detail-head')).toContain('已派单');
    expect(await console.textContent('.coming-line')).toMatch(/李建国 · 志愿者.*距离约 \d+ 米/);
    await shoot(console, '05-alert-detail-assigned', true);

    // Check in on arrival (80 m from the home: within the 100 m).
    await volunteer.click('#checkin');
    await volunteer.waitForSelector('.task .good');
    await shoot(volunteer, '13-responder-checked-in');

    await console.click('a[href="#/queue"]');
    await console.waitForSelector('#alert-queue tbody tr[data-status="on_site"]');
    await shoot(console, '06-queue-on-site');

    // The map, the boards.
    await console.click('a[href="#/map"]');
    await console.waitForSelector('svg.map .responder');
    await shoot(console, '07-map');
    await console.click('a[href="#/devices"]');
    await console.waitForSelector('#device-board tbody tr');
    await shoot(console, '08-device-board');
    await console.click('a[href="#/responders"]');
    await console.waitForSelector('#responder-board tbody tr');
    await shoot(console, '09-responder-board');

    // English, one switch.
    await console.click('button.lang');
    await console.click('a[href="#/queue"]');
    await console.waitForSelector('text=Open alerts');
    expect(await console.textContent('header')).toContain('Alert queue');
    await shoot(console, '20-queue-en');
    await console.click('#alert-queue a.elder-link');
    await console.waitForSelector('text=Timeline');
    const timelineEn = await console.textContent('.timeline');
    expect(timelineEn).toMatch(/Step 1\/\d: offered to .*李建国 \(Volunteer, \d+ m\)/);
    expect(timelineEn).toMatch(/Accepted the offer \(about \d+ m away\)/);
    expect(timelineEn).toMatch(/Checked in \d+ m from the home/);
    await shoot(console, '21-alert-detail-en', true);
    await volunteer.click('button.lang');
    await volunteer.waitForSelector('text=Current task');
    await shoot(volunteer, '22-responder-task-en');
    await client.endAsync();
  }, 120_000);

  it('[CONSOLE-FAMILY] a family user sees their elder and her alerts, nothing else', async () => {
    const family = await open(phone);
    await signIn(family, site.url, 'family-wang', 'family-password-1');
    await family.waitForSelector('.family-alerts li');
    const text = await family.textContent('main');
    expect(text).toContain('王秀英');
    expect(text).toContain('一键呼救');
    expect(text).toContain('智能手表'); // her devices, in the words of the hub's device catalog
    expect(text).not.toContain('李桂兰');
    await shoot(family, '14-family', true);
  }, 60_000);

  it('[CONSOLE-ZOOM] every screen reflows at 200 % zoom with no sideways scrolling', async () => {
    const page = await open(zoomed200);
    await signIn(page, site.url, 'spec-jingtian', 'spec-password-1');
    await page.waitForSelector('#alert-queue tbody tr');
    const screens = ['queue', 'map', 'devices', 'responders'];
    const overflowing: string[] = [];
    for (const name of screens) {
      await page.evaluate(`location.hash = '#/${name}'`);
      await page.waitForTimeout(600);
      if (await overflowsSideways(page)) overflowing.push(name);
      await shoot(page, `30-zoom200-${name}`);
    }
    await page.evaluate(`location.hash = '#/queue'`);
    await page.click('#alert-queue a.elder-link');
    await page.waitForSelector('.timeline li');
    if (await overflowsSideways(page)) overflowing.push('alert');
    await shoot(page, '30-zoom200-alert');
    const responder = await open({ ...zoomed200, viewport: { width: 195, height: 422 } });
    await signIn(responder, site.url, 'v-0001', 'volunteer-password');
    await responder.waitForSelector('#duty');
    if (await overflowsSideways(responder)) overflowing.push('responder');
    await shoot(responder, '31-zoom200-responder');
    expect(overflowing).toEqual([]);
  }, 60_000);
  it('[CONSOLE-SESSION-END] a session ended elsewhere takes the console and the phone back to sign-in, saying why', async () => {
    const consolePage = await open(desktop);
    await signIn(consolePage, site.url, 'spec-jingtian', 'spec-password-1');
    await consolePage.waitForSelector('#alert-queue');
    const phonePage = await open(phone);
    await signIn(phonePage, site.url, 'v-0001', 'volunteer-password');
    await phonePage.waitForSelector('#duty');
    for (const page of [consolePage, phonePage]) {
      // Signed out with the page's own token (as from another tab): the hub drops the live socket.
      const token = await page.evaluate(() => sessionStorage.getItem('token'));
      const out = await hub.app.inject({
        method: 'POST',
        url: '/api/v1/auth/logout',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(out.statusCode).toBe(204);
      await page.waitForSelector('#username', { timeout: 5000 });
      expect(await page.textContent('.login [role=alert]')).toBe('登录已失效，请重新登录');
      expect(await page.evaluate(() => sessionStorage.getItem('token'))).toBeNull();
    }
  }, 60_000);

  it('[CONSOLE-LOGIN-FOCUS] the sign-in form opens with the name field focused, in Chinese first', async () => {
    const page = await open(desktop);
    await page.goto(site.url);
    await page.waitForSelector('#username');
    await expect
      .poll(
        () =>
          page.evaluate(() => ({ focused: document.activeElement?.id ?? null, page: document.hasFocus() })),
        {
          timeout: 10_000,
        },
      )
      .toEqual({ focused: 'username', page: true });
    expect(await page.textContent('button[type=submit]')).toBe('登录');
  });

  it('[CONSOLE-LOGIN-LOCK] repeated wrong passwords lock the name, and the form says for how long', async () => {
    const page = await open(desktop);
    for (let i = 0; i < 5; i++) {
      await signIn(page, site.url, 'family-wang', `wrong-${i}`);
      await page.waitForSelector('.login [role=alert]:has-text("用户名或密码错误")');
    }
    await signIn(page, site.url, 'family-wang', 'family-password-1');
    await page.waitForSelector('.login [role=alert]:has-text("登录失败次数过多，请 15 分钟后再试")', {
      timeout: 5000,
    });
  }, 60_000);
});
