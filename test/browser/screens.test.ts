import type { BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestHub } from '../support/hub.js';
import { pressSos } from '../support/sos-answered.js';
import { until } from '../support/wait.js';
import { desktop, overflowsSideways, phone, shoot, zoomed200 } from './support/browser.js';
import { home } from './support/district.js';
import { type BrowserSession, startBrowserSession } from './support/session.js';
import { signIn } from './support/sign-in.js';

/** The sizes every screen is looked at in: a desktop, a phone, a desktop at 200 % zoom. */
const sizes: Array<[string, BrowserContextOptions]> = [
  ['1280x800', desktop],
  ['390x844', phone],
  ['zoom200', zoomed200],
];

const consoleScreens = [
  'queue',
  'alert',
  'map',
  'devices',
  'responders',
  'timebank/certify',
  'timebank/accounts',
  'timebank/catalog',
  'timebank/redemptions',
  'timebank/orders',
  'timebank/kinds',
  'reports',
  'volunteers',
];
const phoneTabs = ['tasks', 'requests', 'credits', 'redeem', 'mine'];

/**
 * Latin words a Chinese screen may show: the language switch's own label, product and format
 * names, and the identifiers people read off a device (device ids). Not usernames: people are
 * shown by name.
 */
const allowedLatin = new Set(['English', 'App', 'CSV', 'Excel', 'SpO']);

/** The words of the page in Latin letters that are not allowed: English left in the Chinese UI. */
async function englishLeft(page: Page): Promise<string[]> {
  const text = await page.evaluate<string>('document.body.innerText');
  const words = [...text.matchAll(/[A-Za-z][A-Za-z_.-]*[A-Za-z0-9]/g)].map((m) => m[0]);
  return [...new Set(words.filter((w) => !allowedLatin.has(w) && !/\d/.test(w)))];
}

describe('every screen at 1280×800, 390×844 and 200 % zoom, in Chinese', () => {
  let session: BrowserSession;
  let hub: TestHub;
  let alertId: string;

  beforeAll(async () => {
    session = await startBrowserSession();
    hub = session.hub;
    const admin = await hub.login('admin-lianhua', 'admin-password-2');
    await hub.dispatcher.setDuty('v-0001', true);
    await pressSos(hub, 'w-0001', 'watch-secret-0001', 'screens-sos');
    const open = await until(
      async () =>
        (await hub.app.inject({ url: '/api/v1/alerts?status=open', headers: hub.as(admin) })).json()
          .alerts as Array<{ id: string }>,
      (list) => list.length === 1,
      5000,
    );
    expect(open).toHaveLength(1);
    alertId = open[0]!.id;
  }, 120_000);
  afterAll(async () => {
    await session?.close();
  }, 60_000);

  it('[CONSOLE-SCREENS] the console, the phone and the family page, written to test-artifacts/screenshots with no English left and no sideways scrolling', async () => {
    const english: Record<string, string[]> = {};
    const overflowing: string[] = [];
    const check = async (page: Page, name: string) => {
      await shoot(page, `screen-${name}`, true);
      const left = await englishLeft(page);
      if (left.length) english[name] = left;
      if (await overflowsSideways(page)) overflowing.push(name);
    };
    for (const [size, options] of sizes) {
      const login = await session.open(options);
      await login.goto(session.url);
      await login.waitForSelector('#username');
      await check(login, `${size}-login`);
      await login.click('#open-sign-up');
      await login.waitForSelector('#community option[value="jingtian"]', { state: 'attached' });
      await check(login, `${size}-sign-up`);
      await login.context().close();

      const page = await session.open(options);
      await signIn(page, session.url, 'spec-jingtian', 'spec-password-1');
      await page.waitForSelector('#alert-queue tbody tr');
      for (const screen of consoleScreens) {
        await page.evaluate(`location.hash = '#/${screen === 'alert' ? `alert/${alertId}` : screen}'`);
        // Each screen's own sign that it has drawn.
        if (screen === 'alert') {
          await page.waitForSelector('.timeline li');
          // The evidence fields too: their words are checked with the rest.
          await page.click('details.alert-details summary');
        } else if (screen === 'reports') await page.waitForSelector('#report-figures');
        else await page.waitForLoadState('networkidle');
        await page.waitForTimeout(400);
        await check(page, `${size}-${screen.replace('/', '-')}`);
      }
      // The check itself sees English where there is some: the same screen after the switch.
      await page.evaluate(`location.hash = '#/queue'`);
      await page.click('button.lang');
      await page.waitForSelector('text=Open alerts');
      expect(await englishLeft(page)).toContain('Open');
      await page.click('button.lang');
      await page.context().close();

      const volunteer = await session.open({
        ...options,
        geolocation: { latitude: home.lat + 80 / 111_195, longitude: home.lon },
        permissions: ['geolocation'],
      });
      await signIn(volunteer, session.url, 'v-0001', 'volunteer-password');
      await volunteer.waitForSelector('#duty:not([disabled])');
      for (const tab of phoneTabs) {
        await volunteer.click(`#tab-${tab}`);
        await volunteer.waitForTimeout(400);
        await check(volunteer, `${size}-responder-${tab}`);
      }
      await volunteer.context().close();

      const family = await session.open(options);
      await signIn(family, session.url, 'family-wang', 'family-password-1');
      await family.waitForSelector('.family-alerts li');
      await check(family, `${size}-family`);
      await family.context().close();
    }
    expect(english, 'English words on the Chinese screens').toEqual({});
    expect(overflowing, 'screens that scroll sideways').toEqual([]);
  }, 240_000);
});
