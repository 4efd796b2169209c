import type { Transaction } from 'kysely';
import type { Database } from '../store/database.js';
import type { Tables } from '../store/schema.js';
import {
  applyChange,
  type CareRecord,
  type CareRecordChange,
  emptyCareRecord,
  kinRelations,
} from './care-record.js';

type Reader = Pick<Database, 'selectFrom'>;
type Writer = Database | Transaction<Tables>;

export interface StoredCareRecord {
  record: CareRecord;
  updated_at: number | null;
  updated_by: string | null;
}

/** An elder a user is kin of: the time bank's gifts go there. */
export interface Kinship {
  elder_id: string;
  org_unit_id: string;
  relation: string;
}

/** Users a contact may name: a family login or a responder's (a volunteer who is also a child). */
const linkableRoles = ['family', 'responder'];

/**
 * The store of care records: read whole, changed field by field (a change names what it sets, the
 * rest stays), and the family links drawn out of the contacts on every write.
 */
export class CareRecords {
  async read(db: Reader, elderId: string): Promise<StoredCareRecord> {
    const row = await db
      .selectFrom('care_records')
      .select(['record', 'updated_at', 'updated_by'])
      .where('elder_id', '=', elderId)
      .executeTakeFirst();
    if (!row) return { record: emptyCareRecord(), updated_at: null, updated_by: null };
    // Over the empty record: a field added to the record later reads as empty in older rows.
    return {
      record: { ...emptyCareRecord(), ...(JSON.parse(row.record) as Partial<CareRecord>) },
      updated_at: row.updated_at,
      updated_by: row.updated_by,
    };
  }

  /**
   * Applies a validated change in the caller's transaction (a document's batch, or a change of its
   * own). Nothing is written when the change names no field: a document without care fields leaves
   * the stored record as it was.
   */
  async change(
    trx: Writer,
    elderId: string,
    change: CareRecordChange,
    by: { username: string; at: number },
  ): Promise<CareRecord | null> {
    if (!Object.values(change).some((v) => v !== undefined)) return null;
    const next = applyChange((await this.read(trx, elderId)).record, change);
    const values = {
      record: JSON.stringify(next),
      birth_date: next.birth_date,
      updated_at: by.at,
      updated_by: by.username,
    };
    await trx
      .insertInto('care_records')
      .values({ elder_id: elderId, ...values })
      .onConflict((oc) => oc.column('elder_id').doUpdateSet(values))
      .execute();
    if (change.contacts !== undefined) {
      await trx.deleteFrom('family_links').where('elder_id', '=', elderId).execute();
      const links = new Map<string, string>();
      for (const c of next.contacts) {
        if (c.username && (kinRelations as readonly string[]).includes(c.relation) && !links.has(c.username))
          links.set(c.username, c.relation);
      }
      for (const [username, relation] of links)
        await trx.insertInto('family_links').values({ username, elder_id: elderId, relation }).execute();
    }
    return next;
  }

  /** Of the usernames contacts name, those that are no family or responder login (a typo, a staff account). */
  async unlinkable(db: Reader, usernames: string[]): Promise<Set<string>> {
    const wanted = [...new Set(usernames)];
    if (wanted.length === 0) return new Set();
    const found = await db
      .selectFrom('users')
      .select('username')
      .where('username', 'in', wanted)
      .where('role', 'in', linkableRoles)
      .execute();
    const ok = new Set(found.map((u) => u.username));
    return new Set(wanted.filter((u) => !ok.has(u)));
  }

  /** The elders a user is kin of (a family link in a contact), with the org unit each lives in. */
  async kinships(db: Reader, username: string): Promise<Kinship[]> {
    return db
      .selectFrom('family_links as f')
      .innerJoin('elders as e', 'e.id', 'f.elder_id')
      .select(['f.elder_id', 'e.org_unit_id', 'f.relation'])
      .where('f.username', '=', username)
      .execute();
  }

  async kinOf(db: Reader, username: string): Promise<string[]> {
    return (await this.kinships(db, username)).map((k) => k.elder_id);
  }

  /** The elder's record and family links go with the rest of their data on an erasure. */
  async erase(trx: Writer, elderId: string): Promise<void> {
    await trx.deleteFrom('family_links').where('elder_id', '=', elderId).execute();
    await trx.deleteFrom('care_records').where('elder_id', '=', elderId).execute();
    // The elder's own settings (registry/care-settings.ts) say something of their health too.
    await trx
      .deleteFrom('care_settings')
      .where('owner_kind', '=', 'elder')
      .where('owner_id', '=', elderId)
      .execute();
  }
}
