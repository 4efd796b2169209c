import { beforeEach, describe, expect, it } from 'vitest';
import { dialects } from '../test/support/databases.js';
import { type FallAlertsKit, kitMorning, useFallAlertsKit } from '../test/support/fall-alerts-kit.js';

const toldUp = '雷达看到您已起身，未发出跌倒报警；如需帮助请按呼救';

/** A watch's fall in its 30 s window while the home's radar (reporting every 2 s) watches. */
describe.each(dialects)('a watch fall with the radar on %s', (dialect) => {
  const kit = useFallAlertsKit(dialect);
  let k: FallAlertsKit;
  beforeEach(() => {
    k = kit();
  });

  it('[FALL-FUSION-UPRIGHT] up and alone through the window: no alert goes out, a closed record and the watch is told', async () => {
    k.modelAlarm();
    await k.radarFor(32_000, 'standing', 1);
    const [record, ...more] = await k.falls();
    expect(more).toEqual([]);
    expect(record).toMatchObject({
      status: 'cancelled',
      outcome: 'radar_upright',
      severity: 'medium',
      details: { source: 'watch_model', cancelled_by: 'radar_upright', radar_id: 'r-0001' },
    });
    expect(record!.details.upright_for_ms).toBeGreaterThanOrEqual(15_000);
    // nobody was sent: the dispatcher steps only on an alert opened
    expect(k.updates.map((u) => u.change)).toEqual(['closed']);
    const timeline = await k.alerts.timeline(record!.id);
    expect(timeline.map((e) => [e.to_status, e.code])).toEqual([
      ['open', 'opened'],
      ['cancelled', 'radar_upright'],
    ]);
    expect(k.told.at(-1)).toEqual({ deviceId: 'w-0001', text: toldUp });
    expect(await k.store.db.selectFrom('pending_falls').selectAll().execute()).toEqual([]);
  });

  it('[FALL-FUSION-UPRIGHT] sitting with no `targets` counts as alone too', async () => {
    k.modelAlarm();
    for (let t = 0; t < 32_000; t += 2000) {
      k.radar('sitting');
      await k.advance(2000);
    }
    expect(await k.falls()).toMatchObject([{ status: 'cancelled', outcome: 'radar_upright' }]);
  });

  it('[FALL-FUSION-VISITOR] someone standing with a second person in the room is not the fallen one up: raised', async () => {
    k.modelAlarm();
    await k.radarFor(32_000, 'standing', 2);
    expect(await k.falls()).toMatchObject([{ status: 'open', severity: 'critical' }]);
    expect(k.told.at(-1)!.text).toBe('已发出跌倒报警，正在通知服务人员');
  });

  it('[FALL-FUSION-LYING] lying 10 s from the detection raises the alert before the window ends, saying why', async () => {
    k.modelAlarm();
    await k.advance(2000);
    await k.radarFor(9000, 'lying');
    expect(await k.falls()).toEqual([]);
    await k.radarFor(2000, 'lying');
    const [alert] = await k.falls();
    expect(alert).toMatchObject({
      status: 'open',
      severity: 'critical',
      details: { escalated_by: 'radar_lying', radar_id: 'r-0001', source: 'watch_model' },
    });
    expect(alert!.details.lying_for_ms).toBeGreaterThanOrEqual(10_000);
    expect(Date.now() - kitMorning).toBeLessThan(15_000);
    await k.advance(30_000); // the window's own end adds nothing
    expect(await k.falls()).toHaveLength(1);
    expect(k.updates.map((u) => u.change)).toEqual(['opened']);
  });

  it('[FALL-FUSION-LYING] lying reported once keeps counting: raised 10 s after the detection without another reading', async () => {
    k.radar('lying'); // in bed before the watch's alarm: counted from the detection, not from the nap
    await k.advance(60_000);
    k.radar('lying');
    k.modelAlarm();
    await k.fallAlerts.idle();
    const detectedAt = Date.now();
    await k.advance(9000);
    expect(await k.falls()).toEqual([]);
    await k.advance(2000);
    const [alert] = await k.falls();
    expect(alert!.details).toMatchObject({ escalated_by: 'radar_lying' });
    expect(alert!.details.lying_for_ms).toBeGreaterThanOrEqual(10_000);
    expect(alert!.details.lying_for_ms).toBeLessThan(12_000);
    expect(Date.now() - detectedAt).toBeLessThan(12_000);
  });

  it('[FALL-FUSION-LYING] lying, then up: raised (once lying is seen after the fall, the radar never cancels it)', async () => {
    k.modelAlarm();
    await k.radarFor(4000, 'lying');
    await k.radarFor(28_000, 'standing', 1);
    const [alert] = await k.falls();
    expect(alert).toMatchObject({ status: 'open', severity: 'critical' });
    expect(alert!.details.escalated_by).toBeUndefined();
  });

  it('[FALL-FUSION-NONE] a home whose radar says nothing: raised when the 30 s are up, not before', async () => {
    k.modelAlarm();
    await k.advance(29_000);
    expect(await k.falls()).toEqual([]);
    await k.advance(2000);
    expect(await k.falls()).toMatchObject([{ status: 'open', severity: 'critical' }]);
  });

  it('[FALL-FUSION-STALE] a radar that went quiet 12 s before the window ended is not evidence: raised', async () => {
    k.modelAlarm();
    await k.radarFor(18_000, 'standing', 1);
    await k.advance(14_000);
    expect(await k.falls()).toMatchObject([{ status: 'open', severity: 'critical' }]);
  });

  it('[FALL-FUSION-STALE] upright seen only before the fall says nothing about after it: raised', async () => {
    await k.fallAlerts.stop();
    await k.start({ rules: { radarStaleMs: 60_000 } }); // a radar that reports once a minute
    k.radar('standing', true, 1);
    await k.advance(5000);
    k.modelAlarm();
    await k.advance(31_000);
    expect(await k.falls()).toMatchObject([{ status: 'open', severity: 'critical' }]);
  });

  it('[FALL-FUSION-OFF] with the fusion off the radar changes nothing', async () => {
    await k.fallAlerts.stop();
    await k.start({ rules: { fusion: false } });
    k.modelAlarm();
    await k.radarFor(32_000, 'standing', 1);
    expect(await k.falls()).toMatchObject([{ status: 'open', severity: 'critical' }]);
  });

  it('[FALL-FUSION-CRASH] a window resumed after a restart is never cancelled on the radar: raised', async () => {
    k.modelAlarm();
    await k.radarFor(10_000, 'standing', 1);
    await k.crashAndRestart(2000);
    await k.radarFor(20_000, 'standing', 1);
    expect(await k.falls()).toMatchObject([{ status: 'open', severity: 'critical' }]);
  });

  it('[FALL-FUSION-RADAR] the radar’s own fall event still raises at once', async () => {
    k.modelAlarm();
    await k.radarFor(4000, 'standing', 1);
    k.event('r-0001', 'fall_radar', 'fall', { confidence: 0.9 });
    await k.fallAlerts.idle();
    expect(await k.falls()).toMatchObject([
      { status: 'open', severity: 'critical', details: { corroborated_by: ['radar'] } },
    ]);
  });
});
