import type { Kysely, Migration } from 'kysely';

/**
 * Falls in their cancel window (inference/pending-falls.ts): stored when the window opens, so a
 * hub that dies before the wearer answers raises the alert at its next start instead of losing it.
 */
export default {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('pending_falls')
      .addColumn('elder_id', 'text', (c) => c.primaryKey().references('elders.id'))
      .addColumn('watch_id', 'text', (c) => c.notNull())
      .addColumn('started_at', 'bigint', (c) => c.notNull())
      .addColumn('sources', 'text', (c) => c.notNull())
      .addColumn('detections', 'integer', (c) => c.notNull())
      .addColumn('details', 'text', (c) => c.notNull())
      .execute();
  },
} satisfies Migration;
