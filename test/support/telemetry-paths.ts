import type { MqttClient } from 'mqtt';
import { expect } from 'vitest';
import type { TestHub } from './hub.js';
import { until } from './wait.js';

/**
 * Publishes one telemetry message from `deviceId` at each QoS the protocol allows and beyond (0, 1, 2,
 * and 1 with the retain flag a device should not set), each with its own `steps` count, and asserts that
 * every one reaches the hub's readings once: whichever path a frame takes through the gateway (taken
 * before aedes, or left to it), telemetry is not lost.
 */
export async function expectTelemetryOnEveryQos(
  hub: TestHub,
  client: MqttClient,
  deviceId: string,
): Promise<void> {
  const seen: number[] = [];
  const unsubscribe = hub.ingest.readings.subscribe((r) => {
    if (r.deviceId === deviceId && typeof r.data.steps === 'number') seen.push(r.data.steps);
  });
  const base = 1000 + Math.floor(Math.random() * 100_000);
  const sent = [
    { steps: base, qos: 0 as const, retain: false },
    { steps: base + 1, qos: 1 as const, retain: false },
    { steps: base + 2, qos: 2 as const, retain: false },
    { steps: base + 3, qos: 1 as const, retain: true },
  ];
  try {
    for (const { steps, qos, retain } of sent)
      await client.publishAsync(`care/${deviceId}/telemetry`, JSON.stringify({ ts: Date.now(), steps }), {
        qos,
        retain,
      });
    const got = await until(
      async () => [...seen],
      (s) => s.length >= sent.length,
    );
    expect(got.sort()).toEqual(sent.map((s) => s.steps));
  } finally {
    unsubscribe();
  }
}
