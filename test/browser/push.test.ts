import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, type CDPSession, chromium, type Page, type Worker } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestHub } from '../support/hub.js';
import { LocalPushService } from '../support/push-service.js';
import { need } from '../support/services.js';
import { pressSos } from '../support/sos-answered.js';
import { until } from '../support/wait.js';
import {
  chromiumBrowser,
  chromiumFlags,
  overflowsSideways,
  phone,
  shoot,
  zoomed200,
} from './support/browser.js';
import { DesktopNotifications } from './support/desktop-notifications.js';
import { home } from './support/district.js';
import { type BrowserSession, startBrowserSession } from './support/session.js';
import { signIn } from './support/sign-in.js';

/** The responder app installed on a phone: its manifest, its offline shell, and offers pushed to it closed. */

const graceS = 1;
const near = { lat: home.lat + 80 / 111_195, lon: home.lon };
/** The kinds of notification fields the service worker sets, as the worker reads them back. */
interface Shown {
  title: string;
  body: string;
  tag: string;
  requireInteraction: boolean;
  renotify: boolean;
  vibrate: number[];
  data: { url: string; offer_id: string | null };
}

/**
 * The app's service worker installed and in control. The app registers it at every start; an
 * install that failed (its files fetched while another test file rebuilt console/dist) is tried
 * again at the next start, so the page is reloaded, a few times at most.
 */
async function serviceWorkerActive(page: Page): Promise<void> {
  let state: string | undefined;
  for (let start = 0; start < 4 && state !== 'activated'; start++) {
    if (start > 0) {
      await page.reload();
      await page.waitForSelector('#duty:not([disabled])');
    }
    state = await page.evaluate(() =>
      Promise.race([
        navigator.serviceWorker.ready.then((r) => r.active?.state),
        new Promise<string>((resolve) => setTimeout(() => resolve('not ready after 8 s'), 8000)),
      ]),
    );
  }
  expect(state, 'the service worker never became active').toBe('activated');
}

