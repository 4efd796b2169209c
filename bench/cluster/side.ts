import pg from 'pg';
import { elderLeaseSpace } from '../../cluster/elder-partitions.js';
import { partitionHolders } from '../../cluster/partition-leases.js';
import { seedFleet } from '../fleet/homes.js';
import { climb, type FleetLadder } from '../fleet/ladder.js';
import { openRig, type Rig } from '../fleet/rig.js';
import { devicesPerHome, loadCount } from '../fleet/settings.js';
import { startHubProcess, tempDataDir } from '../lib/hub-process.js';
import { LoadProcess } from '../lib/load.js';
import { log, sleep } from '../lib/processes.js';
import { postgresReader } from '../lib/store-reader.js';
import { radarTelemetryRest, watchTelemetryRest } from '../lib/telemetry.js';
import type { Postgres } from './engines.js';
import { startRedis } from './engines.js';
import {
  ladder,
  partitions,
  type Side,
  serverCore,
  sideSeconds,
  sustainSeconds,
  warmUpSeconds,
} from './settings.js';

export interface SideRun {
  side: Side;
  ladder: FleetLadder;
  /** The hub processes' pids (with HUB_PROCESSES: the primary first) and their RSS idle, summed. */
  pids: number[];
  idleRssMiB: number;
  connect: Rig['connect'];
  /** Seconds from the start to every process answering (and, with several, holding partitions). */
  startSeconds: number;
}

export async function runSide(side: Side, postgres: Postgres): Promise<SideRun> {
  const homes = Math.max(...ladder);
  const dataDir = tempDataDir();
  const databaseUrl = await postgres.database(`bench_${side.key}`);
  await seedFleet(dataDir, homes, databaseUrl);
  const redis = side.redis ? await startRedis(serverCore) : undefined;
  const connections = homes * devicesPerHome;
  const t0 = Date.now();
  const stops: Array<() => Promise<unknown>> = [];
  try {
    if (redis) stops.push(redis.stop);
    const hub = await startHubProcess({
      dataDir,
      openFiles: connections + 3_000,
      startTimeoutMs: 120_000,
      processes: side.processes,
      env: { DATABASE_URL: databaseUrl, ...(redis ? { REDIS_URL: redis.url } : {}) },
    });
    stops.push(() => hub.stop());
    if (side.processes > 1) await partitionsSpread(databaseUrl, side.processes);
    const startSeconds = Math.round((Date.now() - t0) / 100) / 10;
    const loads = await LoadProcess.startMany(loadCount, {
      openFiles: Math.ceil(connections / loadCount) + 2_000,
      maxLifetimeMs: 10 * 60_000,
    });
    stops.push(() => Promise.all(loads.map((load) => load.stop())));
    const store = await postgresReader(databaseUrl);
    stops.push(() => store.close());
    await sleep(3_000); // the inference pools' workers, the first health sweep
    const rig = await openRig({
      hub,
      loads,
      dataDir,
      store,
      engines: [
        { name: 'postgres', pid: postgres.pid },
        ...(redis ? [{ name: 'redis', pid: redis.pid }] : []),
      ],
      watchRest: watchTelemetryRest(),
      radarRest: radarTelemetryRest(),
    });
    stops.push(async () => rig.console.socket.close());
    log(`${side.title}: pids ${hub.pids().join(', ')}, idle RSS ${rig.idleRssMiB} MiB, console connected`);
    const climbed = await climb(rig, {
      ladder,
      halfWayBack: false,
      warmUp: warmUpSeconds,
      seconds: sustainSeconds,
      until: t0 + sideSeconds * 1000,
    });
    await Promise.all(loads.map((load) => load.end()));
    return {
      side,
      ladder: climbed,
      pids: hub.pids(),
      idleRssMiB: rig.idleRssMiB,
      connect: rig.connect,
      startSeconds,
    };
  } finally {
    // The last started first: the console and the loads before the hub, the hub before Redis.
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => log(`stopping: ${error}`));
  }
}

/** The partitions' advisory-lock key space (cluster/elder-partitions.ts). */
/**
 * Waits until every hub process holds some of the elders' partitions (they rebalance through PostgreSQL's
 * advisory locks after the second starts): until then the first process does all per-elder work. Read
 * from PostgreSQL's lock table, by session: `/metrics` answers for the machine, summed.
 */
async function partitionsSpread(databaseUrl: string, processes: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  let held: number[] = [];
  const locks = new pg.Client({ connectionString: databaseUrl });
  await locks.connect();
  try {
    while (Date.now() < deadline) {
      const perProcess = new Map<number, number>();
      for (const { pid } of await partitionHolders(locks, elderLeaseSpace))
        perProcess.set(pid, (perProcess.get(pid) ?? 0) + 1);
      held = [...perProcess.values()];
      if (held.length === processes && held.reduce((a, b) => a + b, 0) === partitions) {
        log(`partitions held per hub process: ${held.join(', ')}`);
        return;
      }
      await sleep(500);
    }
  } finally {
    await locks.end();
  }
  throw new Error(
    `the hub processes did not share the ${partitions} partitions within 60 s (held: ${held.join(', ')})`,
  );
}
