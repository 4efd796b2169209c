import type { Kysely, Migration } from 'kysely';

/**
 * Per-elder settings and their org units' defaults (registry/care-settings.ts): one row per
 * owner and setting; a cleared setting has no row (the unit's default, then the hub's, applies).
 */
export default {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('care_settings')
      .addColumn('owner_kind', 'text', (c) => c.notNull())
      .addColumn('owner_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('value', 'integer', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_by', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('care_settings_pk', ['owner_kind', 'owner_id', 'name'])
      .execute();
  },
} satisfies Migration;
