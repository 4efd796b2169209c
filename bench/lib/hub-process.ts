import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { singleRequest } from '../../test/support/single-request.js';
import { startNodeFlags } from '../../test/support/start-command.js';
import { exited, sleep, spawnTsx, stopChild, tempDir } from './processes.js';
import { childrenOf } from './stats.js';

/**
 * The hub's counters the load benchmarks judge telemetry by: messages read (counted before the shedder), and
 * those shed unparsed.
 */
export const telemetryInMetric = 'yiyang_mqtt_messages_in_total{kind="telemetry"}';
export const shedTotalMetric = 'yiyang_ingest_shed_total';

export interface HubProcess {
  /** The process started (with `processes` > 1: the node:cluster primary, which runs no hub). */
  pid: number;
  /** Every process of the hub now: the one started and, with `processes` > 1, its workers. */
  pids(): number[];
  dataDir: string;
  mqttUrl: string;
  httpUrl: string;
  /**
   * A Prometheus sample of the hub, e.g. `yiyang_mqtt_messages_in_total{kind="telemetry"}`;
   * a bare name sums all its labelled series (0 if absent).
   */
  metric(name: string): Promise<number>;
  /**
   * Several samples from one scrape of `/metrics`, in the order asked. With several processes the scrape
   * answers for all of them (the primary gathers and sums them: hub/machine-metrics.ts).
   */
  metrics(names: string[]): Promise<number[]>;
  stop(): Promise<void>;
}

export function tempDataDir(): string {
  return tempDir('yiyang-bench-');
}

/**
 * Rows from the hub's SQLite file (`DATA_DIR/yiyang.sqlite`), opened read-only: safe while the hub runs (WAL),
 * and costs the hub nothing.
 */
export function queryHubStore<T>(dataDir: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(join(dataDir, 'yiyang.sqlite'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

export interface HealthSamples {
  /** The slowest `GET /healthz` answer (ms), and how many were sampled. */
  maxMs: number;
  samples: number;
  /** Answers slower than the threshold: when they were asked (wall-clock ms) and how long they took. */
  slow: Array<{ at: number; ms: number }>;
}

/**
 * Asks the hub `GET /healthz` every `everyMs` until stopped: a slow answer is the hub's event loop stalled
 * (or its core taken), and when it happened tells which periodic work did it.
 */
export function sampleHealth(
  hub: HubProcess,
  everyMs: number,
  slowMs = 100,
): { stop(): Promise<HealthSamples> } {
  let running = true;
  const loop = (async () => {
    const result: HealthSamples = { maxMs: 0, samples: 0, slow: [] };
    while (running) {
      const [at, t0] = [Date.now(), performance.now()];
      await fetch(`${hub.httpUrl}/healthz`).then(
        (r) => r.arrayBuffer(),
        () => undefined,
      );
      const ms = Math.round(performance.now() - t0);
      result.maxMs = Math.max(result.maxMs, ms);
      result.samples++;
      if (ms >= slowMs) result.slow.push({ at, ms });
      await sleep(everyMs);
    }
    return result;
  })();
  return {
    stop() {
      running = false;
      return loop;
    },
  };
}

/**
 * Prometheus samples from one scrape's text, in the order asked; a bare name sums all its labelled
 * series (0 if absent).
 */
export function samples(text: string, names: string[]): number[] {
  const lines = text.split('\n');
  return names.map((name) => {
    const series = (line: string) =>
      line.startsWith(`${name} `) || (!name.includes('{') && line.startsWith(`${name}{`));
    return lines.filter(series).reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
  });
}

/** The pids of the hub processes that answered `/healthz` on connections of their own (a few tries). */
async function answeringWorkers(httpUrl: string, processes: number): Promise<Set<number>> {
  const seen = new Set<number>();
  for (let i = 0; i < 4 * processes && seen.size < processes; i++) {
    const answer = await singleRequest(`${httpUrl}/healthz`).catch(() => undefined);
    if (answer?.status !== 200) continue;
    const pid = (JSON.parse(answer.body) as { pid?: number }).pid;
    if (pid) seen.add(pid);
  }
  return seen;
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The hub as operators run it (`hub/main.ts`, configured by environment), pinned to core 0,
 * on a data directory prepared beforehand. Resolves once `GET /healthz` answers 200.
 */
export async function startHubProcess(options: {
  dataDir: string;
  openFiles?: number;
  startTimeoutMs?: number;
  /** More configuration (README's table), e.g. `{ MAX_SLOW_SECRET_CHECKS: '20000' }`. */
  env?: Record<string, string>;
  /** `HUB_PROCESSES` (give `env` its REDIS_URL and DATABASE_URL): resolves once each worker answers. */
  processes?: number;
}): Promise<HubProcess> {
  const processes = options.processes ?? 1;
  const [port, mqttPort] = [await freePort(), await freePort()];
  const child: ChildProcess = spawnTsx(0, 'hub/main.ts', {
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      MQTT_PORT: String(mqttPort),
      DATA_DIR: options.dataDir,
      ADMIN_PASSWORD: 'bench-admin-password',
      LOG_LEVEL: 'warn',
      HUB_PROCESSES: String(processes),
      ...options.env,
    },
    stdio: ['ignore', 2, 2],
    openFiles: options.openFiles,
    // As the hub is deployed: `npm start`'s flags (the systemd unit has the same). More with
    // e.g. BENCH_HUB_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' to see where the hub's time goes
    // (Node refuses --cpu-prof in NODE_OPTIONS); the profile is written when the hub stops.
    nodeArgs: [...startNodeFlags(), ...(process.env.BENCH_HUB_NODE_ARGS?.split(' ').filter(Boolean) ?? [])],
  });
  const httpUrl = `http://127.0.0.1:${port}`;
  let gone = false;
  void exited(child).then(() => {
    gone = true;
  });
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  for (;;) {
    if (gone) throw new Error(`the hub exited during start (code ${child.exitCode})`);
    if (Date.now() > deadline) {
      await stopChild(child);
      throw new Error('the hub did not answer /healthz in time');
    }
    const status = await fetch(`${httpUrl}/healthz`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200 && (await answeringWorkers(httpUrl, processes)).size === processes) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const metrics = async (names: string[]): Promise<number[]> =>
    samples(await (await fetch(`${httpUrl}/metrics`)).text(), names);
  return {
    pid: child.pid!,
    pids: () => (processes === 1 ? [child.pid!] : [child.pid!, ...childrenOf(child.pid!)]),
    dataDir: options.dataDir,
    mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
    httpUrl,
    metrics,
    async metric(name) {
      const [value] = await metrics([name]);
      return value!;
    },
    async stop() {
      await stopChild(child, 10_000);
    },
  };
}
