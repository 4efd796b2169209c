import type { Kysely, Migration } from 'kysely';

/**
 * Whether a responder's app is connected: null while it is (or never was), else when it lost
 * its connection. Dispatch offers nobody whose app has been gone longer than the grace period.
 */
export default {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('responder_state').addColumn('app_offline_since', 'bigint').execute();
  },
} satisfies Migration;
