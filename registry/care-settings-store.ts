import type { Transaction } from 'kysely';
import type { Database } from '../store/database.js';
import type { Tables } from '../store/schema.js';
import {
  type CareSettingName,
  type CareSettingOverrides,
  type CareSettingsChange,
  careSettingNames,
  type StoredCareSetting,
} from './care-settings.js';

type Reader = Database | Transaction<Tables>;

const known = new Set<string>(careSettingNames);

/** Stored rows as values by owner (names no longer known are skipped). */
export function byOwner(rows: StoredCareSetting[], kind: StoredCareSetting['owner_kind']) {
  const out = new Map<string, CareSettingOverrides>();
  for (const row of rows) {
    if (row.owner_kind !== kind || !known.has(row.name)) continue;
    const values = out.get(row.owner_id) ?? {};
    values[row.name as CareSettingName] = row.value;
    out.set(row.owner_id, values);
  }
  return out;
}

/** Where the per-elder settings and their units' defaults are kept (`care_settings`). */
export class CareSettingsStore {
  /** Every stored setting (the directory holds them for the detectors). */
  async all(db: Reader): Promise<StoredCareSetting[]> {
    return db.selectFrom('care_settings').select(['owner_kind', 'owner_id', 'name', 'value']).execute();
  }

  /** The elder's own values and those of the units on their path. */
  async of(
    db: Reader,
    elderId: string,
    unitPath: string,
  ): Promise<{ own: CareSettingOverrides; units: Map<string, CareSettingOverrides> }> {
    const units = unitPath.split('/').filter(Boolean);
    const rows = await db
      .selectFrom('care_settings')
      .select(['owner_kind', 'owner_id', 'name', 'value'])
      .where((eb) =>
        eb.or([
          eb.and([eb('owner_kind', '=', 'elder'), eb('owner_id', '=', elderId)]),
          ...(units.length ? [eb.and([eb('owner_kind', '=', 'org_unit'), eb('owner_id', 'in', units)])] : []),
        ]),
      )
      .execute();
    return { own: byOwner(rows, 'elder').get(elderId) ?? {}, units: byOwner(rows, 'org_unit') };
  }

  /** Sets (a number) or clears (null) the named settings of one owner. */
  async change(
    trx: Transaction<Tables>,
    owner: Pick<StoredCareSetting, 'owner_kind' | 'owner_id'>,
    change: CareSettingsChange,
    by: { username: string; at: number },
  ): Promise<void> {
    for (const name of careSettingNames) {
      const value = change[name];
      if (value === undefined) continue;
      await trx
        .deleteFrom('care_settings')
        .where('owner_kind', '=', owner.owner_kind)
        .where('owner_id', '=', owner.owner_id)
        .where('name', '=', name)
        .execute();
      if (value === null) continue;
      await trx
        .insertInto('care_settings')
        .values({ ...owner, name, value, updated_at: by.at, updated_by: by.username })
        .execute();
    }
  }
}
