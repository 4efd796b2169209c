import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileStamp, PartialFile, requireBackupFile } from './backup-files.js';
import { BackupFailure, copyReport, type StoreCopyReport } from './backup-report.js';
import { checkSqliteCopy } from './sqlite-copy-check.js';
import { SqliteStoreFile } from './sqlite-store-file.js';

export interface SqliteRestoreDeps {
  /** Where the store goes (DATA_DIR/yiyang.sqlite). */
  storeFile: string;
  now: () => number;
}

/**
 * Puts an SQLite backup in place as the hub's store. The backup is copied beside the store and
 * checked there first; only a whole copy is given the store's name, so a bad backup changes
 * nothing. An existing store is never overwritten: refused, or with `force` moved aside.
 */
export class SqliteRestore {
  constructor(private readonly deps: SqliteRestoreDeps) {}

  async run(backupFile: string, options: { force: boolean }): Promise<StoreCopyReport> {
    const { storeFile } = this.deps;
    requireBackupFile(backupFile, 'sqlite');
    const store = new SqliteStoreFile(storeFile);
    this.refuseExisting(store, options.force);
    const started = performance.now();
    mkdirSync(dirname(storeFile), { recursive: true });
    const notes: string[] = [];
    const contents = await new PartialFile(storeFile).complete(async (temp) => {
      copyFileSync(backupFile, temp);
      const checked = checkSqliteCopy(temp, backupFile);
      if (store.exists()) {
        this.refuseExisting(store, options.force); // again: a hub may have started meanwhile
        const aside = store.moveAside(`before-restore-${fileStamp(this.deps.now())}`);
        notes.push(`the store that was there is kept as ${aside}: delete it once the restore is checked`);
      }
      return checked;
    });
    return copyReport(backupFile, started, {
      store: `SQLite store ${storeFile}`,
      verified: 'integrity_check ok',
      ...contents,
      notes,
    });
  }

  private refuseExisting(store: SqliteStoreFile, force: boolean): void {
    if (!store.exists()) return;
    if (store.inUse()) {
      throw new BackupFailure(
        `the store ${store.path} is open in another process (a running hub?): stop it before restoring; nothing was changed`,
      );
    }
    if (!force) {
      throw new BackupFailure(
        `a store already exists at ${store.path}; nothing was changed. Restore into an empty DATA_DIR, or add --force to move the existing store aside (kept as ${store.path}.before-restore-<time>) and restore`,
      );
    }
  }
}
