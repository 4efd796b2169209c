import { type RawBuilder, sql } from 'kysely';
import type { Database } from './database.js';

/**
 * `column` lies at or below the org unit path `scopePath` (a prefix match on the
 * materialised path).
 */
export function underPath(column: string, scopePath: string): RawBuilder<boolean> {
  return startingWith(column, scopePath);
}

/**
 * `column` starts with `prefix`: a LIKE with `%` and `_` in it escaped (ids may hold them); the same
 * SQL runs on SQLite and PostgreSQL. SQLite's LIKE ignores ASCII case: callers that must tell case
 * compare the rows found.
 */
export function startingWith(column: string, prefix: string): RawBuilder<boolean> {
  const pattern = `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql<boolean>`${sql.ref(column)} like ${pattern} escape '\\'`;
}

/**
 * The community-level unit on an org unit path (the "local" of local service), if the path
 * reaches down to one; units above community level have none.
 */
export async function communityOn(
  db: Pick<Database, 'selectFrom'>,
  path: string,
): Promise<{ id: string; path: string } | undefined> {
  const ids = path.split('/').filter(Boolean);
  if (ids.length === 0) return undefined;
  return db
    .selectFrom('org_units')
    .select(['id', 'path'])
    .where('id', 'in', ids)
    .where('level', '=', 'community')
    .executeTakeFirst();
}
