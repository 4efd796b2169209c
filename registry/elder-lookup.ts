import type { Transaction } from 'kysely';
import { HttpError } from '../kernel/http-errors.js';
import type { Database } from '../store/database.js';
import type { Tables } from '../store/schema.js';
import { underPath } from '../store/scope.js';

type Reader = Database | Transaction<Tables>;

export interface ElderRow {
  id: string;
  name: string;
  org_unit_id: string;
  org_unit_path: string;
  address: string;
  lat: number | null;
  lon: number | null;
  updated_at: number;
  erased_at: number | null;
}

/**
 * Holds the elder's row until the transaction ends: an update that changes nothing, so it locks on
 * PostgreSQL as on SQLite (whose transactions run one at a time anyway). An erasure and a write
 * for the same elder that both hold it first run one after the other, and each reads the other's
 * commit: an erasure never misses what is written beside it, nor a write an erasure.
 * False when there is no such elder or they are erased (read after the hold).
 */
export async function holdElder(trx: Transaction<Tables>, id: string): Promise<boolean> {
  const held = await trx
    .updateTable('elders')
    .set((eb) => ({ updated_at: eb.ref('updated_at') }))
    .where('id', '=', id)
    .where('erased_at', 'is', null)
    .executeTakeFirst();
  return Number(held.numUpdatedRows) === 1;
}

/**
 * One staff write for an elder: `work` runs in a transaction that holds the elder first (holdElder),
 * so it never lands beside their erasure. Every staff route that writes for an elder goes through
 * here; an elder erased since the route read them is its 404, and nothing is written.
 */
export function writingForElder<T>(
  db: Database,
  id: string,
  work: (trx: Transaction<Tables>) => Promise<T>,
): Promise<T> {
  return db.transaction().execute(async (trx) => {
    if (!(await holdElder(trx, id))) throw elderNotFound(id);
    return work(trx);
  });
}

const elderNotFound = (id: string) => new HttpError(404, 'not_found', `no elder ${id} in your org unit`);

/** The elder if they lie within the scope (a hidden and a missing elder look the same). */
export async function elderInScope(db: Reader, id: string, scopePath: string): Promise<ElderRow | undefined> {
  return db
    .selectFrom('elders as e')
    .innerJoin('org_units as o', 'o.id', 'e.org_unit_id')
    .select(['e.id', 'e.name', 'e.org_unit_id', 'o.path as org_unit_path', 'e.address', 'e.lat', 'e.lon'])
    .select(['e.updated_at', 'e.erased_at'])
    .where('e.id', '=', id)
    .where(underPath('o.path', scopePath))
    .executeTakeFirst();
}

/** The elder as staff of a unit see them; a hidden, missing or erased elder is the same 404. */
export async function elderOfStaff(db: Reader, id: string, scopePath: string): Promise<ElderRow> {
  const elder = await elderInScope(db, id, scopePath);
  if (!elder || elder.erased_at !== null) throw elderNotFound(id);
  return elder;
}
