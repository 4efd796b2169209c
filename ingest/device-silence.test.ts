import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadDeviceCatalog } from '../devices/catalog.js';
import { Channel } from '../kernel/channel.js';
import type { Store } from '../store/database.js';
import { dialects } from '../test/support/databases.js';
import { radarReading } from '../test/support/radar-reading.js';
import { storeWithElder } from '../test/support/small-store.js';
import { DeviceHealth, defaultHealthRules, type HealthChange } from './device-health.js';
import type { AvailabilityChange } from './device-intake.js';
import type { StoredEvent } from './event-log.js';
import { LastHeard } from './last-heard.js';
import type { Reading } from './readings.js';

const catalog = await loadDeviceCatalog();
const limit = catalog.get('fall_radar')!.silenceTimeoutMs; // two minutes
const grace = defaultHealthRules.reconnectGraceMs;
const T = Date.UTC(2026, 10, 30, 2, 0, 0);

describe.each(dialects)('a device’s silence across hub restarts and takeovers, on %s', (dialect) => {
  let store: Store;
  const running: DeviceHealth[] = [];
  /** When device_offline began for r-0001, on the hub's clock (every process's). */
  let offlineAt: number[];

  /** One hub process's device health; `owns` as in cluster mode. */
  async function startHealth(owns?: () => boolean) {
    const readings = new Channel<Reading>((e) => {
      throw e;
    });
    const changes = new Channel<HealthChange>((e) => {
      throw e;
    });
    changes.subscribe((c) => {
      if (c.change === 'began' && c.condition === 'device_offline') offlineAt.push(Date.now());
    });
    const health = new DeviceHealth({
      db: store.db,
      catalog,
      changes,
      conditionsOn: async () => [],
      readings,
      events: new Channel<StoredEvent>(() => undefined),
      availability: new Channel<AvailabilityChange>(() => undefined),
      heard: new LastHeard(),
      now: Date.now,
      logger: pino({ level: 'silent' }),
      rules: defaultHealthRules,
      owns: owns ? () => owns() : undefined,
    });
    await health.start();
    running.push(health);
    const hear = () => readings.publish(radarReading('standing'));
    return { health, hear };
  }

  async function stopHealth(health: DeviceHealth): Promise<void> {
    running.splice(running.indexOf(health), 1);
    await health.stop();
  }

  /** Moves the hub's clock to `at` in 1 s ticks, letting each tick's store writes finish. */
  async function advanceTo(at: number): Promise<void> {
    while (Date.now() < at) {
      await vi.advanceTimersByTimeAsync(Math.min(1000, at - Date.now()));
      for (const h of running) await h.idle();
    }
  }

  beforeEach(async () => {
    vi.useFakeTimers({
      toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout', 'Date'],
      now: T,
    });
    offlineAt = [];
    store = await storeWithElder(dialect, [{ id: 'r-0001', type: 'fall_radar' }]);
  });
  afterEach(async () => {
    for (const h of running.splice(0)) await h.stop();
    await store.close();
    vi.useRealTimers();
  });

  it('[HEALTH-SILENCE-RESTART] a radar dead before a restart is offline at its limit, not a limit after the restart', async () => {
    const first = await startHealth();
    first.hear();
    await advanceTo(T + 60_000);
    await stopHealth(first.health); // the hub goes down, the radar never speaks again
    await advanceTo(T + 80_000); // (limit − 40 s): back up, well inside the radar's limit
    await startHealth();
    await advanceTo(T + limit - 1000);
    expect(offlineAt).toEqual([]);
    await advanceTo(T + limit + 1000);
    expect(offlineAt).toHaveLength(1);
    expect(offlineAt[0]).toBeLessThanOrEqual(T + limit + 1000);
  });

  it('[HEALTH-SILENCE-RESTART] a hub crashing every 50 s still raises it: a limit that ran out while down gets only the reconnect grace', async () => {
    const first = await startHealth();
    first.hear();
    await advanceTo(T + 50_000);
    await stopHealth(first.health);
    await advanceTo(T + 65_000);
    const second = await startHealth();
    await advanceTo(T + 115_000);
    await stopHealth(second.health);
    await advanceTo(T + 130_000); // its limit ran out at T + 120 s, while the hub was down
    await startHealth();
    await advanceTo(T + 130_000 + grace - 1000);
    expect(offlineAt).toEqual([]);
    await advanceTo(T + 130_000 + grace + 1000);
    expect(offlineAt).toHaveLength(1);
  });

  it('[HEALTH-SILENCE-RESTART] a live radar that reconnects within the grace after a restart raises nothing', async () => {
    const first = await startHealth();
    first.hear();
    await advanceTo(T + 5000);
    await stopHealth(first.health);
    await advanceTo(T + limit - 5000); // its limit runs out 5 s after the start
    const second = await startHealth();
    await advanceTo(T + limit - 5000 + grace - 2000);
    second.hear(); // reconnected
    await advanceTo(T + 2 * limit);
    expect(offlineAt).toEqual([]);
  });

  it('[HEALTH-SILENCE-TAKEOVER] a radar whose old owner died is offline at its limit after the takeover, from the stored sighting', async () => {
    const owner = await startHealth();
    let ours = false;
    await startHealth(() => ours); // another process: not the radar's owner yet, never heard it
    owner.hear();
    await advanceTo(T + 60_000);
    await stopHealth(owner.health); // the owner dies
    await advanceTo(T + 80_000);
    ours = true;
    await running[0]!.takeOver();
    await advanceTo(T + limit - 1000);
    expect(offlineAt).toEqual([]);
    await advanceTo(T + limit + 1000);
    expect(offlineAt).toHaveLength(1);
  });
});
