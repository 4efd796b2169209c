import { describe, expect, it } from 'vitest';
import { openedAlertRow } from '../../alerts/alert-book.js';
import { desktop, shoot } from './support/browser.js';
import { sessionForFile } from './support/session.js';
import { signIn } from './support/sign-in.js';

describe('the console under its Content-Security-Policy', () => {
  const session = sessionForFile();

  it('[CSP-CHARTS] the report charts and their tooltips draw with nothing refused', async () => {
    const now = Date.now();
    for (const kind of ['sos', 'fall'] as const) {
      await session()
        .hub.store.db.insertInto('alerts')
        .values(
          openedAlertRow({
            elder_id: 'e-0001',
            org_unit_id: 'jingtian',
            kind,
            severity: 'critical',
            opened_at: now - 3_600_000,
          }),
        )
        .execute();
    }
    const page = await session().open(desktop);
    await signIn(page, session().url, 'spec-jingtian', 'spec-password-1');
    await page.waitForSelector('#alert-queue');
    await page.click('a[href="#/reports"]');
    await page.waitForSelector('#chart-kinds svg');
    for (const chart of ['#chart-kinds', '#chart-days']) {
      const box = (await page.locator(chart).boundingBox())!;
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.waitForTimeout(300);
    }
    await shoot(page, '90-csp-chart-tooltip');
    expect(session().cspViolations).toEqual([]);
  }, 60_000);

  it('[CSP-DOCS] Swagger UI at /docs draws the API under its own policy', async () => {
    const page = await session().open(desktop);
    await page.goto(`${session().url}/docs`);
    await page.waitForSelector('.swagger-ui .info .title');
    await page.waitForSelector('.opblock-tag');
    expect(await page.textContent('.swagger-ui .info .title')).toContain('Yiyang hub API');
    expect(session().cspViolations).toEqual([]);
  }, 60_000);
});
