import type { Kysely, Migration } from 'kysely';

/**
 * Timeline notes the hub writes get a stable code and JSON parameters (alerts/timeline-notes.ts),
 * so the console shows them in the reader's language; `note` keeps the English for older rows and clients.
 */
export default {
  async up(db: Kysely<unknown>) {
    for (const table of ['alert_transitions', 'service_order_transitions']) {
      await db.schema.alterTable(table).addColumn('note_code', 'text').execute();
      await db.schema.alterTable(table).addColumn('note_params', 'text').execute();
    }
  },
} satisfies Migration;
