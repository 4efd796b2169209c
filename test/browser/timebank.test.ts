import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrowserContextOptions } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestHub } from '../support/hub.js';
import { unzip } from '../support/zip-reader.js';
import { desktop, overflowsSideways, phone, shoot, zoomed200 } from './support/browser.js';
import { insertClosedAlert } from './support/closed-alert.js';
import { home } from './support/district.js';
import { downloaded } from './support/download.js';
import { servedFor, visitCode } from './support/service-visit.js';
import { type BrowserSession, startBrowserSession } from './support/session.js';
import { signIn } from './support/sign-in.js';

describe('time bank administration, reports and the volunteer’s credits in Chromium', () => {
  let session: BrowserSession;
  let hub: TestHub;
  let site: { url: string };
  const open = (options: BrowserContextOptions) => session.open(options);
  const api = async (method: 'GET' | 'POST', url: string, token: string, payload?: object) => {
    const res = await hub.app.inject({ method, url: `/api/v1${url}`, headers: hub.as(token), payload });
    expect(res.statusCode, res.body).toBeLessThan(300);
    return res.json();
  };

  beforeAll(async () => {
    session = await startBrowserSession();
    hub = session.hub;
    site = session;
  }, 120_000);
  afterAll(async () => {
    await session?.close();
  }, 60_000);

  it('[CONSOLE-TIMEBANK] a volunteer takes a request on the phone, the specialist rates and certifies it, the volunteer sees the credits and redeems them', async () => {
    const family = await hub.login('family-wang', 'family-password-1');
    const order = await api('POST', '/service-orders', family, {
      elder_id: 'e-0001',
      kind: 'meal_delivery',
      note: '午饭送到家，少盐',
      wanted_at: Date.now() + 3600_000,
    });

    // The volunteer's phone: the request (no name), taken, started, finished.
    // The phone stands at the elder's door: check-in and check-out are held to 100 m of the home.
    const volunteer = await open({
      ...phone,
      geolocation: { latitude: home.lat, longitude: home.lon },
      permissions: ['geolocation'],
    });
    await signIn(volunteer, site.url, 'v-0001', 'volunteer-password');
    await volunteer.click('#tab-requests');
    const request = await volunteer.waitForSelector(`.order[data-order="${order.id}"]`);
    expect(await request.textContent()).toContain('送餐');
    expect(await request.textContent()).not.toContain('王秀英');
    await shoot(volunteer, '50-responder-requests');
    await volunteer.click(`.order[data-order="${order.id}"] .take`);
    await volunteer.waitForSelector(`.mine .order[data-order="${order.id}"][data-status="taken"]`);
    expect(await volunteer.textContent('.mine')).toContain('王秀英');
    await volunteer.click(`.order[data-order="${order.id}"] button`);
    await volunteer.waitForSelector(`.order[data-order="${order.id}"][data-status="in_progress"]`);
    // 45 minutes of service, as if they had passed.
    await servedFor(hub, order.id, 45);
    // The elder reads out the code her watch shows; the volunteer types it in.
    await volunteer.fill(`#code-${order.id}`, await visitCode(hub, order.id));
    await volunteer.click(`.order[data-order="${order.id}"] .check-out`);
    // Waited for by locator, not waitForFunction: the console's CSP refuses the eval that one polls with.
    await volunteer.locator(`.order[data-order="${order.id}"]`).waitFor({ state: 'detached' });

    // The specialist: rates it from the phone call, then certifies the 45 minutes, by keyboard.
    const console = await open(desktop);
    await signIn(console, site.url, 'spec-jingtian', 'spec-password-1');
    await console.waitForSelector('#alert-queue');
    await console.click('a[href="#/timebank"]');
    await console.waitForSelector('#rate-table');
    await shoot(console, '51-timebank-certify-to-rate', true);
    await console.focus(`#rating-${order.id}`);
    await console.keyboard.press('Tab');
    await console.keyboard.press('Enter');
    await console.waitForSelector(`#claim-${order.id}`);
    expect(await console.inputValue(`#claim-${order.id}`)).toBe('45');
    await shoot(console, '52-timebank-certify', true);
    await console.focus(`#claim-${order.id}`);
    await console.keyboard.press('Enter');
    await console.waitForSelector('text=已认证：已入账，入账 45 分钟');
    await shoot(console, '53-timebank-certified', true);
    expect(
      (await api('GET', '/timebank/accounts/v-0001?kind=volunteer', hub.adminToken)).balance_minutes,
    ).toBe(45);
    const timeline = (await api('GET', `/service-orders/${order.id}`, hub.adminToken)).timeline;
    expect(timeline.at(-1)).toMatchObject({ code: 'order_certified', params: { claimed_minutes: 45 } });

    // Accounts: the volunteer's balance and entries; the statement downloads as CSV.
    await console.click('a[href="#/timebank/accounts"]');
    const row = await console.waitForSelector('#accounts-table tr:has-text("李建国")');
    expect(await row.textContent()).toContain('45 分钟');
    // The unit by its name, not its id.
    expect(await row.textContent()).toContain('景田社区');
    expect(await row.textContent()).not.toContain('jingtian');
    await console.click('#accounts-table button:has-text("李建国")');
    await console.waitForSelector('#entries-table');
    await shoot(console, '54-timebank-accounts', true);
    const statement = await downloaded(console, '.account-detail .download-csv');
    expect(statement.name).toMatch(/^timebank-volunteer_v-0001-.*\.csv$/);
    expect(statement.bytes.toString('utf8')).toContain('volunteer:v-0001');
    // In the console's language: Chinese headers, kinds and the ledger's memo.
    expect(statement.bytes.toString('utf8')).toMatch(/^\ufeff时间,账户,账户类型,/);
    expect(statement.bytes.toString('utf8')).toContain(`,志愿服务,服务记录 ${order.id},`);
    expect(await console.textContent('#entries-table')).toContain(`服务记录 ${order.id}`);

    // Catalog: add an item, then change its stock in place.
    await console.click('a[href="#/timebank/catalog"]');
    await console.waitForSelector('#name-new');
    await console.fill('#name-new', '理发券');
    await console.fill('#price-new', '30');
    await console.fill('#stock-new', '3');
    await console.press('#stock-new', 'Enter');
    const item = await console.waitForSelector('#catalog-list form.catalog-item');
    const itemId = await item.getAttribute('data-item');
    await console.fill(`#stock-${itemId}`, '5');
    await console.press(`#stock-${itemId}`, 'Enter');
    await expect.poll(() => console.inputValue(`#stock-${itemId}`)).toBe('5');
    await shoot(console, '55-timebank-catalog', true);

    // The volunteer: 45 minutes, the service in the history, then a redemption.
    await volunteer.click('#tab-credits');
    await volunteer.waitForSelector('#balance');
    expect(await volunteer.textContent('#balance')).toBe('45 分钟');
    expect(await volunteer.textContent('.history')).toContain('获得 45 分钟');
    await shoot(volunteer, '56-responder-credits', true);
    await volunteer.click('#tab-redeem');
    await volunteer.waitForSelector(`[data-item="${itemId}"] .redeem`);
    await shoot(volunteer, '57-responder-redeem');
    await volunteer.click(`[data-item="${itemId}"] .redeem`);
    await volunteer.waitForSelector('text=兑换成功：理发券，剩余库存 4');
    await shoot(volunteer, '58-responder-redeemed');
    expect(
      (await api('GET', '/timebank/accounts/v-0001?kind=volunteer', hub.adminToken)).balance_minutes,
    ).toBe(15);

    // The console lists the redemption.
    await console.click('a[href="#/timebank/redemptions"]');
    const redemption = await console.waitForSelector('#redemptions-table tbody tr');
    expect(await redemption.textContent()).toMatch(/李建国.*理发券.*1.*30/);
    await shoot(console, '59-timebank-redemptions');

    // English.
    await console.click('button.lang');
    await console.click('a[href="#/timebank/certify"]');
    await console.waitForSelector('text=Services to certify');
    await shoot(console, '60-timebank-certify-en', true);
    await console.click('a[href="#/timebank/accounts"]');
    await console.waitForSelector('#accounts-table');
    await shoot(console, '61-timebank-accounts-en', true);
    await volunteer.click('button.lang');
    await volunteer.click('#tab-credits');
    await volunteer.waitForSelector('text=15 min');
    await shoot(volunteer, '62-responder-credits-en', true);
  }, 120_000);

  it('[CONSOLE-REPORTS] the report shows its charts, and its CSV and Excel downloads hold the same figures', async () => {
    // Two alerts of today: one false alarm (the service from the first test is certified too).
    const now = Date.now();
    for (const [id, kind, outcome] of [
      ['r-1', 'sos', 'false_alarm'],
      ['r-2', 'fall', 'help_given'],
    ] as const) {
      await insertClosedAlert(hub, {
        id,
        elderId: 'e-0001',
        orgUnitId: 'jingtian',
        kind,
        outcome,
        openedAt: now - 3600_000,
        acknowledgedAt: now - 3590_000,
        acknowledgedBy: 'spec-jingtian',
        closedAt: now,
      });
    }
    const page = await open(desktop);
    await signIn(page, site.url, 'spec-jingtian', 'spec-password-1');
    await page.waitForSelector('#alert-queue');
    await page.click('a[href="#/reports"]');
    await page.waitForSelector('#chart-kinds svg');
    await page.waitForSelector('#chart-volunteers svg');
    expect(await page.textContent('#report-figures')).toMatch(/告警总数\s*2/);
    expect(await page.textContent('#report-figures')).toContain('50.0%');
    // A screen reader hears each chart's figures in the console's words (ECharts' own read "NaN").
    expect(await page.getAttribute('#chart-kinds', 'aria-label')).toBe(
      '各类告警；跌倒：误报 0，其他 1；一键呼救：误报 1，其他 0',
    );
    await shoot(page, '63-reports', true);

    const csv = await downloaded(page, '#report-csv');
    expect(csv.name).toMatch(/^report-jingtian-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);
    const rows = csv.bytes
      .toString('utf8')
      .replace(/^\ufeff/, '')
      .split('\r\n')
      .map((line) => line.split(','));
    const section = (name: string) => rows.slice(rows.findIndex((r) => r[0] === name) + 2);
    // Downloaded in the console's language (Chinese by default).
    expect(section('汇总')[0]?.slice(3, 9)).toEqual(['2', '2', '1', '50.0%', '1', '45']);
    expect(section('各类告警').slice(0, 2)).toEqual([
      ['跌倒', '1', '1', '0', '0.0%', '紧急求助'],
      ['一键呼救', '1', '1', '1', '100.0%', '紧急求助'],
    ]);
    expect(section('志愿服务时长')[0]).toEqual(['李建国', '1', '45', '0.75']);
    // Feedback: the rated meal delivery counts as requested, fulfilled and rated; no complaint.
    expect(section('各类服务')[0]?.slice(0, 8)).toEqual(['送餐', '1', '1', '0', '0', '0', '100.0%', '1']);
    expect(await page.textContent('#feedback-kinds')).toMatch(/送餐\s*1\s*1\s*0\s*0\s*0\s*100\.0%\s*1/);
    expect(await page.textContent('#feedback-complaints')).toBe('该时段无数据');

    const xlsx = await downloaded(page, '#report-xlsx');
    expect(xlsx.bytes.subarray(0, 2).toString()).toBe('PK');
    const files = unzip(xlsx.bytes);
    expect(files.get('xl/workbook.xml')).toContain('name="志愿服务时长"');
    expect(files.get('xl/worksheets/sheet6.xml')).toContain('李建国');

    await page.click('button.lang');
    await page.waitForSelector('text=Alerts by kind');
    await page.waitForSelector('#chart-kinds svg');
    await shoot(page, '64-reports-en', true);
    const english = (await downloaded(page, '#report-csv')).bytes.toString('utf8').split('\r\n');
    expect(english.slice(english.indexOf('alerts by kind') + 1)[0]).toBe(
      'kind,alerts,closed,false alarms,false alarm share,group',
    );
    expect(english).toContain('Fall,1,1,0,0.0%,emergencies');
  }, 60_000);

  it('[CONSOLE-ZOOM] the time bank, reports and the volunteer’s tabs reflow at 200 % zoom', async () => {
    const page = await open(zoomed200);
    await signIn(page, site.url, 'spec-jingtian', 'spec-password-1');
    await page.waitForSelector('#alert-queue');
    const overflowing: string[] = [];
    for (const name of [
      'timebank/certify',
      'timebank/accounts',
      'timebank/catalog',
      'timebank/redemptions',
      'timebank/orders',
      'reports',
    ]) {
      await page.evaluate(`location.hash = '#/${name}'`);
      await page.waitForTimeout(800);
      if (await overflowsSideways(page)) overflowing.push(name);
      await shoot(page, `65-zoom200-${name.replace('/', '-')}`);
    }
    const volunteer = await open({ ...zoomed200, viewport: { width: 195, height: 422 } });
    await signIn(volunteer, site.url, 'v-0001', 'volunteer-password');
    for (const tab of ['requests', 'credits', 'redeem', 'mine']) {
      await volunteer.click(`#tab-${tab}`);
      await volunteer.waitForTimeout(500);
      if (await overflowsSideways(volunteer)) overflowing.push(`responder-${tab}`);
      await shoot(volunteer, `66-zoom200-responder-${tab}`);
    }
    expect(overflowing).toEqual([]);
  }, 60_000);
});

