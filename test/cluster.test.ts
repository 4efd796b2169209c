import type { MqttClient } from 'mqtt';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withPostgres } from './support/databases.js';
import { smallDistrict, startTestHub, type TestHub } from './support/hub.js';
import { RedisServer } from './support/redis-server.js';
import { ResponderApp } from './support/responder-app.js';
import { until } from './support/wait.js';

const partitions = 8;
const home = { lat: 22.5531, lon: 114.0412 };

/**
 * Cluster mode in one test process: three hubs (A, B, C) on one PostgreSQL database and one Redis, as
 * three processes of a district would run — each its own MQTT and HTTP port. Devices, consoles and
 * phones talk to whichever hub they were given; the elders' partitions are spread over the three.
 */
describe.runIf(withPostgres)('cluster mode: three hubs, one district', () => {
  let redis: RedisServer;
  const hubs: TestHub[] = [];
  let a: TestHub;
  let b: TestHub;
  let c: TestHub;
  const devices: MqttClient[] = [];
  const sockets: Socket[] = [];

  beforeAll(async () => {
    redis = await RedisServer.start();
    const cluster = { redisUrl: redis.url, clusterPartitions: partitions };
    a = await startTestHub({ dialect: 'postgres', config: cluster });
    hubs.push(a);
    expect((await a.putDistrict(smallDistrict())).statusCode).toBe(200);
    const shared = { ...cluster, databaseUrl: a.config.databaseUrl, dataDir: a.config.dataDir };
    b = await startTestHub({ config: shared });
    hubs.push(b);
    c = await startTestHub({ config: shared });
    hubs.push(c);
    // The three share the partitions out: each at most its share, every one held by exactly one.
    await until(
      async () => hubs.map((h) => h.elders.owned),
      (owned) =>
        owned.every((o) => o.length > 0 && o.length <= Math.ceil(partitions / 3)) &&
        new Set(owned.flat()).size === partitions &&
        owned.flat().length === partitions,
      15_000,
    );
  }, 60_000);

  afterAll(async () => {
    for (const s of sockets) s.close();
    await Promise.all(devices.map((d) => d.endAsync()));
    for (const h of hubs.reverse()) await h.stop();
    await redis?.kill();
  }, 60_000);

  const ownerOf = (elderId: string) => hubs.filter((h) => h.elders.owns(elderId));

  /** The elder's owner, and the device connected to a hub that does not own the elder (its work must travel). */
  async function connectedAwayFromOwner(elderId: string, deviceId: string, secret: string) {
    const owner = ownerOf(elderId)[0]!;
    const entry = hubs.find((h) => h !== owner)!;
    const device = await entry.connectDevice(deviceId, secret);
    devices.push(device);
    return { owner, entry, device };
  }

  async function consoleOn(hub: TestHub, username: string, password: string) {
    const socket = io(`http://127.0.0.1:${hub.addresses.http}/console`, {
      auth: { token: await hub.login(username, password) },
      transports: ['websocket'],
      reconnection: false,
    });
    sockets.push(socket);
    const heard: Array<{ id: string; status: string; kind: string; updated_at?: number }> = [];
    socket.on('alert', (alert: { id: string; status: string; kind: string }) => heard.push(alert));
    // What the console is told of its feed (cluster mode: whether it hears every hub process).
    socket.on('feeds', (f: { complete: boolean }) =>
      heard.push({ id: 'feeds', status: String(f.complete), kind: '' }),
    );
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    return heard;
  }

  it('[CLUSTER-OWNERS] every elder has exactly one owner among the three', () => {
    for (const elderId of ['e-0001', 'e-0002']) expect(ownerOf(elderId)).toHaveLength(1);
  });

  it('[CLUSTER-SOS-ACROSS] an SOS from a watch on A reaches a console on B once; a volunteer on C is offered it and accepts', async () => {
    const consoles = await Promise.all(hubs.map((h) => consoleOn(h, 'spec-jingtian', 'spec-password-1')));
    const console = consoles[1]!;
    const phone = await ResponderApp.open(c.addresses.http, await c.login('v-0001', 'volunteer-password'));
    await phone.onDutyAt(home.lat, home.lon + 0.001);
    const watch = await a.connectDevice('w-0001', 'watch-secret-0001');
    devices.push(watch);
    const notified: string[] = [];
    watch.on('message', (_topic, payload) => notified.push(payload.toString()));
    await watch.subscribeAsync('care/w-0001/command', { qos: 1 });
    await watch.publishAsync(
      'care/w-0001/event',
      JSON.stringify({ ts: Date.now(), event_id: 'cluster-sos-1', type: 'sos' }),
      { qos: 1 },
    );

    const opened = await until(
      async () => console.filter((x) => x.kind === 'sos'),
      (seen) => seen.length > 0,
      10_000,
    );
    expect(opened.length, 'the console on B heard of the SOS').toBeGreaterThan(0);
    const alertId = opened[0]!.id;
    const offered = await until(
      async () => phone.offers.filter((o) => o.alert_id === alertId),
      (o) => o.length > 0,
      10_000,
    );
    expect(offered, 'the volunteer on C was offered the SOS').toHaveLength(1);
    const accepted = await phone.request('offer:accept', { offer_id: offered[0]!.offer_id });
    expect(accepted).toMatchObject({ ok: true });

    const assigned = await until(
      async () => console.filter((x) => x.id === alertId && x.status === 'assigned'),
      (seen) => seen.length > 0,
      10_000,
    );
    expect(assigned.length, 'the console on B saw the acceptance made on C').toBeGreaterThan(0);
    // The watch on A hears who is coming, though the acceptance was taken on C.
    const told = await until(
      async () => notified.filter((n) => n.includes('notify')),
      (n) => n.length > 0,
      10_000,
    );
    expect(told.length, 'a notify reached the watch on A').toBeGreaterThan(0);

    const stored = await a.store.db
      .selectFrom('alerts')
      .select(['id', 'status'])
      .where('kind', '=', 'sos')
      .execute();
    expect(stored).toEqual([{ id: alertId, status: 'assigned' }]);
    const offers = await a.store.db
      .selectFrom('offers')
      .select(['responder_id', 'status'])
      .where('alert_id', '=', alertId)
      .execute();
    expect(offers).toEqual([{ responder_id: 'v-0001', status: 'accepted' }]);
    // One feed across the hubs: a console on any of them heard the same changes, each once. Changes
    // published by two processes (the offer by the elder's owner, the acceptance on C) may arrive in
    // either order: a console keeps the later by `updated_at` (console/app/alert-store.ts).
    const heardOn = consoles.map((heard) =>
      heard
        .filter((x) => x.id === alertId)
        .sort((x, y) => x.updated_at! - y.updated_at!)
        .map((x) => x.status),
    );
    for (const heard of consoles)
      expect(heard.filter((x) => x.id === alertId).every((x) => typeof x.updated_at === 'number')).toBe(true);
    expect(heardOn[0]).toEqual(heardOn[1]);
    expect(heardOn[2]).toEqual(heardOn[1]);
    expect(heardOn[1]!.at(-1), 'the latest change each console holds').toBe('assigned');
    // One step of the timeline each: opened once, offered once, accepted once (no hub did it twice).
    const steps = await a.store.db
      .selectFrom('alert_transitions')
      .select(['from_status', 'to_status'])
      .where('alert_id', '=', alertId)
      .execute();
    expect(steps.filter((t) => t.from_status === null)).toHaveLength(1);
    expect(steps.filter((t) => t.to_status === 'assigned' && t.from_status !== 'assigned')).toHaveLength(1);
    phone.close();
  }, 40_000);

  it('[CLUSTER-FUSED-FALL] a fall seen by the watch on A and by the radar on B is one incident with both sources', async () => {
    const watch = devices[0] ?? (await a.connectDevice('w-0001', 'watch-secret-0001'));
    const radar = await b.connectDevice('r-0001', 'radar-secret-0001');
    devices.push(radar);
    await watch.publishAsync(
      'care/w-0001/event',
      JSON.stringify({ ts: Date.now(), event_id: 'cluster-fall-watch', type: 'fall', confidence: 0.9 }),
      { qos: 1 },
    );
    await radar.publishAsync(
      'care/r-0001/event',
      JSON.stringify({ ts: Date.now(), event_id: 'cluster-fall-radar', type: 'fall', confidence: 0.95 }),
      { qos: 1 },
    );
    // Both events handled (the radar's is marked once the alert holds the watch's detections too).
    const handled = await until(
      () =>
        a.store.db
          .selectFrom('device_events')
          .select('event_id')
          .where('event_id', 'in', ['cluster-fall-watch', 'cluster-fall-radar'])
          .where('handled_at', 'is not', null)
          .execute(),
      (rows) => rows.length === 2,
      10_000,
    );
    expect(handled).toHaveLength(2);
    const falls = await a.store.db
      .selectFrom('alerts')
      .select(['id', 'details', 'severity'])
      .where('kind', '=', 'fall')
      .execute();
    expect(falls, 'one fall alert for the two devices').toHaveLength(1);
    const details = JSON.parse(falls[0]!.details) as Record<string, unknown>;
    expect(details.radar_id).toBe('r-0001');
    expect(JSON.stringify(details)).toMatch(/watch_event/);
    // Every event was handled, by one hub.
    const unhandled = await a.store.db
      .selectFrom('device_events')
      .select('event_id')
      .where('handled_at', 'is', null)
      .execute();
    expect(unhandled).toEqual([]);
  }, 30_000);

  it('[CLUSTER-HEARD-RELAY] telemetry that made no reading (refused here) still tells the elder’s owner the device is alive', async () => {
    const { owner, device: radar } = await connectedAwayFromOwner('e-0001', 'r-0001', 'radar-secret-0001');
    const before = Date.now();
    // Not JSON: refused on the radar's error topic, no reading carried anywhere; but heard on arrival.
    await radar.publishAsync('care/r-0001/telemetry', 'not json', { qos: 1 });
    const seen = await until(
      async () => owner.ingest.health.snapshot('r-0001')?.last_seen_at ?? 0,
      (at) => at >= before,
      12_000,
    );
    expect(seen, 'the owner heard of the radar within the relay’s 5 s').toBeGreaterThanOrEqual(before);
  }, 30_000);

  it('[CLUSTER-REDIS-DOWN] with Redis down an SOS is still stored, acknowledged and raised by its elder’s owner (from the store); /readyz says why, and clears when Redis is back', async () => {
    // A hub that does not own e-0002 takes the watch: its SOS must travel to the owner.
    const { entry, device: watch } = await connectedAwayFromOwner('e-0002', 'w-0002', 'watch-secret-0002');
    const console = await consoleOn(entry, 'spec-meilin', 'spec-password-2');
    const feeds = () => console.filter((x) => x.id === 'feeds').map((x) => x.status);
    await redis.kill();
    try {
      const ready = await until(
        async () =>
          (await entry.app.inject({ url: '/readyz' })).json() as { status: string; degraded: string[] },
        (r) => r.degraded.includes('redis_unavailable'),
        10_000,
      );
      expect(ready).toEqual({ status: 'ready', degraded: ['redis_unavailable'] });
      await watch.publishAsync(
        'care/w-0002/event',
        JSON.stringify({ ts: Date.now(), event_id: 'cluster-sos-no-redis', type: 'sos' }),
        { qos: 1 },
      );
      const raised = await until(
        () =>
          a.store.db
            .selectFrom('alerts')
            .select(['id', 'elder_id', 'status'])
            .where('kind', '=', 'sos')
            .where('elder_id', '=', 'e-0002')
            .execute(),
        (rows) => rows.length > 0,
        25_000,
      );
      expect(raised, 'the SOS became one alert of e-0002 while Redis was down').toHaveLength(1);
      // The console on that hub was told its live feed misses the others' changes.
      expect(feeds()).toEqual(['false']);
    } finally {
      await redis.resume();
    }
    const back = await until(
      async () => (await entry.app.inject({ url: '/readyz' })).json() as { degraded: string[] },
      (r) => r.degraded.length === 0,
      15_000,
    );
    expect(back.degraded).toEqual([]);
    // …and, once Redis is back, that it is whole again (the console then reloads its lists).
    expect(
      await until(
        async () => feeds(),
        (f) => f.length === 2,
        10_000,
      ),
    ).toEqual(['false', 'true']);
  }, 90_000);
});
