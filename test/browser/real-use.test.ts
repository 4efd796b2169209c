import type { BrowserContextOptions } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestHub } from '../support/hub.js';
import { pressSos } from '../support/sos-answered.js';
import { until } from '../support/wait.js';
import { unzip } from '../support/zip-reader.js';
import { desktop, phone, shoot } from './support/browser.js';
import { insertClosedAlert } from './support/closed-alert.js';
import { home } from './support/district.js';
import { downloaded } from './support/download.js';
import { type BrowserSession, startBrowserSession } from './support/session.js';
import { signIn } from './support/sign-in.js';

/** The console and the phones as people use them: live updates, closed apps, fresh sign-ins, downloads. */

const graceS = 2;
/** Long beside the grace: an offer that reaches the next responder soon cannot be the step running out. */
const offerExpiryS = 30;
/** 杨淑珍, a second volunteer 700 m north of 王秀英's home: beyond the first ladder step's 500 m. */
const yang = { lat: home.lat + 700 / 111_195, lon: home.lon };
const near = { lat: home.lat + 80 / 111_195, lon: home.lon };

describe('console and responder app under real use, in Chromium (zh-CN)', () => {
  let session: BrowserSession;
  let hub: TestHub;
  let admin: string;
  const open = (options: BrowserContextOptions) => session.open(options);
  const api = async (url: string, method: 'GET' | 'POST' = 'GET', payload?: object) => {
    const res = await hub.app.inject({ method, url: `/api/v1${url}`, headers: hub.as(admin), payload });
    expect(res.statusCode, res.body).toBeLessThan(300);
    return res.json();
  };
  const openAlert = async (): Promise<{ id: string; assignee_id: string | null }> => {
    const alerts = await until(
      async () =>
        (await api('/alerts?status=open')).alerts as Array<{ id: string; assignee_id: string | null }>,
      (list) => list.length === 1,
      5000,
    );
    expect(alerts).toHaveLength(1);
    return alerts[0]!;
  };
  const boardRow = async (id: string) =>
    (
      (await api('/responders')).responders as Array<{
        id: string;
        availability: string;
        on_duty: boolean;
        task_alert_id: string | null;
      }>
    ).find((r) => r.id === id);
  const phoneAt = async (username: string, password: string, where: { lat: number; lon: number }) => {
    const page = await open({
      ...phone,
      geolocation: { latitude: where.lat, longitude: where.lon },
      permissions: ['geolocation'],
    });
    await signIn(page, session.url, username, password);
    await page.waitForSelector('#duty:not([disabled])');
    return page;
  };

  beforeAll(async () => {
    session = await startBrowserSession({ appOfflineGraceS: graceS, offerExpiryS });
    hub = session.hub;
    admin = await hub.login('admin-lianhua', 'admin-password-2');
    const added = await hub.putDistrict({
      responders: [
        {
          id: 'v-0002',
          name: '杨淑珍',
          kind: 'volunteer',
          org_unit: 'jingtian',
          skills: ['first_aid'],
          location: yang,
        },
      ],
      users: [
        { username: 'v-0002', password: 'volunteer-password-2', role: 'responder', org_unit: 'jingtian' },
      ],
    });
    expect(added.statusCode, JSON.stringify(added.body)).toBe(200);
    await hub.dispatcher.reloadRoster();
  }, 120_000);
  afterAll(async () => {
    await session?.close();
  }, 60_000);

  it('[CONSOLE-LIVE-FORM] a live update while a note is typed and a responder chosen keeps both; the alert goes to the one chosen; closing asks for an outcome and a confirmation', async () => {
    const page = await open(desktop);
    await signIn(page, session.url, 'spec-jingtian', 'spec-password-1');
    await page.waitForSelector('#alert-queue');
    // Nobody is on duty: the ladder runs out at once and escalates, to the console and the family.
    await pressSos(hub, 'w-0001', 'watch-secret-0001', 'live-form-sos');
    const alert = await openAlert();
    await page.waitForSelector('.toast.critical:has-text("无人接单")', { timeout: 5000 });
    await page.waitForTimeout(1000);
    // One escalation, one toast (the family's copy of it is not news to the console).
    expect(await page.locator('.toast.critical:has-text("无人接单")').count()).toBe(1);
    await page.evaluate(`location.hash = '#/alert/${alert.id}'`);
    await page.waitForSelector('#acknowledge');
    await page.waitForSelector('#assign-to option[value="v-0002"]', { state: 'attached' });

    // The specialist picks 杨淑珍 and starts a note; the button names whom it assigns.
    await page.selectOption('#assign-to', 'v-0002');
    await page.click('#note-text');
    await page.keyboard.type('已电话联系家属，正在');

    // Meanwhile another user acknowledges it: the screen hears of it live and shows it.
    await api(`/alerts/${alert.id}/acknowledge`, 'POST');
    await page.waitForSelector('.detail-head .ack.yes', { timeout: 5000 });
    await page.waitForSelector('#acknowledge', { state: 'hidden', timeout: 5000 });
    // Time for any further reload the update set off (the screen batches them at 500 ms).
    await page.waitForTimeout(1200);
    expect(await page.inputValue('#note-text')).toBe('已电话联系家属，正在');
    expect(await page.inputValue('#assign-to')).toBe('v-0002');
    expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('note-text');
    await page.keyboard.type('核实');
    expect(await page.inputValue('#note-text')).toBe('已电话联系家属，正在核实');
    expect(await page.textContent('#assign')).toBe('指派给 杨淑珍');
    await shoot(page, '40-alert-live-update-kept', true);

    await page.click('#assign');
    await page.waitForSelector('.coming-line[data-assignee="v-0002"]', { timeout: 5000 });
    expect(await page.textContent('.form-status')).toBe('已指派给 杨淑珍');
    expect((await api(`/alerts/${alert.id}`)).alert.assignee_id).toBe('v-0002');
    // The note was not sent with anything: it is still there to be added on its own.
    expect(await page.inputValue('#note-text')).toBe('已电话联系家属，正在核实');
    await page.click('#add-note');
    await page.waitForSelector('.timeline li:has-text("已电话联系家属，正在核实")', { timeout: 5000 });
    expect(await page.inputValue('#note-text')).toBe('');
    await page.click('#add-note');
    expect(await page.textContent('.form-status')).toBe('备注为空，请先填写');

    // A hand assignment does not put her on duty: busy now, off duty again once released.
    expect(await boardRow('v-0002')).toMatchObject({ availability: 'busy', on_duty: false });

    // Closing: no outcome preselected, a second step to confirm.
    expect(await page.inputValue('#outcome')).toBe('');
    await page.click('#resolve');
    expect(await page.textContent('.form-status')).toBe('请先选择结案结果');
    await page.selectOption('#outcome', 'help_given');
    await page.click('#resolve');
    await page.waitForSelector('#resolve-question:has-text("确定以「已提供帮助」结案？")');
    await shoot(page, '41-alert-resolve-confirm', true);
    expect((await api(`/alerts/${alert.id}`)).alert.status).toBe('assigned');
    await page.click('#confirm-resolve');
    await page.waitForSelector('.closed-as:has-text("已处理 · 已提供帮助")', { timeout: 5000 });
    expect((await api(`/alerts/${alert.id}`)).alert).toMatchObject({
      status: 'resolved',
      outcome: 'help_given',
    });
    expect(
      await until(
        () => boardRow('v-0002'),
        (r) => r?.availability === 'off_duty',
      ),
    ).toMatchObject({
      availability: 'off_duty',
      on_duty: false,
    });
  }, 60_000);

  it('[CONSOLE-PEOPLE-NAMED] the console and the phone name people, not usernames: "已确认 · 陈晓梅" on the alert, her name on its timeline, the volunteer\'s name on the phone', async () => {
    const page = await open(desktop);
    await signIn(page, session.url, 'spec-jingtian', 'spec-password-1');
    await page.waitForSelector('#alert-queue');
    expect(await page.textContent('header .who')).toBe('陈晓梅');
    await pressSos(hub, 'w-0001', 'watch-secret-0001', 'people-named-sos');
    const alert = await openAlert();
    await page.evaluate(`location.hash = '#/alert/${alert.id}'`);
    await page.click('#acknowledge');
    const acknowledged = await page.waitForSelector('.acknowledged-by:has-text("已确认")', { timeout: 5000 });
    expect(await acknowledged.textContent()).toBe('已确认 · 陈晓梅');
    const ackEntry = await page.waitForSelector('.timeline li:has(.note[data-code="acknowledged"])');
    expect(await ackEntry.$eval('strong', (e) => e.textContent)).toBe('陈晓梅');

    await page.waitForSelector('#assign-to option[value="v-0002"]', { state: 'attached' });
    await page.selectOption('#assign-to', 'v-0002');
    await page.click('#assign');
    const assigned = await page.waitForSelector('.timeline li:has(.note[data-code="assigned_by_hand"])', {
      timeout: 5000,
    });
    expect(await assigned.textContent()).toContain('陈晓梅');
    expect(await assigned.textContent()).toContain('人工指派给 杨淑珍');
    expect(await page.textContent('#coming-title')).toBe('正在赶来');
    // Her phone greets her by name too.
    const yangPhone = await phoneAt('v-0002', 'volunteer-password-2', yang);
    expect(await yangPhone.textContent('header .who')).toBe('杨淑珍');
    await yangPhone.context().close();

    await page.selectOption('#outcome', 'help_given');
    await page.click('#resolve');
    await page.click('#confirm-resolve');
    const closed = await page.waitForSelector('.timeline li:has(.note[data-code="closed"])', {
      timeout: 5000,
    });
    expect(await closed.$eval('strong', (e) => e.textContent)).toBe('陈晓梅');
    // Closed, nobody is "on the way" any more: the card names who handled it, without a distance.
    await page.waitForSelector('#coming-title:has-text("处置人员")', { timeout: 5000 });
    expect(await page.textContent('.coming-line')).toBe('杨淑珍 · 志愿者');
    // Nowhere on the screen a username where a person is meant.
    expect(await page.evaluate<string>('document.body.innerText')).not.toContain('spec-jingtian');
    await shoot(page, '45-alert-people-named', true);
    // The response's service record in the time bank's orders: her name, and its note in Chinese.
    await page.evaluate(`location.hash = '#/timebank/orders'`);
    const record = await page.waitForSelector('#orders-table tr:has-text("一键呼救告警：已提供帮助")', {
      timeout: 5000,
    });
    expect(await record.textContent()).toContain('杨淑珍');
    await page.context().close();
  }, 60_000);

  it('[RESPONDER-DUTY-FROM-HUB] after a fresh sign-in the phone shows the duty the hub has, not what the phone remembers', async () => {
    const first = await phoneAt('v-0001', 'volunteer-password', near);
    await first.click('#duty');
    await first.waitForSelector('.duty.on');
    await first.context().close();

    // A new phone (nothing in its storage): on duty, as the hub has it.
    const fresh = await phoneAt('v-0001', 'volunteer-password', near);
    await fresh.waitForSelector('.duty.on', { timeout: 5000 });
    expect(await fresh.textContent('#duty-line')).toBe('您在岗，可以接收任务');
    expect(await fresh.textContent('header .who')).toBe('李建国');
    await shoot(fresh, '42-responder-duty-from-hub');
    await fresh.context().close();

    // A phone that remembers "on duty" from long ago does not put her on duty: the hub has her off.
    const stale = await open(phone);
    await stale.addInitScript(() => localStorage.setItem('duty:v-0002', 'true'));
    await signIn(stale, session.url, 'v-0002', 'volunteer-password-2');
    await stale.waitForSelector('.duty.off', { timeout: 5000 });
    await stale.waitForTimeout(500);
    expect(await boardRow('v-0002')).toMatchObject({ on_duty: false, availability: 'off_duty' });
    await stale.context().close();
  }, 60_000);

  it("[RESPONDER-TWO-PHONES] an offer taken on one of a volunteer's phones leaves the other: it shows the task, then the check-in", async () => {
    await hub.dispatcher.setDuty('v-0001', true);
    const first = await phoneAt('v-0001', 'volunteer-password', near);
    const second = await phoneAt('v-0001', 'volunteer-password', near);
    await pressSos(hub, 'w-0001', 'watch-secret-0001', 'two-phones-sos');
    await first.waitForSelector('.offer .accept', { timeout: 5000 });
    await second.waitForSelector('.offer .accept', { timeout: 5000 });

    await first.click('.offer .accept');
    // The other phone shows the task (name and address), and the offer is gone from it.
    await second.waitForSelector('.task', { timeout: 5000 });
    expect(await second.textContent('.task-name')).toBe('王秀英');
    expect(await second.$$('.offer')).toHaveLength(0);
    await shoot(second, '46-responder-second-phone-task');

    await first.click('#checkin');
    await first.waitForSelector('.task .good');
    // Checked in on one: the other says so, with no check-in or hand-back left to tap.
    await second.waitForSelector('.task .good', { timeout: 5000 });
    expect(await second.$('#checkin')).toBeNull();
    expect(await second.$('#hand-back')).toBeNull();

    const [alert] = (await api('/alerts?status=on_site')).alerts as Array<{
      id: string;
      assignee_id: string;
    }>;
    expect(alert).toMatchObject({ assignee_id: 'v-0001' });
    await api(`/alerts/${alert!.id}/resolve`, 'POST', { outcome: 'help_given' });
    await second.waitForSelector('.task', { state: 'detached', timeout: 5000 });
    await first.context().close();
    await second.context().close();
  }, 60_000);

  it('[DISPATCH-APP-OFFLINE] a volunteer closes the app: his offer is withdrawn after the grace (the timeline says why), the next responder is offered at once, and the board says "App 离线"', async () => {
    // 李建国 is on duty (the hub's state) with his app open.
    await hub.dispatcher.setDuty('v-0001', true);
    const li = await phoneAt('v-0001', 'volunteer-password', near);
    const yangPhone = await phoneAt('v-0002', 'volunteer-password-2', yang);
    await yangPhone.click('#duty');
    await yangPhone.waitForSelector('.duty.on');
    await yangPhone.waitForSelector('text=位置已更新');
    expect(await boardRow('v-0001')).toMatchObject({ on_duty: true, task_alert_id: null });

    // 李建国 closes the app; the SOS comes at once (within his grace the first step may still reach for him).
    await li.context().close();
    const closedAt = Date.now();
    await pressSos(hub, 'w-0001', 'watch-secret-0001', 'app-offline-sos');
    // His offer is withdrawn once the grace is over, and she is asked at once: not a ladder step (30 s) later.
    const offer = await yangPhone.waitForSelector('.offer', { timeout: graceS * 1000 + 3500 });
    const offeredAfterMs = Date.now() - closedAt;
    expect(offeredAfterMs).toBeLessThan(graceS * 1000 + 3500);
    expect(await offer.textContent()).toContain('约 700 米');
    await shoot(yangPhone, '43-responder-next-offered');

    // The step that reached her left him out: he never answered and his app is gone.
    const alert = await openAlert();
    const offered = (
      (await api(`/alerts/${alert.id}`)).timeline as Array<{ code: string | null; params: unknown }>
    )
      .filter((e) => e.code === 'offered')
      .map((e) => JSON.stringify(e.params));
    const toYang = offered.filter((n) => n.includes('杨淑珍'));
    expect(toYang.length, offered.join('\n')).toBeGreaterThan(0);
    expect(
      toYang.every((n) => !n.includes('李建国')),
      offered.join('\n'),
    ).toBe(true);

    // The console's board and assign list say what dispatch knows.
    expect(await boardRow('v-0001')).toMatchObject({ availability: 'app_offline', on_duty: true });
    const page = await open(desktop);
    await signIn(page, session.url, 'spec-jingtian', 'spec-password-1');
    await page.waitForSelector('#alert-queue');
    await page.click('a[href="#/responders"]');
    const row = await page.waitForSelector('#responder-board tr[data-id="v-0001"]');
    expect(await row.textContent()).toContain('App 离线');
    await shoot(page, '44-responders-app-offline');
    await page.evaluate(`location.hash = '#/alert/${alert.id}'`);
    const option = await page.waitForSelector('#assign-to option[value="v-0001"]', { state: 'attached' });
    expect(await option.textContent()).toContain('App 离线');
    // The timeline says whose offer was taken back, and why.
    const withdrawn = await page.waitForSelector('.timeline li:has(.note[data-code="offer_withdrawn"])');
    expect(await withdrawn.textContent()).toContain('李建国 的 App 已离线，派单已撤回，转派他人');
  }, 60_000);

  it('[REPORTS-FILES-NAMED] the CSV and Excel reports name the units and show rates and durations formatted', async () => {
    // Two alerts in 梅林社区, each acknowledged after 2 min 43 s; one a false alarm.
    const now = Date.now();
    for (const [id, outcome] of [
      ['m-1', 'false_alarm'],
      ['m-2', 'help_given'],
    ] as const) {
      await insertClosedAlert(hub, {
        id,
        elderId: 'e-0002',
        orgUnitId: 'meilin',
        kind: 'sos',
        outcome,
        openedAt: now - 3600_000,
        acknowledgedAt: now - 3600_000 + 162_709,
        acknowledgedBy: 'spec-meilin',
        closedAt: now,
      });
    }
    const page = await open({ ...desktop, acceptDownloads: true });
    await signIn(page, session.url, 'admin-lianhua', 'admin-password-2');
    await page.waitForSelector('a[href="#/reports"]');
    await page.click('a[href="#/reports"]');
    await page.waitForSelector('#report-unit option[value="meilin"]', { state: 'attached' });
    await page.selectOption('#report-unit', 'meilin');
    await page.click('.report-query button[type=submit]');
    await page.waitForSelector('#report-figures:has-text("50.0")');

    const csv = (await downloaded(page, '#report-csv')).bytes.toString('utf8').replace(/^\ufeff/, '');
    const lines = csv.split('\r\n');
    const firstRowOf = (title: string) => lines[lines.indexOf(title) + 2]!;
    expect(firstRowOf('汇总').split(',')[0]).toBe('梅林社区');
    expect(firstRowOf('汇总')).toContain(',50.0%,');
    expect(lines).toContain('60 秒内确认,0.0%,98.5%');
    expect(lines).toContain('确认用时中位数,2 分 43 秒,');
    expect(firstRowOf('各单位').split(',')[0]).toBe('梅林社区');
    expect(csv).not.toMatch(/\bmeilin\b/);
    expect(csv).not.toContain('162.7');

    const xlsx = unzip((await downloaded(page, '#report-xlsx')).bytes);
    const sheets = [...xlsx.entries()].filter(([name]) => name.startsWith('xl/worksheets/'));
    const text = sheets.map(([, body]) => body).join('\n');
    expect(text).toContain('>梅林社区</t>');
    expect(text).toContain('>50.0%</t>');
    expect(text).toContain('>2 分 43 秒</t>');
    expect(text).not.toContain('>meilin</t>');
    expect(text).not.toContain('<v>0.5</v>');
  }, 60_000);
});
