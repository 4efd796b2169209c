import {
  closeSync,
  existsSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { BackupFailure } from './backup-report.js';

export type BackupKind = 'sqlite' | 'postgres';

/** How each kind of backup file begins: an SQLite database, a pg_dump custom-format archive. */
const magic: Record<BackupKind, Buffer> = {
  sqlite: Buffer.from('SQLite format 3\0', 'latin1'),
  postgres: Buffer.from('PGDMP', 'latin1'),
};

const kindNames: Record<BackupKind, string> = { sqlite: 'an SQLite backup', postgres: 'a PostgreSQL dump' };

/** What a file holds, by its first bytes; undefined for neither kind. */
export function backupKindOf(file: string): BackupKind | undefined {
  const head = Buffer.alloc(16);
  const fd = openSync(file, 'r');
  let read: number;
  try {
    read = readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  const kinds = Object.keys(magic) as BackupKind[];
  return kinds.find(
    (kind) => read >= magic[kind].length && head.subarray(0, magic[kind].length).equals(magic[kind]),
  );
}

/** A backup file to restore from, checked to exist and to be of the kind the hub's store is. */
export function requireBackupFile(file: string, kind: BackupKind): void {
  if (!existsSync(file)) throw new BackupFailure(`no backup file at ${file}`);
  const stats = statSync(file);
  if (!stats.isFile()) throw new BackupFailure(`${file} is not a file`);
  const found = backupKindOf(file);
  if (!found) {
    throw new BackupFailure(
      `${file} is not a Yiyang backup (neither an SQLite database nor a pg_dump custom-format archive): nothing was changed`,
    );
  }
  if (found !== kind) {
    const hint =
      kind === 'sqlite'
        ? 'the hub here uses SQLite (DATA_DIR): set DATABASE_URL to restore it into PostgreSQL'
        : 'the hub here uses PostgreSQL (DATABASE_URL): unset DATABASE_URL and set DATA_DIR to restore it';
    throw new BackupFailure(`${file} is ${kindNames[found]}, but ${hint}; nothing was changed`);
  }
}

/** `20261203T093436Z`: sorts by time, safe in file names. */
export function fileStamp(now: number): string {
  return new Date(now)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/**
 * Where `npm run backup` writes: the file named, or a timestamped file in the folder named; by
 * default `backups/` beside DATA_DIR (SQLite: the copy sits next to the store it came from) or,
 * for PostgreSQL, `backups/` in the working folder. An existing file is never overwritten.
 */
export function backupDestination(
  argument: string | undefined,
  where: { kind: BackupKind; dataDir: string; cwd: string; now: number; database?: string },
): string {
  const name =
    where.kind === 'sqlite'
      ? `yiyang-${fileStamp(where.now)}.sqlite`
      : `yiyang-${where.database ?? 'db'}-${fileStamp(where.now)}.pgdump`;
  const defaultFolder =
    where.kind === 'sqlite' ? join(dirname(resolve(where.dataDir)), 'backups') : join(where.cwd, 'backups');
  let file: string;
  if (argument === undefined) file = join(defaultFolder, name);
  else if (existsSync(argument) && statSync(argument).isDirectory()) file = join(argument, name);
  else file = argument;
  file = resolve(where.cwd, file);
  if (existsSync(file))
    throw new BackupFailure(`${file} already exists: give another name (nothing was written)`);
  mkdirSync(dirname(file), { recursive: true });
  return file;
}

/**
 * A file written under a temporary name beside its final one and given that name only once it is
 * complete, synced and checked: a half-written or unchecked copy never carries the final name.
 */
export class PartialFile {
  readonly temp: string;

  constructor(readonly final: string) {
    this.temp = join(dirname(final), `${basename(final)}.partial-${process.pid}`);
  }

  /** Runs `write` on the temporary file, then commits it; a failure removes the temporary file. */
  async complete<T>(write: (temp: string) => Promise<T>): Promise<T> {
    try {
      const result = await write(this.temp);
      this.commit();
      return result;
    } catch (error) {
      this.discard();
      throw error;
    }
  }

  /** Syncs the file, then links it in under its final name (never over an existing file). */
  commit(): void {
    syncPath(this.temp, 'r+');
    try {
      linkSync(this.temp, this.final);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST' || existsSync(this.final)) {
        throw new BackupFailure(`${this.final} appeared meanwhile: it was left as it is`);
      }
      renameSync(this.temp, this.final); // a file system without hard links
    }
    rmSync(this.temp, { force: true });
    syncPath(dirname(this.final), 'r');
  }

  discard(): void {
    rmSync(this.temp, { force: true });
  }
}

/** fsync: a renamed file and its folder's entry survive a power cut. */
export function syncPath(path: string, flags: 'r' | 'r+'): void {
  const fd = openSync(path, flags);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
