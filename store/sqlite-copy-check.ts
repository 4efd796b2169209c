import SQLite from 'better-sqlite3';
import { BackupFailure, keyTables, migrationTable, type TableCounts } from './backup-report.js';

export interface CopyContents {
  counts: TableCounts;
  schema: string | undefined;
}

/**
 * Proves a copy of the SQLite store whole and makes it one self-contained file: rollback-journal
 * mode (the copy keeps the WAL flag of the store it came from; the hub turns WAL on again when it
 * opens the store), `PRAGMA integrity_check`, the tables of a hub store. Works on the copy only,
 * never on the file an operator gave.
 */
export function checkSqliteCopy(file: string, origin: string): CopyContents {
  let db: SQLite.Database | undefined;
  try {
    db = new SQLite(file, { fileMustExist: true });
    db.pragma('journal_mode = DELETE');
    const problems = (db.pragma('integrity_check') as { integrity_check: string }[]).map(
      (row) => row.integrity_check,
    );
    if (problems.join() !== 'ok') {
      throw new BackupFailure(
        `${origin} is damaged: integrity_check found ${problems.length} problem(s), e.g. ${problems.slice(0, 3).join('; ')}`,
      );
    }
    const tables = new Set(
      (db.prepare(`select name from sqlite_master where type = 'table'`).all() as { name: string }[]).map(
        (row) => row.name,
      ),
    );
    if (!tables.has(migrationTable)) {
      throw new BackupFailure(
        `${origin} is an SQLite database but not a Yiyang store (no ${migrationTable} table)`,
      );
    }
    const counts: TableCounts = {};
    for (const table of keyTables) {
      if (tables.has(table))
        counts[table] = db.prepare(`select count(*) as n from ${table}`).pluck().get() as number;
    }
    const schema = db.prepare(`select max(name) from ${migrationTable}`).pluck().get() as string | null;
    return { counts, schema: schema ?? undefined };
  } catch (error) {
    if (error instanceof SQLite.SqliteError) {
      throw new BackupFailure(
        `${origin} is damaged or not an SQLite store: ${error.message} (${error.code})`,
      );
    }
    throw error;
  } finally {
    db?.close();
  }
}
