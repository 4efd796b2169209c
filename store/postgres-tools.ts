import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { BackupFailure } from './backup-report.js';

export type PostgresTool = 'pg_dump' | 'pg_restore';

export interface PostgresToolsDeps {
  env: NodeJS.ProcessEnv;
  /** Debian's and Ubuntu's versioned installs: `<root>/<major>/bin`. */
  installRoot?: string;
}

/** A libpq connection without its password on the command line (other users see arguments). */
export interface LibpqConnection {
  /** The URL without its password. */
  dbname: string;
  env: NodeJS.ProcessEnv;
}

export function libpqConnection(databaseUrl: string): LibpqConnection {
  const url = new URL(databaseUrl);
  const password = decodeURIComponent(url.password);
  url.password = '';
  return { dbname: url.toString(), env: password ? { PGPASSWORD: password } : {} };
}

/** `database yiyang on db.example:5432`: a database named without its credentials. */
export function describeDatabase(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  return `PostgreSQL database ${decodeURIComponent(url.pathname.slice(1))} on ${url.host}`;
}

/** Debian's and Ubuntu's versioned PostgreSQL installs, `<root>/<major>/bin`, newest first. */
export function versionedPostgresBins(root = '/usr/lib/postgresql'): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((name) => /^\d+(\.\d+)?$/.test(name))
    .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a))
    .map((major) => join(root, major, 'bin'));
}

/** pg_dump and pg_restore: found on PATH, else the newest under /usr/lib/postgresql/<major>/bin. */
export class PostgresTools {
  constructor(private readonly deps: PostgresToolsDeps) {}

  find(tool: PostgresTool): string {
    const onPath = (this.deps.env.PATH ?? '').split(delimiter).filter(Boolean);
    const root = this.deps.installRoot ?? '/usr/lib/postgresql';
    const found = [...onPath, ...versionedPostgresBins(root)]
      .map((dir) => join(dir, tool))
      .find((file) => existsSync(file));
    if (!found) {
      throw new BackupFailure(
        `${tool} not found on PATH nor under ${root}/*/bin: install the PostgreSQL client tools (e.g. apt-get install postgresql-client)`,
      );
    }
    return found;
  }

  /** Runs a tool to its end; a failure carries the tool's own words. */
  run(tool: PostgresTool, args: string[], connection?: LibpqConnection): Promise<void> {
    const file = this.find(tool);
    return new Promise((resolve, reject) => {
      const child = spawn(file, args, {
        env: { ...this.deps.env, ...connection?.env },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        if (stderr.length < 8000) stderr += chunk;
      });
      child.on('error', (error) => reject(new BackupFailure(`${tool} could not start: ${error.message}`)));
      child.on('close', (code, signal) => {
        if (code === 0) resolve();
        else {
          const said = stderr.trim().split('\n').slice(0, 6).join('\n    ');
          reject(new BackupFailure(`${tool} failed (${signal ?? `exit ${code}`}):\n    ${said}`));
        }
      });
    });
  }
}
