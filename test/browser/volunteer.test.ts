import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestHub } from '../support/hub.js';
import { overflowsSideways, phone, shoot } from './support/browser.js';
import { home } from './support/district.js';
import { servedFor, visitCode } from './support/service-visit.js';
import { type BrowserSession, startBrowserSession } from './support/session.js';
import { signIn } from './support/sign-in.js';

/** A place `metres` north of the home (a degree of latitude is 111,195 m). */
const north = (metres: number) => ({ latitude: home.lat + metres / 111_195, longitude: home.lon });

describe('the volunteer’s visit and own record on the phone in Chromium (zh-CN)', () => {
  let session: BrowserSession;
  let hub: TestHub;
  const api = async (method: 'GET' | 'POST', url: string, token: string, payload?: object) => {
    const res = await hub.app.inject({ method, url: `/api/v1${url}`, headers: hub.as(token), payload });
    expect(res.statusCode, res.body).toBeLessThan(300);
    return res.json();
  };
  const status = (page: Page) => page.locator('main .form-status');

  beforeAll(async () => {
    session = await startBrowserSession();
    hub = session.hub;
  }, 120_000);
  afterAll(async () => {
    await session?.close();
  }, 60_000);

  it('[CONSOLE-VOLUNTEER-VISIT] check-in is refused 300 m away with the distance; at the door the elder’s code is entered at check-out (a wrong one refused); the volunteer’s own view shows upcoming and past services, minutes, the month and the certificates panel', async () => {
    const family = await hub.login('family-wang', 'family-password-1');
    const specialist = await hub.login('spec-jingtian', 'spec-password-1');
    const publish = (note: string) =>
      api('POST', '/service-orders', family, {
        elder_id: 'e-0001',
        kind: 'visit',
        note,
        wanted_at: Date.now() + 3600_000,
      });
    const visit = await publish('陪老人下棋');
    const later = await publish('陪老人买菜');

    const volunteer = await session.open({
      ...phone,
      geolocation: north(300),
      permissions: ['geolocation'],
    });
    const context: BrowserContext = volunteer.context();
    await signIn(volunteer, session.url, 'v-0001', 'volunteer-password');
    await volunteer.click('#tab-requests');
    for (const order of [later, visit]) {
      await volunteer.click(`.order[data-order="${order.id}"] .take`);
      await volunteer.waitForSelector(`.mine .order[data-order="${order.id}"][data-status="taken"]`);
    }

    // 300 m from the home: refused, and the phone says how far.
    await volunteer.click(`.order[data-order="${visit.id}"] .check-in`);
    await status(volunteer).filter({ hasText: '距离住户还有 300 米，请到达后签到' }).waitFor();
    expect((await api('GET', `/service-orders/${visit.id}`, specialist)).order.status).toBe('taken');

    // At the door.
    await context.setGeolocation(north(20));
    await volunteer.click(`.order[data-order="${visit.id}"] .check-in`);
    await volunteer.waitForSelector(`.order[data-order="${visit.id}"][data-status="in_progress"]`);
    await status(volunteer).filter({ hasText: '已签到，老人手表上会显示确认码' }).waitFor();
    await volunteer.waitForSelector(`label[for="code-${visit.id}"]:has-text("老人手表上的确认码")`);
    // 30 minutes of service, as if they had passed.
    await servedFor(hub, visit.id, 30);
    // What the elder's watch shows, read out to the volunteer.
    const code = await visitCode(hub, visit.id);
    expect(code).toMatch(/^\d{4}$/);
    await volunteer.fill(`#code-${visit.id}`, code === '0000' ? '1111' : '0000');
    await volunteer.click(`.order[data-order="${visit.id}"] .check-out`);
    await status(volunteer).filter({ hasText: '确认码不对，请再核对一次（还可以试 4 次）' }).waitFor();
    await shoot(volunteer, '70-responder-visit-code');
    await volunteer.fill(`#code-${visit.id}`, code);
    await volunteer.click(`.order[data-order="${visit.id}"] .check-out`);
    await status(volunteer).filter({ hasText: '服务已完成' }).waitFor();
    const done = (await api('GET', `/service-orders/${visit.id}`, specialist)).order;
    expect(done).toMatchObject({
      status: 'done',
      measured_minutes: 30,
      proof: { confirmation: 'elder_code' },
    });

    // The specialist certifies it: confirmed by the elder's code, it is paid at once.
    await api('POST', `/service-orders/${visit.id}/rate`, family, { rating: 5 });
    const certified = await api('POST', `/service-orders/${visit.id}/certify`, specialist, {
      claimed_minutes: 30,
    });
    expect(certified.credit).toMatchObject({ status: 'paid', credited_minutes: 30 });

    // The volunteer's own view.
    await volunteer.click('#tab-mine');
    await volunteer.waitForSelector('#my-summary:has-text("已获得 30 分钟")');
    expect(await volunteer.textContent('#my-summary')).toContain('实际服务 30 分钟');
    const upcoming = volunteer.locator(`.upcoming [data-order="${later.id}"]`);
    expect(await upcoming.textContent()).toContain('探访');
    expect(await upcoming.textContent()).toContain('王秀英');
    // The wanted time in the district's clock, as the family's and the time bank's lists write it.
    const wanted = new Date(later.wanted_at + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');
    expect(await upcoming.locator('.meta').first().textContent()).toBe(wanted);
    const past = volunteer.locator(`.past [data-order="${visit.id}"]`);
    expect(await past.textContent()).toContain('老人已用确认码确认');
    expect(await past.textContent()).toContain('获得 30 分钟');
    const month = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 7);
    const monthRow = volunteer.locator(`#months-table tr:has-text("${month}")`);
    expect((await monthRow.textContent())?.replace(/\s+/g, '')).toContain(`${month}1次30分钟30分钟`);
    expect(await volunteer.textContent('#certificates-panel')).toContain('登记的技能：急救');
    // Chinese throughout: no English word left in the view.
    expect(await volunteer.textContent('#mine')).not.toMatch(/\b(?:min|Visit|Confirmed|Certificates)\b/);
    expect(await overflowsSideways(volunteer)).toBe(false);
    await shoot(volunteer, '71-responder-my-services', true);

    // The service still to come can be handed back: at once open to the community again.
    await volunteer.click('#tab-requests');
    volunteer.once('dialog', (dialog) => void dialog.accept());
    await volunteer.click(`.order[data-order="${later.id}"] .hand-back`);
    await status(volunteer).filter({ hasText: '已退回，需求重新开放接单' }).waitFor();
    await volunteer.waitForSelector(
      `.orders:not(.mine) .order[data-order="${later.id}"][data-status="requested"]`,
    );
    expect((await api('GET', `/service-orders/${later.id}`, specialist)).order).toMatchObject({
      status: 'requested',
      volunteer_id: null,
    });
  }, 90_000);
});
