import type { Transaction } from 'kysely';
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
