import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import birthDateMigration from '../store/migrations/0012-care-record-birth-date.js';
import { dialects } from './support/databases.js';
import { storeWithElder } from './support/small-store.js';

describe.each(dialects)('store migration 0012 on %s', (dialect) => {
  it('[MIGRATION-BIRTH-DATE] a store whose care records predate the birth-date column gets it, filled from each record', async () => {
    const store = await storeWithElder(dialect, []);
    try {
      const db = store.db as unknown as Kysely<unknown>;
      // The store as 0010 and 0011 left it: the record's JSON only.
      await sql`alter table care_records drop column birth_date`.execute(db);
      await sql`insert into care_records (elder_id, record, updated_at, updated_by)
        values ('e-0001', ${JSON.stringify({ birth_date: '1938-04-12', contacts: [] })}, 0, 'spec')`.execute(
        db,
      );
      await birthDateMigration.up(db);
      const rows = await store.db.selectFrom('care_records').select(['elder_id', 'birth_date']).execute();
      expect(rows).toEqual([{ elder_id: 'e-0001', birth_date: '1938-04-12' }]);
    } finally {
      await store.close();
    }
  });
});
