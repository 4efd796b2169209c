import pg from 'pg';
import { BackupFailure, keyTables, migrationTable, type TableCounts } from './backup-report.js';
import { describeDatabase } from './postgres-tools.js';

/** A connection to the hub's database; a refusal names the database, never its password. */
export async function connectTo(databaseUrl: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: databaseUrl });
  try {
    await client.connect();
  } catch (error) {
    throw new BackupFailure(
      `cannot connect to ${describeDatabase(databaseUrl)}: ${(error as Error).message}`,
    );
  }
  return client;
}

/** Schemas of the server itself, never the hub's data. */
const systemSchemas = `n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_%'`;

/** What a restore asks of a PostgreSQL database, on one connection to it. */
export class PostgresDatabase {
  constructor(private readonly client: pg.ClientBase) {}

  /** Rows of the key tables and the newest migration, as this connection's transaction sees them. */
  async contents(): Promise<{ counts: TableCounts; schema: string | undefined }> {
    const counts: TableCounts = {};
    for (const table of keyTables) {
      if (await this.hasTable(table)) {
        const { rows } = await this.client.query<{ n: string }>(`select count(*) as n from public.${table}`);
        counts[table] = Number(rows[0]!.n);
      }
    }
    const schema = (await this.hasTable(migrationTable))
      ? (
          await this.client.query<{ name: string | null }>(
            `select max(name) as name from public.${migrationTable}`,
          )
        ).rows[0]!.name
      : null;
    return { counts, schema: schema ?? undefined };
  }

  /** Relations (tables, views, sequences) per schema outside the server's own: empty when none. */
  async relationsBySchema(): Promise<Map<string, number>> {
    const { rows } = await this.client.query<{ schema: string; n: string }>(
      `select n.nspname as schema, count(*) as n from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where c.relkind in ('r', 'p', 'v', 'm', 'S', 'f') and ${systemSchemas} group by n.nspname order by 1`,
    );
    return new Map(rows.map((row) => [row.schema, Number(row.n)]));
  }

  /**
   * Other clients' sessions on this database: a running hub keeps a pool of them. The server's own
   * workers are not counted: an autovacuum worker visiting a new database refused a restore.
   */
  async otherSessions(): Promise<{ count: number; who: string }> {
    const { rows } = await this.client.query<{ n: string; who: string | null }>(
      `select count(*) as n, string_agg(distinct coalesce(nullif(application_name, ''), client_addr::text, 'local socket'), ', ') as who
       from pg_stat_activity
       where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'`,
    );
    return { count: Number(rows[0]!.n), who: rows[0]!.who ?? '' };
  }

  /**
   * Renames schema `public` to `aside` and creates an empty `public` with the same owner and
   * grants, in one transaction: the existing data is kept, not dropped.
   */
  async movePublicAside(aside: string): Promise<void> {
    const id = (name: string) => this.client.escapeIdentifier(name);
    await this.inTransaction(async () => {
      const { rows } = await this.client.query<{ owner: string }>(
        `select nspowner::regrole::text as owner from pg_namespace where nspname = 'public'`,
      );
      await this.client.query(`alter schema public rename to ${id(aside)}`);
      await this.client.query(`create schema public authorization ${rows[0]!.owner}`);
      const grants = await this.client.query<{ grantee: string; privilege: string }>(
        `select case when a.grantee = 0 then 'public' else a.grantee::regrole::text end as grantee,
                a.privilege_type as privilege
         from pg_namespace n, aclexplode(n.nspacl) a where n.nspname = $1`,
        [aside],
      );
      for (const grant of grants.rows) {
        await this.client.query(`grant ${grant.privilege} on schema public to ${grant.grantee}`);
      }
    });
  }

  /** Undoes `movePublicAside` after a restore that failed (and rolled back). */
  async putPublicBack(aside: string): Promise<void> {
    await this.inTransaction(async () => {
      await this.client.query('drop schema public cascade');
      await this.client.query(`alter schema ${this.client.escapeIdentifier(aside)} rename to public`);
    });
  }

  private async hasTable(table: string): Promise<boolean> {
    const { rows } = await this.client.query<{ found: string | null }>(`select to_regclass($1) as found`, [
      `public.${table}`,
    ]);
    return rows[0]!.found !== null;
  }

  private async inTransaction(work: () => Promise<void>): Promise<void> {
    await this.client.query('begin');
    try {
      await work();
      await this.client.query('commit');
    } catch (error) {
      await this.client.query('rollback');
      throw error;
    }
  }
}
