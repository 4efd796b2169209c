import type { Kysely, Migration } from 'kysely';

export default {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('responder_state')
      .addColumn('responder_id', 'text', (c) => c.primaryKey().references('responders.id'))
      .addColumn('on_duty', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('lat', 'double precision')
      .addColumn('lon', 'double precision')
      .addColumn('located_at', 'bigint')
      // One task at a time: the alert the responder has accepted, if any.
      .addColumn('task_alert_id', 'text')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('offers')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('alert_id', 'text', (c) => c.notNull().references('alerts.id'))
      .addColumn('responder_id', 'text', (c) => c.notNull().references('responders.id'))
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('distance_m', 'integer')
      .addColumn('ladder_step', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('answered_at', 'bigint')
      .execute();
    await db.schema.createIndex('offers_alert').on('offers').columns(['alert_id', 'status']).execute();
    await db.schema
      .createIndex('offers_responder')
      .on('offers')
      .columns(['responder_id', 'status'])
      .execute();

    for (const column of ['acknowledged_at', 'accepted_at', 'on_site_at', 'next_step_at'] as const) {
      await db.schema.alterTable('alerts').addColumn(column, 'bigint').execute();
    }
    await db.schema.alterTable('alerts').addColumn('acknowledged_by', 'text').execute();
    await db.schema.alterTable('alerts').addColumn('assignee_id', 'text').execute();
    // -1: the ladder has not started; then the index of the last step taken.
    await db.schema
      .alterTable('alerts')
      .addColumn('ladder_step', 'integer', (c) => c.notNull().defaultTo(-1))
      .execute();
    await db.schema.createIndex('alerts_next_step').on('alerts').column('next_step_at').execute();
  },
} satisfies Migration;
