import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withPostgres } from './support/databases.js';
import { smallDistrict, startTestHub, type TestHub, withResponderUsers } from './support/hub.js';
import { RedisServer } from './support/redis-server.js';
import { ResponderApp } from './support/responder-app.js';
import { until } from './support/wait.js';

const graceS = 2;
const home = { lat: 22.5531, lon: 114.0412 };

/**
 * Cluster mode's check of the responder apps counted connected (every process, every half grace):
 * a phone whose close was never seen (its process died) is offline after the grace, and a phone
 * connected to another process is not — each process asks every other which apps it holds.
 */
describe.runIf(withPostgres)('cluster mode: which responder apps are still there', () => {
  let redis: RedisServer;
  const hubs: TestHub[] = [];
  let li: ResponderApp | undefined;

  beforeAll(async () => {
    redis = await RedisServer.start();
    const cluster = { redisUrl: redis.url, clusterPartitions: 4, appOfflineGraceS: graceS };
    const a = await startTestHub({ dialect: 'postgres', config: cluster });
    hubs.push(a);
    const doc = smallDistrict();
    doc.responders = ['v-0001', 'v-0002'].map((id) => ({
      id,
      name: id === 'v-0001' ? '李建国' : '杨淑珍',
      kind: 'volunteer' as const,
      org_unit: 'jingtian',
      skills: ['first_aid' as const],
      location: home,
    }));
    expect((await a.putDistrict(withResponderUsers(doc))).statusCode).toBe(200);
    hubs.push(
      await startTestHub({
        config: { ...cluster, databaseUrl: a.config.databaseUrl, dataDir: a.config.dataDir },
      }),
    );
  }, 60_000);

  afterAll(async () => {
    li?.close();
    for (const h of hubs.reverse()) await h.stop();
    await redis?.kill();
  }, 60_000);

  it('[CLUSTER-APP-CHECK] a phone connected to B stays on duty through A’s checks; one whose close was lost is offline after the grace', async () => {
    const [a, b] = hubs as [TestHub, TestHub];
    li = await ResponderApp.open(b.addresses.http, await b.login('v-0001', 'password-v-0001'));
    await li.onDutyAt(home.lat, home.lon);
    // 杨淑珍 went on duty and her phone's close was lost (its process died): the store still counts it connected.
    const yang = await ResponderApp.open(b.addresses.http, await b.login('v-0002', 'password-v-0002'));
    await yang.onDutyAt(home.lat, home.lon);
    yang.close();
    await until(
      () =>
        a.store.db
          .selectFrom('responder_state')
          .select('app_offline_since')
          .where('responder_id', '=', 'v-0002')
          .execute(),
      (rows) => rows[0]?.app_offline_since != null,
      5000,
    );
    await a.store.db
      .updateTable('responder_state')
      .set({ app_offline_since: null })
      .where('responder_id', '=', 'v-0002')
      .execute();

    const board = async () =>
      Object.fromEntries(
        (
          (await a.app.inject({ url: '/api/v1/responders', headers: a.as(a.adminToken) })).json()
            .responders as Array<{ id: string; availability: string }>
        ).map((r) => [r.id, r.availability]),
      );
    // Checked every second on each process, offline after 2 s: within 8 s.
    const marked = await until(board, (r) => r['v-0002'] === 'app_offline', 8000);
    expect(marked['v-0002'], 'the lost close found by a check').toBe('app_offline');
    // Two more rounds of checks on A (and B), with 李建国's phone on B all along.
    await new Promise((r) => setTimeout(r, 2 * graceS * 1000));
    expect(await board()).toEqual({ 'v-0001': 'on_duty', 'v-0002': 'app_offline' });
  }, 40_000);
});
