import type { Kysely, Migration } from 'kysely';

/**
 * Whose an event is: the elder the device belonged to when it sent it. A watch handed on to another
 * elder keeps its id, so an elder's copy of their data and its erasure can no longer take the device's
 * whole history (the previous wearer's events among it). Events stored before this have none: they go
 * with the device's present elder, as before.
 */
export default {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('device_events').addColumn('elder_id', 'text').execute();
    await db.schema.createIndex('device_events_elder').on('device_events').column('elder_id').execute();
  },
} satisfies Migration;
