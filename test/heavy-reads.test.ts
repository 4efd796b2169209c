import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startModuleWorker } from '../inference/pool/ts-worker.js';
import { smallDistrict, startTestHub, type TestHub } from './support/hub.js';
import type { PacedDeviceJob, PacedDeviceRun } from './support/paced-device.js';

/** The small district grown to `count` more elders in one community, each with a watch (secret issued). */
function largeDistrict(count: number) {
  const doc = smallDistrict();
  for (let i = 0; i < count; i++) {
    const n = String(i).padStart(5, '0');
    doc.elders!.push({
      id: `e-big-${n}`,
      name: `长者${n}`,
      org_unit: 'jingtian',
      address: `景田北 ${i} 号`,
      location: { lat: 22.55 + i * 1e-6, lon: 114.04 },
      devices: [{ id: `w-big-${n}`, type: 'watch' }],
    });
  }
  return doc;
}

/** A week of minute rollups for 王秀英's watch: the vitals call reads 10,080 rows. */
async function seedWeekOfRollups(hub: TestHub) {
  const end = Math.floor(Date.now() / 60_000) * 60_000;
  const rows = Array.from({ length: 7 * 1440 }, (_, i) => ({
    device_id: 'w-0001',
    minute: end - i * 60_000,
    elder_id: 'e-0001',
    hr_min: 70,
    hr_max: 80,
    hr_sum: 300,
    hr_count: 4,
    spo2_min: 95,
    spo2_max: 98,
    spo2_sum: 388,
    spo2_count: 4,
    br_min: null,
    br_max: null,
    br_sum: 0,
    br_count: 0,
    steps: 0,
    presence_ms: 0,
    standing_ms: 0,
    sitting_ms: 0,
    lying_ms: 0,
    door_openings: 0,
  }));
  for (let i = 0; i < rows.length; i += 500) {
    await hub.store.db
      .insertInto('rollups_1m')
      .values(rows.slice(i, i + 500))
      .execute();
  }
}

/** PUBACK times (ms) of QoS 1 events sent one after another for `ms` by 王秀英's watch, on its own thread; and the ids acknowledged. */
function eventsFor(hub: TestHub, ms: number, tag: string): Promise<PacedDeviceRun> {
  const job: PacedDeviceJob = {
    url: `mqtt://127.0.0.1:${hub.addresses.mqtt}`,
    id: 'w-0001',
    secret: 'watch-secret-0001',
    ms,
    tag,
  };
  const device = startModuleWorker(new URL('./support/paced-device.ts', import.meta.url), {
    workerData: job,
  });
  return new Promise<PacedDeviceRun>((resolve, reject) => {
    device.once('message', (message: { result?: PacedDeviceRun; error?: string }) =>
      message.result ? resolve(message.result) : reject(new Error(`paced device: ${message.error}`)),
    );
    device.once('error', reject);
    device.once('exit', (code) => reject(new Error(`paced device exited (${code}) before its report`)));
  });
}

const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)]!;

describe('heavy reads and imports beside event storage', () => {
  let hub: TestHub;
  const doc = largeDistrict(3000);
  beforeAll(async () => {
    hub = await startTestHub({ config: { deviceEventsPerS: 1000 } });
    expect((await hub.putDistrict(doc)).statusCode).toBe(200);
    await seedWeekOfRollups(hub);
  }, 120_000);
  afterAll(async () => {
    await hub?.stop();
  });

  it('[PUBACK-UNDER-READS] while boards, reports, vitals and 3,000-elder imports run, every event is stored and none waits for a whole import', async () => {
    const idle = await eventsFor(hub, 2000, 'idle');
    let running = true;
    const calls: number[] = [];
    const imports: number[] = [];
    const timedImport = async () => {
      const t0 = performance.now();
      const answer = await hub.putDistrict(doc);
      imports.push(performance.now() - t0);
      return answer;
    };
    const heavy = (async () => {
      const headers = hub.as(hub.adminToken);
      const to = Date.now();
      while (running) {
        const answers = await Promise.all([
          timedImport(),
          hub.app.inject({ url: '/api/v1/elders?limit=2000', headers }),
          hub.app.inject({ url: '/api/v1/responders', headers }),
          hub.app.inject({ url: '/api/v1/reports/summary', headers }),
          hub.app.inject({
            url: `/api/v1/elders/e-0001/vitals?from=${to - 7 * 86_400_000}&to=${to}&step=300`,
            headers,
          }),
        ]);
        calls.push(...answers.map((a) => a.statusCode));
      }
    })();
    const busy = await eventsFor(hub, 4000, 'busy');
    running = false;
    await heavy;
    expect(calls.length).toBeGreaterThanOrEqual(5); // at least one round of every heavy call ran
    expect(calls.every((status) => status === 200)).toBe(true);
    const stored = new Set(
      (await hub.store.db.selectFrom('device_events').select('event_id').execute()).map((r) => r.event_id),
    );
    expect([...idle.acked, ...busy.acked].filter((id) => !stored.has(id))).toEqual([]);
    // Judged against the same run's own import, as this machine is noisy: no PUBACK may wait for
    // most of an import. The device has its own thread, so every stall of the hub's loop longer than
    // its 20 ms pace delays one of its events; the second slowest is judged, so one stall of the
    // machine alone does not fail the test. Measured here (2026-12-06): elders written in batches
    // that yield to the event loop, 0.29–0.34 of an import (153 of 537 ms; 513 of 1,518 beside the
    // Chromium screenshots): what is left is parsing and checking the 1 MB document; without the
    // yield between batches, 0.83–0.91 (399 of 482 ms, 430 of 475), failing 3 runs in 3.
    const [slowest, secondSlowest] = [...busy.times].sort((a, b) => b - a) as [number, number];
    const anImport = [...imports].sort((a, b) => a - b)[Math.floor(imports.length / 2)]!;
    const figures = `PUBACK p95 idle ${p95(idle.times).toFixed(1)} ms, under reads ${p95(busy.times).toFixed(1)} ms, slowest ${slowest.toFixed(0)} and ${secondSlowest.toFixed(0)} ms; an import ${anImport.toFixed(0)} ms (${imports.length} imports)`;
    expect(secondSlowest, figures).toBeLessThan(0.5 * anImport);
  }, 120_000);
});
