import mqtt from 'mqtt';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveTransports } from '../console/app/socket-options.js';
import { freshPostgresDatabase, withPostgres } from './support/databases.js';
import { deviceLogin } from './support/device-login.js';
import { adminPassword } from './support/hub.js';
import { HubProcess, type LogLine, processAlive } from './support/hub-process.js';
import { RedisServer } from './support/redis-server.js';
import { singleRequest } from './support/single-request.js';
import { until } from './support/wait.js';

// `HUB_PROCESSES=2` as operators run it: a node:cluster primary and two hub workers on one HTTP and
// one MQTT port, over PostgreSQL and Redis. Process-level behaviour only: what the workers share
// (alerts, partitions) is cluster mode's, tested with this harness on its own.

const started = (line: LogLine) => line.msg === 'hub process started';

describe.runIf(withPostgres)('many hub processes on one machine', () => {
  let redis: RedisServer;
  let hub: HubProcess;
  /** The workers' pids, as the primary logged them once each had started. */
  let workers: number[];

  /** Which processes answer `/healthz` over `connections` fresh connections. */
  async function answering(connections: number): Promise<Set<number>> {
    const pids = new Set<number>();
    for (let i = 0; i < connections; i++) {
      const { status, body } = await hub.healthz();
      expect(status).toBe(200);
      expect(body.status).toBe('ok');
      pids.add(body.pid!);
    }
    return pids;
  }

  beforeAll(async () => {
    redis = await RedisServer.start();
    hub = await HubProcess.start({
      processes: 2,
      databaseUrl: await freshPostgresDatabase(),
      redisUrl: redis.url,
    });
    const lines = await hub.waitForLogs('"hub process started"', started, 2, 60_000);
    workers = lines.map((line) => line.worker as number);
  }, 120_000);
  afterAll(async () => {
    await hub?.kill();
    await redis?.kill();
  });

  it('[HUB-PROCESSES-SHARE-PORTS] two workers answer on one HTTP port and one MQTT port', async () => {
    expect(new Set(workers).size).toBe(2);
    expect(workers).not.toContain(hub.pid); // the primary runs no hub itself
    // The primary hands connections round-robin: a few fresh ones reach both workers.
    expect([...(await answering(8))].sort()).toEqual([...workers].sort());

    // MQTT on the one port: each connection is refused (no such device) by the worker it reached,
    // which logs it with its pid.
    for (let i = 0; i < 6; i++) {
      const device = `w-share-${i}`;
      await expect(mqtt.connectAsync(hub.mqttUrl, deviceLogin(device, 'no-such-secret'))).rejects.toThrow(
        /Bad username or password|Not authorized/,
      );
    }
    const refusals = await hub.waitForLogs(
      '"connect refused" of the 6 devices',
      (line) => line.msg === 'connect refused' && String(line.device).startsWith('w-share-'),
      6,
    );
    expect([...new Set(refusals.map((line) => line.pid))].sort()).toEqual([...workers].sort());
  });

  it('[HUB-PROCESSES-METRICS] a scrape of the shared port sees the machine: every process’s metrics, summed or as each gauge says', async () => {
    const scrape = async () => (await singleRequest(`${hub.httpUrl}/metrics`)).body;
    const value = (text: string, name: string) =>
      Number(text.match(new RegExp(`^${name} (\\S+)$`, 'm'))?.[1]);
    // Each process holds some of the 64 partitions; whichever answers, the scrape counts them all.
    const machine = await until(
      scrape,
      (text) => value(text, 'yiyang_cluster_partitions_held') === 64,
      20_000,
    );
    for (let i = 0; i < 4; i++) {
      const text = i === 0 ? machine : await scrape();
      expect(value(text, 'yiyang_cluster_partitions_held'), text).toBe(64);
      expect(value(text, 'yiyang_ready')).toBe(1); // the least ready of the two
      expect(text).toMatch(/^process_cpu_seconds_total /m);
    }
  });

  it('[HUB-PROCESSES-RESTART] a worker SIGKILLed is replaced, and the port keeps answering', async () => {
    const [killed, survivor] = workers as [number, number];
    process.kill(killed, 'SIGKILL');
    const died = await hub.waitForLogs(
      `the primary noticing worker ${killed} died`,
      (line) => line.msg === 'hub process died; starting another' && line.worker === killed,
    );
    expect(died[0]).toMatchObject({ signal: 'SIGKILL' });
    // Meanwhile the survivor takes every connection.
    expect([...(await answering(4))]).toEqual([survivor]);

    const replacement = (await hub.waitForLogs('a replacement worker started', started, 3, 60_000))[2]!
      .worker as number;
    expect(replacement).not.toBe(killed);
    expect(processAlive(killed)).toBe(false);
    expect([...(await answering(8))].sort()).toEqual([survivor, replacement].sort());
    workers = [survivor, replacement];
  }, 90_000);

  it('[HUB-PROCESSES-LIVE-FEEDS] the console’s live connection, opened as the app opens it, works whichever worker each request reaches', async () => {
    const login = await fetch(`${hub.httpUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: adminPassword }),
    });
    expect(login.status).toBe(200);
    const { token } = (await login.json()) as { token: string };
    // Long-polling first (socket.io's default) sends each request of one session to whichever worker
    // the primary picks; the app's transports keep a session on one connection.
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const socket = io(`${hub.httpUrl}/console`, {
          auth: { token },
          reconnection: false,
          ...liveTransports,
        });
        try {
          return await new Promise<string>((resolve) => {
            socket.once('connect', () => resolve('connected'));
            socket.once('connect_error', (error) => resolve(`refused: ${error.message}`));
            setTimeout(() => resolve('no answer within 10 s'), 10_000);
          });
        } finally {
          socket.close();
        }
      }),
    );
    expect(outcomes).toEqual(Array(8).fill('connected'));
  });

  it('[HUB-PROCESSES-STOP] SIGTERM to the primary stops every worker, and the primary exits 0', async () => {
    expect(await hub.stop(30_000)).toBe(0);
    for (const worker of workers) {
      expect(processAlive(worker)).toBe(false);
      // Each stopped its hub in order rather than being killed.
      expect(hub.logs((line) => line.pid === worker && line.msg === 'stopping')).toHaveLength(1);
    }
    expect(hub.logs((line) => line.msg === 'hub process died; starting another')).toHaveLength(1);
  }, 60_000);
});

describe('hub processes refused', () => {
  it('[HUB-PROCESSES-REFUSED] HUB_PROCESSES=2 without REDIS_URL exits non-zero with the reason', async () => {
    const hub = await HubProcess.spawn({ processes: 2 });
    try {
      expect(await hub.waitForExit(20_000)).toBe(2);
      expect(hub.tail()).toContain('HUB_PROCESSES: more than one process needs REDIS_URL and DATABASE_URL');
      expect(hub.logs((line) => line.msg === 'starting hub processes')).toHaveLength(0);
    } finally {
      await hub.kill();
    }
  });
});