describe('the map with a configured tile server', () => {
  let session: BrowserSession;
  let tiles: Server;
  const requested: string[] = [];

  beforeAll(async () => {
    // A tile server of plain SVG squares, each labelled with its z/x/y.
    tiles = createServer((request, response) => {
      requested.push(request.url ?? '');
      response.writeHead(200, { 'content-type': 'image/svg+xml', 'access-control-allow-origin': '*' });
      response.end(
        `<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256"><rect width="256" height="256" fill="#e8efe6" stroke="#9bb59a"/><text x="8" y="20" font-size="14" fill="#6b7f6a">${request.url}</text></svg>`,
      );
    });
    await new Promise<void>((resolve) => tiles.listen(0, '127.0.0.1', resolve));
    const port = (tiles.address() as AddressInfo).port;
    session = await startBrowserSession({ mapTileUrl: `http://127.0.0.1:${port}/{z}/{x}/{y}.svg` });
  }, 120_000);
  afterAll(async () => {
    await session?.close();
    tiles?.close();
  }, 60_000);

  it('[CONSOLE-MAP-TILES] with MAP_TILE_URL the map draws tiles beneath the homes; the tile server is asked for them', async () => {
    const page = await session.open(desktop);
    await signIn(page, session.url, 'spec-jingtian', 'spec-password-1');
    await page.waitForSelector('#alert-queue');
    await page.click('a[href="#/map"]');
    await page.waitForSelector('svg.map image.tile');
    await page.waitForSelector('svg.map .home');
    await page.waitForTimeout(500);
    const hrefs = await page.$$eval('svg.map image.tile', (images) =>
      images.map((i) => i.getAttribute('href')),
    );
    expect(hrefs.length).toBeGreaterThan(0);
    expect(hrefs.every((h) => /\/1[4-8]\/\d+\/\d+\.svg$/.test(h ?? ''))).toBe(true);
    expect(requested.length).toBeGreaterThan(0);
    expect(await page.textContent('.section-head')).toContain('底图来自配置的瓦片服务');
    await shoot(page, '67-map-tiles');
  }, 60_000);
});
