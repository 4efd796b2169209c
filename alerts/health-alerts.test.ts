import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Measurements } from '../devices/capabilities.js';
import { type DeviceCatalog, loadDeviceCatalog } from '../devices/catalog.js';
import { DeviceHealth, defaultHealthRules, type HealthChange } from '../ingest/device-health.js';
import type { AvailabilityChange } from '../ingest/device-intake.js';
import type { StoredEvent } from '../ingest/event-log.js';
import { LastHeard } from '../ingest/last-heard.js';
import type { Reading } from '../ingest/readings.js';
import { Channel } from '../kernel/channel.js';
import type { Store } from '../store/database.js';
import { dialects } from '../test/support/databases.js';
import { storeWithElder } from '../test/support/small-store.js';
import { AlertBook, type AlertUpdate } from './alert-book.js';
import { HealthAlerts } from './health-alerts.js';

const catalog: DeviceCatalog = await loadDeviceCatalog();
const watchTimeout = catalog.get('watch')!.silenceTimeoutMs;
// 2026-11-30 10:00 in Shenzhen (UTC+8): daytime.
const morning = Date.UTC(2026, 10, 30, 2, 0, 0);

describe.each(dialects)('device health alerts on %s', (dialect) => {
  let store: Store;
  let health: DeviceHealth;
  let healthAlerts: HealthAlerts;
  let readings: Channel<Reading>;
  let updates: AlertUpdate[];
  let book: AlertBook;

  async function startHealth(wall?: () => number): Promise<DeviceHealth> {
    readings = new Channel<Reading>((e) => {
      throw e;
    });
    const alertUpdates = new Channel<AlertUpdate>((e) => {
      throw e;
    });
    alertUpdates.subscribe((u) => {
      updates.push(u);
    });
    const alerts = new AlertBook({ db: store.db, updates: alertUpdates, now: Date.now });
    book = alerts;
    const changes = new Channel<HealthChange>((e) => {
      throw e;
    });
    healthAlerts = new HealthAlerts({ alerts, changes, logger: pino({ level: 'silent' }) });
    healthAlerts.start();
    const h = new DeviceHealth({
      db: store.db,
      catalog,
      changes,
      conditionsOn: (condition) => healthAlerts.conditionsOn(condition),
      readings,
      events: new Channel<StoredEvent>(() => undefined),
      availability: new Channel<AvailabilityChange>(() => undefined),
      heard: new LastHeard(),
      now: Date.now,
      wall,
      logger: pino({ level: 'silent' }),
      rules: defaultHealthRules,
    });
    await h.start();
    return h;
  }

  /** Device health's latest write and every alert operation it caused have finished. */
  const settle = async () => {
    await health.idle();
    await healthAlerts.idle();
  };

  const stopHealth = async () => {
    await health.stop();
    await healthAlerts.stop();
  };

  const send = (data: Record<string, unknown>, deviceId = 'w-0001', deviceType = 'watch') =>
    readings.publish({
      deviceId,
      deviceType,
      elderId: 'e-0001',
      ts: Date.now(),
      receivedAt: Date.now(),
      clockSkewed: false,
      data: data as Measurements & { ts: number },
    });

  /** Advances fake time in 1 s ticks and lets each tick's store work finish. */
  async function advance(ms: number): Promise<void> {
    for (let t = 0; t < ms; t += 1000) {
      await vi.advanceTimersByTimeAsync(Math.min(1000, ms - t));
      await settle();
    }
  }

  const active = async (kind: string) =>
    await store.db.selectFrom('alerts').select(['status', 'outcome']).where('kind', '=', kind).execute();

  beforeEach(async () => {
    vi.useFakeTimers({
      toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout', 'Date'],
      now: morning,
    });
    updates = [];
    store = await storeWithElder(dialect, [
      { id: 'w-0001', type: 'watch' },
      { id: 'd-0001', type: 'door' },
    ]);
    health = await startHealth();
  });
  afterEach(async () => {
    await stopHealth();
    await store.close();
    vi.useRealTimers();
  });

  it('[HEALTH-OFFLINE] a silent watch raises device_offline within 1 s of its timeout, not before', async () => {
    send({ ts: Date.now(), battery: 80 });
    await advance(watchTimeout - 1000);
    expect(await active('device_offline')).toEqual([]);
    await advance(2000);
    expect(await active('device_offline')).toEqual([{ status: 'open', outcome: null }]);
    await advance(60_000);
    expect(await active('device_offline')).toHaveLength(1);
  });

  it('[HEALTH-OFFLINE] the alert clears itself when the device speaks again', async () => {
    send({ ts: Date.now() });
    await advance(watchTimeout + 1000);
    send({ ts: Date.now() });
    await settle();
    expect(await active('device_offline')).toEqual([{ status: 'resolved', outcome: 'device_returned' }]);
    expect(updates.map((u) => u.change)).toEqual(['opened', 'closed']);
  });

  it('[HEALTH-REVOKED] a revoked device is watched no more: its open alert closes and no new one opens', async () => {
    send({ ts: Date.now(), battery: 10 });
    await advance(watchTimeout + 1000);
    expect((await active('device_offline')).map((a) => a.status)).toEqual(['open']);
    health.forget('w-0001');
    await advance(watchTimeout * 2);
    expect(await active('device_offline')).toEqual([{ status: 'resolved', outcome: 'device_revoked' }]);
    expect(await active('low_battery')).toEqual([{ status: 'resolved', outcome: 'device_revoked' }]);
    expect(health.snapshot('w-0001')).toBeNull();
  });

  it('[HEALTH-STALL] time the hub itself was stalled (nothing read) is not a device’s silence', async () => {
    await stopHealth();
    health = await startHealth(() => Date.now()); // the wall clock follows the fake time
    send({ ts: Date.now() });
    await advance(60_000);
    // The event loop is blocked for a whole timeout: the next tick comes that late.
    vi.setSystemTime(Date.now() + watchTimeout);
    await advance(2000);
    expect(await active('device_offline')).toEqual([]);
    await advance(watchTimeout - 70_000);
    expect(await active('device_offline')).toEqual([]);
    await advance(20_000);
    expect(await active('device_offline')).toEqual([{ status: 'open', outcome: null }]);
  });

  it('[HEALTH-PERSIST] a change is stored within seconds, a newer "last seen" alone within a minute, all at stop', async () => {
    const stored = async () =>
      await store.db
        .selectFrom('device_health')
        .select(['last_seen_at', 'battery'])
        .where('device_id', '=', 'w-0001')
        .executeTakeFirst();
    send({ ts: Date.now(), battery: 80 });
    await advance(6000);
    const first = await stored();
    expect(first).toEqual({ last_seen_at: morning, battery: 80 });
    await advance(10_000);
    send({ ts: Date.now(), battery: 80 }); // only "last seen" is newer
    await advance(6000);
    expect(await stored()).toEqual(first);
    await advance(60_000);
    expect((await stored())?.last_seen_at).toBe(morning + 16_000);
    send({ ts: Date.now(), battery: 79 }); // a change
    await advance(6000);
    expect((await stored())?.battery).toBe(79);
    send({ ts: Date.now(), battery: 79 });
    await stopHealth();
    expect((await stored())?.last_seen_at).toBe(Date.now());
    health = await startHealth();
  });

  it('[HEALTH-RACE] a device that returns while its alert is being raised ends with no open alert', async () => {
    send({ ts: Date.now() });
    await vi.advanceTimersByTimeAsync(watchTimeout + 1000); // the raise is queued, not awaited
    send({ ts: Date.now() });
    await settle();
    expect((await active('device_offline')).filter((a) => a.status === 'open')).toEqual([]);
  });

  it('[HEALTH-RAISE-FAILS] an offline alert the store refused is raised at a later tick while the device stays silent', async () => {
    send({ ts: Date.now() });
    const raise = vi.spyOn(book, 'raise').mockRejectedValueOnce(new Error('store away'));
    await advance(watchTimeout + 1000);
    expect(raise).toHaveBeenCalled();
    await advance(5000);
    expect(await active('device_offline')).toEqual([{ status: 'open', outcome: null }]);
    send({ ts: Date.now() });
    await settle();
    expect(await active('device_offline')).toEqual([{ status: 'resolved', outcome: 'device_returned' }]);
  });

  it('[HEALTH-RESTART] across a restart an open offline alert is neither raised twice nor stuck', async () => {
    send({ ts: Date.now() });
    await advance(watchTimeout + 1000);
    await stopHealth();
    await advance(3_600_000);
    health = await startHealth();
    await advance(watchTimeout + 5000);
    expect(await active('device_offline')).toEqual([{ status: 'open', outcome: null }]);
    send({ ts: Date.now() });
    await settle();
    expect(await active('device_offline')).toEqual([{ status: 'resolved', outcome: 'device_returned' }]);
  });

  it('[HEALTH-RESTART] silence is counted from the restart: the hub being down is not the device being down', async () => {
    send({ ts: Date.now() });
    await advance(5000);
    await stopHealth();
    await advance(2 * watchTimeout);
    health = await startHealth();
    await advance(watchTimeout - 2000);
    expect(await active('device_offline')).toEqual([]);
    await advance(3000);
    expect(await active('device_offline')).toHaveLength(1);
  });

  it('[HEALTH-BATTERY] low_battery at 15 % or less, once; it clears at 20 %, not at 18 %', async () => {
    send({ ts: Date.now(), battery: 16 });
    await advance(1000);
    expect(await active('low_battery')).toEqual([]);
    send({ ts: Date.now(), battery: 15 });
    send({ ts: Date.now(), battery: 14 });
    await advance(1000);
    expect(await active('low_battery')).toEqual([{ status: 'open', outcome: null }]);
    send({ ts: Date.now(), battery: 18 });
    await advance(1000);
    expect(await active('low_battery')).toEqual([{ status: 'open', outcome: null }]);
    send({ ts: Date.now(), battery: 20 });
    await advance(1000);
    expect(await active('low_battery')).toEqual([{ status: 'resolved', outcome: 'battery_recharged' }]);
  });

  it('[HEALTH-NOT-WORN] a watch off the wrist for 30 daytime minutes raises not_worn; wearing it clears it', async () => {
    send({ ts: Date.now(), worn: false });
    await advance(29 * 60_000);
    expect(await active('not_worn')).toEqual([]);
    await advance(61_000);
    expect(await active('not_worn')).toEqual([{ status: 'open', outcome: null }]);
    send({ ts: Date.now(), worn: true });
    await settle();
    expect(await active('not_worn')).toEqual([{ status: 'resolved', outcome: 'worn_again' }]);
  });

  it('[HEALTH-NOT-WORN] taken off at night (21:50) it is due after 30 minutes of daytime: 07:20 next morning', async () => {
    vi.setSystemTime(Date.UTC(2026, 10, 30, 13, 50)); // 21:50 local
    send({ ts: Date.now(), worn: false });
    const hours = (h: number) => h * 3_600_000;
    // The watch keeps reporting (charging on the nightstand) so it never counts as offline.
    for (let i = 0; i < 9; i++) {
      await advance(hours(1));
      send({ ts: Date.now() });
    }
    expect(vi.getMockedSystemTime()!.valueOf()).toBe(Date.UTC(2026, 10, 30, 22, 50)); // 06:50 local
    expect(await active('not_worn')).toEqual([]);
    await advance(29 * 60_000);
    expect(await active('not_worn')).toEqual([]);
    await advance(2 * 60_000);
    expect(await active('not_worn')).toHaveLength(1);
  });
});
