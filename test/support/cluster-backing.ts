import pg from 'pg';
import { elderLeaseSpace } from '../../cluster/elder-partitions.js';
import { partitionHolders } from '../../cluster/partition-leases.js';
import { migratedPostgresDatabase } from './databases.js';
import { RedisServer } from './redis-server.js';

/**
 * What hub processes in cluster mode share, for one test file: a fresh PostgreSQL database, a Redis of
 * its own, and a connection to the database for the test's own reads (who holds which partition).
 */
export class ClusterBacking {
  private constructor(
    readonly redis: RedisServer,
    readonly databaseUrl: string,
    readonly store: pg.Client,
  ) {}

  static async start(): Promise<ClusterBacking> {
    const redis = await RedisServer.start();
    const databaseUrl = await migratedPostgresDatabase();
    const store = new pg.Client({ connectionString: databaseUrl });
    await store.connect();
    return new ClusterBacking(redis, databaseUrl, store);
  }

  /** `HubProcess.start` options for a member with `partitions` partitions and these settings. */
  hubOptions(partitions: number, env: Record<string, string> = {}) {
    return {
      databaseUrl: this.databaseUrl,
      redisUrl: this.redis.url,
      logLevel: 'warn',
      env: { CLUSTER_PARTITIONS: String(partitions), INFERENCE_WORKERS: '1', ...env },
    };
  }

  /** Which process (by pid: its member id ends in it) holds each partition now, from PostgreSQL's lock table. */
  async holders(): Promise<Map<number, number>> {
    const held = await partitionHolders(this.store, elderLeaseSpace);
    return new Map(held.map((h) => [h.partition, Number(h.memberId.slice(h.memberId.lastIndexOf(':') + 1))]));
  }

  async stop(): Promise<void> {
    await this.store.end();
    await this.redis.kill();
  }
}
