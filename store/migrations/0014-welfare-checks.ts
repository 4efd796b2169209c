import type { Kysely, Migration } from 'kysely';

/**
 * Welfare checks and medication reminders (inference/welfare/): an elder's schedules, and one row
 * per schedule and local day that was due. The unique (schedule, day) is what keeps a schedule from
 * firing twice on one day, whatever restarts or hub nodes; occurrences keep their own copy of what
 * was asked, so the record of taken and missed outlives a deleted schedule.
 */
export default {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('welfare_schedules')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('elder_id', 'text', (c) => c.notNull().references('elders.id'))
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('minute_of_day', 'integer', (c) => c.notNull())
      .addColumn('text', 'text', (c) => c.notNull())
      .addColumn('wait_minutes', 'integer', (c) => c.notNull())
      .addColumn('enabled', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_by', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('welfare_schedules_elder')
      .on('welfare_schedules')
      .column('elder_id')
      .execute();
    await db.schema
      .createTable('welfare_occurrences')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('schedule_id', 'text', (c) => c.notNull())
      .addColumn('elder_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('text', 'text', (c) => c.notNull())
      .addColumn('day', 'text', (c) => c.notNull())
      .addColumn('due_at', 'bigint', (c) => c.notNull())
      .addColumn('wait_minutes', 'integer', (c) => c.notNull())
      .addColumn('device_id', 'text')
      .addColumn('sent_at', 'bigint')
      .addColumn('deadline_at', 'bigint')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('acknowledged_at', 'bigint')
      .addColumn('missed_at', 'bigint')
      .addColumn('alerted_at', 'bigint')
      .addUniqueConstraint('welfare_occurrences_once_a_day', ['schedule_id', 'day'])
      .execute();
    await db.schema
      .createIndex('welfare_occurrences_elder')
      .on('welfare_occurrences')
      .columns(['elder_id', 'due_at'])
      .execute();
    await db.schema
      .createIndex('welfare_occurrences_status')
      .on('welfare_occurrences')
      .columns(['status', 'deadline_at'])
      .execute();
  },
} satisfies Migration;
