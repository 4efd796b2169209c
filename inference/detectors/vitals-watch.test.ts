import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { emptyRow } from '../../ingest/minute-rollups.js';
import type { RollupTable } from '../../store/schema.js';
import { dialects } from '../../test/support/databases.js';
import { advance, DetectorRig, elderId, shenzhen, useFakeClock } from '../../test/support/detector-kit.js';
import { defaultVitalsRules } from './vitals-rules.js';
import { VitalsWatch } from './vitals-watch.js';

const minute = 60_000;

describe.each(dialects)('vitals on %s', (dialect) => {
  let rig: DetectorRig;
  let vitals: VitalsWatch;

  async function startVitals(): Promise<VitalsWatch> {
    const v = new VitalsWatch(rig.deps(defaultVitalsRules));
    await v.start();
    await v.idle();
    return v;
  }

  /** The watch (and optionally the radar) report once a second for `ms`. */
  const stream = (ms: number, watch: Record<string, unknown> | null, radar?: Record<string, unknown>) =>
    advance(ms, () => vitals.idle(), {
      each: () => {
        if (watch) rig.send('w-0001', watch);
        if (radar) rig.send('r-0001', radar);
      },
    });

  beforeEach(async () => {
    useFakeClock(shenzhen(10));
    rig = await DetectorRig.open(dialect);
    vitals = await startVitals();
  });
  afterEach(async () => {
    await vitals.stop();
    await rig.close();
    vi.useRealTimers();
  });

  it('[VITALS-SETTINGS] the elder’s stored limits apply at the next reload: SpO2 92 % raises under a low limit of 93', async () => {
    await stream(3 * minute, { spo2: 92, heart_rate: 70, worn: true });
    expect(await rig.summary('vitals')).toEqual([]);
    await rig.setting('spo2_low', 93);
    await vitals.reload();
    await stream(2 * minute + 5000, { spo2: 92, heart_rate: 70, worn: true });
    const [alert] = await rig.alerts('vitals');
    expect(alert).toMatchObject({ status: 'open', severity: 'high' });
    expect(alert!.details).toMatchObject({
      metric: 'spo2',
      watch_spo2: { limits: { low: 93, extremeLow: 85 } },
    });
  });

  it('[VITALS-SETTINGS] a high limit of 160, above the extreme 150: 155 bpm raises nothing; 165 is critical, beyond both', async () => {
    await rig.setting('heart_rate_high', 160);
    await vitals.reload();
    await stream(3 * minute, { heart_rate: 155, worn: true });
    expect(await rig.summary('vitals')).toEqual([]);
    await stream(2 * minute + 5000, { heart_rate: 165, worn: true });
    const [alert] = await rig.alerts('vitals');
    expect(alert).toMatchObject({ status: 'open', severity: 'critical' });
    // The extreme moved along with the limit: never inside it.
    expect(alert!.details).toMatchObject({ watch_heart_rate: { limits: { high: 160, extremeHigh: 160 } } });
  });

  it('[VITALS-SETTINGS] limits that cross (low 95 over high 90) fall back to the defaults: 72 bpm raises nothing', async () => {
    await rig.setting('heart_rate_low', 95);
    await rig.setting('heart_rate_high', 90);
    await vitals.reload();
    await stream(3 * minute, { heart_rate: 72, worn: true });
    expect(await rig.summary('vitals')).toEqual([]);
  });

  it('[VITALS-LIMIT] heart rate 35 for 2 minutes raises a high vitals alert naming metric, range, span and watch', async () => {
    await stream(2 * minute, { heart_rate: 35, worn: true });
    expect(await rig.summary('vitals')).toEqual([]); // 120 readings span 119 s
    await stream(5000, { heart_rate: 36, worn: true });
    const [alert, ...more] = await rig.alerts('vitals');
    expect(more).toEqual([]);
    expect(alert).toMatchObject({ status: 'open', severity: 'high', device_id: 'w-0001' });
    expect(alert!.details).toMatchObject({
      metric: 'heart_rate',
      rule: 'limits',
      device_id: 'w-0001',
      watch_heart_rate: { min: 35, max: 36, for_ms: 120_000, readings: 121 },
    });
  });

  it('[VITALS-LIMIT] a dip to 35 for one minute among normal readings raises nothing', async () => {
    await stream(minute, { heart_rate: 35, worn: true });
    await stream(10 * minute, { heart_rate: 72, worn: true });
    expect(await rig.summary('vitals')).toEqual([]);
  });

  it('[VITALS-LIMIT] SpO2 below 90 % for 2 minutes is high; below 85 % it is critical', async () => {
    await stream(2 * minute + 2000, { heart_rate: 72, spo2: 88, worn: true });
    expect(await rig.summary('vitals')).toEqual(['open/high']);
    await stream(2 * minute + 2000, { heart_rate: 72, spo2: 82, worn: true });
    const [alert] = await rig.alerts('vitals');
    expect(alert).toMatchObject({ severity: 'critical' });
    expect(alert!.details).toMatchObject({ metric: 'spo2', rule: 'extreme', watch_spo2: { min: 82 } });
  });

  it('[VITALS-SEVERITY] extreme heart rate (25) for 2 minutes raises a critical alert at once', async () => {
    await stream(2 * minute + 2000, { heart_rate: 25, worn: true });
    expect(await rig.summary('vitals')).toEqual(['open/critical']);
    expect((await rig.alerts('vitals'))[0]!.details).toMatchObject({ rule: 'extreme' });
  });

  it('[VITALS-SEVERITY] 135 bpm is high after 2 minutes and the same alert turns critical after 10', async () => {
    await stream(3 * minute, { heart_rate: 135, worn: true });
    expect(await rig.summary('vitals')).toEqual(['open/high']);
    await stream(6 * minute + 50_000, { heart_rate: 135, worn: true });
    expect(await rig.summary('vitals')).toEqual(['open/high']);
    await stream(15_000, { heart_rate: 135, worn: true });
    expect(await rig.summary('vitals')).toEqual(['open/critical']);
    expect((await rig.alerts('vitals'))[0]!.details).toMatchObject({ rule: 'limits_long' });
  });

  it('[VITALS-SEVERITY] breathing rate from the radar beyond its limits raises; without presence it is ignored', async () => {
    await stream(3 * minute, null, { presence: false, posture: 'none', breathing_rate: 40 });
    expect(await rig.summary('vitals')).toEqual([]);
    await stream(3 * minute, null, { presence: true, posture: 'lying', breathing_rate: 34 });
    const [alert] = await rig.alerts('vitals');
    expect(alert).toMatchObject({ severity: 'high', device_id: 'r-0001' });
    expect(alert!.details).toMatchObject({ metric: 'breathing_rate', radar_breathing_rate: { min: 34 } });
  });

  it('[VITALS-BASELINE] a heart rate 38 bpm above the person’s own median for 10 minutes is medium', async () => {
    await vitals.stop();
    await seedHeartRateDays(rig, 2);
    vitals = await startVitals();
    expect(vitals.baselineOf(elderId)).toEqual({ median: 62, mad: 2 });
    await stream(9 * minute, { heart_rate: 100, worn: true });
    expect(await rig.summary('vitals')).toEqual([]);
    await stream(minute + 5000, { heart_rate: 100, worn: true });
    const [alert] = await rig.alerts('vitals');
    expect(alert).toMatchObject({ severity: 'medium' });
    expect(alert!.details).toMatchObject({
      rule: 'baseline',
      watch_heart_rate: { baseline_median: 62, baseline_mad: 2, min: 100 },
    });
  });

  it('[VITALS-BASELINE] without a completed day of history there is no baseline: 100 bpm raises nothing', async () => {
    await stream(15 * minute, { heart_rate: 100, worn: true });
    expect(vitals.baselineOf(elderId)).toBeNull();
    expect(await rig.summary('vitals')).toEqual([]);
  });

  it('[VITALS-BASELINE] the baseline learns live: an evening of readings is the next day’s yardstick', async () => {
    await vitals.stop();
    vi.setSystemTime(shenzhen(22, 59));
    vitals = await startVitals();
    await advance(61 * minute, () => vitals.idle(), {
      stepMs: 10_000,
      each: () => rig.send('w-0001', { heart_rate: 66, worn: true }),
    });
    expect(vitals.baselineOf(elderId)).toEqual({ median: 66, mad: 0 });
  });

  it('[VITALS-OFF-WRIST] heart rate 0 or 35 from a watch off the wrist (worn false, or removed) is ignored', async () => {
    await stream(3 * minute, { heart_rate: 0, worn: false });
    await stream(3 * minute, { heart_rate: 35, worn: false });
    await rig.event('w-0001', 'worn');
    await rig.event('w-0001', 'removed');
    await stream(3 * minute, { heart_rate: 35 });
    expect(await rig.summary('vitals')).toEqual([]);
    await rig.event('w-0001', 'worn');
    await stream(2 * minute + 2000, { heart_rate: 35 });
    expect(await rig.summary('vitals')).toEqual(['open/high']);
  });

  it('[VITALS-NO-PULSE] a worn watch reading 0 bpm for 30 s is a critical "no pulse" alert', async () => {
    await stream(25_000, { heart_rate: 0, worn: true });
    expect(await rig.summary('vitals')).toEqual([]);
    await stream(7000, { heart_rate: 0, worn: true });
    const [alert] = await rig.alerts('vitals');
    expect(alert).toMatchObject({ severity: 'critical' });
    expect(alert!.details).toMatchObject({ rule: 'no_pulse', radar_saw_breathing: false });
  });

  it('[VITALS-NO-PULSE] when the radar sees the person breathing meanwhile it is high, and says so', async () => {
    await stream(
      32_000,
      { heart_rate: 0, worn: true },
      { presence: true, posture: 'lying', breathing_rate: 14 },
    );
    const [alert] = await rig.alerts('vitals');
    expect(alert).toMatchObject({ severity: 'high' });
    expect(alert!.details).toMatchObject({
      rule: 'no_pulse_breathing',
      radar_saw_breathing: true,
      radar_id: 'r-0001',
      breathing_rate: 14,
    });
  });

  it('[VITALS-NO-PULSE] 0 bpm from a watch not known to be worn is no measurement, not a stopped heart', async () => {
    await stream(3 * minute, { heart_rate: 0 });
    expect(await rig.summary('vitals')).toEqual([]);
  });

  it('[VITALS-CLEAR] the alert resolves itself (vitals_normal) after 5 minutes back in range, not before', async () => {
    await stream(2 * minute + 2000, { heart_rate: 35, worn: true });
    await stream(4 * minute + 50_000, { heart_rate: 70, worn: true });
    expect(await rig.summary('vitals')).toEqual(['open/high']);
    await stream(15_000, { heart_rate: 70, worn: true });
    expect(await rig.summary('vitals')).toEqual(['resolved/high/vitals_normal']);
    // A new episode is a new alert.
    await stream(2 * minute + 2000, { heart_rate: 35, worn: true });
    expect(await rig.summary('vitals')).toEqual(['resolved/high/vitals_normal', 'open/high']);
  });

  it('[VITALS-CLEAR] one abnormal reading during recovery starts the 5 minutes again', async () => {
    await stream(2 * minute + 2000, { heart_rate: 35, worn: true });
    await stream(4 * minute, { heart_rate: 70, worn: true });
    await stream(1000, { heart_rate: 35, worn: true });
    await stream(4 * minute, { heart_rate: 70, worn: true });
    expect(await rig.summary('vitals')).toEqual(['open/high']);
    await stream(2 * minute, { heart_rate: 70, worn: true });
    expect(await rig.summary('vitals')).toEqual(['resolved/high/vitals_normal']);
  });

  it('[VITALS-RESTART] after stop() and start() the open alert is not raised again, and still clears', async () => {
    await stream(2 * minute + 2000, { heart_rate: 35, worn: true });
    await vitals.stop();
    await advance(minute, async () => undefined, { stepMs: minute });
    vitals = await startVitals();
    await stream(3 * minute, { heart_rate: 35, worn: true });
    const [alert, ...more] = await rig.alerts('vitals');
    expect(more).toEqual([]);
    expect(alert!.details.repeats).toBeUndefined();
    await stream(5 * minute + 2000, { heart_rate: 72, worn: true });
    expect(await rig.summary('vitals')).toEqual(['resolved/high/vitals_normal']);
  });

  it('[VITALS-RECONCILE] an alert closed at the console is not taken for open: the next episode raises anew', async () => {
    await stream(2 * minute + 2000, { heart_rate: 35, worn: true });
    const alerts = rig.deps(null).alerts;
    await alerts.resolve(`vitals:${elderId}`, { status: 'resolved', outcome: 'checked', actor: 'spec' });
    await stream(2 * minute, { heart_rate: 35, worn: true }); // the reconcile minute passes
    await stream(2 * minute + 2000, { heart_rate: 35, worn: true });
    expect(await rig.summary('vitals')).toEqual(['resolved/high/checked', 'open/high']);
  });
});

/** Minute rollups of the watch for `days` completed local days before today: 58–66 bpm, median 62. */
async function seedHeartRateDays(rig: DetectorRig, days: number): Promise<void> {
  const todayStart = shenzhen(0);
  const rows: RollupTable[] = [];
  for (let m = 0; m < days * 1440; m++) {
    const hr = 62 + ((m * 7) % 9) - 4;
    rows.push({
      ...emptyRow('w-0001', todayStart - (m + 1) * minute, elderId),
      hr_min: hr,
      hr_max: hr,
      hr_sum: hr * 60,
      hr_count: 60,
    });
  }
  for (let i = 0; i < rows.length; i += 500) {
    await rig.store.db
      .insertInto('rollups_1m')
      .values(rows.slice(i, i + 500))
      .execute();
  }
}
