import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openStore } from '../../store/database.js';
import { sqliteFileName } from '../../store/sqlite-store-file.js';
import { needsServices, unitRun } from './services.js';

export type Dialect = 'sqlite' | 'postgres';
/** Both, in the full suite; SQLite only in `npm run test:unit`, which has no PostgreSQL. */
export const dialects: Dialect[] = unitRun ? ['sqlite'] : ['sqlite', 'postgres'];
/** Whether the tests of PostgreSQL alone run (not in `npm run test:unit`). */
export const withPostgres = dialects.includes('postgres');

/**
 * A fresh, empty PostgreSQL database on the server that `npm test` started (or TEST_DATABASE_URL names):
 * a place with no store yet. Tests that only need a store's schema take `migratedPostgresDatabase`.
 */
export function freshPostgresDatabase(): Promise<string> {
  return createDatabase(testServer());
}

/** The server's URL with another database's name. */
function databaseUrl(base: string, name: string): string {
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

/** The server `npm test` started (or TEST_DATABASE_URL names); without one the test fails loudly. */
function testServer(): string {
  needsServices('PostgreSQL');
  const base = process.env.TEST_DATABASE_URL;
  if (!base)
    throw new Error(
      'TEST_DATABASE_URL is not set: run the suite with `npm test`, which starts PostgreSQL or uses the server TEST_DATABASE_URL names',
    );
  return base;
}

async function createDatabase(base: string, template?: string): Promise<string> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: base });
  await client.connect();
  try {
    await client.query(`create database ${name}${template ? ` template ${template}` : ''}`);
  } finally {
    await client.end();
  }
  return databaseUrl(base, name);
}

/**
 * A fresh PostgreSQL database with the store's schema as openStore leaves it: a copy of a template
 * migrated once (per version of the migrations), not the ~25 migrations run again for each of the
 * suite's hundreds of databases. openStore on it finds nothing to do.
 */
export async function migratedPostgresDatabase(): Promise<string> {
  const base = testServer();
  storeTemplate ??= migratedTemplate(base).catch((error: unknown) => {
    storeTemplate = undefined;
    throw error;
  });
  return createDatabase(base, await storeTemplate);
}

/** This test process's template (each worker asks once; the server keeps it for the others). */
let storeTemplate: Promise<string> | undefined;

async function migratedTemplate(base: string): Promise<string> {
  const name = `store_template_${migrationsVersion()}`;
  const client = new pg.Client({ connectionString: base });
  await client.connect();
  try {
    // Workers starting together: one builds it, the others wait and find it.
    await client.query('select pg_advisory_lock(7212011)');
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount === 0) {
      // Built under another name and renamed: a template half made (a run stopped) is never used.
      const building = `${name}_${randomBytes(4).toString('hex')}`;
      await client.query(`create database ${building}`);
      const store = await openStore({
        dataDir: mkdtempSync(join(tmpdir(), 'yiyang-template-')),
        databaseUrl: databaseUrl(base, building),
      });
      await store.close();
      await client.query(`alter database ${building} rename to ${name}`);
    }
  } finally {
    await client.query('select pg_advisory_unlock(7212011)').catch(() => undefined);
    await client.end();
  }
  return name;
}

/** A hash of the store's migrations: a template made from other migrations is not used. Read once. */
let migrations: string | undefined;
function migrationsVersion(): string {
  if (migrations) return migrations;
  const folder = new URL('../../store/migrations/', import.meta.url);
  const sources = readdirSync(folder)
    .sort()
    .map((file) => readFileSync(new URL(file, folder)));
  sources.push(readFileSync(new URL('../../store/migrations.ts', import.meta.url)));
  migrations = createHash('sha256').update(Buffer.concat(sources)).digest('hex').slice(0, 16);
  return migrations;
}

/**
 * Where a test's store lives, already migrated: a data folder holding a copy of the SQLite
 * template, or (PostgreSQL) an empty data folder and a copy of the template database.
 */
export async function migratedStorePlace(
  dialect: Dialect | undefined,
  prefix: string,
): Promise<{ dataDir: string; databaseUrl: string | undefined }> {
  if (dialect !== 'postgres') return { dataDir: await migratedDataDir(prefix), databaseUrl: undefined };
  return { dataDir: mkdtempSync(join(tmpdir(), prefix)), databaseUrl: await migratedPostgresDatabase() };
}

/**
 * A new data folder holding an SQLite store already migrated: a copy of a template made once per
 * version of the migrations (each migration is a synchronous=FULL write; ~0.4 s for all of them
 * on a busy machine, for each of the suite's hundreds of stores).
 */
async function migratedDataDir(prefix: string): Promise<string> {
  const template = join(tmpdir(), `yiyang-store-template-${migrationsVersion()}.sqlite`);
  if (!existsSync(template)) await buildSqliteTemplate(template);
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  copyFileSync(template, join(dataDir, sqliteFileName));
  return dataDir;
}

/** Migrates a store in a folder of its own and moves its file into place (atomic: never half there). */
async function buildSqliteTemplate(template: string): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'yiyang-template-'));
  await (await openStore({ dataDir })).close();
  if (existsSync(join(dataDir, `${sqliteFileName}-wal`)))
    throw new Error('the SQLite store template was closed with its WAL left beside it');
  renameSync(join(dataDir, sqliteFileName), template);
}
