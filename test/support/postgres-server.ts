import { execFile, execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../bench/lib/hub-process.js';
import { findProgram, isProgram } from '../../bench/lib/programs.js';
import { versionedPostgresBins } from '../../store/postgres-tools.js';
import { type Need, need } from './services.js';

const hasServerPrograms = (bin: string) => isProgram(join(bin, 'initdb')) && isProgram(join(bin, 'pg_ctl'));

/**
 * PostgreSQL's server programs (initdb, pg_ctl): the directory TEST_PG_BIN names, else Debian's
 * newest /usr/lib/postgresql/<version>/bin, else pg_ctl's directory on PATH.
 */
export const postgresPrograms: Need = {
  name: 'postgresql',
  variable: 'TEST_PG_BIN',
  holds: 'the directory of PostgreSQL’s initdb and pg_ctl (and give the shared server as TEST_DATABASE_URL)',
  find() {
    const given = process.env.TEST_PG_BIN;
    if (given) return hasServerPrograms(given) ? given : undefined;
    const debian = versionedPostgresBins().find(hasServerPrograms);
    const onPath = findProgram('pg_ctl');
    return debian ?? (onPath && hasServerPrograms(dirname(onPath)) ? dirname(onPath) : undefined);
  },
};

/** Root runs the server as the postgres user (PostgreSQL refuses root); anyone else as themselves. */
const asRoot = process.getuid?.() === 0;

/**
 * A PostgreSQL server of one test's own (Debian's, which `npm test` installs as root), so that the
 * test may restart it without touching the server every other test shares.
 */
export class PostgresServer {
  private constructor(
    private readonly bin: string,
    private readonly data: string,
    readonly port: number,
  ) {}

  static async start(): Promise<PostgresServer> {
    const bin = need(postgresPrograms);
    const data = mkdtempSync(join(tmpdir(), 'yiyang-pg-'));
    if (asRoot) {
      const { uid, gid } = postgresUser();
      chownSync(data, uid, gid);
    }
    await asPostgres(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8']);
    const server = new PostgresServer(bin, data, await freePort());
    await server.pgCtl('start');
    return server;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** The postmaster's process while it runs (its backends are its children), from its pid file. */
  get pid(): number {
    return Number(readFileSync(join(this.data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  }

  /** Stopped (fast: every client connection ended), its data kept for `resume`. */
  halt(): Promise<void> {
    return asPostgres(join(this.bin, 'pg_ctl'), ['-D', this.data, '-m', 'fast', '-w', 'stop']);
  }

  resume(): Promise<void> {
    return this.pgCtl('start');
  }

  /** A fast restart: every client connection is ended, the server is gone for a moment. */
  restart(): Promise<void> {
    return this.pgCtl('restart');
  }

  async stop(): Promise<void> {
    try {
      await asPostgres(join(this.bin, 'pg_ctl'), ['-D', this.data, '-m', 'immediate', '-w', 'stop']);
    } finally {
      rmSync(this.data, { recursive: true, force: true });
    }
  }

  private pgCtl(action: 'start' | 'restart'): Promise<void> {
    const options = `-h 127.0.0.1 -p ${this.port} -k ${this.data} -c fsync=off`;
    return asPostgres(join(this.bin, 'pg_ctl'), [
      '-D',
      this.data,
      '-l',
      join(this.data, 'log'),
      '-m',
      'fast',
      '-w',
      '-o',
      options,
      action,
    ]);
  }
}

function postgresUser(): { uid: number; gid: number } {
  return {
    uid: Number(execFileSync('id', ['-u', 'postgres'])),
    gid: Number(execFileSync('id', ['-g', 'postgres'])),
  };
}

/** Runs as the postgres user (when root), without blocking the event loop (a hub in this process keeps running). */
async function asPostgres(command: string, args: string[]): Promise<void> {
  if (asRoot) await promisify(execFile)('runuser', ['-u', 'postgres', '--', command, ...args]);
  else await promisify(execFile)(command, args);
}
