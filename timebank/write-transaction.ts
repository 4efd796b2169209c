import { type Kysely, sql } from 'kysely';
import type { Store } from '../store/database.js';
import type { Tables } from '../store/schema.js';

export type LedgerDb = Kysely<Tables>;

/**
 * One SQL transaction for a ledger write. On SQLite it starts with BEGIN IMMEDIATE:
 * the write lock is taken first, so another process's writer waits (busy_timeout)
 * instead of failing midway when a read turns into a write. On PostgreSQL it is
 * READ COMMITTED: the writes lock the rows they touch (`FOR UPDATE`, in id order).
 */
export async function writeTransaction<T>(
  store: Pick<Store, 'db' | 'dialect'>,
  work: (trx: LedgerDb) => Promise<T>,
): Promise<T> {
  if (store.dialect === 'postgres') return store.db.transaction().execute(work);
  return store.db.connection().execute(async (connection) => {
    await sql`begin immediate`.execute(connection);
    try {
      const result = await work(connection);
      await sql`commit`.execute(connection);
      return result;
    } catch (error) {
      await sql`rollback`.execute(connection);
      throw error;
    }
  });
}
