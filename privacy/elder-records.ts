import { sql, type Transaction } from 'kysely';
import type { Database } from '../store/database.js';
import type { Tables } from '../store/schema.js';

type Reader = Database | Transaction<Tables>;

/** Transfer `details` keys that name a person or a service order. */
const linkKeys = ['beneficiary_id', 'service_order_id', 'service_id'] as const;

/**
 * The ledger's transfers that concern an elder: those posted on their own account, and those
 * whose details name them (a gift's beneficiary) or one of their service orders.
 */
export async function linkedTransferIds(
  db: Reader,
  elderId: string,
  orderIds: readonly string[],
): Promise<string[]> {
  const posted = await db
    .selectFrom('timebank_postings as p')
    .innerJoin('timebank_accounts as a', 'a.id', 'p.account_id')
    .select('p.transfer_id')
    .where('a.kind', '=', 'elder')
    .where('a.owner_id', '=', elderId)
    .execute();
  const ids = new Set(posted.map((p) => p.transfer_id));
  const named = [elderId, ...orderIds];
  // A coarse LIKE finds candidates; the parsed details decide.
  for (let i = 0; i < named.length; i += 50) {
    const chunk = named.slice(i, i + 50);
    const candidates = await db
      .selectFrom('timebank_transfers')
      .select(['id', 'details'])
      .where((eb) => eb.or(chunk.map((id) => containing('details', id))))
      .execute();
    const wanted = new Set(chunk);
    for (const c of candidates) {
      const details = JSON.parse(c.details) as Record<string, unknown>;
      if (linkKeys.some((k) => typeof details[k] === 'string' && wanted.has(details[k] as string)))
        ids.add(c.id);
    }
  }
  return [...ids].sort();
}

/** `column` contains `text` (LIKE, with `%` and `_` escaped; the same on SQLite and PostgreSQL). */
function containing(column: string, text: string) {
  const pattern = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql<boolean>`${sql.ref(column)} like ${pattern} escape '\\'`;
}
