import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AlertBook, type AlertUpdate } from '../alerts/alert-book.js';
import type { Posture } from '../devices/capabilities.js';
import { loadDeviceCatalog } from '../devices/catalog.js';
import type { Reading } from '../ingest/readings.js';
import { Channel } from '../kernel/channel.js';
import type { Store } from '../store/database.js';
import { dialects } from '../test/support/databases.js';
import { storeWithElder } from '../test/support/small-store.js';
import { FallAlerts } from './fall-alerts.js';
import type { FallModelAlarm } from './pool/protocol.js';

const catalog = await loadDeviceCatalog();
const morning = Date.UTC(2026, 10, 30, 2, 0, 0);

describe.each(dialects)('fall alerts on %s', (dialect) => {
  let store: Store;
  let fallAlerts: FallAlerts;
  let alarms: Channel<FallModelAlarm>;
  let readings: Channel<Reading>;
  let told: Array<{ deviceId: string; text: string }>;
  let updates: AlertUpdate[];
  let eventSeq = 0;

  const fail = (e: unknown) => {
    throw e;
  };

  async function startFallAlerts(
    cancelWindowOf?: (elderId: string) => number | undefined,
  ): Promise<FallAlerts> {
    alarms = new Channel<FallModelAlarm>(fail);
    readings = new Channel<Reading>(fail);
    const alertUpdates = new Channel<AlertUpdate>(fail);
    alertUpdates.subscribe((u) => {
      updates.push(u);
    });
    const f = new FallAlerts({
      alarms,
      readings,
      alerts: new AlertBook({ db: store.db, updates: alertUpdates, now: Date.now }),
      db: store.db,
      catalog,
      notify: async (deviceId, text) => {
        told.push({ deviceId, text });
      },
      logger: pino({ level: 'silent' }),
      now: Date.now,
      ...(cancelWindowOf ? { cancelWindowOf } : {}),
    });
    await f.start();
    return f;
  }

  const modelAlarm = (score = 0.97) =>
    alarms.publish({ deviceId: 'w-0001', elderId: 'e-0001', peakMs: Date.now() - 4000, peakG: 4.2, score });

  // Events arrive as EventAlerts hands them over: without waiting, like the channel did.
  const event = (deviceId: string, deviceType: string, type: string, data: Record<string, unknown> = {}) =>
    void fallAlerts.handleEvent({
      deviceId,
      deviceType,
      elderId: 'e-0001',
      eventId: String(++eventSeq),
      type,
      ts: Date.now(),
      receivedAt: Date.now(),
      data: { ts: Date.now(), event_id: String(eventSeq), type, ...data },
      measured: undefined,
    });

  const radar = (posture: Posture, presence = true) =>
    readings.publish({
      deviceId: 'r-0001',
      deviceType: 'fall_radar',
      elderId: 'e-0001',
      ts: Date.now(),
      receivedAt: Date.now(),
      clockSkewed: false,
      data: { ts: Date.now(), posture, presence },
    });

  /** Advances fake time in 1 s steps, letting the store work of each step finish. */
  async function advance(ms: number): Promise<void> {
    for (let t = 0; t < ms; t += 1000) {
      await vi.advanceTimersByTimeAsync(Math.min(1000, ms - t));
      await fallAlerts.idle();
    }
  }

  const falls = async () =>
    (
      await store.db
        .selectFrom('alerts')
        .select(['status', 'severity', 'outcome', 'details'])
        .where('kind', '=', 'fall')
        .execute()
    ).map((a) => ({ ...a, details: JSON.parse(a.details) as Record<string, unknown> }));

  beforeEach(async () => {
    vi.useFakeTimers({
      toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
      now: morning,
    });
    told = [];
    updates = [];
    store = await storeWithElder(dialect, [
      { id: 'w-0001', type: 'watch' },
      { id: 'r-0001', type: 'fall_radar' },
    ]);
    fallAlerts = await startFallAlerts();
  });
  afterEach(async () => {
    await fallAlerts.stop();
    await store.close();
    vi.useRealTimers();
  });

  it('[FALL-CANCEL] a model alarm tells the watch at once; "I\'m OK" within 30 s raises nothing', async () => {
    modelAlarm();
    await fallAlerts.idle();
    expect(told).toEqual([{ deviceId: 'w-0001', text: '检测到跌倒，30 秒内按“我没事”可取消' }]);
    await advance(20_000);
    event('w-0001', 'watch', 'ok');
    await advance(60_000);
    expect(await falls()).toEqual([]);
    expect(told.at(-1)).toEqual({ deviceId: 'w-0001', text: '已取消跌倒报警' });
  });

  it('[FALL-CANCEL] without "I\'m OK" a critical fall alert is raised when the 30 s are up, not before', async () => {
    modelAlarm(0.91);
    await advance(29_000);
    expect(await falls()).toEqual([]);
    await advance(2000);
    const [alert] = await falls();
    expect(alert).toMatchObject({ status: 'open', severity: 'critical' });
    expect(alert!.details).toMatchObject({ source: 'watch_model', score: 0.91, peak_g: 4.2, detections: 1 });
  });

  it('[FALL-SETTINGS] an elder’s own cancel window (60 s) replaces the 30 s: told so, raised when it is up', async () => {
    await fallAlerts.stop();
    fallAlerts = await startFallAlerts((elderId) => (elderId === 'e-0001' ? 60_000 : undefined));
    modelAlarm();
    await fallAlerts.idle();
    expect(told).toEqual([{ deviceId: 'w-0001', text: '检测到跌倒，60 秒内按“我没事”可取消' }]);
    await advance(59_000);
    expect(await falls()).toEqual([]);
    await advance(2000);
    const [alert] = await falls();
    expect(alert).toMatchObject({ status: 'open', severity: 'critical' });
    expect(alert!.details).toMatchObject({ cancel_window_ms: 60_000 });
  });

  it('[FALL-COALESCE] detections within the incident give one alert: counted in the window, repeats after it', async () => {
    modelAlarm();
    await advance(5000);
    event('w-0001', 'watch', 'fall', { confidence: 0.8 }); // the watch's own detector agrees
    await advance(30_000);
    expect(told.filter((t) => t.text.startsWith('检测到跌倒'))).toHaveLength(1);
    let all = await falls();
    expect(all).toHaveLength(1);
    expect(all[0]!.details).toMatchObject({
      source: 'watch_model',
      corroborated_by: ['watch_event'],
      detections: 2,
    });
    expect(all[0]!.details.repeats).toBeUndefined();

    await advance(60_000);
    modelAlarm(); // a second alarm while the alert is open updates it, with no new window
    await advance(1000);
    all = await falls();
    expect(all).toHaveLength(1);
    expect(all[0]!.details.repeats).toBe(1);
    expect(updates.map((u) => u.change)).toEqual(['opened', 'updated']);
  });

  it('[FALL-CANCEL] "I\'m OK" after the window cancels the raised alert (wearer_ok)', async () => {
    modelAlarm();
    await advance(45_000);
    event('w-0001', 'watch', 'ok');
    await advance(1000);
    expect(await falls()).toMatchObject([{ status: 'cancelled', outcome: 'wearer_ok' }]);
    modelAlarm(); // a later fall is a new incident, with its own window
    await advance(1000);
    expect(told.filter((t) => t.text.startsWith('检测到跌倒'))).toHaveLength(2);
  });

  it('[FALL-RADAR] a radar fall raises the alert at once; the watch corroborates; fall_cleared is recorded', async () => {
    event('r-0001', 'fall_radar', 'fall', { confidence: 0.9 });
    await fallAlerts.idle();
    expect(await falls()).toMatchObject([{ status: 'open', severity: 'critical' }]);
    expect(told).toEqual([]);
    event('w-0001', 'watch', 'fall');
    await advance(1000);
    event('r-0001', 'fall_radar', 'fall_cleared');
    await advance(1000);
    const [alert] = await falls();
    expect(alert!.details).toMatchObject({
      source: 'radar',
      corroborated_by: ['watch_event'],
      radar_confidence: 0.9,
      fall_cleared_at: Date.now() - 1000,
      repeats: 2,
    });
  });

  it('[FALL-RADAR] a radar fall during a cancel window raises at once with both detections', async () => {
    modelAlarm();
    await advance(3000);
    event('r-0001', 'fall_radar', 'fall');
    await fallAlerts.idle();
    const [alert] = await falls();
    expect(alert!.details).toMatchObject({
      source: 'watch_model',
      corroborated_by: ['radar'],
      detections: 2,
    });
    await advance(60_000);
    expect(await falls()).toHaveLength(1);
  });

  it('[FALL-LYING] the radar seeing the person lying 2 min after the fall is recorded on the alert, once', async () => {
    event('r-0001', 'fall_radar', 'fall');
    for (let s = 0; s < 110; s += 5) {
      radar('lying');
      await advance(5000);
    }
    expect((await falls())[0]!.details.still_lying).toBeUndefined();
    for (let s = 0; s < 60; s += 5) {
      radar('lying');
      await advance(5000);
    }
    const [alert] = await falls();
    expect(alert!.details).toMatchObject({ still_lying: true, repeats: 1 });
    expect(alert!.details.lying_for_ms).toBeGreaterThanOrEqual(120_000);
  });

  it('[FALL-LYING] lying that is interrupted (the person got up) is not recorded', async () => {
    event('r-0001', 'fall_radar', 'fall');
    for (let s = 0; s < 180; s += 5) {
      radar(s === 60 ? 'standing' : 'lying');
      await advance(5000);
    }
    expect((await falls())[0]!.details.still_lying).toBeUndefined();
  });

  /** The hub dies: its timers and in-memory windows are gone, nothing is stopped or flushed. */
  async function crashAndRestart(downMs: number): Promise<void> {
    await fallAlerts.idle();
    const diedAt = Date.now();
    vi.clearAllTimers(); // (this also winds the fake clock back to its start)
    vi.setSystemTime(diedAt + downMs);
    fallAlerts = await startFallAlerts();
  }

  it('[FALL-CRASH] the hub dying 10 s into a cancel window loses nothing: the restarted hub raises it when the window ends', async () => {
    event('w-0001', 'watch', 'fall', { confidence: 0.8 });
    await advance(10_000);
    await crashAndRestart(5000);
    await advance(14_000);
    expect(await falls()).toEqual([]); // still the wearer's 30 s, counted from the fall
    await advance(2000);
    expect(await falls()).toMatchObject([
      { status: 'open', details: { source: 'watch_event', detections: 1 } },
    ]);
  });

  it('[FALL-CRASH] a model alarm whose window ran out while the hub was down is raised at its start', async () => {
    modelAlarm(0.93);
    await advance(3000);
    await crashAndRestart(60_000);
    await advance(1000);
    expect(await falls()).toMatchObject([
      { status: 'open', details: { source: 'watch_model', score: 0.93 } },
    ]);
  });

  it('[FALL-CRASH] "I\'m OK" after the restart, within the window, cancels the resumed window', async () => {
    modelAlarm();
    await advance(5000);
    await crashAndRestart(5000);
    event('w-0001', 'watch', 'ok');
    await advance(60_000);
    expect(await falls()).toEqual([]);
    expect(await store.db.selectFrom('pending_falls').selectAll().execute()).toEqual([]);
  });

  it('[FALL-STOP] stopping the hub during a cancel window raises the alert rather than lose the fall', async () => {
    modelAlarm();
    await advance(10_000);
    await fallAlerts.stop();
    expect(await falls()).toMatchObject([{ status: 'open', details: { raised_at_hub_stop: true } }]);
    fallAlerts = await startFallAlerts();
    event('w-0001', 'watch', 'ok'); // the wearer still can cancel it after the restart
    await advance(1000);
    expect(await falls()).toMatchObject([{ status: 'cancelled', outcome: 'wearer_ok' }]);
  });
});
