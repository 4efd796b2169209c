import { randomUUID } from 'node:crypto';
import type { Channel } from '../gateway/channel.js';
import type { StoredEvent } from '../ingest/event-log.js';
import type { Database } from '../store/database.js';
import { underPath } from '../store/scope.js';

export const alertKinds = [
  'fall',
  'sos',
  'vitals',
  'wandering',
  'inactivity',
  'device_offline',
  'low_battery',
  'not_worn',
] as const;
export const severities = ['critical', 'high', 'medium', 'low'] as const;
export const alertStatuses = ['open', 'assigned', 'on_site', 'resolved', 'cancelled'] as const;
export type AlertKind = (typeof alertKinds)[number];
export type Severity = (typeof severities)[number];
export type AlertStatus = (typeof alertStatuses)[number];

export interface Alert {
  id: string;
  elder_id: string | null;
  elder_name: string | null;
  device_id: string | null;
  org_unit_id: string;
  kind: AlertKind;
  severity: Severity;
  status: AlertStatus;
  opened_at: number;
  updated_at: number;
  details: Record<string, unknown>;
}

/** An alert as it travels to the console: with the org unit path that decides who may see it. */
export interface OpenedAlert {
  alert: Alert;
  orgUnitPath: string;
}

/** The alerts of the hub: opened from device events, listed within a user's scope. */
export class AlertBook {
  constructor(
    private readonly deps: {
      db: Database;
      opened: Channel<OpenedAlert>;
      now: () => number;
    },
  ) {}

  /**
   * Opens an alert for a stored device event and marks the event handled, in one
   * transaction: replaying the event after a crash cannot open a second alert.
   * Returns null when the event's device has no elder to help.
   */
  async openForEvent(
    event: StoredEvent,
    spec: { kind: AlertKind; severity: Severity },
  ): Promise<OpenedAlert | null> {
    const { db, now } = this.deps;
    const owner = await db
      .selectFrom('devices as d')
      .innerJoin('elders as e', 'e.id', 'd.elder_id')
      .innerJoin('org_units as o', 'o.id', 'e.org_unit_id')
      .select(['e.id as elder_id', 'e.name as elder_name', 'e.org_unit_id', 'o.path'])
      .where('d.id', '=', event.deviceId)
      .executeTakeFirst();
    if (!owner) {
      await this.markHandled(event);
      return null;
    }
    const openedAt = now();
    const alert: Alert = {
      id: randomUUID(),
      elder_id: owner.elder_id,
      elder_name: owner.elder_name,
      device_id: event.deviceId,
      org_unit_id: owner.org_unit_id,
      kind: spec.kind,
      severity: spec.severity,
      status: 'open',
      opened_at: openedAt,
      updated_at: openedAt,
      details: {
        event_id: event.eventId,
        event_type: event.type,
        device_ts: event.ts,
        received_at: event.receivedAt,
      },
    };
    const inserted = await db.transaction().execute(async (trx) => {
      const result = await trx
        .insertInto('alerts')
        .values({
          id: alert.id,
          elder_id: alert.elder_id,
          device_id: alert.device_id,
          org_unit_id: alert.org_unit_id,
          kind: alert.kind,
          severity: alert.severity,
          status: alert.status,
          opened_at: alert.opened_at,
          updated_at: alert.updated_at,
          source_event_id: event.eventId,
          details: JSON.stringify(alert.details),
        })
        .onConflict((oc) => oc.columns(['device_id', 'source_event_id']).doNothing())
        .executeTakeFirst();
      await trx
        .updateTable('device_events')
        .set({ handled_at: openedAt })
        .where('device_id', '=', event.deviceId)
        .where('event_id', '=', event.eventId)
        .execute();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    });
    if (!inserted) return null;
    const opened = { alert, orgUnitPath: owner.path };
    this.deps.opened.publish(opened);
    return opened;
  }

  async markHandled(event: StoredEvent): Promise<void> {
    await this.deps.db
      .updateTable('device_events')
      .set({ handled_at: this.deps.now() })
      .where('device_id', '=', event.deviceId)
      .where('event_id', '=', event.eventId)
      .execute();
  }

  async list(
    scopePath: string,
    filter: { status?: AlertStatus | undefined; limit: number },
  ): Promise<Alert[]> {
    let query = this.deps.db
      .selectFrom('alerts as a')
      .innerJoin('org_units as o', 'o.id', 'a.org_unit_id')
      .leftJoin('elders as e', 'e.id', 'a.elder_id')
      .selectAll('a')
      .select('e.name as elder_name')
      .where(underPath('o.path', scopePath))
      .orderBy('a.opened_at', 'desc')
      .limit(filter.limit);
    if (filter.status) query = query.where('a.status', '=', filter.status);
    const rows = await query.execute();
    return rows.map((r) => ({
      id: r.id,
      elder_id: r.elder_id,
      elder_name: r.elder_name,
      device_id: r.device_id,
      org_unit_id: r.org_unit_id,
      kind: r.kind as AlertKind,
      severity: r.severity as Severity,
      status: r.status as AlertStatus,
      opened_at: r.opened_at,
      updated_at: r.updated_at,
      details: JSON.parse(r.details) as Record<string, unknown>,
    }));
  }
}
