import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';

/**
 * One list of migrations for SQLite and PostgreSQL. Append only: a migration
 * that has run on a district's store is never edited.
 */
const migrations: Record<string, Migration> = {
  '0001-foundation': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('org_units')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('level', 'text', (c) => c.notNull())
        .addColumn('parent_id', 'text', (c) => c.references('org_units.id'))
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('org_units_path').on('org_units').column('path').execute();

      await db.schema
        .createTable('elders')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('org_unit_id', 'text', (c) => c.notNull().references('org_units.id'))
        .addColumn('address', 'text', (c) => c.notNull())
        .addColumn('lat', 'double precision')
        .addColumn('lon', 'double precision')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('elders_org_unit').on('elders').column('org_unit_id').execute();

      await db.schema
        .createTable('devices')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('elder_id', 'text', (c) => c.references('elders.id'))
        .addColumn('secret_hash', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('devices_elder').on('devices').column('elder_id').execute();

      await db.schema
        .createTable('responders')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('org_unit_id', 'text', (c) => c.notNull().references('org_units.id'))
        .addColumn('skills', 'text', (c) => c.notNull())
        .addColumn('lat', 'double precision')
        .addColumn('lon', 'double precision')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('users')
        .addColumn('username', 'text', (c) => c.primaryKey())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        // NULL: the whole hub (the first admin, created before any district exists).
        .addColumn('org_unit_id', 'text', (c) => c.references('org_units.id'))
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('sessions')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('username', 'text', (c) => c.notNull().references('users.username'))
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('device_events')
        .addColumn('device_id', 'text', (c) => c.notNull())
        .addColumn('event_id', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('device_ts', 'bigint', (c) => c.notNull())
        .addColumn('received_at', 'bigint', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('handled_at', 'bigint')
        .addPrimaryKeyConstraint('device_events_pk', ['device_id', 'event_id'])
        .execute();
      await db.schema
        .createIndex('device_events_unhandled')
        .on('device_events')
        .column('received_at')
        .where(sql.ref('handled_at'), 'is', null)
        .execute();

      await db.schema
        .createTable('alerts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('elder_id', 'text', (c) => c.references('elders.id'))
        .addColumn('device_id', 'text')
        .addColumn('org_unit_id', 'text', (c) => c.notNull().references('org_units.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('severity', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('opened_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('source_event_id', 'text')
        .addColumn('details', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('alerts_status').on('alerts').columns(['status', 'opened_at']).execute();
      // One alert per device event, even if the event is replayed after a crash.
      await db.schema
        .createIndex('alerts_source_event')
        .on('alerts')
        .columns(['device_id', 'source_event_id'])
        .unique()
        .execute();
    },
  },
  '0002-health-rollups-incidents': {
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
  },
  '0004-dispatch': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('responder_state')
        .addColumn('responder_id', 'text', (c) => c.primaryKey().references('responders.id'))
        .addColumn('on_duty', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('lat', 'double precision')
        .addColumn('lon', 'double precision')
        .addColumn('located_at', 'bigint')
        // One task at a time: the alert the responder has accepted, if any.
        .addColumn('task_alert_id', 'text')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('offers')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('alert_id', 'text', (c) => c.notNull().references('alerts.id'))
        .addColumn('responder_id', 'text', (c) => c.notNull().references('responders.id'))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('distance_m', 'integer')
        .addColumn('ladder_step', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('answered_at', 'bigint')
        .execute();
      await db.schema.createIndex('offers_alert').on('offers').columns(['alert_id', 'status']).execute();
      await db.schema
        .createIndex('offers_responder')
        .on('offers')
        .columns(['responder_id', 'status'])
        .execute();

      for (const column of ['acknowledged_at', 'accepted_at', 'on_site_at', 'next_step_at'] as const) {
        await db.schema.alterTable('alerts').addColumn(column, 'bigint').execute();
      }
      await db.schema.alterTable('alerts').addColumn('acknowledged_by', 'text').execute();
      await db.schema.alterTable('alerts').addColumn('assignee_id', 'text').execute();
      // -1: the ladder has not started; then the index of the last step taken.
      await db.schema
        .alterTable('alerts')
        .addColumn('ladder_step', 'integer', (c) => c.notNull().defaultTo(-1))
        .execute();
      await db.schema.createIndex('alerts_next_step').on('alerts').column('next_step_at').execute();
    },
  },
  // The time bank's ledger (timebank/): double entry in whole minutes. Rows of postings and
  // transfers are never updated; a correction is a new transfer. The cached balance on each
  // account is guarded by a CHECK, so even a faulty writer cannot overdraw it.
  '0003-timebank': {
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
  },
  // Service orders (services/service-orders.ts): the time bank's daily requests and volunteers'
  // emergency responses, each status change audited. Also an index for the service-level report.
  '0005-service-orders': {
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
  },
  // Timeline notes the hub writes get a stable code and JSON parameters (alerts/timeline-notes.ts),
  // so the console shows them in the reader's language; `note` keeps the English for older rows and clients.
  '0006-timeline-note-codes': {
    async up(db: Kysely<unknown>) {
      for (const table of ['alert_transitions', 'service_order_transitions']) {
        await db.schema.alterTable(table).addColumn('note_code', 'text').execute();
        await db.schema.alterTable(table).addColumn('note_params', 'text').execute();
      }
    },
  },
  // The ledger's own memos (timebank/memos.ts) and the note of an emergency response's service order
  // get a code and JSON parameters, so statements and orders read in the reader's language;
  // `memo` and `note` keep the English for older rows and clients.
  '0007-memo-and-order-note-codes': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('timebank_transfers').addColumn('memo_code', 'text').execute();
      await db.schema.alterTable('timebank_transfers').addColumn('memo_params', 'text').execute();
      await db.schema.alterTable('service_orders').addColumn('note_code', 'text').execute();
      await db.schema.alterTable('service_orders').addColumn('note_params', 'text').execute();
    },
  },
};

class InlineMigrations implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations;
  }
}

export async function migrateToLatest(db: Kysely<unknown>): Promise<void> {
  // Unordered: features land in parallel, so a store may have run a later-numbered migration first.
  const migrator = new Migrator({ db, provider: new InlineMigrations(), allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(
      `store migration ${failed?.migrationName ?? ''} failed: ${String((error as Error)?.message ?? error)}`,
    );
  }
}
