import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smallDistrict, startTestHub, type TestHub } from './support/hub.js';
import { until } from './support/wait.js';

let hub: TestHub;
beforeAll(async () => {
  // One watch stands for a flooding fleet here: no per-device limit, only the hub's shedder.
  hub = await startTestHub({ config: { deviceTelemetryPerS: 1_000_000 } });
  expect((await hub.putDistrict(smallDistrict())).statusCode).toBe(200);
});
afterAll(async () => {
  await hub?.stop();
});

describe('overload', () => {
  it('[OVERLOAD-EVENTS] while telemetry is being shed, every event is stored and alerts still open', async () => {
    // Hold the shedder at its maximum, as under a sustained flood.
    hub.ingest.shedder.stop();
    hub.ingest.shedder.shedShare = 0.95;
    const client = await hub.connectDevice('w-0001', 'watch-secret-0001');
    for (let i = 0; i < 400; i++) {
      client.publish('care/w-0001/telemetry', JSON.stringify({ ts: Date.now(), heart_rate: 70 }), { qos: 0 });
      if (i % 40 === 0) {
        await client.publishAsync(
          'care/w-0001/event',
          JSON.stringify({ ts: Date.now(), event_id: `flood-${i}`, type: 'sos' }),
          { qos: 1 },
        );
      }
    }
    await client.endAsync();
    const events = await hub.store.db
      .selectFrom('device_events')
      .select('event_id')
      .where('event_id', 'like', 'flood-%')
      .execute();
    expect(events).toHaveLength(10);
    const alerts = await until(
      async () =>
        (await hub.app.inject({ url: '/api/v1/alerts?status=open', headers: hub.as(hub.adminToken) })).json()
          .alerts,
      (a: Array<{ details: { repeats?: number } }>) => a.some((x) => x.details.repeats === 9),
    );
    expect(alerts).toEqual([
      expect.objectContaining({
        kind: 'sos',
        device_id: 'w-0001',
        details: expect.objectContaining({ repeats: 9 }),
      }),
    ]);
    const shed = (await hub.metrics.telemetryShed.get()).values[0]?.value ?? 0;
    expect(shed).toBeGreaterThanOrEqual(350);
  });

  it('[OVERLOAD-HEARD] a device whose telemetry is all shed is still seen, not silent', async () => {
    hub.ingest.shedder.stop();
    hub.ingest.shedder.shedShare = 1;
    const before = Date.now();
    const radar = await hub.connectDevice('r-0001', 'radar-secret-0001');
    await radar.publishAsync('care/r-0001/telemetry', JSON.stringify({ ts: Date.now(), presence: true }), {
      qos: 1,
    });
    await radar.endAsync();
    const health = await until(
      async () => hub.ingest.health.snapshot('r-0001'),
      (h) => (h?.last_seen_at ?? 0) >= before,
    );
    expect(health).toEqual(expect.objectContaining({ online: true, alerts: [] }));
  });
});
