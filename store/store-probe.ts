import { sql } from 'kysely';
import type { Database } from './database.js';

/**
 * Whether the store answers a trivial query within `timeoutMs`: null when it does, else why not —
 * in words an outsider may read (`/readyz` is public: no addresses or SQL from the driver's message).
 */
export async function storeUnready(db: Database, timeoutMs = 2000): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const answered = await Promise.race([
      sql`select 1`.execute(db).then(() => true),
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
    return answered ? null : `store_unavailable: no answer within ${timeoutMs} ms`;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return `store_unavailable: ${typeof code === 'string' ? code : 'the query failed'}`;
  } finally {
    clearTimeout(timer);
  }
}
