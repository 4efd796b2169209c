import { beforeEach, describe, expect, it, vi } from 'vitest';
import { dialects } from '../test/support/databases.js';
import { type FallAlertsKit, useFallAlertsKit } from '../test/support/fall-alerts-kit.js';

describe.each(dialects)('fall alerts on %s', (dialect) => {
  const kit = useFallAlertsKit(dialect);
  let k: FallAlertsKit;
  beforeEach(() => {
    k = kit();
  });

  it('[FALL-CANCEL] a model alarm tells the watch at once; "I\'m OK" within 30 s raises nothing', async () => {
    k.modelAlarm();
    await k.fallAlerts.idle();
    expect(k.told).toEqual([{ deviceId: 'w-0001', text: '检测到跌倒，30 秒内按“我没事”可取消' }]);
    await k.advance(20_000);
    k.event('w-0001', 'watch', 'ok');
    await k.advance(60_000);
    expect(await k.falls()).toEqual([]);
    expect(k.told.at(-1)).toEqual({ deviceId: 'w-0001', text: '已取消跌倒报警' });
  });

  it('[FALL-CANCEL] without "I\'m OK" a critical fall alert is raised when the 30 s are up, not before', async () => {
    k.modelAlarm(0.91);
    await k.advance(29_000);
    expect(await k.falls()).toEqual([]);
    await k.advance(2000);
    const [alert] = await k.falls();
    expect(alert).toMatchObject({ status: 'open', severity: 'critical' });
    expect(alert!.details).toMatchObject({ source: 'watch_model', score: 0.91, peak_g: 4.2, detections: 1 });
  });

  it('[FALL-SETTINGS] an elder’s own cancel window (60 s) replaces the 30 s: told so, raised when it is up', async () => {
    await k.fallAlerts.stop();
    await k.start({ cancelWindowOf: (elderId) => (elderId === 'e-0001' ? 60_000 : undefined) });
    k.modelAlarm();
    await k.fallAlerts.idle();
    expect(k.told).toEqual([{ deviceId: 'w-0001', text: '检测到跌倒，60 秒内按“我没事”可取消' }]);
    await k.advance(59_000);
    expect(await k.falls()).toEqual([]);
    await k.advance(2000);
    const [alert] = await k.falls();
    expect(alert).toMatchObject({ status: 'open', severity: 'critical' });
    expect(alert!.details).toMatchObject({ cancel_window_ms: 60_000 });
  });

  it('[FALL-COALESCE] detections within the incident give one alert: counted in the window, repeats after it', async () => {
    k.modelAlarm();
    await k.advance(5000);
    k.event('w-0001', 'watch', 'fall', { confidence: 0.8 }); // the watch's own detector agrees
    await k.advance(30_000);
    expect(k.told.filter((t) => t.text.startsWith('检测到跌倒'))).toHaveLength(1);
    let all = await k.falls();
    expect(all).toHaveLength(1);
    expect(all[0]!.details).toMatchObject({
      source: 'watch_model',
      corroborated_by: ['watch_event'],
      detections: 2,
    });
    expect(all[0]!.details.repeats).toBeUndefined();

    await k.advance(60_000);
    k.modelAlarm(); // a second alarm while the alert is open k.updates it, with no new window
    await k.advance(1000);
    all = await k.falls();
    expect(all).toHaveLength(1);
    expect(all[0]!.details.repeats).toBe(1);
    expect(k.updates.map((u) => u.change)).toEqual(['opened', 'updated']);
  });

  it('[FALL-CANCEL] "I\'m OK" after the window cancels the raised alert (wearer_ok)', async () => {
    k.modelAlarm();
    await k.advance(45_000);
    k.event('w-0001', 'watch', 'ok');
    await k.advance(1000);
    expect(await k.falls()).toMatchObject([{ status: 'cancelled', outcome: 'wearer_ok' }]);
    k.modelAlarm(); // a later fall is a new incident, with its own window
    await k.advance(1000);
    expect(k.told.filter((t) => t.text.startsWith('检测到跌倒'))).toHaveLength(2);
  });

  it('[FALL-RADAR] a radar fall raises the alert at once; the watch corroborates; fall_cleared is recorded', async () => {
    k.event('r-0001', 'fall_radar', 'fall', { confidence: 0.9 });
    await k.fallAlerts.idle();
    expect(await k.falls()).toMatchObject([{ status: 'open', severity: 'critical' }]);
    expect(k.told).toEqual([]);
    k.event('w-0001', 'watch', 'fall');
    await k.advance(1000);
    k.event('r-0001', 'fall_radar', 'fall_cleared');
    await k.advance(1000);
    const [alert] = await k.falls();
    expect(alert!.details).toMatchObject({
      source: 'radar',
      corroborated_by: ['watch_event'],
      radar_confidence: 0.9,
      fall_cleared_at: Date.now() - 1000,
      repeats: 2,
    });
  });

  it('[FALL-RADAR] a radar fall during a cancel window raises at once with both detections', async () => {
    k.modelAlarm();
    await k.advance(3000);
    k.event('r-0001', 'fall_radar', 'fall');
    await k.fallAlerts.idle();
    const [alert] = await k.falls();
    expect(alert!.details).toMatchObject({
      source: 'watch_model',
      corroborated_by: ['radar'],
      detections: 2,
    });
    await k.advance(60_000);
    expect(await k.falls()).toHaveLength(1);
  });

  it('[FALL-LYING] the radar seeing the person lying 2 min after the fall is recorded on the alert, once', async () => {
    k.event('r-0001', 'fall_radar', 'fall');
    for (let s = 0; s < 110; s += 5) {
      k.radar('lying');
      await k.advance(5000);
    }
    expect((await k.falls())[0]!.details.still_lying).toBeUndefined();
    for (let s = 0; s < 60; s += 5) {
      k.radar('lying');
      await k.advance(5000);
    }
    const [alert] = await k.falls();
    expect(alert!.details).toMatchObject({ still_lying: true, repeats: 1 });
    expect(alert!.details.lying_for_ms).toBeGreaterThanOrEqual(120_000);
  });

  it('[FALL-LYING] lying that is interrupted (the person got up) is not recorded', async () => {
    k.event('r-0001', 'fall_radar', 'fall');
    for (let s = 0; s < 180; s += 5) {
      k.radar(s === 60 ? 'standing' : 'lying');
      await k.advance(5000);
    }
    expect((await k.falls())[0]!.details.still_lying).toBeUndefined();
  });

  it('[FALL-CRASH] the hub dying 10 s into a cancel window loses nothing: the restarted hub raises it when the window ends', async () => {
    k.event('w-0001', 'watch', 'fall', { confidence: 0.8 });
    await k.advance(10_000);
    await k.crashAndRestart(5000);
    await k.advance(14_000);
    expect(await k.falls()).toEqual([]); // still the wearer's 30 s, counted from the fall
    await k.advance(2000);
    expect(await k.falls()).toMatchObject([
      { status: 'open', details: { source: 'watch_event', detections: 1 } },
    ]);
  });

  it('[FALL-CRASH] a model alarm whose window ran out while the hub was down is raised at its start', async () => {
    k.modelAlarm(0.93);
    await k.advance(3000);
    await k.crashAndRestart(60_000);
    await k.advance(1000);
    expect(await k.falls()).toMatchObject([
      { status: 'open', details: { source: 'watch_model', score: 0.93 } },
    ]);
  });

  it('[FALL-CRASH] "I\'m OK" after the restart, within the window, cancels the resumed window', async () => {
    k.modelAlarm();
    await k.advance(5000);
    await k.crashAndRestart(5000);
    k.event('w-0001', 'watch', 'ok');
    await k.advance(60_000);
    expect(await k.falls()).toEqual([]);
    expect(await k.store.db.selectFrom('pending_falls').selectAll().execute()).toEqual([]);
  });

  it('[FALL-STOP] stopping the hub during a cancel window raises the alert rather than lose the fall', async () => {
    k.modelAlarm();
    await k.advance(10_000);
    await k.fallAlerts.stop();
    expect(await k.falls()).toMatchObject([{ status: 'open', details: { raised_at_hub_stop: true } }]);
    await k.start();
    k.event('w-0001', 'watch', 'ok'); // the wearer still can cancel it after the restart
    await k.advance(1000);
    expect(await k.falls()).toMatchObject([{ status: 'cancelled', outcome: 'wearer_ok' }]);
  });

  it('[FALL-TAKEOVER-RETRY] a fall left in its window by a process that died is raised by the one taking its elder over, though the store failed its first takeover', async () => {
    k.modelAlarm();
    await k.advance(5000);
    // The process dies 5 s into the window; another one, not yet the elder's owner, runs on.
    await k.fallAlerts.idle();
    const diedAt = Date.now();
    vi.clearAllTimers();
    vi.setSystemTime(diedAt);
    let owned = false;
    const other = await k.start({ owns: () => owned });
    // It takes the elder's partition over; the store fails its first read (a dropped connection).
    owned = true;
    vi.spyOn(k.alerts, 'activeIncidents').mockRejectedValueOnce(
      new Error('Connection terminated unexpectedly'),
    );
    await other.takeOver().catch(() => undefined);
    await k.advance(40_000);
    expect(await k.falls()).toMatchObject([{ status: 'open', severity: 'critical' }]);
    expect(await k.store.db.selectFrom('pending_falls').selectAll().execute()).toEqual([]);
  });

  it('[FALL-RAISE-FAILS] a radar fall whose alert could not be stored is not counted handled; handled again, it raises', async () => {
    const raise = vi.spyOn(k.alerts, 'raise').mockRejectedValueOnce(new Error('store away'));
    // EventAlerts marks an event handled only when this resolves: a rejection leaves it to the sweep.
    await expect(k.handled('r-0001', 'fall_radar', 'fall')).rejects.toThrow('store away');
    expect(await k.falls()).toEqual([]);
    await k.handled('r-0001', 'fall_radar', 'fall');
    expect(raise).toHaveBeenCalledTimes(2);
    expect(await k.falls()).toMatchObject([{ status: 'open', severity: 'critical' }]);
  });

  it('[FALL-RAISE-FAILS] a cancel window whose alert could not be stored when it ran out is raised 5 s later: the window keeps a timer', async () => {
    k.modelAlarm();
    await k.advance(5000);
    vi.spyOn(k.alerts, 'raise').mockRejectedValueOnce(new Error('store away'));
    await k.advance(26_000); // the window ran out at 30 s; its raise failed
    expect(await k.falls()).toEqual([]);
    await k.advance(5000);
    expect(await k.falls()).toMatchObject([{ status: 'open', severity: 'critical' }]);
    expect(k.told.at(-1)).toEqual({ deviceId: 'w-0001', text: '已发出跌倒报警，正在通知服务人员' });
  });
});
