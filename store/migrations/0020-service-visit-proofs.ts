import type { Kysely, Migration } from 'kysely';

/**
 * Proof of a service order's visit (services/service-visits.ts): where the volunteer stood at
 * check-in and check-out and how far from the home, the short code the elder's watch showed, and
 * who confirmed the visit (the elder's code, or the family). A certification without a confirmation
 * waits for a specialist's decision.
 */
export default {
  async up(db: Kysely<unknown>) {
    const columns: Array<[string, 'double precision' | 'integer' | 'bigint' | 'text']> = [
      ['check_in_lat', 'double precision'],
      ['check_in_lon', 'double precision'],
      ['check_in_distance_m', 'integer'],
      ['check_out_lat', 'double precision'],
      ['check_out_lon', 'double precision'],
      ['check_out_distance_m', 'integer'],
      ['confirmation_code', 'text'],
      ['code_device_id', 'text'],
      ['code_sent_at', 'bigint'],
      ['code_attempts', 'integer'],
      ['confirmed_by', 'text'],
      ['confirmation', 'text'],
      ['confirmed_at', 'bigint'],
    ];
    // One column per statement: SQLite adds only one at a time.
    for (const [name, type] of columns) {
      await db.schema.alterTable('service_orders').addColumn(name, type).execute();
    }
  },
} satisfies Migration;
