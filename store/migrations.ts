import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import foundation from './migrations/0001-foundation.js';
import healthRollupsIncidents from './migrations/0002-health-rollups-incidents.js';
import timebank from './migrations/0003-timebank.js';
import dispatch from './migrations/0004-dispatch.js';
import serviceOrders from './migrations/0005-service-orders.js';
import timelineNoteCodes from './migrations/0006-timeline-note-codes.js';
import memoAndOrderNoteCodes from './migrations/0007-memo-and-order-note-codes.js';
import pendingFalls from './migrations/0008-pending-falls.js';
import auditAndErasure from './migrations/0009-audit-and-erasure.js';
import careRecords from './migrations/0010-care-records.js';
import responderAppPresence from './migrations/0011-responder-app-presence.js';
import careRecordBirthDate from './migrations/0012-care-record-birth-date.js';
import careSettings from './migrations/0013-care-settings.js';
import welfareChecks from './migrations/0014-welfare-checks.js';
import userDisplayNames from './migrations/0015-user-display-names.js';
import noticeDeliveries from './migrations/0016-notice-deliveries.js';
import recurringRequests from './migrations/0017-recurring-requests.js';
import pushSubscriptions from './migrations/0018-push-subscriptions.js';
import volunteerVetting from './migrations/0019-volunteer-vetting.js';
import serviceVisitProofs from './migrations/0020-service-visit-proofs.js';
import serviceKinds from './migrations/0021-service-kinds.js';
import deviceEventWearer from './migrations/0022-device-event-wearer.js';
import erasedRecurringRequests from './migrations/0023-erased-recurring-requests.js';
import deviceEventOwnerSettled from './migrations/0024-device-event-owner-settled.js';

/**
 * One list of migrations for SQLite and PostgreSQL, one file each in `migrations/`. Append only:
 * a migration that has run on a district's store is never edited.
 */
const migrations: Record<string, Migration> = {
  '0001-foundation': foundation,
  '0002-health-rollups-incidents': healthRollupsIncidents,
  '0004-dispatch': dispatch,
  '0003-timebank': timebank,
  '0005-service-orders': serviceOrders,
  '0006-timeline-note-codes': timelineNoteCodes,
  '0007-memo-and-order-note-codes': memoAndOrderNoteCodes,
  '0008-pending-falls': pendingFalls,
  '0009-audit-and-erasure': auditAndErasure,
  '0010-care-records': careRecords,
  '0011-responder-app-presence': responderAppPresence,
  '0012-care-record-birth-date': careRecordBirthDate,
  '0013-care-settings': careSettings,
  '0014-welfare-checks': welfareChecks,
  '0015-user-display-names': userDisplayNames,
  '0016-notice-deliveries': noticeDeliveries,
  '0017-recurring-requests': recurringRequests,
  '0018-push-subscriptions': pushSubscriptions,
  '0019-volunteer-vetting': volunteerVetting,
  '0020-service-visit-proofs': serviceVisitProofs,
  '0021-service-kinds': serviceKinds,
  '0022-device-event-wearer': deviceEventWearer,
  '0023-erased-recurring-requests': erasedRecurringRequests,
  '0024-device-event-owner-settled': deviceEventOwnerSettled,
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
