import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceLogin } from './support/device-login.js';
import { smallDistrict, startTestHub, type TestHub } from './support/hub.js';
import { deviceArgs, mosquittoClient } from './support/mosquitto.js';
import { expectTelemetryOnEveryQos } from './support/telemetry-paths.js';
import { until } from './support/wait.js';

/** The device contract (protocol v1) checked with Debian's mosquitto clients against a real hub. */
let hub: TestHub;
let port: number;
const sos = (eventId: string) => JSON.stringify({ ts: Date.now(), event_id: eventId, type: 'sos' });

interface AlertView {
  id: string;
  kind: string;
  device_id: string;
  severity: string;
  status: string;
  details: Record<string, unknown>;
}

async function openAlerts(): Promise<AlertView[]> {
  const res = await hub.app.inject({ url: '/api/v1/alerts?status=open', headers: hub.as(hub.adminToken) });
  return res.json().alerts;
}

beforeAll(async () => {
  hub = await startTestHub();
  const put = await hub.putDistrict(smallDistrict());
  expect(put.statusCode).toBe(200);
  port = hub.addresses.mqtt;
});
afterAll(async () => {
  await hub?.stop();
});

describe('device contract over MQTT (mosquitto clients)', () => {
  it('[MQTT-SOS] a provisioned watch pressing SOS opens exactly one critical alert, visible within 1 s', async () => {
    const started = Date.now();
    const run = await mosquittoClient('mosquitto_pub', [
      ...deviceArgs(port, 'w-0001', 'watch-secret-0001'),
      '-q',
      '1',
      '-t',
      'care/w-0001/event',
      '-m',
      sos('sos-1'),
    ]);
    expect(run.code, run.stderr).toBe(0);
    const alerts = await until(openAlerts, (a) => a.length > 0, 1000);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(alerts.filter((a) => a.device_id === 'w-0001')).toEqual([
      expect.objectContaining({ kind: 'sos', severity: 'critical', status: 'open', device_id: 'w-0001' }),
    ]);
  });

  it('[MQTT-DEDUP] a redelivered event_id is recorded once; a new SOS while one is open updates that alert', async () => {
    const sosAlert = async () => (await openAlerts()).filter((a) => a.device_id === 'w-0001');
    const [before] = await sosAlert();
    const storedSos = async () =>
      (await hub.metrics.eventsStored.get()).values.find((v) => v.labels.type === 'sos')?.value ?? 0;
    const sosCountedBefore = await storedSos();
    for (let i = 0; i < 3; i++) {
      const run = await mosquittoClient('mosquitto_pub', [
        ...deviceArgs(port, 'w-0001', 'watch-secret-0001'),
        '-q',
        '1',
        '-t',
        'care/w-0001/event',
        '-m',
        sos('sos-dup'),
      ]);
      expect(run.code, run.stderr).toBe(0);
    }
    const after = await until(sosAlert, (a) => a[0]?.details.event_id === 'sos-dup');
    expect(after).toHaveLength(1);
    expect(after[0]!.id).toBe(before!.id);
    // Three deliveries of one event_id: one repeat, not three.
    expect(after[0]!.details.repeats).toBe(1);
    const stored = await hub.store.db
      .selectFrom('device_events')
      .select('event_id')
      .where('event_id', '=', 'sos-dup')
      .execute();
    expect(stored).toHaveLength(1);
    expect(await storedSos()).toBe(sosCountedBefore + 1);
  });

  it('[MQTT-AUTH] a wrong secret is refused with "bad user name or password"', async () => {
    const run = await mosquittoClient('mosquitto_pub', [
      ...deviceArgs(port, 'w-0001', 'not-the-secret'),
      '-q',
      '1',
      '-t',
      'care/w-0001/event',
      '-m',
      sos('sos-x'),
    ]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/bad user name or password/i);
  });

  it('[MQTT-AUTH] an unknown device id is refused exactly as a wrong secret: "bad user name or password"', async () => {
    const run = await mosquittoClient('mosquitto_pub', [
      ...deviceArgs(port, 'w-9999', 'watch-secret-0001'),
      '-t',
      'care/w-9999/telemetry',
      '-m',
      '{}',
    ]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/bad user name or password/i);
  });

  it('[MQTT-AUTH] a client id that differs from the username is refused', async () => {
    const run = await mosquittoClient('mosquitto_pub', [
      '-h',
      '127.0.0.1',
      '-p',
      String(port),
      '-V',
      'mqttv311',
      '-i',
      'w-0002',
      '-u',
      'w-0001',
      '-P',
      'watch-secret-0001',
      '-t',
      'care/w-0002/telemetry',
      '-m',
      '{}',
    ]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/identifier rejected/i);
  });

  it('[MQTT-ACL] publishing under another device id is refused: no alert, connection closed', async () => {
    const before = (await openAlerts()).filter((a) => a.device_id === 'w-0002').length;
    const run = await mosquittoClient(
      'mosquitto_pub',
      [
        ...deviceArgs(port, 'w-0001', 'watch-secret-0001'),
        '-q',
        '1',
        '-t',
        'care/w-0002/event',
        '-m',
        sos('spoof-1'),
      ],
      { timeoutMs: 5000 },
    );
    expect(run.code).not.toBe(0);
    await new Promise((r) => setTimeout(r, 200));
    expect((await openAlerts()).filter((a) => a.device_id === 'w-0002').length).toBe(before);
  });

  it("[MQTT-ACL] subscribing to another device's commands is refused", async () => {
    const run = await mosquittoClient(
      'mosquitto_sub',
      [...deviceArgs(port, 'w-0001', 'watch-secret-0001'), '-q', '1', '-t', 'care/w-0002/command', '-W', '2'],
      { timeoutMs: 5000 },
    );
    // SUBACK 0x80 for the only topic: mosquitto_sub reports the refusal and gives up.
    expect(run.stderr).toMatch(/All subscription requests were denied/);
  });

  it('[MQTT-MALFORMED] malformed JSON is answered on care/<id>/error', async () => {
    const run = await mosquittoClient('mosquitto_rr', [
      ...deviceArgs(port, 'w-0002', 'watch-secret-0002'),
      '-q',
      '1',
      '-t',
      'care/w-0002/event',
      '-e',
      'care/w-0002/error',
      '-m',
      '{"ts": 1, not json',
      '-W',
      '5',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const answer = JSON.parse(run.stdout);
    expect(answer).toMatchObject({ topic: 'care/w-0002/event', error: 'malformed_json' });
  });

  it('[MQTT-MALFORMED] a schema-invalid payload is answered with the bad field', async () => {
    const run = await mosquittoClient('mosquitto_rr', [
      ...deviceArgs(port, 'w-0002', 'watch-secret-0002'),
      '-t',
      'care/w-0002/telemetry',
      '-e',
      'care/w-0002/error',
      '-m',
      JSON.stringify({ ts: Date.now(), heart_rate: 'fast' }),
      '-W',
      '5',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const answer = JSON.parse(run.stdout);
    expect(answer).toMatchObject({ topic: 'care/w-0002/telemetry', error: 'invalid' });
    expect(JSON.stringify(answer.detail)).toContain('heart_rate');
  });

  it('[MQTT-MALFORMED] after a malformed message the client stays connected and its next event is stored', async () => {
    // One connection (-l: a message per stdin line): garbage first, then a valid SOS.
    const run = await mosquittoClient(
      'mosquitto_pub',
      [...deviceArgs(port, 'w-0002', 'watch-secret-0002'), '-q', '1', '-t', 'care/w-0002/event', '-l'],
      { stdin: `this is not json\n${sos('after-garbage')}\n` },
    );
    expect(run.code, run.stderr).toBe(0);
    const alerts = await until(openAlerts, (a) => a.some((x) => x.details.event_id === 'after-garbage'));
    expect(alerts.filter((a) => a.details.event_id === 'after-garbage')).toEqual([
      expect.objectContaining({ kind: 'sos', device_id: 'w-0002' }),
    ]);
    const metrics = await hub.app.inject({ url: '/metrics' });
    expect(metrics.body).toMatch(/yiyang_mqtt_rejected_total\{reason="malformed_json"\} [1-9]/);
    // walking every socket on each scrape blocks the event loop for ~17 ms at 10,000 devices
    expect(metrics.body).not.toMatch(/open_fds|active_handles|active_resources/);
  });

  it('[MQTT-AVAILABILITY] the hub state is retained on care/hub/state', async () => {
    const run = await mosquittoClient('mosquitto_sub', [
      ...deviceArgs(port, 'w-0002', 'watch-secret-0002'),
      '-t',
      'care/hub/state',
      '-C',
      '1',
      '-W',
      '3',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ state: 'online' });
  });

  it('[MQTT-SIZE] a payload over 64 KiB is dropped and answered, the device stays connected', async () => {
    const big = JSON.stringify({ ts: Date.now(), event_id: 'big', type: 'sos', pad: 'x'.repeat(70 * 1024) });
    const run = await mosquittoClient('mosquitto_rr', [
      ...deviceArgs(port, 'w-0002', 'watch-secret-0002'),
      '-t',
      'care/w-0002/event',
      '-e',
      'care/w-0002/error',
      '-m',
      big,
      '-W',
      '5',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ error: 'too_large' });
  });
});

describe('device contract, other transports (mqtt.js)', () => {
  it('[MQTT-WS] a device connects over WebSocket at /mqtt on the HTTP port and its SOS reaches the alert', async () => {
    const client = await mqtt.connectAsync(
      `ws://127.0.0.1:${hub.addresses.http}/mqtt`,
      deviceLogin('w-0002', 'watch-secret-0002'),
    );
    await client.publishAsync('care/w-0002/event', sos('over-websocket'), { qos: 1 });
    await client.endAsync();
    const alerts = await until(openAlerts, (a) => a.some((x) => x.details.event_id === 'over-websocket'));
    expect(alerts.filter((a) => a.device_id === 'w-0002')).toEqual([
      expect.objectContaining({
        kind: 'sos',
        details: expect.objectContaining({ event_id: 'over-websocket' }),
      }),
    ]);
  });

  it('[MQTT-TELEMETRY] telemetry at QoS 0, 1 and 2, retained or not, reaches the readings over TCP and over WebSocket', async () => {
    const tcp = await hub.connectDevice('w-0002', 'watch-secret-0002');
    await expectTelemetryOnEveryQos(hub, tcp, 'w-0002');
    await tcp.endAsync();
    const ws = await mqtt.connectAsync(
      `ws://127.0.0.1:${hub.addresses.http}/mqtt`,
      deviceLogin('w-0002', 'watch-secret-0002'),
    );
    await expectTelemetryOnEveryQos(hub, ws, 'w-0002');
    await ws.endAsync();
  });

  it("[MQTT-ACL] telemetry under another device's id is refused: nothing read for it, connection closed", async () => {
    const spoofed: unknown[] = [];
    const unsubscribe = hub.ingest.readings.subscribe((r) => {
      if (r.deviceId === 'w-0002' && r.data.steps === 424_242) spoofed.push(r);
    });
    const client = await hub.connectDevice('w-0001', 'watch-secret-0001');
    const closed = new Promise<string>((resolve) => client.once('close', () => resolve('closed')));
    client.publish('care/w-0002/telemetry', JSON.stringify({ ts: Date.now(), steps: 424_242 }), { qos: 1 });
    const outcome = await Promise.race([
      closed,
      new Promise<string>((r) => setTimeout(() => r('still open'), 3000)),
    ]);
    client.end(true);
    unsubscribe();
    expect(outcome).toBe('closed');
    expect(spoofed).toEqual([]);
  });

  it('[MQTT-REVOKE] a revoked device is disconnected and refused as a wrong secret would be', async () => {
    const client = await mqtt.connectAsync(
      `mqtt://127.0.0.1:${port}`,
      deviceLogin('r-0001', 'radar-secret-0001'),
    );
    const closed = new Promise((resolve) => client.once('close', () => resolve(null)));
    const res = await hub.app.inject({
      method: 'POST',
      url: '/api/v1/devices/r-0001/revoke',
      headers: hub.as(hub.adminToken),
    });
    expect(res.statusCode).toBe(200);
    await closed;
    const run = await mosquittoClient('mosquitto_pub', [
      ...deviceArgs(port, 'r-0001', 'radar-secret-0001'),
      '-t',
      'care/r-0001/telemetry',
      '-m',
      '{}',
    ]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/bad user name or password/i);
    client.end(true);
  });
});
