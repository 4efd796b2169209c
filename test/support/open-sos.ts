import type { Transaction } from 'kysely';
import { openedAlertRow } from '../../alerts/alert-book.js';
import type { Database } from '../../store/database.js';
import type { Tables } from '../../store/schema.js';

/** An open SOS about an elder (王秀英 of 景田 unless named), written as the alert book opens one; its id. */
export async function openSos(
  db: Database | Transaction<Tables>,
  elder: { id: string; orgUnitId: string } = { id: 'e-0001', orgUnitId: 'jingtian' },
): Promise<string> {
  const row = openedAlertRow({
    elder_id: elder.id,
    org_unit_id: elder.orgUnitId,
    kind: 'sos',
    severity: 'critical',
    opened_at: Date.now(),
  });
  await db.insertInto('alerts').values(row).execute();
  return row.id!;
}