describe('the responder app installed, in Chromium (zh-CN)', () => {
  let session: BrowserSession;
  let hub: TestHub;
  let push: LocalPushService;

  beforeAll(async () => {
    push = await LocalPushService.start();
    session = await startBrowserSession({
      appOfflineGraceS: graceS,
      offerExpiryS: 60,
      pushServiceHosts: '127.0.0.1',
      pushCaFile: push.caFile,
      pushRetryS: 0.05,
    });
    hub = session.hub;
  }, 120_000);
  afterAll(async () => {
    await session?.close();
    await push?.close();
  }, 60_000);

  /** 李建国's phone, signed in and on duty near 王秀英's home, with the service worker in control. */
  const signedInPhone = async (options = phone): Promise<Page> => {
    const page = await session.open({
      ...options,
      geolocation: { latitude: near.lat, longitude: near.lon },
      permissions: ['geolocation', 'notifications'],
    });
    await signIn(page, session.url, 'v-0001', 'volunteer-password');
    await page.waitForSelector('#duty:not([disabled])');
    await serviceWorkerActive(page);
    return page;
  };
  const workerOf = (context: BrowserContext): Worker | undefined =>
    context.serviceWorkers().find((w) => w.url().endsWith('/sw.js'));

  it('[APP-INSTALLABLE] the page names a manifest (颐养志愿者, zh-CN, standalone, icons that load) and the iOS icon and tags; the push card fits 320 px and 200 % zoom', async () => {
    const page = await signedInPhone();
    const manifestUrl = await page.getAttribute('link[rel="manifest"]', 'href');
    const manifestAnswer = await page.request.get(`${session.url}${manifestUrl}`);
    expect(manifestAnswer.status()).toBe(200);
    const manifest = await manifestAnswer.json();
    expect(manifest).toMatchObject({
      name: '颐养志愿者',
      lang: 'zh-CN',
      start_url: '/',
      scope: '/',
      display: 'standalone',
    });
    const sizes = (manifest.icons as Array<{ src: string; sizes: string; purpose: string }>).map(
      (i) => `${i.sizes} ${i.purpose}`,
    );
    expect(sizes).toEqual(expect.arrayContaining(['192x192 any', '512x512 any', '512x512 maskable']));
    const appleIcon = await page.getAttribute('link[rel="apple-touch-icon"]', 'href');
    for (const src of [...manifest.icons.map((i: { src: string }) => i.src), appleIcon]) {
      const icon = await page.request.get(`${session.url}${src}`);
      expect(icon.status(), src).toBe(200);
      expect(icon.headers()['content-type'], src).toBe('image/png');
    }
    expect(await page.getAttribute('meta[name="apple-mobile-web-app-capable"]', 'content')).toBe('yes');
    expect(await page.getAttribute('meta[name="apple-mobile-web-app-title"]', 'content')).toBe('颐养志愿者');
    // The push card, in Chinese: the browser has no push service here, so it offers to turn push on.
    await page.waitForSelector('#push-title');
    expect(await page.textContent('.push')).toContain('推送通知');
    await page.context().close();

    for (const [name, options] of [
      ['320', { ...phone, viewport: { width: 320, height: 640 } }],
      ['zoom-200', zoomed200],
    ] as const) {
      const small = await signedInPhone(options);
      await small.waitForSelector('#push-title');
      expect(await overflowsSideways(small), `sideways scrolling at ${name}`).toBe(false);
      await shoot(small, `95-responder-app-${name}`, true);
      await small.context().close();
    }
  }, 90_000);

  it('[APP-OFFLINE-SHELL] with the network gone, the installed app opens from the service worker and says it is offline, not a blank page', async () => {
    const page = await signedInPhone();
    const context = page.context();
    await context.setOffline(true);
    await page.reload();
    const notice = await page.waitForSelector('#offline-notice', { timeout: 10_000 });
    expect(await notice.textContent()).toBe('离线：暂时无法连接服务台。网络恢复后将自动重试。');
    expect(await page.isVisible('#offline-banner')).toBe(true);
    await shoot(page, '96-responder-app-offline');
    await context.setOffline(false);
    // Back online, the app retries by itself: the responder's screen comes back.
    await page.waitForSelector('#duty:not([disabled])', { timeout: 10_000 });
    await context.close();
  }, 60_000);

  it('[PUSH-BROWSER-OFFER] with the app closed (only the service worker left), an SOS offer comes by Web Push from the hub through the local push service, shows as a critical notification with kind and distance only, and a click opens the offer', async () => {
    // A phone's browser of its own (a profile on disk, as an installed app has), whose desktop
    // notification service is the test's: there a notification can be clicked (see DesktopNotifications).
    const desktop = await DesktopNotifications.start();
    const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'yiyang-phone-')), {
      executablePath: need(chromiumBrowser),
      headless: true,
      args: chromiumFlags,
      env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: desktop.address },
      ...phone,
      geolocation: { latitude: near.lat, longitude: near.lon },
      permissions: ['geolocation', 'notifications'],
    });
    context.on('page', (p) =>
      p.on('console', (m) => {
        if (m.text().includes('Content Security Policy')) session.cspViolations.push(m.text());
      }),
    );
    try {
      const origin = new URL(session.url).origin;
      // The phone's home screen: a page of no origin, holding the DevTools session that plays the
      // browser's push channel once the app's pages are closed.
      const homeScreen = context.pages()[0] ?? (await context.newPage());
      const page = await context.newPage();
      await signIn(page, session.url, 'v-0001', 'volunteer-password');
      await page.waitForSelector('#duty:not([disabled])');
      await serviceWorkerActive(page);
      const cdp: CDPSession = await context.newCDPSession(homeScreen);
      const registrations = new Map<string, string>();
      cdp.on('ServiceWorker.workerRegistrationUpdated', (e) => {
        for (const r of e.registrations) if (!r.isDeleted) registrations.set(r.scopeURL, r.registrationId);
      });
      await cdp.send('ServiceWorker.enable');
      const registrationId = await until(
        async () => registrations.get(`${origin}/`),
        (id) => id !== undefined,
        5000,
      );
      if (registrationId === undefined) throw new Error(`no service worker registration for ${origin}/`);

      // Headless Chromium cannot subscribe at a real push service (none is reachable here): the
      // subscription is this test's, at the local push service, handed to the hub as the app would.
      const token = await page.evaluate(() => localStorage.getItem('responder-token'));
      const subscribed = await hub.app.inject({
        method: 'PUT',
        url: '/api/v1/push/subscription',
        headers: hub.as(token!),
        payload: { ...push.subscribe(), lang: 'zh' },
      });
      expect(subscribed.statusCode, subscribed.body).toBe(200);
      if (!(await page.isVisible('.duty.on'))) await page.click('#duty');
      await page.waitForSelector('.duty.on');
      await page.waitForSelector('text=位置已更新');

      // The app is closed, and stays closed past the grace: only the service worker is left.
      await page.close();
      await new Promise((r) => setTimeout(r, graceS * 1000 + 500));
      expect(context.pages().map((p) => p.url())).toEqual(['about:blank']);

      // The push service hands what it decrypted to the browser's push channel, as a real one does.
      // What became of each hand-over, for a failure to tell where the push stopped.
      const handedOver: string[] = [];
      push.onPush = async (p) => {
        const at = Date.now();
        await cdp
          .send('ServiceWorker.deliverPushMessage', { origin, registrationId, data: p.plaintext })
          .then(
            () => handedOver.push(`delivered in ${Date.now() - at} ms`),
            (e: Error) => handedOver.push(`refused: ${e.message}`),
          );
      };
      await pressSos(hub, 'w-0001', 'watch-secret-0001', 'push-browser-sos');
      const offers = await until(
        () => hub.store.db.selectFrom('offers').selectAll().where('responder_id', '=', 'v-0001').execute(),
        (o) => o.length > 0,
        5000,
      );
      expect(offers.map((o) => o.status)).toEqual(['pending']);
      const offerId = offers[0]!.id;
      // The desktop first: it hears Chromium itself, whichever worker process showed the notification.
      await until(
        async () => desktop.shown.length,
        (n) => n > 0,
        20_000,
      );
      const where = () =>
        JSON.stringify({
          pushes: push.received.map((p) => p.status),
          handedOver,
          desktop: desktop.shown.map((n) => n.summary),
          workers: context.serviceWorkers().map((w) => w.url()),
        });
      expect(desktop.shown.length, `no notification on the desktop within 20 s: ${where()}`).toBeGreaterThan(
        0,
      );
      const shown = await until(
        async (): Promise<Shown[]> =>
          (await workerOf(context)?.evaluate(async () =>
            (
              await (
                self as unknown as { registration: ServiceWorkerRegistration }
              ).registration.getNotifications()
            ).map((n) => ({
              title: n.title,
              body: n.body,
              tag: n.tag,
              requireInteraction: n.requireInteraction,
              renotify: (n as unknown as { renotify: boolean }).renotify,
              vibrate: [...((n as unknown as { vibrate: number[] }).vibrate ?? [])],
              data: n.data,
            })),
          )) ?? [],
        (list) => list.length > 0,
        10_000,
      );
      expect(push.received.map((p) => p.status)).toEqual([201]);
      expect(shown, `the service worker holds no notification: ${where()}`).toHaveLength(1);
      expect(shown[0]).toMatchObject({
        title: '新任务 · 紧急 · 一键呼救',
        body: '约 100 米，点开接单',
        tag: `offer-${offerId}`,
        requireInteraction: true,
        renotify: true,
        data: { url: `/#/offer/${offerId}`, offer_id: offerId },
      });
      expect(shown[0]!.vibrate.length).toBeGreaterThan(0);
      expect(JSON.stringify(shown)).not.toMatch(/王秀英|景田北一街/);
      // The desktop shows the same, and offers the tap.
      expect(desktop.shown.map((n) => n.summary)).toEqual(['新任务 · 紧急 · 一键呼救']);

      // The tap: the desktop tells Chromium, which fires a trusted notificationclick in the worker.
      const opened = context.waitForEvent('page', { timeout: 10_000 });
      desktop.click('一键呼救');
      const offerPage = await opened;
      await offerPage.waitForURL(`**/#/offer/${offerId}`);
      const card = await offerPage.waitForSelector(`.offer.opened[data-offer="${offerId}"]`, {
        timeout: 10_000,
      });
      expect(await card.textContent()).toContain('约 100 米');
      expect(
        await offerPage.evaluate(() => document.activeElement?.closest('.offer')?.getAttribute('data-offer')),
      ).toBe(offerId);
      await shoot(offerPage, '97-responder-offer-from-push');
      await offerPage.click(`[data-offer="${offerId}"] .accept`);
      await offerPage.waitForSelector('.task .task-name');
      expect(await offerPage.textContent('.task .task-name')).toBe('王秀英');
    } finally {
      await context.close();
      desktop.close();
    }
  }, 90_000);
});
