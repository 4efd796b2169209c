import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { HotWindows } from '../../ingest/hot-windows.js';
import type { Reading } from '../../ingest/readings.js';
import { Channel } from '../../kernel/channel.js';
import { InferencePool } from './inference-pool.js';
import type { FallModelAlarm } from './protocol.js';
import { type AccelSecond, impactSecond, watchSeconds } from './watch-replay.js';

// shared/ sits beside the repository (as in CI); FALLS_DATA points elsewhere.
const DATA =
  process.env.FALLS_DATA ??
  fileURLToPath(new URL('../../../shared/data/falls/umafall-wrist', import.meta.url));
// UMAFall trial 56: subject 02, forward fall; trial 47: subject 02, walking
const FALL_TRIAL = '56';
const WALK_TRIAL = '47';
const T0 = Date.UTC(2026, 10, 30, 2, 0, 0);

async function readTrials(ids: string[]): Promise<Map<string, AccelSecond[]>> {
  const csv = await readFile(join(DATA, 'samples.csv'), 'utf8');
  const rows = new Map(
    ids.map((id) => [id, { tMs: [] as number[], x: [] as number[], y: [] as number[], z: [] as number[] }]),
  );
  for (const line of csv.split('\n')) {
    const comma = line.indexOf(',');
    const r = rows.get(line.slice(0, comma));
    if (r === undefined) continue;
    const c = line.split(',');
    r.tMs.push(Number(c[1]));
    r.x.push(Number(c[2]));
    r.y.push(Number(c[3]));
    r.z.push(Number(c[4]));
  }
  // 25 Hz, one reading a second; 6 s of lying still after the recording ends
  return new Map([...rows].map(([id, r]) => [id, watchSeconds(r, 25, 6)]));
}

describe('InferencePool', () => {
  let trials: Map<string, AccelSecond[]>;
  let readings: Channel<Reading>;
  let hotWindows: HotWindows;
  let alarms: FallModelAlarm[];
  let pool: InferencePool;

  beforeAll(async () => {
    trials = await readTrials([FALL_TRIAL, WALK_TRIAL]);
  });

  beforeEach(async () => {
    readings = new Channel<Reading>((e) => {
      throw e;
    });
    hotWindows = new HotWindows();
    readings.subscribe((r) => hotWindows.add(r)); // as ingest does, before the pool
    alarms = [];
    const alarmChannel = new Channel<FallModelAlarm>((e) => {
      throw e;
    });
    alarmChannel.subscribe((a) => {
      alarms.push(a);
    });
    pool = new InferencePool({
      readings,
      hotWindows,
      alarms: alarmChannel,
      logger: pino({ level: 'silent' }),
      options: { workers: 2 },
    });
    await pool.start();
  });
  afterEach(async () => {
    await pool.stop();
  });

  const publish = (deviceId: string, second: number, accel: AccelSecond) =>
    readings.publish({
      deviceId,
      deviceType: 'watch',
      elderId: 'e-0001',
      ts: T0 + second * 1000,
      receivedAt: T0 + second * 1000,
      clockSkewed: false,
      data: { ts: T0 + second * 1000, accel },
    });

  it('[FALL-POOL] a recorded fall replayed at 25 Hz, a reading a second, raises one alarm at its impact', async () => {
    const fall = trials.get(FALL_TRIAL)!;
    for (let i = 0; i < fall.length; i++) publish('w-0001', i, fall[i]!);
    expect(await pool.drain()).toBe(true);
    expect(alarms).toHaveLength(1);
    const impact = impactSecond(fall);
    expect(alarms[0]).toMatchObject({ deviceId: 'w-0001', elderId: 'e-0001' });
    expect(alarms[0]!.peakMs).toBeGreaterThanOrEqual(T0 + impact * 1000 - 50);
    expect(alarms[0]!.peakMs).toBeLessThan(T0 + (impact + 1) * 1000 + 50);
    expect(alarms[0]!.score).toBeGreaterThan(0.65);
  });

  it('[FALL-POOL] a recorded walk streamed by many watches raises no alarm', async () => {
    const walk = trials.get(WALK_TRIAL)!;
    for (let i = 0; i < walk.length; i++) for (let w = 0; w < 20; w++) publish(`w-walk-${w}`, i, walk[i]!);
    expect(await pool.drain()).toBe(true);
    expect(alarms).toEqual([]);
    expect(pool.stats().samples).toBe(20 * walk.length * 25);
    expect(pool.stats().windows).toBeGreaterThan(0); // walking passes the pre-filter; the model says no
  });

  it('[FALL-POOL-CRASH] a worker that dies during a fall is replaced, its streams rebuilt, the fall reported once', async () => {
    const fall = trials.get(FALL_TRIAL)!;
    const impact = impactSecond(fall);
    const device = 'w-0001';
    for (let i = 0; i <= impact + 1; i++) publish(device, i, fall[i]!);
    await pool.drain();
    expect(alarms).toEqual([]); // the 4 s look-ahead is not complete yet

    pool.simulateCrash(pool.workerOf(device));
    publish(device, impact + 2, fall[impact + 2]!); // into the dying worker, or held back: either way lost by it
    await vi.waitFor(() => expect(pool.stats().restarts).toBe(1), { timeout: 10_000 });
    expect(await pool.drain()).toBe(true);
    for (let i = impact + 3; i <= impact + 6; i++) publish(device, i, fall[i]!);
    expect(await pool.drain()).toBe(true);
    expect(alarms).toHaveLength(1);
    expect(alarms[0]!.peakMs).toBeGreaterThanOrEqual(T0 + impact * 1000 - 50);

    // again right after the alarm: the rebuilt stream sees the impact once more but does not repeat it
    pool.simulateCrash(pool.workerOf(device));
    await vi.waitFor(() => expect(pool.stats().restarts).toBe(2), { timeout: 10_000 });
    expect(await pool.drain()).toBe(true);
    for (let i = impact + 7; i < fall.length; i++) publish(device, i, fall[i]!);
    expect(await pool.drain()).toBe(true);
    expect(alarms).toHaveLength(1);
  });
});
