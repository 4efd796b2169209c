import type { TestHub } from '../../support/hub.js';

/** A closed alert written straight into the store: the past a report reads, without waiting for it. */
export async function insertClosedAlert(
  hub: TestHub,
  alert: {
    id: string;
    elderId: string;
    orgUnitId: string;
    kind: string;
    outcome: string;
    openedAt: number;
    acknowledgedAt: number;
    acknowledgedBy: string;
    closedAt: number;
  },
): Promise<void> {
  await hub.store.db
    .insertInto('alerts')
    .values({
      id: alert.id,
      elder_id: alert.elderId,
      device_id: null,
      org_unit_id: alert.orgUnitId,
      kind: alert.kind,
      severity: 'critical',
      status: 'resolved',
      opened_at: alert.openedAt,
      updated_at: alert.closedAt,
      source_event_id: null,
      details: '{}',
      closed_at: alert.closedAt,
      outcome: alert.outcome,
      acknowledged_at: alert.acknowledgedAt,
      acknowledged_by: alert.acknowledgedBy,
      accepted_at: null,
      on_site_at: null,
      assignee_id: null,
      next_step_at: null,
    })
    .execute();
}
