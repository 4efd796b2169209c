import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitionOf } from '../cluster/partitions.js';
import { ClusterBacking } from './support/cluster-backing.js';
import { withPostgres } from './support/databases.js';
import { deviceLogin } from './support/device-login.js';
import { adminPassword, putDistrictOverHttp } from './support/hub.js';
import { HubProcess, processAlive } from './support/hub-process.js';
import { until } from './support/wait.js';

const partitions = 4;

/**
 * Cluster mode with an owner that hangs rather than dies: SIGSTOP (as an event loop stuck for good, or a
 * frozen VM) keeps its TCP session to PostgreSQL open — the kernel answers for it — so its advisory locks
 * would stay for ever. The others must see that its lease session stopped checking in, end it, and take
 * its partitions; an SOS stored by a survivor meanwhile must then be raised.
 */
describe.runIf(withPostgres)('cluster mode: a hub process frozen (SIGSTOP)', () => {
  let backing: ClusterBacking;
  const hubs: HubProcess[] = [];
  const pids = new Map<HubProcess, number>();
  const stopped: number[] = [];
  let watch: MqttClient | undefined;

  const holders = () => backing.holders();

  beforeAll(async () => {
    backing = await ClusterBacking.start();
    const options = backing.hubOptions(partitions);
    const first = await HubProcess.start(options);
    hubs.push(first);
    await putDistrictOverHttp(first.httpUrl, adminPassword);
    hubs.push(await HubProcess.start(options));
    for (const hub of hubs) pids.set(hub, (await hub.healthz()).body.pid!);
    await until(holders, (held) => held.size === partitions && new Set(held.values()).size === 2, 20_000);
  }, 120_000);

  afterAll(async () => {
    // Whatever happened, the frozen process is resumed and killed (a stopped process ignores SIGTERM).
    for (const pid of stopped) {
      for (const signal of ['SIGCONT', 'SIGKILL'] as const) {
        try {
          process.kill(pid, signal);
        } catch {
          // gone already
        }
      }
    }
    await watch?.endAsync(true);
    await Promise.all(hubs.map((h) => h.kill()));
    await backing?.stop();
  }, 60_000);

  it('[CLUSTER-SIGSTOP-TAKEOVER] the owner of an elder is frozen (SIGSTOP): the other process holds every partition within 30 s, and an SOS it stored meanwhile is raised', async () => {
    const ownerPid = (await holders()).get(partitionOf('e-0001', partitions))!;
    const owner = hubs.find((h) => pids.get(h) === ownerPid)!;
    const survivor = hubs.find((h) => h !== owner)!;
    const survivorPid = pids.get(survivor)!;

    process.kill(ownerPid, 'SIGSTOP');
    stopped.push(ownerPid);
    const frozenAt = Date.now();

    // The watch (reconnected through the balancer) presses SOS on the survivor: stored and acknowledged.
    watch = await mqtt.connectAsync(survivor.mqttUrl, {
      ...deviceLogin('w-0001', 'watch-secret-0001'),
      reconnectPeriod: 0,
    });
    await watch.publishAsync(
      'care/w-0001/event',
      JSON.stringify({ ts: Date.now(), event_id: 'frozen-owner-sos', type: 'sos' }),
      { qos: 1 },
    );

    const taken = await until(
      holders,
      (held) => held.size === partitions && [...held.values()].every((pid) => pid === survivorPid),
      30_000,
    );
    const takeoverMs = Date.now() - frozenAt;
    const now = await holders();
    expect(
      taken && [...taken.values()].every((pid) => pid === survivorPid),
      `after ${takeoverMs} ms the survivor holds ${[...now].filter(([, pid]) => pid === survivorPid).length} of ${partitions} partitions`,
    ).toBe(true);
    expect(takeoverMs, 'every partition with a live owner within 30 s').toBeLessThan(30_000);
    console.info(`[CLUSTER-SIGSTOP-TAKEOVER] partitions taken ${takeoverMs} ms after SIGSTOP`);
    expect(processAlive(ownerPid), 'the frozen process is still there (stopped, not dead)').toBe(true);

    const alerts = await until(
      async () =>
        (await backing.store.query<{ elder_id: string }>(`SELECT elder_id FROM alerts WHERE kind = 'sos'`))
          .rows,
      (rows) => rows.length > 0,
      20_000,
    );
    expect(alerts).toEqual([{ elder_id: 'e-0001' }]);
  }, 120_000);
});
