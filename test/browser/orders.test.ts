import { describe, expect, it } from 'vitest';
import { adminPassword } from '../support/hub.js';
import { desktop, shoot } from './support/browser.js';
import { sessionForFile } from './support/session.js';
import { signIn } from './support/sign-in.js';

/** The district's date (UTC+8) `days` from now, as the console's date input holds it. */
const districtDay = (days: number) =>
  new Date(Date.now() + 8 * 3600_000 + days * 86_400_000).toISOString().slice(0, 10);

describe('需求发布 in Chromium (zh-CN)', () => {
  const session = sessionForFile();

  it('[CONSOLE-ORDERS] a specialist publishes a weekly meal and a one-off visit for an elder who phoned, then cancels the visit', async () => {
    const { hub } = session();
    const page = await session().open(desktop);
    await signIn(page, session().url, 'spec-jingtian', 'spec-password-1');
    await page.waitForSelector('#alert-queue');
    await page.click('a[href="#/timebank"]');
    await page.click('a[href="#/timebank/orders"]');
    await page.waitForSelector('#order-form');
    await page.waitForSelector('#order-elder option[value="e-0001"]', { state: 'attached' });

    // Every Wednesday and Friday at 11:30, meals for 王秀英.
    await page.selectOption('#order-elder', 'e-0001');
    await page.selectOption('#order-kind', 'meal_delivery');
    await page.fill('#order-note', '午饭，少盐');
    await page.fill('#order-time', '11:30');
    await page.check('#order-repeat');
    await page.check('#order-weekday-3');
    await page.check('#order-weekday-5');
    await page.click('#order-publish');
    await page.waitForSelector('.form-status:has-text("已设为每周定期需求：送餐")');
    const rule = await page.waitForSelector('#recurring-table tr:has-text("王秀英")');
    expect(await rule.textContent()).toMatch(/送餐.*每周三、五.*11:30/);
    const stored = (
      await hub.app.inject({ url: '/api/v1/recurring-requests', headers: hub.as(hub.adminToken) })
    ).json().recurring_requests;
    expect(stored).toMatchObject([
      {
        elder: { id: 'e-0001' },
        kind: 'meal_delivery',
        weekdays: [3, 5],
        time: '11:30',
        note: '午饭，少盐',
        created_by: 'spec-jingtian',
      },
    ]);

    // Tomorrow at 10:00, a visit, once.
    await page.uncheck('#order-repeat');
    await page.selectOption('#order-kind', 'visit');
    await page.fill('#order-note', '陪聊天');
    await page.fill('#order-day', districtDay(1));
    await page.fill('#order-time', '10:00');
    await page.click('#order-publish');
    await page.waitForSelector(`.form-status:has-text("已发布：探访，${districtDay(1)} 10:00")`);
    const row = await page.waitForSelector('#orders-table tr:has-text("陪聊天")');
    expect(await row.textContent()).toMatch(/王秀英.*探访.*待接单/);
    await shoot(page, '66-orders', true);

    // Cancelling asks twice.
    await page.click('#orders-table tr:has-text("陪聊天") button[data-cancel]');
    await page.waitForSelector('#orders-table tr:has-text("陪聊天") button:has-text("确认取消")');
    await page.click('#orders-table tr:has-text("陪聊天") button[data-cancel]');
    await page.waitForSelector('.form-status:has-text("已取消该需求")');
    await page.waitForSelector('#orders-table tr:has-text("陪聊天"):has-text("已取消")');
    // Only the finished or cancelled: the filter hides the rest.
    await page.selectOption('#orders-status', 'cancelled');
    await page.waitForSelector('#orders-table tr:has-text("陪聊天")');
    expect(await page.locator('#orders-table tbody tr').count()).toBe(1);

    // A volunteer took a request but cannot go: the specialist takes it back for the community.
    const specialistToken = await hub.login('spec-jingtian', 'spec-password-1');
    const asked = await hub.app.inject({
      method: 'POST',
      url: '/api/v1/service-orders',
      headers: hub.as(specialistToken),
      payload: {
        elder_id: 'e-0001',
        kind: 'phone_help',
        note: '教用智能手机',
        wanted_at: Date.now() + 86_400_000,
      },
    });
    expect(asked.statusCode, asked.body).toBe(201);
    const volunteer = await hub.login('v-0001', 'volunteer-password');
    const took = await hub.app.inject({
      method: 'POST',
      url: `/api/v1/service-orders/${asked.json().id}/take`,
      headers: hub.as(volunteer),
    });
    expect(took.statusCode, took.body).toBe(200);
    await page.selectOption('#orders-status', 'taken');
    await page.click(`button[data-reopen="${asked.json().id}"]`);
    await page.waitForSelector('.form-status:has-text("已收回，重新开放接单")');
    await page.selectOption('#orders-status', 'requested');
    await page.waitForSelector('#orders-table tr:has-text("教用智能手机"):has-text("待接单")');
  }, 90_000);

  it('[CONSOLE-FAMILY-SERVICES] a family member asks for a visit, rates it once served, and gives 30 minutes to the parent', async () => {
    const { hub } = session();
    const call = async (method: 'GET' | 'POST', url: string, token: string, payload?: object) => {
      const res = await hub.app.inject({
        method,
        url: `/api/v1${url}`,
        headers: { ...hub.as(token), 'idempotency-key': `test-${Math.random()}` },
        payload,
      });
      expect(res.statusCode, res.body).toBeLessThan(300);
      return res.json();
    };
    // The family's account holds an hour (an admin's grant from the community's fund).
    await call('POST', '/timebank/transfers', hub.adminToken, {
      from: { owner_id: 'jingtian', kind: 'fund' },
      to: { owner_id: 'fam-wang', kind: 'family' },
      minutes: 60,
    });
    const page = await session().open(desktop);
    await signIn(page, session().url, 'family-wang', 'family-password-1');
    await page.waitForSelector('#family-services-title');
    await page.waitForSelector('#family-balance:has-text("家庭账户余额：60 分钟")');

    await page.selectOption('.family-services #order-kind', 'visit');
    await page.fill('.family-services #order-note', '陪妈妈聊聊天');
    await page.fill('.family-services #order-day', districtDay(1));
    await page.fill('.family-services #order-time', '15:00');
    await page.click('.family-services #order-publish');
    await page.waitForSelector(
      `.family-services .form-status:has-text("已发布：探访，${districtDay(1)} 15:00")`,
    );
    await page.waitForSelector('#family-orders-table tr:has-text("探访"):has-text("待接单")');

    // The volunteer serves it (on the phone; here through the API).
    const volunteer = await hub.login('v-0001', 'volunteer-password');
    const order = (await call('GET', '/service-orders?status=requested', volunteer)).orders.find(
      (o: { note: string }) => o.note === '陪妈妈聊聊天',
    );
    const taken = await call('POST', `/service-orders/${order.id}/take`, volunteer);
    // At the elder's door.
    const door = { lat: taken.elder.lat, lon: taken.elder.lon };
    for (const step of ['check-in', 'check-out'])
      await call('POST', `/service-orders/${order.id}/${step}`, volunteer, door);
    await page.reload();
    // No code was entered: the family confirms the visit, so its certification is not held up.
    await page.click(`button[data-confirm="${order.id}"]`);
    await page.waitForSelector('.family-services .form-status:has-text("已确认本次上门服务")');
    await page.waitForSelector('#family-orders-table tr:has-text("家属已确认")');
    expect((await call('GET', `/service-orders/${order.id}`, hub.adminToken)).order.proof).toMatchObject({
      confirmation: 'family',
      confirmed_by: 'family-wang',
    });
    const rate = await page.waitForSelector(`form[data-rate="${order.id}"]`);
    await page.selectOption(`#family-rating-${order.id}`, '4');
    await page.fill(`#family-comment-${order.id}`, '很耐心');
    await (await rate.$('button'))!.click();
    await page.waitForSelector('.family-services .form-status:has-text("已评价，谢谢")');
    expect((await call('GET', `/service-orders/${order.id}`, hub.adminToken)).order).toMatchObject({
      status: 'rated',
      rating: 4,
      rating_comment: '很耐心',
    });

    await page.fill('#give-e-0001', '30');
    await page.click('form[data-give="e-0001"] button');
    await page.waitForSelector('.family-services .form-status:has-text("已赠送 30 分钟给 王秀英")');
    await page.waitForSelector('.parent-credits[data-elder="e-0001"]:has-text("王秀英的余额：30 分钟")');
    await page.waitForSelector('#family-balance:has-text("家庭账户余额：30 分钟")');
    expect((await call('GET', '/timebank/accounts/e-0001?kind=elder', hub.adminToken)).balance_minutes).toBe(
      30,
    );
    await shoot(page, '67-family-services', true);

    // In English at once, the services part too (it is kept across redraws, so it is relabelled).
    await page.click('button.lang');
    await page.waitForSelector('#family-services-title:has-text("Services and credits")');
    await page.waitForSelector('.family-services h3:has-text("Publish a service request")');
    await page.waitForSelector('#family-balance:has-text("Family account: 30 minutes")');
    await page.waitForSelector('#family-orders-table th:has-text("Rating")');
    // Nothing left in Chinese but her name and address, and what the family typed.
    const english = ['王秀英', '景田北一街 3 栋', '陪妈妈聊聊天'].reduce(
      (text, theirs) => text.replaceAll(theirs, ''),
      (await page.textContent('.family-services'))!,
    );
    expect(english.match(/[\u4e00-\u9fff]+/g)).toBeNull();
  }, 90_000);

  it('[CONSOLE-SERVICE-KINDS] the admin adds 理发 in the console, the specialist’s request form offers it; retired, it is offered no more', async () => {
    const { hub } = session();
    const admin = await session().open(desktop);
    await signIn(admin, session().url, 'admin', adminPassword);
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
    const specialist = await session().open(desktop);
    await signIn(specialist, session().url, 'spec-jingtian', 'spec-password-1');
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
