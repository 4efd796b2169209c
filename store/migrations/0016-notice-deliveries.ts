import type { Kysely, Migration } from 'kysely';

/**
 * The outbox of the notice webhook (dispatch/notice-webhook.ts): each notice the district's bridge
 * (SMS, WeChat) is to get, kept until its receiver answered 2xx or the hub gave up on it — so a
 * receiver that is down, or a hub restart, loses none.
 */
export default {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('notice_deliveries')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
      .addColumn('give_up_at', 'bigint', (c) => c.notNull())
      .addColumn('delivered_at', 'bigint')
      .addColumn('dead_at', 'bigint')
      .addColumn('last_error', 'text')
      .execute();
    await db.schema
      .createIndex('notice_deliveries_due')
      .on('notice_deliveries')
      .columns(['delivered_at', 'dead_at', 'next_attempt_at'])
      .execute();
  },
} satisfies Migration;
