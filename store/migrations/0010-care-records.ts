import type { Kysely, Migration } from 'kysely';

/**
 * The elder's care record (registry/care-record.ts): one JSON document per elder, validated whole
 * before it is written, so both dialects store the same text. Family links are drawn out of its
 * contacts into their own table, so that "is this user a child of that elder" is one indexed look-up.
 */
export default {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('care_records')
      .addColumn('elder_id', 'text', (c) => c.primaryKey().references('elders.id'))
      .addColumn('record', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_by', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('family_links')
      .addColumn('username', 'text', (c) => c.notNull())
      .addColumn('elder_id', 'text', (c) => c.notNull().references('elders.id'))
      .addColumn('relation', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('family_links_pk', ['username', 'elder_id'])
      .execute();
    await db.schema.createIndex('family_links_elder').on('family_links').column('elder_id').execute();
  },
} satisfies Migration;
