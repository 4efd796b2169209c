import { type Kysely, type Migration, sql } from 'kysely';

/**
 * The time bank's ledger (timebank/): double entry in whole minutes. Rows of postings and
 * transfers are never updated; a correction is a new transfer. The cached balance on each
 * account is guarded by a CHECK, so even a faulty writer cannot overdraw it.
 */
export default {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('timebank_accounts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('owner_id', 'text', (c) => c.notNull())
      .addColumn('org_unit_id', 'text', (c) => c.notNull().references('org_units.id'))
      .addColumn('overdraft_minutes', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('balance_minutes', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('posting_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addCheckConstraint('timebank_accounts_overdraft', sql`overdraft_minutes >= 0`)
      .addCheckConstraint('timebank_accounts_limit', sql`balance_minutes >= -overdraft_minutes`)
      .execute();
    await db.schema
      .createIndex('timebank_accounts_owner')
      .on('timebank_accounts')
      .columns(['owner_id', 'kind'])
      .unique()
      .execute();
    await db.schema
      .createIndex('timebank_accounts_org_unit')
      .on('timebank_accounts')
      .column('org_unit_id')
      .execute();

    // One row per write request: a retry with the same key gets `result` back and pays nothing.
    await db.schema
      .createTable('timebank_requests')
      .addColumn('idempotency_key', 'text', (c) => c.primaryKey())
      .addColumn('operation', 'text', (c) => c.notNull())
      .addColumn('request_digest', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('result', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('timebank_transfers')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('org_unit_id', 'text', (c) => c.notNull().references('org_units.id'))
      .addColumn('memo', 'text', (c) => c.notNull())
      .addColumn('request_key', 'text', (c) => c.notNull().references('timebank_requests.idempotency_key'))
      .addColumn('corrects_id', 'text', (c) => c.references('timebank_transfers.id'))
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('details', 'text', (c) => c.notNull())
      .execute();
    // A transfer is corrected at most once.
    await db.schema
      .createIndex('timebank_transfers_corrects')
      .on('timebank_transfers')
      .column('corrects_id')
      .unique()
      .execute();
    await db.schema
      .createIndex('timebank_transfers_org_unit')
      .on('timebank_transfers')
      .columns(['org_unit_id', 'created_at'])
      .execute();

    // (account, entry_no) is the key: two writers can never both append the same entry.
    await db.schema
      .createTable('timebank_postings')
      .addColumn('account_id', 'text', (c) => c.notNull().references('timebank_accounts.id'))
      .addColumn('entry_no', 'integer', (c) => c.notNull())
      .addColumn('transfer_id', 'text', (c) => c.notNull().references('timebank_transfers.id'))
      .addColumn('amount_minutes', 'integer', (c) => c.notNull())
      .addColumn('balance_after_minutes', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('timebank_postings_pk', ['account_id', 'entry_no'])
      .addCheckConstraint('timebank_postings_nonzero', sql`amount_minutes <> 0`)
      .execute();
    await db.schema
      .createIndex('timebank_postings_transfer')
      .on('timebank_postings')
      .column('transfer_id')
      .execute();
    await db.schema
      .createIndex('timebank_postings_account_time')
      .on('timebank_postings')
      .columns(['account_id', 'created_at'])
      .execute();

    // One row per certified service: a service is credited once whatever key a retry uses.
    await db.schema
      .createTable('timebank_service_credits')
      .addColumn('service_id', 'text', (c) => c.primaryKey())
      .addColumn('volunteer_id', 'text', (c) => c.notNull())
      .addColumn('org_unit_id', 'text', (c) => c.notNull().references('org_units.id'))
      .addColumn('claimed_minutes', 'integer', (c) => c.notNull())
      .addColumn('measured_minutes', 'integer', (c) => c.notNull())
      .addColumn('credited_minutes', 'integer')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('capped_by', 'text')
      .addColumn('service_day', 'text', (c) => c.notNull())
      .addColumn('certified_by', 'text', (c) => c.notNull())
      .addColumn('decided_by', 'text')
      .addColumn('transfer_id', 'text', (c) => c.references('timebank_transfers.id'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('decided_at', 'bigint')
      .execute();
    await db.schema
      .createIndex('timebank_service_credits_day')
      .on('timebank_service_credits')
      .columns(['volunteer_id', 'service_day'])
      .execute();
    await db.schema
      .createIndex('timebank_service_credits_status')
      .on('timebank_service_credits')
      .columns(['status', 'org_unit_id'])
      .execute();

    await db.schema
      .createTable('timebank_catalog_items')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('org_unit_id', 'text', (c) => c.notNull().references('org_units.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('price_minutes', 'integer', (c) => c.notNull())
      .addColumn('stock', 'integer', (c) => c.notNull())
      .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addCheckConstraint('timebank_catalog_items_price', sql`price_minutes > 0`)
      .addCheckConstraint('timebank_catalog_items_stock', sql`stock >= 0`)
      .execute();
    await db.schema
      .createIndex('timebank_catalog_items_org_unit')
      .on('timebank_catalog_items')
      .column('org_unit_id')
      .execute();
  },
} satisfies Migration;
