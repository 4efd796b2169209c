import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminPassword } from '../support/hub.js';
import { desktop, shoot } from './support/browser.js';
import { type BrowserSession, startBrowserSession } from './support/session.js';
import { signIn } from './support/sign-in.js';

describe('the menu of service kinds in Chromium (zh-CN)', () => {
  let session: BrowserSession;
  beforeAll(async () => {
    session = await startBrowserSession();
  }, 120_000);
  afterAll(async () => {
    await session?.close();
  }, 60_000);

  it('[CONSOLE-SERVICE-KINDS] the admin adds 理发 in the console, the specialist’s request form offers it; retired, it is offered no more', async () => {
    const { hub } = session;
    const admin = await session.open(desktop);
    await signIn(admin, session.url, 'admin', adminPassword);
    await admin.waitForSelector('#alert-queue');
    await admin.click('a[href="#/timebank"]');
    await admin.click('a[href="#/timebank/kinds"]');
    // The seed's menu, each name editable in place.
    await admin.waitForSelector('#kind-zh-anti_fraud_training');
    expect(await admin.inputValue('#kind-zh-anti_fraud_training')).toBe('防诈骗培训');
    await admin.fill('#kind-code-new', 'haircut');
    await admin.fill('#kind-zh-new', '理发');
    await admin.fill('#kind-en-new', 'Haircut');
    await admin.click('#kind-add button[type="submit"]');
    await admin.waitForSelector('.form-status:has-text("已添加服务类型：理发")');
    await admin.waitForSelector('#kinds-table tr:has-text("haircut"):has-text("在用")');
    await shoot(admin, '70-service-kinds', true);
    const stored = (
      await hub.app.inject({ url: '/api/v1/service-kinds', headers: hub.as(hub.adminToken) })
    ).json();
    expect(stored.kinds.at(-1)).toMatchObject({ code: 'haircut', label_zh: '理发', label_en: 'Haircut' });

    // The specialist, in a console of their own, asks for it for 王秀英.
    const specialist = await session.open(desktop);
    await signIn(specialist, session.url, 'spec-jingtian', 'spec-password-1');
    await specialist.waitForSelector('#alert-queue');
    await specialist.click('a[href="#/timebank"]');
    await specialist.click('a[href="#/timebank/orders"]');
    const option = await specialist.waitForSelector('#order-kind option[value="haircut"]', {
      state: 'attached',
    });
    expect(await option.textContent()).toBe('理发');
    await specialist.waitForSelector('#order-elder option[value="e-0001"]', { state: 'attached' });
    await specialist.selectOption('#order-elder', 'e-0001');
    await specialist.selectOption('#order-kind', 'haircut');
    await specialist.fill('#order-note', '剪短一点');
    await specialist.click('#order-publish');
    await specialist.waitForSelector('.form-status:has-text("已发布：理发")');
    await specialist.waitForSelector('#orders-table tr:has-text("剪短一点"):has-text("理发")');

    // Retired by the admin: the form no longer offers it; the order keeps its name.
    await admin.click('button[data-retire="haircut"]');
    await admin.waitForSelector('.form-status:has-text("已停用：理发")');
    await admin.waitForSelector('#kinds-table tr:has-text("haircut"):has-text("已停用")');
    await specialist.click('a[href="#/timebank/certify"]');
    await specialist.click('a[href="#/timebank/orders"]');
    await specialist.waitForSelector('#order-kind option[value="visit"]', { state: 'attached' });
    expect(await specialist.locator('#order-kind option[value="haircut"]').count()).toBe(0);
    await specialist.waitForSelector('#orders-kind option[value="haircut"]:has-text("理发（已停用）")', {
      state: 'attached',
    });
    await specialist.waitForSelector('#orders-table tr:has-text("剪短一点"):has-text("理发")');
  }, 120_000);
});
