import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubMetrics } from '../kernel/metrics.js';
import { dialects } from './support/databases.js';
import { smallDistrict, startTestHub, type TestHub } from './support/hub.js';
import { exposedMetricNames } from './support/metric-names.js';
import { pressSos, sosAnswered } from './support/sos-answered.js';
import { until } from './support/wait.js';

/** The values of one metric's samples whose labels include `labels`. */
function samples(exposition: string, name: string, labels: Record<string, string> = {}): number[] {
  return exposition
    .split('\n')
    .filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`))
    .filter((line) => Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
    .map((line) => Number(line.slice(line.lastIndexOf(' ') + 1)));
}

const standardNames = [
  'process_cpu_seconds_total',
  'process_resident_memory_bytes',
  'process_start_time_seconds',
  'nodejs_eventloop_lag_seconds',
  'nodejs_eventloop_lag_p99_seconds',
  'nodejs_heap_size_used_bytes',
  'nodejs_gc_duration_seconds',
];

describe.each(dialects)('metrics on %s', (dialect) => {
  let hub: TestHub;
  let exposition: string;
  const scrape = async () => (await hub.app.inject({ url: '/metrics', remoteAddress: '127.0.0.1' })).body;

  beforeAll(async () => {
    hub = await startTestHub({ dialect });
    expect((await hub.putDistrict(smallDistrict())).statusCode).toBe(200);
    await sosAnswered(hub, 'metrics-sos');
    exposition = await scrape();
  });
  afterAll(async () => {
    await hub?.stop();
  });

  it('[METRICS-STANDARD] process and Node metrics have their standard names, not yiyang_ ones; per-connection collectors stay off', () => {
    const names = exposedMetricNames(exposition);
    for (const name of standardNames) expect(names, name).toContain(name);
    expect(exposition).not.toMatch(/^yiyang_(process|nodejs)_/m);
    // Each walks every socket on a scrape (see kernel/metrics.ts).
    expect(names).not.toContain('process_open_fds');
    expect(names).not.toContain('nodejs_active_handles');
    expect(exposition).toMatch(/^yiyang_mqtt_connections \d+$/m);
  });

  it('[METRICS-READ-WAITS] a quiet hub never waits between polls of its sockets, and says so', () => {
    // It waits only while devices' sockets are read over 5,000 times a second (MQTT_READ_WAIT_MS).
    expect(samples(exposition, 'yiyang_mqtt_read_waits_total')).toEqual([0]);
  });

  it('[METRICS-LATENCY] an SOS through MQTT, an offer and an acknowledgement leave one plausible sample in each latency histogram', () => {
    const histograms: Array<[string, Record<string, string>]> = [
      ['yiyang_event_puback_seconds', {}],
      ['yiyang_sos_to_offer_seconds', { kind: 'sos' }],
      ['yiyang_alert_ack_seconds', { kind: 'sos', severity: 'critical' }],
    ];
    for (const [name, labels] of histograms) {
      expect(samples(exposition, `${name}_count`, labels), name).toEqual([1]);
      const [sum] = samples(exposition, `${name}_sum`, labels);
      expect(sum, name).toBeGreaterThan(0);
      expect(sum, name).toBeLessThan(60);
    }
  });

  it('[METRICS-GAUGES] readiness, active alerts and watched devices are read at the scrape', () => {
    expect(samples(exposition, 'yiyang_ready')).toEqual([1]);
    expect(
      samples(exposition, 'yiyang_alerts_active', { severity: 'critical', acknowledged: 'yes' }),
    ).toEqual([1]);
    expect(samples(exposition, 'yiyang_alerts_active', { severity: 'critical', acknowledged: 'no' })).toEqual(
      [0],
    );
    expect(
      samples(exposition, 'yiyang_alerts_unacknowledged_oldest_seconds', { severity: 'critical' }),
    ).toEqual([0]);
    // Devices provisioned since the start are watched from their first message: only the watch spoke.
    expect(samples(exposition, 'yiyang_devices_watched')).toEqual([1]);
    expect(samples(exposition, 'yiyang_devices_offline')).toEqual([0]);
  });

  it('[METRICS-UNACKNOWLEDGED] an alert nobody has acknowledged counts as such, and its age shows', async () => {
    await pressSos(hub, 'w-0002', 'watch-secret-0002', 'metrics-sos-2');
    const critical = { severity: 'critical' };
    const age = (text: string) => samples(text, 'yiyang_alerts_unacknowledged_oldest_seconds', critical)[0]!;
    const later = await until(
      scrape,
      (text) =>
        samples(text, 'yiyang_alerts_active', { ...critical, acknowledged: 'no' })[0] === 1 && age(text) > 0,
    );
    expect(samples(later, 'yiyang_alerts_active', { ...critical, acknowledged: 'no' })).toEqual([1]);
    expect(age(later)).toBeGreaterThan(0);
    expect(age(later)).toBeLessThan(60);
    expect(samples(later, 'yiyang_devices_watched')).toEqual([2]);
  });
});

describe('metrics registries', () => {
  it('[METRICS-PER-HUB] hubs in one process each keep their own registry: no prefix needed to tell them apart', async () => {
    const [one, two] = [new HubMetrics(), new HubMetrics()];
    one.connections.set(3);
    expect(await one.exposition()).toMatch(/^yiyang_mqtt_connections 3$/m);
    expect(await two.exposition()).toMatch(/^yiyang_mqtt_connections 0$/m);
    expect(await two.exposition()).toMatch(/^process_cpu_seconds_total /m);
  });
});
