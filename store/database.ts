import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { migrateToLatest } from './migrations.js';
import type { Tables } from './schema.js';
import { sqliteFileName } from './sqlite-store-file.js';

export type Database = Kysely<Tables>;

export interface StoreOptions {
  /** `postgres://…`: PostgreSQL; otherwise the embedded SQLite file in `dataDir`. */
  databaseUrl?: string | undefined;
  dataDir: string;
  /** SQLite file name inside dataDir; `:memory:` for throwaway stores. */
  sqliteFile?: string | undefined;
  /** Told when the server drops an idle PostgreSQL connection (logged; never a crash). */
  onConnectionError?: (error: Error) => void;
}

export interface Store {
  db: Database;
  dialect: 'sqlite' | 'postgres';
  close(): Promise<void>;
}

/** int8 (bigint) columns hold milliseconds: well inside 2^53, so plain numbers. */
const postgresTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
};

/** Opens the store and brings its schema up to date before anything uses it. */
export async function openStore(options: StoreOptions): Promise<Store> {
  let db: Database;
  let dialect: Store['dialect'];
  if (options.databaseUrl) {
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 10, types: postgresTypes });
    // An idle connection that the server ends (a restart, an admin's pg_terminate_backend) is an
    // 'error' on the pool: unheard, it would kill the process. The pool replaces the connection;
    // the query that needed it fails with an error its caller handles.
    pool.on('error', (error) => options.onConnectionError?.(error));
    // The pool listens only while a connection is idle: one ended mid-query (the server restarting
    // under a write) would be an 'error' nobody hears, and kill the process. The query in flight
    // fails with that error, and its caller handles it; this listener only keeps the process alive.
    pool.on('connect', (client) => client.on('error', () => undefined));
    db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
    dialect = 'postgres';
  } else {
    const file = options.sqliteFile ?? sqliteFileName;
    if (file !== ':memory:') mkdirSync(options.dataDir, { recursive: true });
    const sqlite = new SQLite(file === ':memory:' ? file : join(options.dataDir, file));
    // WAL lets readers go on while an event is written; FULL makes an acknowledged event survive a power cut too.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    // Scope is a prefix match with LIKE: as on PostgreSQL, `jingtian` must not match `JINGTIAN`.
    sqlite.pragma('case_sensitive_like = ON');
    db = new Kysely<Tables>({ dialect: new SqliteDialect({ database: sqlite }) });
    dialect = 'sqlite';
  }
  await migrateToLatest(db as Kysely<unknown>);
  return { db, dialect, close: () => db.destroy() };
}
