import type { Kysely, Migration } from 'kysely';

/**
 * Service requests that publish themselves (services/recurring-requests.ts): a weekly meal, a daily
 * visit. Each published order names its recurrence, and one recurrence has one order per wanted time
 * (a unique index), so two publishers — two hub processes, a restart mid-round — never publish twice.
 */
export default {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('recurring_requests')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('elder_id', 'text', (c) => c.notNull().references('elders.id'))
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('note', 'text', (c) => c.notNull())
      // ISO weekdays (1 Monday … 7 Sunday), comma-separated.
      .addColumn('weekdays', 'text', (c) => c.notNull())
      // Local time of day, HH:MM (the time bank's UTC offset).
      .addColumn('time_of_day', 'text', (c) => c.notNull())
      .addColumn('lead_hours', 'integer', (c) => c.notNull())
      .addColumn('starts_on', 'text', (c) => c.notNull())
      .addColumn('ends_on', 'text')
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('stopped_by', 'text')
      .addColumn('stopped_at', 'bigint')
      .execute();
    await db.schema
      .createIndex('recurring_requests_elder')
      .on('recurring_requests')
      .column('elder_id')
      .execute();
    await db.schema.alterTable('service_orders').addColumn('recurrence_id', 'text').execute();
    await db.schema
      .createIndex('service_orders_recurrence')
      .on('service_orders')
      .columns(['recurrence_id', 'wanted_at'])
      .unique()
      .execute();
  },
} satisfies Migration;
