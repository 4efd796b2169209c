import type { MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { smallDistrict, startTestHub, type TestHub } from './support/hub.js';
import { publishFrame } from './support/mqtt-frames.js';
import { until } from './support/wait.js';

let hub: TestHub;
beforeAll(async () => {
  // One watch stands for a flooding fleet here: no per-device limit, only the hub's shedding.
  hub = await startTestHub({ config: { deviceTelemetryPerS: 1_000_000 } });
  expect((await hub.putDistrict(smallDistrict())).statusCode).toBe(200);
});
afterEach(() => {
  hub.ingest.admission.pin(undefined);
});
afterAll(async () => {
  await hub?.stop();
});

/** The packet ids of the PUBACKs a client receives, in the order they arrive. */
function pubacks(client: MqttClient): number[] {
  const order: number[] = [];
  client.on('packetreceive', (packet) => {
    if (packet.cmd === 'puback' && packet.messageId !== undefined) order.push(packet.messageId);
  });
  return order;
}

describe('overload', () => {
  it('[OVERLOAD-EVENTS] while telemetry is being shed, every event is stored and alerts still open', async () => {
    // Hold shedding at its floor, as under a sustained flood.
    hub.ingest.admission.pin(0.05);
    const shedBefore = hub.ingest.admission.shed;
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
    expect(shed).toBe(hub.ingest.admission.shed);
    expect(hub.ingest.admission.shed - shedBefore).toBeGreaterThanOrEqual(350);
  });

  it('[OVERLOAD-EVENTS-FIRST] SOS events are stored and acknowledged ahead of a flood of telemetry read before them', async () => {
    // Nothing shed: every telemetry message below is queued and handled, so only the order is tested.
    hub.ingest.admission.pin(1);
    const flood = 20_000;
    const [watch, other] = await Promise.all([
      hub.connectDevice('w-0001', 'watch-secret-0001'),
      hub.connectDevice('w-0002', 'watch-secret-0002'),
    ]);
    // How much of the flood had been handled (validated, passed on) when each SOS was stored.
    let handled = 0;
    const handledWhenStored = new Map<string, number>();
    const unsubscribe = [
      hub.ingest.readings.subscribe((r) => {
        if (r.deviceId === 'w-0001') handled++;
      }),
      hub.ingest.events.subscribe((e) => {
        handledWhenStored.set(e.eventId, handled);
      }),
    ];
    const order = pubacks(watch);
    const frames = Array.from({ length: flood }, (_, i) =>
      publishFrame(
        'care/w-0001/telemetry',
        JSON.stringify({ ts: Date.now(), heart_rate: 70, steps: i }),
        i + 1,
      ),
    );
    const sosId = flood + 1;
    frames.push(
      publishFrame(
        'care/w-0001/event',
        JSON.stringify({ ts: Date.now(), event_id: 'first-1', type: 'sos' }),
        sosId,
      ),
    );
    // The whole flood and, behind it on the same connection, an SOS: in one write.
    watch.stream.write(Buffer.concat(frames));
    // While the flood is being handled, another watch presses SOS.
    await until(
      async () => handled,
      (n) => n > 0,
    );
    await other.publishAsync(
      'care/w-0002/event',
      JSON.stringify({ ts: Date.now(), event_id: 'first-2', type: 'sos' }),
      { qos: 1 },
    );
    await until(
      async () => handled,
      (n) => n === flood,
      60_000,
    );
    for (const u of unsubscribe) u();
    // Both SOS were stored (and so acknowledged) while most of the telemetry read before them still waited.
    expect(handledWhenStored.get('first-1')).toBeLessThan(flood / 2);
    expect(handledWhenStored.get('first-2')).toBeLessThan(flood / 2);
    // Every telemetry message and the SOS were acknowledged.
    await until(
      async () => order.length,
      (n) => n === flood + 1,
    );
    expect(new Set(order).size).toBe(flood + 1);
    const stored = await hub.store.db
      .selectFrom('device_events')
      .select('event_id')
      .where('event_id', 'in', ['first-1', 'first-2'])
      .execute();
    expect(stored).toHaveLength(2);
    await Promise.all([watch.endAsync(), other.endAsync()]);
  });

  it('[OVERLOAD-HEARD] a device whose telemetry is all shed is still seen, not silent', async () => {
    hub.ingest.admission.pin(0);
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
