import type { Kysely, Migration } from 'kysely';

/**
 * Privacy (privacy/): the audit log of reads of a person's record, the mark of an erased elder,
 * and the indexes the retention sweep deletes by (it must not scan the tables every hour).
 */
export default {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('audit_entries')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('actor_role', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      // No foreign keys: the log outlives what it names.
      .addColumn('elder_id', 'text', (c) => c.notNull())
      .addColumn('org_unit_id', 'text', (c) => c.notNull())
      .addColumn('target', 'text')
      .addColumn('detail', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('audit_entries_at').on('audit_entries').columns(['at', 'id']).execute();
    await db.schema
      .createIndex('audit_entries_elder')
      .on('audit_entries')
      .columns(['elder_id', 'at'])
      .execute();
    await db.schema.alterTable('elders').addColumn('erased_at', 'bigint').execute();
    await db.schema.createIndex('device_events_received').on('device_events').column('received_at').execute();
    await db.schema.createIndex('alerts_closed').on('alerts').column('closed_at').execute();
    await db.schema.createIndex('alerts_elder').on('alerts').column('elder_id').execute();
  },
} satisfies Migration;
