import { performance } from 'node:perf_hooks';
import SQLite from 'better-sqlite3';
import { PartialFile } from './backup-files.js';
import { BackupFailure, copyReport, type StoreCopyReport } from './backup-report.js';
import { checkSqliteCopy } from './sqlite-copy-check.js';

/** The most pages better-sqlite3 copies in one step. */
const allPages = 0x7fffffff;

export interface SqliteBackupDeps {
  /** The store's database file (DATA_DIR/yiyang.sqlite). */
  storeFile: string;
}

/** A consistent copy of the SQLite store, taken with SQLite's online backup API while the hub runs. */
export class SqliteBackup {
  constructor(private readonly deps: SqliteBackupDeps) {}

  async run(destination: string): Promise<StoreCopyReport> {
    const { storeFile } = this.deps;
    const started = performance.now();
    let source: SQLite.Database;
    try {
      // Read-only: the backup never writes to the live store. The busy timeout rides out a checkpoint.
      source = new SQLite(storeFile, { readonly: true, fileMustExist: true, timeout: 5000 });
    } catch (error) {
      throw new BackupFailure(
        `cannot open the store ${storeFile} (is DATA_DIR right?): ${(error as Error).message}`,
      );
    }
    const contents = await new PartialFile(destination)
      .complete(async (temp) => {
        // Every page in one step: the backup API starts over whenever another connection (the
        // running hub) writes between steps, so under load a stepwise copy might never end. One
        // step reads one snapshot while the hub's writes go on into the WAL.
        await source.backup(temp, { progress: () => allPages });
        source.close();
        return checkSqliteCopy(temp, `the copy of ${storeFile}`);
      })
      .finally(() => {
        if (source.open) source.close();
      });
    return copyReport(destination, started, {
      store: `SQLite store ${storeFile}`,
      verified: 'integrity_check ok',
      ...contents,
    });
  }
}
