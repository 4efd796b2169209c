/**
 * The engines cluster mode runs on, started by the bench for itself on 127.0.0.1 and pinned to the servers'
 * core: Debian's PostgreSQL and Redis, as the tests start them (test/support), installed with apt-get when
 * missing and this is root.
 */
import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { PostgresServer, postgresPrograms } from '../../test/support/postgres-server.js';
import { RedisServer, redisServer } from '../../test/support/redis-server.js';
import { aptInstall, canAptInstall } from '../lib/programs.js';
import { childrenOf } from '../lib/stats.js';

/** Each need, with the Debian package that provides it. */
const needs = [
  { need: postgresPrograms, debian: 'postgresql' },
  { need: redisServer, debian: 'redis-server' },
];

/** Finds PostgreSQL and Redis, installing what is missing when root; otherwise an error saying how. */
export function ensureEngines(log: (message: string) => void): void {
  const missing = () => needs.filter(({ need }) => !need.find());
  if (missing().length > 0 && canAptInstall())
    aptInstall(
      missing().map((m) => m.debian),
      log,
    );
  const still = missing();
  if (still.length > 0)
    throw new Error(
      `the cluster bench needs ${still.map((m) => m.need.name).join(' and ')}: ` +
        still
          .map((m) => `set ${m.need.variable} to ${m.need.holds}, or apt-get install ${m.debian}`)
          .join('; '),
    );
}

/**
 * Ends a server when this process exits however it exits (an error, Ctrl-C, the runner's SIGTERM): the
 * postmaster leaves the bench's process group (pg_ctl starts it in a session of its own), so killing the group
 * would not reach it. SIGQUIT is PostgreSQL's immediate shutdown (its backends too); for Redis a SIGKILL.
 */
function endAtExit(pid: number, signal: NodeJS.Signals): void {
  process.once('exit', () => {
    try {
      process.kill(pid, signal);
    } catch {
      // already stopped
    }
  });
}

/** Pins a running process, all its threads, to `core`. */
function pin(pid: number, core: number): void {
  execFileSync('taskset', ['-a', '-p', '-c', String(core), String(pid)], { stdio: 'ignore' });
}

export interface Postgres {
  /** The postmaster (its backends, one per connection, are its children). */
  pid: number;
  /** A new empty database on the server: its URL. */
  database(name: string): Promise<string>;
  stop(): Promise<void>;
}

/** A PostgreSQL server of the bench's own (fsync off, as the tests run it), it and its children on `core`. */
export async function startPostgres(core: number): Promise<Postgres> {
  const server = await PostgresServer.start();
  const pid = server.pid;
  // Backends are forked by the postmaster: pinned, it hands its core down to every later connection.
  endAtExit(pid, 'SIGQUIT');
  for (const process of [pid, ...childrenOf(pid)]) pin(process, core);
  return {
    pid,
    async database(name) {
      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      try {
        await client.query(`create database ${name}`);
      } finally {
        await client.end();
      }
      const url = new URL(server.url);
      url.pathname = `/${name}`;
      return url.toString();
    },
    stop: () => server.stop(),
  };
}

/** A Redis server of the bench's own (nothing kept on disk) on `core`. */
export async function startRedis(core: number): Promise<{ pid: number; url: string; stop(): Promise<void> }> {
  const server = await RedisServer.start();
  const pid = server.pid!;
  endAtExit(pid, 'SIGKILL');
  pin(pid, core);
  return { pid, url: server.url, stop: () => server.kill() };
}
