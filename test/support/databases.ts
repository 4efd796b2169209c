import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { needsServices, unitRun } from './services.js';

export type Dialect = 'sqlite' | 'postgres';
/** Both, in the full suite; SQLite only in `npm run test:unit`, which has no PostgreSQL. */
export const dialects: Dialect[] = unitRun ? ['sqlite'] : ['sqlite', 'postgres'];
/** Whether the tests of PostgreSQL alone run (not in `npm run test:unit`). */
export const withPostgres = dialects.includes('postgres');

/**
 * A fresh, empty PostgreSQL database on the server that `npm test` started (or TEST_DATABASE_URL names).
 * Without that server the test fails loudly: a silently skipped store test is a gap.
 */
export async function freshPostgresDatabase(): Promise<string> {
  needsServices('PostgreSQL');
  const base = process.env.TEST_DATABASE_URL;
  if (!base)
    throw new Error(
      'TEST_DATABASE_URL is not set: run the suite with `npm test`, which starts PostgreSQL or uses the server TEST_DATABASE_URL names',
    );
  const name = `t_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: base });
  await client.connect();
  await client.query(`create database ${name}`);
  await client.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}
