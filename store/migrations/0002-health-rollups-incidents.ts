import type { Kysely, Migration } from 'kysely';

export default {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('device_health')
      .addColumn('device_id', 'text', (c) => c.primaryKey().references('devices.id'))
      .addColumn('last_seen_at', 'bigint')
      .addColumn('online', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('battery', 'double precision')
      .addColumn('worn', 'integer')
      .addColumn('not_worn_since', 'bigint')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();

    // At most one active alert per incident key (e.g. `device_offline:w-0001`, `fall:e-0001`).
    await db.schema
      .createTable('active_incidents')
      .addColumn('incident_key', 'text', (c) => c.primaryKey())
      .addColumn('alert_id', 'text', (c) => c.notNull().references('alerts.id'))
      .execute();

    await db.schema.alterTable('alerts').addColumn('closed_at', 'bigint').execute();
    await db.schema.alterTable('alerts').addColumn('outcome', 'text').execute();

    await db.schema
      .createTable('alert_transitions')
      .addColumn('alert_id', 'text', (c) => c.notNull().references('alerts.id'))
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('from_status', 'text')
      .addColumn('to_status', 'text', (c) => c.notNull())
      .addColumn('note', 'text')
      .execute();
    await db.schema
      .createIndex('alert_transitions_alert')
      .on('alert_transitions')
      .columns(['alert_id', 'at'])
      .execute();

    await db.schema
      .createTable('rollups_1m')
      .addColumn('device_id', 'text', (c) => c.notNull())
      .addColumn('minute', 'bigint', (c) => c.notNull())
      .addColumn('elder_id', 'text')
      .addColumn('hr_min', 'double precision')
      .addColumn('hr_max', 'double precision')
      .addColumn('hr_sum', 'double precision', (c) => c.notNull().defaultTo(0))
      .addColumn('hr_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('spo2_min', 'double precision')
      .addColumn('spo2_max', 'double precision')
      .addColumn('spo2_sum', 'double precision', (c) => c.notNull().defaultTo(0))
      .addColumn('spo2_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('br_min', 'double precision')
      .addColumn('br_max', 'double precision')
      .addColumn('br_sum', 'double precision', (c) => c.notNull().defaultTo(0))
      .addColumn('br_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('steps', 'integer')
      .addColumn('presence_ms', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('standing_ms', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('sitting_ms', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('lying_ms', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('door_openings', 'integer', (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('rollups_1m_pk', ['device_id', 'minute'])
      .execute();
    await db.schema
      .createIndex('rollups_1m_elder')
      .on('rollups_1m')
      .columns(['elder_id', 'minute'])
      .execute();
    await db.schema.createIndex('rollups_1m_minute').on('rollups_1m').column('minute').execute();
  },
} satisfies Migration;
