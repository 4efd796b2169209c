import { type Kysely, type Migration, sql } from 'kysely';

/**
 * Service orders (services/service-orders.ts): the time bank's daily requests and volunteers'
 * emergency responses, each status change audited. Also an index for the service-level report.
 */
export default {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('service_orders')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('elder_id', 'text', (c) => c.notNull().references('elders.id'))
      .addColumn('org_unit_id', 'text', (c) => c.notNull().references('org_units.id'))
      // The elder's community: whose volunteers see the request, whose fund pays.
      .addColumn('community_id', 'text', (c) => c.notNull().references('org_units.id'))
      .addColumn('note', 'text', (c) => c.notNull())
      .addColumn('wanted_at', 'bigint', (c) => c.notNull())
      .addColumn('requested_by', 'text', (c) => c.notNull())
      .addColumn('requested_at', 'bigint', (c) => c.notNull())
      .addColumn('volunteer_id', 'text', (c) => c.references('responders.id'))
      .addColumn('taken_at', 'bigint')
      .addColumn('checked_in_at', 'bigint')
      .addColumn('checked_out_at', 'bigint')
      .addColumn('measured_minutes', 'integer')
      .addColumn('rating', 'integer')
      .addColumn('rating_comment', 'text')
      .addColumn('rated_by', 'text')
      .addColumn('claimed_minutes', 'integer')
      .addColumn('certified_by', 'text')
      .addColumn('certified_at', 'bigint')
      .addColumn('credit_status', 'text')
      .addColumn('credited_minutes', 'integer')
      .addColumn('capped_by', 'text')
      .addColumn('alert_id', 'text', (c) => c.references('alerts.id'))
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addCheckConstraint('service_orders_rating', sql`rating is null or (rating >= 1 and rating <= 5)`)
      .execute();
    await db.schema
      .createIndex('service_orders_open')
      .on('service_orders')
      .columns(['community_id', 'status', 'wanted_at'])
      .execute();
    await db.schema
      .createIndex('service_orders_volunteer')
      .on('service_orders')
      .columns(['volunteer_id', 'status'])
      .execute();
    await db.schema
      .createIndex('service_orders_org_unit')
      .on('service_orders')
      .columns(['org_unit_id', 'requested_at'])
      .execute();
    // One service record per alert, however often the resolution is announced.
    await db.schema
      .createIndex('service_orders_alert')
      .on('service_orders')
      .column('alert_id')
      .unique()
      .execute();

    await db.schema
      .createTable('service_order_transitions')
      .addColumn('order_id', 'text', (c) => c.notNull().references('service_orders.id'))
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('from_status', 'text')
      .addColumn('to_status', 'text', (c) => c.notNull())
      .addColumn('note', 'text')
      .execute();
    await db.schema
      .createIndex('service_order_transitions_order')
      .on('service_order_transitions')
      .columns(['order_id', 'at'])
      .execute();

    await db.schema.createIndex('alerts_opened_at').on('alerts').column('opened_at').execute();
  },
} satisfies Migration;
