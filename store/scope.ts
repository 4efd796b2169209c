import { type RawBuilder, sql } from 'kysely';

/**
 * `column` lies at or below the org unit path `scopePath` (a prefix match on the
 * materialised path). `%` and `_` in ids are escaped; the same SQL runs on SQLite and PostgreSQL.
 */
export function underPath(column: string, scopePath: string): RawBuilder<boolean> {
  const pattern = `${scopePath.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql<boolean>`${sql.ref(column)} like ${pattern} escape '\\'`;
}
