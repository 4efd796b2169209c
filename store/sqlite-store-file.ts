import { existsSync, renameSync } from 'node:fs';
import SQLite from 'better-sqlite3';

/** The embedded store's file inside DATA_DIR. */
export const sqliteFileName = 'yiyang.sqlite';

/** The files of one SQLite store: the database and, while open in WAL mode, its `-wal` and `-shm`. */
export class SqliteStoreFile {
  constructor(readonly path: string) {}

  exists(): boolean {
    return existsSync(this.path);
  }

  /**
   * Whether another process has the store open. A hub keeps a shared lock on the file as long
   * as it runs in WAL mode, so a trial at an exclusive lock fails at once while it runs. When the
   * trial succeeds, closing checkpoints the WAL into the file. A store too damaged to open is
   * not in use (no hub could run on it) and may be moved aside.
   */
  inUse(): boolean {
    let db: SQLite.Database | undefined;
    try {
      db = new SQLite(this.path, { fileMustExist: true, timeout: 0 });
      db.pragma('locking_mode = EXCLUSIVE');
      db.exec('begin exclusive; commit');
      return false;
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');
    } finally {
      db?.close();
    }
  }

  /** Renames the store and its WAL files to `<name>.<suffix>`; returns the new name of the database. */
  moveAside(suffix: string): string {
    const aside = `${this.path}.${suffix}`;
    for (const part of ['-wal', '-shm', '']) {
      if (existsSync(this.path + part)) renameSync(this.path + part, aside + part);
    }
    return aside;
  }
}
