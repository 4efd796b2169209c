import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { emptyRow } from '../../ingest/minute-rollups.js';
import { dialects } from '../../test/support/databases.js';
import { advance, DetectorRig, elderId, shenzhen, useFakeClock } from '../../test/support/detector-kit.js';
import { defaultInactivityRules, Inactivity, type InactivityRules } from './inactivity.js';

const minute = 60_000;
const hour = 3_600_000;
/** The elder's own spans, short enough to walk through stage after stage. */
const shortSpans: InactivityRules = {
  ...defaultInactivityRules,
  perElder: { [elderId]: { warningMs: hour, spanMs: 2 * hour } },
};

/** One second of a watch's acceleration at 25 Hz: resting (sensor noise) or moving the arm. */
function accel(moving: boolean) {
  const at = (i: number, base: number) => base + (moving ? 0.4 * Math.sin(i / 2) : ((i * 7) % 5) * 0.004);
  const n = Array.from({ length: 25 }, (_, i) => i);
  return { hz: 25, x: n.map((i) => at(i, 0.02)), y: n.map((i) => at(i, 0.98)), z: n.map((i) => at(i, 0.12)) };
}

describe.each(dialects)('inactivity on %s', (dialect) => {
  let rig: DetectorRig;
  let inactivity: Inactivity;

  async function startInactivity(rules: InactivityRules): Promise<Inactivity> {
    const i = new Inactivity(rig.deps(rules));
    await i.start();
    await i.idle();
    return i;
  }
  /** The 1 s ticks run inside; the store is awaited after every `stepMs` (10 minutes: hours pass quickly). */
  const wait = (ms: number, stepMs = 10 * minute) => advance(ms, () => inactivity.idle(), { stepMs });
  const settle = () => inactivity.idle();

  beforeEach(async () => {
    useFakeClock(shenzhen(10));
    rig = await DetectorRig.open(dialect);
  });
  afterEach(async () => {
    await inactivity.stop();
    await rig.close();
    vi.useRealTimers();
  });

  it('[INACTIVITY-STAGES] low warning after 8 waking hours, medium after 12, night not counted (door at 16:00)', async () => {
    vi.setSystemTime(shenzhen(16));
    inactivity = await startInactivity(defaultInactivityRules);
    await rig.event('d-0001', 'close');
    // 16:00–22:00 is 6 waking hours; the 7th and 8th are 07:00–09:00 next morning.
    await wait(16 * hour + 58 * minute);
    expect(await rig.summary('inactivity')).toEqual([]);
    await wait(3 * minute);
    const [warning] = await rig.alerts('inactivity');
    expect(warning).toMatchObject({ status: 'open', severity: 'low' });
    expect(warning!.details).toMatchObject({ stage: 'warning', inactive_since: shenzhen(16) });
    // Four more waking hours: 13:00.
    await wait(3 * hour + 55 * minute);
    expect(await rig.summary('inactivity')).toEqual(['open/low']);
    await wait(6 * minute);
    const [alarm, ...more] = await rig.alerts('inactivity');
    expect(more).toEqual([]);
    expect(alarm).toMatchObject({ status: 'open', severity: 'medium' });
    expect(alarm!.details).toMatchObject({ stage: 'alarm', waking_span_ms: 12 * hour });
  });

  it('[INACTIVITY-SETTINGS] a stored span of 2 h applies at the next reload: warning after 80 min (two thirds), alarm after 2 h', async () => {
    inactivity = await startInactivity(defaultInactivityRules);
    await rig.setting('inactivity_span_min', 120);
    await inactivity.reload();
    await rig.event('d-0001', 'close');
    await wait(79 * minute, minute);
    expect(await rig.summary('inactivity')).toEqual([]);
    await wait(2 * minute, minute);
    expect(await rig.summary('inactivity')).toEqual(['open/low']);
    await wait(40 * minute, minute);
    expect(await rig.summary('inactivity')).toEqual(['open/medium']);
  });

  it('[INACTIVITY-CLEAR] a door opening after the warning resolves it (activity_seen), and the clock restarts', async () => {
    inactivity = await startInactivity(shortSpans);
    await rig.event('d-0001', 'close');
    await wait(hour + minute);
    expect(await rig.summary('inactivity')).toEqual(['open/low']);
    await rig.event('d-0001', 'open');
    await settle();
    expect(await rig.summary('inactivity')).toEqual(['resolved/low/activity_seen']);
    await wait(hour - 2 * minute);
    expect(await rig.summary('inactivity')).toEqual(['resolved/low/activity_seen']);
    await wait(2 * hour);
    expect(await rig.summary('inactivity')).toEqual(['resolved/low/activity_seen', 'open/medium']);
  });

  it('[INACTIVITY-ACTIVITY] more steps, a moving wrist, standing or a posture change count; the rest does not', async () => {
    inactivity = await startInactivity(shortSpans);
    const cases: Array<{ idle: () => void; active: () => void }> = [
      {
        idle: () => rig.send('w-0001', { steps: 1200, worn: true }),
        active: () => rig.send('w-0001', { steps: 1215 }),
      },
      {
        idle: () => rig.send('w-0001', { accel: accel(false) }),
        active: () => rig.send('w-0001', { accel: accel(true) }),
      },
      {
        idle: () => rig.send('r-0001', { presence: true, posture: 'lying' }),
        active: () => rig.send('r-0001', { presence: true, posture: 'sitting' }),
      },
      {
        idle: () => rig.send('r-0001', { presence: false, posture: 'none' }),
        active: () => rig.send('r-0001', { presence: true, posture: 'standing' }),
      },
    ];
    let resolved = 0;
    for (const { idle, active } of cases) {
      idle();
      await wait(hour + minute);
      idle();
      await wait(minute);
      expect((await rig.summary('inactivity')).at(-1)).toBe('open/low');
      active();
      await settle();
      resolved++;
      expect(await rig.summary('inactivity')).toEqual(Array(resolved).fill('resolved/low/activity_seen'));
    }
  });

  it('[INACTIVITY-PERSON] the span is per person: the override raises after 2 hours, not 12', async () => {
    inactivity = await startInactivity(shortSpans);
    rig.send('r-0001', { presence: true, posture: 'lying' });
    await wait(2 * hour + minute);
    expect(await rig.summary('inactivity')).toEqual(['open/medium']);
    expect((await rig.alerts('inactivity'))[0]!.details).toMatchObject({
      stage: 'alarm',
      waking_span_ms: 2 * hour,
    });
  });

  it('[INACTIVITY-SILENT] an elder whose devices were never heard raises nothing', async () => {
    inactivity = await startInactivity(defaultInactivityRules);
    await advance(30 * hour, () => inactivity.idle(), { stepMs: hour });
    expect(await rig.summary('inactivity')).toEqual([]);
  });

  it('[INACTIVITY-RAISE-FAILS] a warning the store refused is raised at a later tick; the alarm still comes 2 hours after the activity', async () => {
    const deps = rig.deps(shortSpans);
    const raise = vi.spyOn(deps.alerts, 'raise').mockRejectedValueOnce(new Error('store away'));
    inactivity = new Inactivity(deps);
    await inactivity.start();
    await rig.event('d-0001', 'close');
    await wait(hour + 3 * minute, minute); // the warning was due at 1 hour; reconciled once a minute
    expect(await rig.summary('inactivity')).toEqual(['open/low']);
    expect(raise).toHaveBeenCalledTimes(2);
    await wait(hour - 2 * minute, minute);
    expect(await rig.summary('inactivity')).toEqual(['open/medium']);
  });

  it('[INACTIVITY-RESTART] the warning is not raised again after stop()/start(); it still turns medium and clears', async () => {
    const rollups = rig.rollups();
    inactivity = await startInactivity(shortSpans);
    await rig.event('d-0001', 'open');
    await wait(hour + minute);
    await inactivity.stop();
    await rollups.stop();
    await advance(10 * minute, async () => undefined, { stepMs: minute });
    inactivity = await startInactivity(shortSpans);
    await wait(30 * minute);
    const [warning, ...more] = await rig.alerts('inactivity');
    expect(more).toEqual([]);
    expect(warning).toMatchObject({ severity: 'low' });
    expect(warning!.details.repeats).toBeUndefined();
    // The door opening before the restart (in the rollups) is still the latest activity: 2 hours on, medium.
    await wait(20 * minute);
    expect(await rig.summary('inactivity')).toEqual(['open/medium']);
    rig.send('r-0001', { presence: true, posture: 'standing' });
    await settle();
    expect(await rig.summary('inactivity')).toEqual(['resolved/medium/activity_seen']);
  });

  it('[INACTIVITY-RESTART] the latest activity is rebuilt from the minute rollups (standing, more steps)', async () => {
    const row = (deviceId: string, at: number, values: { steps?: number; standing_ms?: number }) => ({
      ...emptyRow(deviceId, at, elderId),
      steps: values.steps ?? null,
      presence_ms: values.standing_ms ?? 0,
      standing_ms: values.standing_ms ?? 0,
    });
    await rig.store.db
      .insertInto('rollups_1m')
      .values([
        row('r-0001', shenzhen(9, 10), { standing_ms: 20_000 }),
        row('w-0001', shenzhen(9, 20), { steps: 100 }),
        row('w-0001', shenzhen(9, 40), { steps: 150 }),
        row('w-0001', shenzhen(9, 50), { steps: 150 }),
      ])
      .execute();
    inactivity = await startInactivity(shortSpans);
    // The last step was counted in the 09:40 minute: the warning is due an hour later.
    await wait(38 * minute, minute);
    expect(await rig.summary('inactivity')).toEqual([]);
    await wait(3 * minute, minute);
    expect(await rig.summary('inactivity')).toEqual(['open/low']);
  });
});
