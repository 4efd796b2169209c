import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitionOf } from '../cluster/partitions.js';
import { ClusterBacking } from './support/cluster-backing.js';
import { withPostgres } from './support/databases.js';
import { deviceLogin } from './support/device-login.js';
import { adminPassword, smallDistrict, withResponderUsers } from './support/hub.js';
import { HubProcess } from './support/hub-process.js';
import { ResponderApp } from './support/responder-app.js';
import { until } from './support/wait.js';

const partitions = 8;
const home = { lat: 22.5531, lon: 114.0412 };
/** `metres` north of the home. */
const north = (metres: number) => ({ lat: home.lat + metres / 111_195, lon: home.lon });

/** The district of the small one, with a second first-aider 800 m away (within the ladder's second step). */
function district() {
  const doc = smallDistrict();
  doc.responders!.push({
    id: 'v-0002',
    name: '赵志强',
    kind: 'volunteer',
    org_unit: 'jingtian',
    skills: ['first_aid'],
    location: north(800),
  });
  return withResponderUsers(doc);
}

async function call(hub: HubProcess, method: string, path: string, token?: string, body?: unknown) {
  const res = await fetch(`${hub.httpUrl}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function login(hub: HubProcess, username: string, password: string): Promise<string> {
  const res = await call(hub, 'POST', '/api/v1/auth/login', undefined, { username, password });
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.token as string;
}

/**
 * Cluster mode across real processes: three hubs (each `npm start` as operators run it) on one
 * PostgreSQL database and one Redis. The process that owns an elder is SIGKILLed in the middle of
 * that elder's SOS ladder: the others take its partitions, finish the ladder, and its devices
 * reconnect to them — with nothing lost and nothing done twice.
 */
describe.runIf(withPostgres)('cluster mode: a hub process killed mid-ladder', () => {
  let backing: ClusterBacking;
  const hubs: HubProcess[] = [];
  /** Each hub's process id (its /healthz says), as its partition leases name it. */
  const pids = new Map<HubProcess, number>();
  const clients: MqttClient[] = [];
  const phones: ResponderApp[] = [];

  const holders = () => backing.holders();

  /** The watch of e-0001 connects to `hub` (no automatic reconnect) and presses SOS: resolved at the PUBACK. */
  async function pressSos(hub: HubProcess, eventId: string): Promise<void> {
    const watch = await mqtt.connectAsync(hub.mqttUrl, {
      ...deviceLogin('w-0001', 'watch-secret-0001'),
      reconnectPeriod: 0,
    });
    clients.push(watch);
    await watch.publishAsync(
      'care/w-0001/event',
      JSON.stringify({ ts: Date.now(), event_id: eventId, type: 'sos' }),
      { qos: 1 },
    );
  }

  beforeAll(async () => {
    backing = await ClusterBacking.start();
    const options = backing.hubOptions(partitions, { OFFER_EXPIRY_S: '5' });
    const first = await HubProcess.start(options);
    hubs.push(first);
    const admin = await login(first, 'admin', adminPassword);
    expect((await call(first, 'PUT', '/api/v1/district', admin, district())).status).toBe(200);
    hubs.push(await HubProcess.start(options), await HubProcess.start(options));
    for (const hub of hubs) pids.set(hub, (await hub.healthz()).body.pid!);
    // Every partition held, by each of the three.
    const spread = await until(
      holders,
      (held) => held.size === partitions && new Set(held.values()).size === 3,
      20_000,
    );
    expect(new Set(spread.values())).toEqual(new Set(pids.values()));
  }, 180_000);

  afterAll(async () => {
    for (const phone of phones) phone.close();
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await Promise.all(hubs.map((h) => h.kill()));
    await backing?.stop();
  }, 60_000);

  it('[CLUSTER-SIGKILL-TAKEOVER] the owner of an elder is SIGKILLed after the first offer: another process takes its partitions within 10 s, offers the next step, the watch reconnects elsewhere; one alert, each offer once, every event handled once', async () => {
    const partition = partitionOf('e-0001', partitions);
    const ownerPid = (await holders()).get(partition);
    const owner = hubs.find((h) => pids.get(h) === ownerPid)!;
    const [other, third] = hubs.filter((h) => h !== owner) as [HubProcess, HubProcess];

    // The phones talk to processes that survive; the watch to the one that will die.
    const first = await ResponderApp.open(other.httpPort, await login(other, 'v-0001', 'password-v-0001'));
    const second = await ResponderApp.open(third.httpPort, await login(third, 'v-0002', 'password-v-0002'));
    phones.push(first, second);
    await first.onDutyAt(north(100).lat, north(100).lon);
    await second.onDutyAt(north(800).lat, north(800).lon);
    await pressSos(owner, 'takeover-sos-1');
    const firstOffer = await until(
      async () => first.offers,
      (o) => o.length > 0,
      10_000,
    );
    expect(firstOffer, 'the nearest first-aider is offered the SOS by its owner').toHaveLength(1);
    const alertId = firstOffer[0]!.alert_id;

    await owner.kill('SIGKILL');
    const killedAt = Date.now();
    const taken = await until(
      holders,
      (held) => held.size === partitions && ![...held.values()].includes(ownerPid!),
      15_000,
    );
    const takeoverMs = Date.now() - killedAt;
    expect([...taken.values()].includes(ownerPid!), 'the dead process holds nothing').toBe(false);
    expect(takeoverMs, 'every partition has a live owner within 10 s').toBeLessThan(10_000);

    // The first offer runs out (5 s): the new owner takes the next step, to the second first-aider.
    const secondOffer = await until(
      async () => second.offers.filter((o) => o.alert_id === alertId),
      (o) => o.length > 0,
      20_000,
    );
    expect(secondOffer, 'the next step, taken by the new owner').toHaveLength(1);

    // The watch reconnects to a survivor and presses again: the same incident, not a new alert.
    await pressSos(other, 'takeover-sos-2');
    const accepted = await second.request('offer:accept', { offer_id: secondOffer[0]!.offer_id });
    expect(accepted).toMatchObject({ ok: true });

    const events = await until(
      async () =>
        (
          await backing.store.query<{ event_id: string; handled: boolean }>(
            `SELECT event_id, handled_at IS NOT NULL AS handled FROM device_events WHERE device_id = 'w-0001' ORDER BY event_id`,
          )
        ).rows,
      (rows) => rows.length === 2 && rows.every((r) => r.handled),
      15_000,
    );
    expect(events).toEqual([
      { event_id: 'takeover-sos-1', handled: true },
      { event_id: 'takeover-sos-2', handled: true },
    ]);
    const alerts = (
      await backing.store.query<{ id: string; status: string; assignee_id: string; details: string }>(
        `SELECT id, status, assignee_id, details FROM alerts WHERE kind = 'sos'`,
      )
    ).rows;
    expect(alerts.map((a) => [a.id, a.status, a.assignee_id])).toEqual([[alertId, 'assigned', 'v-0002']]);
    expect(JSON.parse(alerts[0]!.details).repeats, 'the second press counted on the same alert').toBe(1);
    const offers = (
      await backing.store.query<{ responder_id: string; status: string }>(
        'SELECT responder_id, status FROM offers WHERE alert_id = $1 ORDER BY responder_id',
        [alertId],
      )
    ).rows;
    expect(offers).toEqual([
      { responder_id: 'v-0001', status: 'expired' },
      { responder_id: 'v-0002', status: 'accepted' },
    ]);
    // Each phone was offered once: no step taken twice by the old and the new owner.
    expect(first.offers.filter((o) => o.alert_id === alertId)).toHaveLength(1);
    expect(second.offers.filter((o) => o.alert_id === alertId)).toHaveLength(1);
  }, 120_000);
});
