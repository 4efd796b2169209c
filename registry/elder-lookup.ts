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
 * commit: an erasure never misses an order written beside it, nor an order an erasure.
 */
export async function holdElder(trx: Transaction<Tables>, id: string): Promise<void> {
  await trx
    .updateTable('elders')
    .set((eb) => ({ updated_at: eb.ref('updated_at') }))
    .where('id', '=', id)
    .execute();
}

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
  if (!elder || elder.erased_at !== null)
    throw new HttpError(404, 'not_found', `no elder ${id} in your org unit`);
  return elder;
}
