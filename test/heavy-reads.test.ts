import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smallDistrict, startTestHub, type TestHub } from './support/hub.js';

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

/** PUBACK times (ms) of QoS 1 events sent one after another for `ms`; and the ids acknowledged. */
async function eventsFor(hub: TestHub, ms: number, tag: string) {
  const watch = await hub.connectDevice('w-0001', 'watch-secret-0001');
  const times: number[] = [];
  const acked: string[] = [];
  const end = Date.now() + ms;
  for (let i = 0; Date.now() < end; i++) {
    const id = `${tag}-${i}`;
    const t0 = performance.now();
    await watch.publishAsync(
      'care/w-0001/event',
      JSON.stringify({ ts: Date.now(), event_id: id, type: 'worn' }),
      {
        qos: 1,
      },
    );
    times.push(performance.now() - t0);
    acked.push(id);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await watch.endAsync();
  return { times, acked };
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
    // most of an import. Measured here: with the import as one transaction the slowest PUBACK
    // waited 0.72–0.76 of it (797 of 1,100 ms, 849 of 1,119: every event behind the whole write); in
    // batches that yield to the event loop 0.23–0.27 (what is left: parsing and checking the 1 MB document).
    const slowest = Math.max(...busy.times);
    const anImport = [...imports].sort((a, b) => a - b)[Math.floor(imports.length / 2)]!;
    const figures = `PUBACK p95 idle ${p95(idle.times).toFixed(1)} ms, under reads ${p95(busy.times).toFixed(1)} ms, slowest ${slowest.toFixed(0)} ms; an import ${anImport.toFixed(0)} ms`;
    expect(slowest, figures).toBeLessThan(0.5 * anImport);
  }, 120_000);
});
