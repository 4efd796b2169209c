import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestHub } from '../support/hub.js';
import { pressSos } from '../support/sos-answered.js';
import { desktop, shoot } from './support/browser.js';
import { type BrowserSession, startBrowserSession } from './support/session.js';
import { signIn } from './support/sign-in.js';

/**
 * 王秀英's watch sends one heart rate three times over 2.5 minutes (device time, within the hub's
 * clock-skew limit): long enough for the vitals rule, if the rate is beyond her limit. QoS 1: each
 * reading is PUBACKed once the hub has taken it in.
 */
async function heartRate(hub: TestHub, bpm: number): Promise<void> {
  const watch = await hub.connectDevice('w-0001', 'watch-secret-0001');
  const end = Date.now();
  for (const back of [150_000, 75_000, 0]) {
    const ts = end - back;
    await watch.publishAsync('care/w-0001/telemetry', JSON.stringify({ ts, heart_rate: bpm, worn: true }), {
      qos: 1,
    });
  }
  await watch.endAsync();
}

const vitalsAlerts = (hub: TestHub) =>
  hub.store.db.selectFrom('alerts').select(['id', 'details']).where('kind', '=', 'vitals').execute();

describe('per-elder settings in the console, in Chromium', () => {
  let session: BrowserSession;

  beforeAll(async () => {
    session = await startBrowserSession();
  }, 120_000);
  afterAll(async () => {
    await session?.close();
  }, 60_000);

  it('[CONSOLE-ELDER-SETTINGS] a specialist lowers 王秀英’s heart-rate limit in the console; the running hub alerts on a rate it let pass before', async () => {
    const { hub, url } = session;
    // 118 bpm is within the hub's limit (130): no vitals alert.
    await heartRate(hub, 118);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await vitalsAlerts(hub), 'a vitals alert at 118 bpm under the limit of 130').toEqual([]);

    const desk = await session.open(desktop);
    await signIn(desk, url, 'spec-jingtian', 'spec-password-1');
    await desk.waitForSelector('#alert-queue');
    await pressSos(hub, 'w-0001', 'watch-secret-0001', 'settings-sos');
    await desk.waitForSelector('#alert-queue tbody tr[data-kind="sos"]', { timeout: 5000 });
    await desk.click('#alert-queue tr[data-kind="sos"] a.elder-link');

    // The settings under her record: what is in effect and the unit default, in Chinese.
    const high = desk.locator('.care-settings tr[data-setting="heart_rate_high"]');
    await high.waitFor({ timeout: 5000 });
    expect(await desk.textContent('.care-settings h3')).toBe('个性化阈值设置');
    expect(await high.textContent()).toContain('心率上限');
    expect(await high.locator('.effective').textContent()).toBe('130 次/分（单位默认）');
    expect(await high.locator('.unit-default').textContent()).toBe('130 次/分（全局）');

    // A low limit above the high one: refused by the hub, said in Chinese, nothing saved.
    await desk.fill('#setting-heart_rate_high', '80');
    await desk.fill('#setting-heart_rate_low', '90');
    await desk.click('#save-settings');
    const status = desk.locator('.care-settings .form-status');
    await desk.waitForFunction(
      () => document.querySelector('.care-settings .form-status')?.textContent?.startsWith('未保存'),
      undefined,
      { timeout: 5000 },
    );
    expect(await status.textContent()).toBe('未保存：心率下限须低于心率上限');
    expect(await status.getAttribute('data-tone')).toBe('error');
    expect(hub.district.elder('e-0001')?.settings.heart_rate_high).toBeUndefined();
    // Out of its range: refused in the form itself.
    await desk.fill('#setting-heart_rate_low', '5');
    await desk.click('#save-settings');
    expect(await status.textContent()).toBe('未保存：心率下限须为 30–100 次/分 之间的整数');

    // The high limit alone: saved, in effect at once.
    await desk.fill('#setting-heart_rate_low', '');
    await desk.fill('#setting-heart_rate_high', '110');
    await desk.click('#save-settings');
    await desk.waitForFunction(
      () => document.querySelector('.care-settings .form-status')?.textContent === '已保存，立即生效',
      undefined,
      { timeout: 5000 },
    );
    expect(await high.locator('.effective').textContent()).toBe('110 次/分（本人）');
    expect(await high.getAttribute('data-source')).toBe('elder');
    await shoot(desk, '33-elder-settings', true);

    // The same 118 bpm now breaks her limit: the vitals alert reaches the queue, no restart between.
    await desk.click('a.back');
    await heartRate(hub, 118);
    const row = desk.locator('#alert-queue tbody tr[data-kind="vitals"]');
    await row.waitFor({ timeout: 10_000 });
    expect(await row.textContent()).toContain('体征异常');
    const [alert] = await vitalsAlerts(hub);
    expect(JSON.parse(alert!.details).watch_heart_rate.limits).toMatchObject({ high: 110 });
    // The change is in the audit log under her name.
    const audited = await hub.store.db
      .selectFrom('audit_entries')
      .select(['actor', 'detail'])
      .where('action', '=', 'settings_changed')
      .execute();
    expect(audited).toHaveLength(1);
    expect(audited[0]!.actor).toBe('spec-jingtian');
    expect(JSON.parse(audited[0]!.detail).changes).toEqual([
      { setting: 'heart_rate_high', old: { value: 130, source: 'unit' }, new: { value: 110, source: 'elder' } },
    ]);
  }, 120_000);
});
