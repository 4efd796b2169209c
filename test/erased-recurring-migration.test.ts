import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import erasedRecurringRequests from '../store/migrations/0023-erased-recurring-requests.js';
import { dialects } from './support/databases.js';
import { storeWithElder } from './support/small-store.js';

describe.each(dialects)('store migration 0023 on %s', (dialect) => {
  it('[MIGRATION-ERASED-RECURRING] rules of elders erased before the erasure stopped them are stopped as of the erasure, their notes replaced; others untouched', async () => {
    const store = await storeWithElder(dialect, []);
    try {
      const { db } = store;
      const elder = await db
        .selectFrom('elders')
        .selectAll()
        .where('id', '=', 'e-0001')
        .executeTakeFirstOrThrow();
      await db
        .insertInto('elders')
        .values({ ...elder, id: 'e-0002', name: '李桂兰' })
        .execute();
      // e-0001 as an erasure before this fix left it: erased, its rule running with its note.
      await db
        .updateTable('elders')
        .set({ erased_at: 5000, name: '(erased)' })
        .where('id', '=', 'e-0001')
        .execute();
      const rule = (id: string, elderId: string, note: string) => ({
        id,
        elder_id: elderId,
        kind: 'meal',
        note,
        weekdays: '1,3,5',
        time_of_day: '11:30',
        lead_hours: 24,
        starts_on: '2026-11-01',
        ends_on: null,
        created_by: 'spec',
        created_at: 1000,
        stopped_by: null,
        stopped_at: null,
      });
      await db
        .insertInto('recurring_requests')
        .values([
          rule('r-1', 'e-0001', '糖尿病，午饭无糖，钥匙在门垫下'),
          rule('r-2', 'e-0001', ''),
          rule('r-3', 'e-0002', '午饭少盐'),
        ])
        .execute();
      await erasedRecurringRequests.up(db as unknown as Kysely<unknown>);
      const rows = await db
        .selectFrom('recurring_requests')
        .select(['id', 'note', 'stopped_by', 'stopped_at'])
        .orderBy('id')
        .execute();
      expect(
        rows.map((r) => ({ ...r, stopped_at: r.stopped_at === null ? null : Number(r.stopped_at) })),
      ).toEqual([
        { id: 'r-1', note: '(erased on request)', stopped_by: 'erasure', stopped_at: 5000 },
        { id: 'r-2', note: '', stopped_by: 'erasure', stopped_at: 5000 },
        { id: 'r-3', note: '午饭少盐', stopped_by: null, stopped_at: null },
      ]);
    } finally {
      await store.close();
    }
  });
});
