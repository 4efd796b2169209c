import { performance } from 'node:perf_hooks';
import { fileStamp, requireBackupFile } from './backup-files.js';
import { BackupFailure, copyReport, type StoreCopyReport } from './backup-report.js';
import { connectTo, PostgresDatabase } from './postgres-database.js';
import { describeDatabase, libpqConnection, type PostgresTools } from './postgres-tools.js';

export interface PostgresRestoreDeps {
  databaseUrl: string;
  tools: PostgresTools;
  now: () => number;
}

/**
 * Restores a `pg_dump -Fc` archive into the hub's database with `pg_restore`, in one transaction.
 * The archive is read whole first; the target must be empty and without other sessions. With
 * `force`, a non-empty `public` schema is renamed aside (kept, not dropped) and put back if the
 * restore fails.
 */
export class PostgresRestore {
  constructor(private readonly deps: PostgresRestoreDeps) {}

  async run(backupFile: string, options: { force: boolean }): Promise<StoreCopyReport> {
    const { databaseUrl, tools } = this.deps;
    requireBackupFile(backupFile, 'postgres');
    const started = performance.now();
    await tools.run('pg_restore', ['--file=/dev/null', backupFile]).catch((error: Error) => {
      throw new BackupFailure(`${backupFile} is damaged: ${error.message}\n  nothing was changed`);
    });
    const where = describeDatabase(databaseUrl);
    const client = await connectTo(databaseUrl);
    try {
      const database = new PostgresDatabase(client);
      const sessions = await database.otherSessions();
      if (sessions.count > 0) {
        throw new BackupFailure(
          `${where} has ${sessions.count} other session(s) (${sessions.who}): a running hub? Stop it before restoring; nothing was changed`,
        );
      }
      const notes: string[] = [];
      const aside = await this.makeRoom(database, where, options.force);
      if (aside) {
        notes.push(
          `the tables that were there are kept in schema ${aside}: drop it (drop schema ${aside} cascade) once the restore is checked`,
        );
      }
      const connection = libpqConnection(databaseUrl);
      try {
        await tools.run(
          'pg_restore',
          [
            '--single-transaction',
            '--exit-on-error',
            '--no-owner',
            '--no-privileges',
            `--dbname=${connection.dbname}`,
            backupFile,
          ],
          connection,
        );
      } catch (error) {
        if (aside) await database.putPublicBack(aside);
        throw new BackupFailure(
          `${(error as Error).message}\n  the restore was rolled back: ${where} is as it was`,
        );
      }
      return copyReport(backupFile, started, {
        store: where,
        verified: 'pg_restore read the whole archive, restored in one transaction',
        ...(await database.contents()),
        notes,
      });
    } finally {
      await client.end();
    }
  }

  /** Refuses a non-empty target; with `force`, moves a non-empty `public` aside and names where. */
  private async makeRoom(
    database: PostgresDatabase,
    where: string,
    force: boolean,
  ): Promise<string | undefined> {
    const relations = await database.relationsBySchema();
    if (relations.size === 0) return undefined;
    const found = [...relations].map(([schema, n]) => `schema ${schema}: ${n}`).join(', ');
    if (!force) {
      throw new BackupFailure(
        `${where} is not empty (tables, views and sequences in ${found}); nothing was changed. Restore into a new, empty database (createdb), or add --force to keep its tables in a schema aside and restore`,
      );
    }
    if (!relations.has('public')) return undefined;
    const aside = `public_before_restore_${fileStamp(this.deps.now()).toLowerCase()}`;
    await database.movePublicAside(aside);
    return aside;
  }
}
