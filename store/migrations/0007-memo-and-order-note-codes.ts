import type { Kysely, Migration } from 'kysely';

/**
 * The ledger's own memos (timebank/memos.ts) and the note of an emergency response's service order
 * get a code and JSON parameters, so statements and orders read in the reader's language;
 * `memo` and `note` keep the English for older rows and clients.
 */
export default {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('timebank_transfers').addColumn('memo_code', 'text').execute();
    await db.schema.alterTable('timebank_transfers').addColumn('memo_params', 'text').execute();
    await db.schema.alterTable('service_orders').addColumn('note_code', 'text').execute();
    await db.schema.alterTable('service_orders').addColumn('note_params', 'text').execute();
  },
} satisfies Migration;
