import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smallDistrict, startTestHub, type TestHub } from './support/hub.js';
import { VictoriaMetrics } from './support/victoria-metrics.js';
import { until } from './support/wait.js';

let vm: VictoriaMetrics;
let hub: TestHub | undefined;

async function connect(port: number, id: string, secret: string): Promise<MqttClient> {
  return mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
    clientId: id,
    username: id,
    password: secret,
    protocolVersion: 4,
    reconnectPeriod: 0,
  });
}

beforeAll(async () => {
  vm = await VictoriaMetrics.start();
});
afterAll(async () => {
  await hub?.stop();
  await vm?.pause();
});

describe('time series to a server of the InfluxDB v2 write API (VictoriaMetrics)', () => {
  it('[TS-OUTAGE] every reading arrives, tagged, even when the server is down for 60 s mid-stream; an SOS meanwhile is an alert at once', {
    timeout: 150_000,
  }, async () => {
    hub = await startTestHub({
      // The watch here sends 20 readings a second, beyond one device's own limit: lifted.
      config: { influxUrl: vm.url, influxOrg: 'yiyang', influxBucket: 'telemetry', deviceTelemetryPerS: 100 },
    });
    expect((await hub.putDistrict(smallDistrict())).statusCode).toBe(200);
    const watch = await connect(hub.addresses.mqtt, 'w-0001', 'watch-secret-0001');
    const radar = await connect(hub.addresses.mqtt, 'r-0001', 'radar-secret-0001');
    let sent = 0;
    const publishFor = async (ms: number) => {
      const end = Date.now() + ms;
      while (Date.now() < end) {
        const ts = Date.now();
        await watch.publishAsync(
          'care/w-0001/telemetry',
          JSON.stringify({ ts, heart_rate: 60 + (sent % 30), battery: 80, worn: true }),
          { qos: 1 },
        );
        sent++;
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await radar.publishAsync(
      'care/r-0001/telemetry',
      JSON.stringify({ ts: Date.now(), presence: true, posture: 'lying', breathing_rate: 14 }),
      { qos: 1 },
    );
    await publishFor(3000);
    await vm.pause();
    await publishFor(30_000);
    // The time-series server is down: alarms do not depend on it.
    await watch.publishAsync(
      'care/w-0001/event',
      JSON.stringify({ ts: Date.now(), event_id: 'sos-during-outage', type: 'sos' }),
      { qos: 1 },
    );
    const alert = await until(
      () => hub!.store.db.selectFrom('alerts').select(['kind', 'status']).where('kind', '=', 'sos').execute(),
      (rows) => rows.length === 1,
      2000,
    );
    expect(alert).toEqual([{ kind: 'sos', status: 'open' }]);
    // Ready all the same (events are stored), with the outage named for whoever watches.
    const readyz = await hub.app.inject({ url: '/readyz' });
    expect(readyz.statusCode).toBe(200);
    expect(readyz.json()).toMatchObject({
      status: 'ready',
      degraded: [expect.stringMatching(/^timeseries_unavailable: /)],
    });
    await publishFor(30_000);
    await vm.resume();
    await publishFor(2000);
    await Promise.all([watch.endAsync(), radar.endAsync()]);
    await hub.stop();
    const metricsBeforeStop = hub.metrics;
    hub = undefined;

    const arrived = await until(
      () => vm.countPoints('watch_heart_rate'),
      (r) => r.points >= sent,
      15_000,
    );
    expect(arrived.points).toBe(sent);
    expect(arrived.series).toEqual([
      expect.objectContaining({ device: 'w-0001', elder: 'e-0001', org_unit: 'jingtian' }),
    ]);
    expect((await vm.countPoints('watch_worn')).points).toBe(sent);
    expect(await vm.lastValue('fall_radar_posture')).toBe(3);
    expect(await vm.lastValue('fall_radar_presence')).toBe(1);
    const dropped = await metricsBeforeStop.timeSeriesDropped.get();
    expect(dropped.values[0]?.value ?? 0).toBe(0);
    // Raw acceleration is not written unless configured.
    expect((await vm.countPoints('{__name__=~"watch_accel.*"}')).points).toBe(0);
  });
});
