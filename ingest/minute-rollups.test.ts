import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Channel } from '../kernel/channel.js';
import type { Store } from '../store/database.js';
import { dialects } from '../test/support/databases.js';
import { storeWithElder } from '../test/support/small-store.js';
import type { StoredEvent } from './event-log.js';
import { MinuteRollups } from './minute-rollups.js';
import type { Reading } from './readings.js';
import { VitalsHistory } from './vitals-history.js';

const t0 = Date.UTC(2026, 10, 30, 2, 0, 0);

describe.each(dialects)('minute rollups on %s', (dialect) => {
  let store: Store;
  let rollups: MinuteRollups;
  let readings: Channel<Reading>;
  let events: Channel<StoredEvent>;
  let clock = t0;

  const reading = (deviceId: string, deviceType: string, ts: number, data: Record<string, unknown>) =>
    readings.publish({
      deviceId,
      deviceType,
      elderId: 'e-0001',
      ts,
      receivedAt: ts,
      clockSkewed: false,
      data: { ts, ...data },
    });

  const rollupsOn = (db: Store['db']) =>
    new MinuteRollups({
      db,
      readings,
      events,
      now: () => clock,
      logger: pino({ level: 'silent' }),
      retentionDays: 400,
      flushMs: 10_000,
    });

  beforeEach(async () => {
    clock = t0;
    store = await storeWithElder(dialect, [
      { id: 'w-0001', type: 'watch' },
      { id: 'r-0001', type: 'fall_radar' },
      { id: 'd-0001', type: 'door' },
    ]);
    readings = new Channel<Reading>((e) => {
      throw e;
    });
    events = new Channel<StoredEvent>((e) => {
      throw e;
    });
    rollups = rollupsOn(store.db);
    rollups.start();
  });
  afterEach(async () => {
    await rollups.stop();
    await store.close();
  });

  it('[ROLLUP-STOP-IN-FLIGHT] a periodic flush still writing its chunks when the hub stops: every minute is stored before stop() returns', async () => {
    // 600 watches' closed minutes (three chunks of 250) and one minute still open.
    for (let i = 0; i < 600; i++) reading(`w-${1000 + i}`, 'watch', t0 + 1000, { heart_rate: 70 });
    reading('w-0001', 'watch', t0 + 200_000, { heart_rate: 70 });
    clock = t0 + 200_000;
    const periodic = rollups.flush(false);
    await rollups.stop();
    const stored = await store.db.selectFrom('rollups_1m').select('device_id').execute();
    expect(stored).toHaveLength(601);
    await periodic;
  });

  it('[ROLLUP-VITALS] heart rate and SpO2 become min, mean and max per minute, and per step over minutes', async () => {
    reading('w-0001', 'watch', t0 + 1000, { heart_rate: 60, spo2: 97 });
    reading('w-0001', 'watch', t0 + 2000, { heart_rate: 80 });
    reading('w-0001', 'watch', t0 + 61_000, { heart_rate: 100, spo2: 93, steps: 120 });
    await rollups.flush(true);
    const history = new VitalsHistory({ db: store.db });
    const perMinute = await history.series('e-0001', t0, t0 + 300_000, 60_000);
    expect(perMinute.map((p) => p.heart_rate)).toEqual([
      { min: 60, mean: 70, max: 80 },
      { min: 100, mean: 100, max: 100 },
    ]);
    const fiveMinutes = await history.series('e-0001', t0, t0 + 300_000, 300_000);
    expect(fiveMinutes).toHaveLength(1);
    expect(fiveMinutes[0]).toMatchObject({
      t: t0,
      heart_rate: { min: 60, mean: 80, max: 100 },
      spo2: { min: 93, mean: 95, max: 97 },
      steps: 120,
    });
  });

  it('[ROLLUP-POSTURE] radar reports become presence and posture time; door openings are counted', async () => {
    reading('r-0001', 'fall_radar', t0, { presence: true, posture: 'standing' });
    reading('r-0001', 'fall_radar', t0 + 5000, { presence: true, posture: 'lying' });
    reading('r-0001', 'fall_radar', t0 + 15_000, { presence: false, posture: 'none' });
    reading('r-0001', 'fall_radar', t0 + 20_000, { presence: false, posture: 'none' });
    for (const ts of [t0 + 3000, t0 + 9000]) {
      events.publish({
        deviceId: 'd-0001',
        deviceType: 'door',
        elderId: 'e-0001',
        eventId: `o${ts}`,
        type: 'open',
        ts,
        receivedAt: ts,
        data: {},
        measured: { contact: 'open' },
      });
    }
    await rollups.flush(true);
    const [point] = await new VitalsHistory({ db: store.db }).series('e-0001', t0, t0 + 60_000, 60_000);
    expect(point).toMatchObject({
      presence_ms: 15_000,
      posture_ms: { standing: 5000, sitting: 0, lying: 10_000 },
      door_openings: 2,
    });
  });

  it('[ROLLUP-LATE] a reading that arrives after its minute was written is merged into it, not lost', async () => {
    reading('w-0001', 'watch', t0 + 1000, { heart_rate: 70 });
    clock = t0 + 200_000;
    await rollups.flush(false);
    reading('w-0001', 'watch', t0 + 30_000, { heart_rate: 90 });
    await rollups.flush(true);
    const rows = await store.db.selectFrom('rollups_1m').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ hr_min: 70, hr_max: 90, hr_count: 2, hr_sum: 160 });
  });

  it('[ROLLUP-MANY] a flush of many minutes is written in chunks, new and already-written minutes alike', async () => {
    for (let m = 0; m < 600; m++) reading('w-0001', 'watch', t0 + m * 60_000, { heart_rate: 70 });
    await rollups.flush(true);
    // late readings for every written minute, and 100 new minutes, in one flush
    for (let m = 0; m < 700; m++) reading('w-0001', 'watch', t0 + m * 60_000 + 1000, { heart_rate: 90 });
    await rollups.flush(true);
    const rows = await store.db.selectFrom('rollups_1m').select(['minute', 'hr_count', 'hr_sum']).execute();
    expect(rows).toHaveLength(700);
    const byMinute = new Map(rows.map((r) => [Number(r.minute), r]));
    expect(byMinute.get(t0 + 599 * 60_000)).toMatchObject({ hr_count: 2, hr_sum: 160 });
    expect(byMinute.get(t0 + 600 * 60_000)).toMatchObject({ hr_count: 1, hr_sum: 90 });
    expect(rows.filter((r) => r.hr_count === 2)).toHaveLength(600);
  });

  it('[ROLLUP-RETRY] a flush that fails part-way keeps what it could not write and writes it at the next flush', async () => {
    // The store refuses the second transaction (a full disk, a lock), then recovers.
    let transactions = 0;
    const db = new Proxy(store.db, {
      get(target, prop) {
        if (prop === 'transaction' && ++transactions === 2) {
          return () => ({ execute: () => Promise.reject(new Error('disk full')) });
        }
        const value = Reflect.get(target, prop);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const failing = rollupsOn(db);
    failing.start();
    for (let m = 0; m < 600; m++) reading('r-0001', 'fall_radar', t0 + m * 60_000, { breathing_rate: 16 });
    await failing.flush(true);
    const count = async () =>
      Number(
        (
          await store.db
            .selectFrom('rollups_1m')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    expect(await count()).toBe(250);
    await failing.stop();
    const rows = await store.db.selectFrom('rollups_1m').select(['br_count', 'br_sum']).execute();
    expect(rows).toHaveLength(600);
    expect(rows.every((r) => r.br_count === 1 && r.br_sum === 16)).toBe(true);
  });

  it('[ROLLUP-RETENTION] minutes older than the retention are deleted', async () => {
    reading('w-0001', 'watch', t0 - 401 * 86_400_000, { heart_rate: 70 });
    reading('w-0001', 'watch', t0 - 399 * 86_400_000, { heart_rate: 71 });
    await rollups.flush(true);
    await rollups.expire();
    const rows = await store.db.selectFrom('rollups_1m').select('hr_min').execute();
    expect(rows).toEqual([{ hr_min: 71 }]);
  });
});
