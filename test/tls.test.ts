import { readFileSync } from 'node:fs';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selfSignedCertificate } from './support/certificate.js';
import { deviceLogin } from './support/device-login.js';
import { smallDistrict, startTestHub, type TestHub } from './support/hub.js';
import { mosquittoClient } from './support/mosquitto.js';
import { expectTelemetryOnEveryQos } from './support/telemetry-paths.js';
import { until } from './support/wait.js';

let hub: TestHub;
let cert: string;

beforeAll(async () => {
  const pem = selfSignedCertificate();
  cert = pem.cert;
  const key = pem.key;
  hub = await startTestHub({ config: { mqttTlsCert: cert, mqttTlsKey: key, mqttTlsPort: 0 } });
  expect((await hub.putDistrict(smallDistrict())).statusCode).toBe(200);
});
afterAll(async () => {
  await hub?.stop();
});

describe('MQTT over TLS', () => {
  it('[MQTT-TLS] with a certificate configured, a device connects over TLS and its SOS opens an alert', async () => {
    expect(hub.addresses.mqtts).toBeGreaterThan(0);
    const run = await mosquittoClient('mosquitto_pub', [
      '-h',
      '127.0.0.1',
      '-p',
      String(hub.addresses.mqtts),
      '--cafile',
      cert,
      '-V',
      'mqttv311',
      '-i',
      'w-0001',
      '-u',
      'w-0001',
      '-P',
      'watch-secret-0001',
      '-q',
      '1',
      '-t',
      'care/w-0001/event',
      '-m',
      JSON.stringify({ ts: Date.now(), event_id: 'tls-1', type: 'sos' }),
    ]);
    expect(run.code, run.stderr).toBe(0);
    const alerts = await until(
      async () =>
        (await hub.app.inject({ url: '/api/v1/alerts', headers: hub.as(hub.adminToken) })).json().alerts,
      (a) => a.length > 0,
    );
    expect(alerts).toEqual([expect.objectContaining({ kind: 'sos', device_id: 'w-0001' })]);
  });
  it('[MQTT-TLS] telemetry over TLS at QoS 0, 1 and 2 reaches the readings', async () => {
    const client = await mqtt.connectAsync(`mqtts://127.0.0.1:${hub.addresses.mqtts}`, {
      ...deviceLogin('w-0002', 'watch-secret-0002'),
      ca: readFileSync(cert),
    });
    await expectTelemetryOnEveryQos(hub, client, 'w-0002');
    await client.endAsync();
  });
});
