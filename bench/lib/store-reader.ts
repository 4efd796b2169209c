/**
 * Reading the hub's store from the bench process, to count what a window's events left there: the SQLite
 * file (read-only, costs the hub nothing) or a PostgreSQL database (one connection of the bench's own).
 */
import pg from 'pg';
import { queryHubStore } from './hub-process.js';

export interface StoreReader {
  /** Rows of `sql`, whose parameters are written `?` (numbered for PostgreSQL here). */
  rows<T>(sql: string, ...params: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export function sqliteReader(dataDir: string): StoreReader {
  return {
    rows: async (sql, ...params) => queryHubStore(dataDir, sql, ...params),
    close: async () => undefined,
  };
}

export async function postgresReader(databaseUrl: string): Promise<StoreReader> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  return {
    async rows<T>(sql: string, ...params: unknown[]) {
      let n = 0;
      const numbered = sql.replace(/\?/g, () => `$${++n}`);
      return (await client.query(numbered, params)).rows as T[];
    },
    close: () => client.end(),
  };
}
