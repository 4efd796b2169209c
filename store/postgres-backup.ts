import { performance } from 'node:perf_hooks';
import { PartialFile } from './backup-files.js';
import { copyReport, type StoreCopyReport } from './backup-report.js';
import { connectTo, PostgresDatabase } from './postgres-database.js';
import { describeDatabase, libpqConnection, type PostgresTools } from './postgres-tools.js';

export interface PostgresBackupDeps {
  databaseUrl: string;
  tools: PostgresTools;
}

/** `pg_dump -Fc` of the hub's database while the hub runs, read back whole before it is called done. */
export class PostgresBackup {
  constructor(private readonly deps: PostgresBackupDeps) {}

  async run(destination: string): Promise<StoreCopyReport> {
    const { databaseUrl, tools } = this.deps;
    const started = performance.now();
    const client = await connectTo(databaseUrl);
    try {
      // pg_dump dumps the snapshot this transaction exports, so the counts printed are exactly
      // what the file holds although the hub keeps writing.
      await client.query('begin isolation level repeatable read read only');
      const snapshot = (await client.query<{ id: string }>('select pg_export_snapshot() as id')).rows[0]!.id;
      const contents = await new PostgresDatabase(client).contents();
      const connection = libpqConnection(databaseUrl);
      await new PartialFile(destination).complete(async (temp) => {
        await tools.run(
          'pg_dump',
          ['--format=custom', `--snapshot=${snapshot}`, `--file=${temp}`, `--dbname=${connection.dbname}`],
          connection,
        );
        await client.query('commit');
        // Every entry and all the data read back: a dump that cannot be restored is not a backup.
        await tools.run('pg_restore', ['--file=/dev/null', temp]);
      });
      return copyReport(destination, started, {
        store: describeDatabase(databaseUrl),
        verified: 'pg_restore read the whole archive back',
        ...contents,
      });
    } finally {
      await client.end();
    }
  }
}
