import type { Kysely, Transaction } from 'kysely';
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

/** What a person's typed words about an erased elder become (memos, notes, reasons). */
export const erasedText = '(erased on request)';

/**
 * Holds the elder's row until the transaction ends: an update that changes nothing, so it locks on
 * PostgreSQL as on SQLite (whose transactions run one at a time anyway). An erasure and a write
 * for the same elder that both hold it first run one after the other, and each reads the other's
 * commit: an erasure never misses what is written beside it, nor a write an erasure.
 * False when there is no such elder or they are erased (read after the hold).
 */
export async function holdElder(trx: Kysely<Tables>, id: string): Promise<boolean> {
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

/**
 * Whether any of these ids is an elder erased on request, each held first (holdElder): an erasure
 * beside the write either ran whole before it (seen here) or runs after its commit (and sees it).
 * Ids that are no elder's are not.
 */
export async function anyErased(trx: Kysely<Tables>, ids: readonly string[]): Promise<boolean> {
  const notHeld: string[] = [];
  for (const id of [...new Set(ids)].sort()) if (!(await holdElder(trx, id))) notHeld.push(id);
  // A held elder is not erased: only an id the hold missed (erased, or no elder's) is looked up.
  if (notHeld.length === 0) return false;
  const erased = await trx
    .selectFrom('elders')
    .select('id')
    .where('id', 'in', notHeld)
    .where('erased_at', 'is not', null)
    .executeTakeFirst();
  return erased !== undefined;
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
  if (!elder || elder.erased_at !== null) throw elderNotFound(id);
  return elder;
}
