import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { Channel } from '../gateway/channel.js';
import type { StoredEvent } from '../ingest/event-log.js';
import type { Database } from '../store/database.js';
import type { Tables } from '../store/schema.js';
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
const activeStatuses: AlertStatus[] = ['open', 'assigned', 'on_site'];

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
  closed_at: number | null;
  outcome: string | null;
  details: Record<string, unknown>;
}

/** An alert as it travels to the console: with the org unit path that decides who may see it. */
export interface AlertUpdate {
  alert: Alert;
  orgUnitPath: string;
  change: 'opened' | 'updated' | 'closed';
}

export interface RaiseRequest {
  kind: AlertKind;
  /**
   * One active alert per incident: per elder for what happens to a person (SOS, fall),
   * per device for what happens to a device (offline, battery). A repeat updates the active one.
   */
  per: 'elder' | 'device';
  severity: Severity;
  deviceId: string;
  details: Record<string, unknown>;
  /** The stored event behind it: marked handled in the same transaction, so a replay is a no-op. */
  event?: StoredEvent;
}

/**
 * The alerts of the hub and their lifecycle. Every change is one transaction with
 * its audit record, then announced on the `updates` channel.
 */
export class AlertBook {
  constructor(
    private readonly deps: {
      db: Database;
      updates: Channel<AlertUpdate>;
      now: () => number;
    },
  ) {}

  /**
   * Opens an alert for an incident, or updates the active one with the same key.
   * Returns null when the device has no elder to help, or the event was handled already.
   */
  async raise(request: RaiseRequest): Promise<{ update: AlertUpdate; created: boolean } | null> {
    const { db, now } = this.deps;
    const owner = await db
      .selectFrom('devices as d')
      .innerJoin('elders as e', 'e.id', 'd.elder_id')
      .innerJoin('org_units as o', 'o.id', 'e.org_unit_id')
      .select(['e.id as elder_id', 'e.name as elder_name', 'e.org_unit_id', 'o.path'])
      .where('d.id', '=', request.deviceId)
      .executeTakeFirst();
    const at = now();
    const key =
      owner && incidentKey(request.kind, request.per === 'elder' ? owner.elder_id : request.deviceId);
    const result = await db.transaction().execute(async (trx) => {
      if (request.event && !(await markHandled(trx, request.event, at))) return null;
      if (!owner || !key) return null;
      const active = await trx
        .selectFrom('active_incidents as i')
        .innerJoin('alerts as a', 'a.id', 'i.alert_id')
        .selectAll('a')
        .where('i.incident_key', '=', key)
        .executeTakeFirst();
      if (active) {
        const previous = JSON.parse(active.details) as Record<string, unknown>;
        const details = {
          ...previous,
          ...request.details,
          repeats: Number(previous.repeats ?? 0) + 1,
          last_at: at,
        };
        const severity = moreSevere(active.severity as Severity, request.severity);
        await trx
          .updateTable('alerts')
          .set({ details: JSON.stringify(details), severity, updated_at: at })
          .where('id', '=', active.id)
          .execute();
        return { id: active.id, created: false };
      }
      const id = randomUUID();
      await trx
        .insertInto('alerts')
        .values({
          id,
          elder_id: owner.elder_id,
          device_id: request.deviceId,
          org_unit_id: owner.org_unit_id,
          kind: request.kind,
          severity: request.severity,
          status: 'open',
          opened_at: at,
          updated_at: at,
          source_event_id: request.event?.eventId ?? null,
          details: JSON.stringify(request.details),
          closed_at: null,
          outcome: null,
        })
        .execute();
      await trx.insertInto('active_incidents').values({ incident_key: key, alert_id: id }).execute();
      await trx
        .insertInto('alert_transitions')
        .values({ alert_id: id, at, actor: 'hub', from_status: null, to_status: 'open', note: request.kind })
        .execute();
      return { id, created: true };
    });
    if (!result || !owner) return null;
    const update: AlertUpdate = {
      alert: await this.get(result.id),
      orgUnitPath: owner.path,
      change: result.created ? 'opened' : 'updated',
    };
    this.deps.updates.publish(update);
    return { update, created: result.created };
  }

  /** Closes the active alert of an incident (e.g. the device came back); false if none was active. */
  async resolve(
    incidentKey: string,
    closing: { status: 'resolved' | 'cancelled'; outcome: string; actor: string; note?: string },
  ): Promise<boolean> {
    const at = this.deps.now();
    const closed = await this.deps.db.transaction().execute(async (trx) => {
      const active = await trx
        .selectFrom('active_incidents as i')
        .innerJoin('alerts as a', 'a.id', 'i.alert_id')
        .select(['a.id', 'a.status'])
        .where('i.incident_key', '=', incidentKey)
        .executeTakeFirst();
      if (!active) return null;
      await trx
        .updateTable('alerts')
        .set({ status: closing.status, outcome: closing.outcome, closed_at: at, updated_at: at })
        .where('id', '=', active.id)
        .execute();
      await trx.deleteFrom('active_incidents').where('incident_key', '=', incidentKey).execute();
      await trx
        .insertInto('alert_transitions')
        .values({
          alert_id: active.id,
          at,
          actor: closing.actor,
          from_status: active.status,
          to_status: closing.status,
          note: closing.note ?? closing.outcome,
        })
        .execute();
      return active.id;
    });
    if (!closed) return false;
    const row = await this.deps.db
      .selectFrom('alerts as a')
      .innerJoin('org_units as o', 'o.id', 'a.org_unit_id')
      .select('o.path')
      .where('a.id', '=', closed)
      .executeTakeFirstOrThrow();
    this.deps.updates.publish({ alert: await this.get(closed), orgUnitPath: row.path, change: 'closed' });
    return true;
  }

  /** Incident keys with an active alert, e.g. all `device_offline:` ones at start. */
  async activeIncidents(prefix: string): Promise<string[]> {
    const rows = await this.deps.db
      .selectFrom('active_incidents')
      .select('incident_key')
      .where(underPath('incident_key', prefix))
      .execute();
    return rows.map((r) => r.incident_key);
  }

  /** Marks an event that opens no alert as handled. */
  async markHandled(event: StoredEvent): Promise<void> {
    await markHandled(this.deps.db, event, this.deps.now());
  }

  async get(id: string): Promise<Alert> {
    const row = await this.select().where('a.id', '=', id).executeTakeFirstOrThrow();
    return toAlert(row);
  }

  async list(
    scopePath: string,
    filter: { status?: AlertStatus | undefined; limit: number },
  ): Promise<Alert[]> {
    let query = this.select()
      .where(underPath('o.path', scopePath))
      .orderBy('a.opened_at', 'desc')
      .limit(filter.limit);
    if (filter.status) query = query.where('a.status', '=', filter.status);
    return (await query.execute()).map(toAlert);
  }

  private select() {
    return this.deps.db
      .selectFrom('alerts as a')
      .innerJoin('org_units as o', 'o.id', 'a.org_unit_id')
      .leftJoin('elders as e', 'e.id', 'a.elder_id')
      .selectAll('a')
      .select('e.name as elder_name');
  }
}

/** The key of an incident: a kind and the elder or device it is about. */
export function incidentKey(kind: AlertKind, subjectId: string): string {
  return `${kind}:${subjectId}`;
}

export function isActive(status: AlertStatus): boolean {
  return activeStatuses.includes(status);
}

async function markHandled(
  db: Database | Transaction<Tables>,
  event: StoredEvent,
  at: number,
): Promise<boolean> {
  const result = await db
    .updateTable('device_events')
    .set({ handled_at: at })
    .where('device_id', '=', event.deviceId)
    .where('event_id', '=', event.eventId)
    .where('handled_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

function moreSevere(a: Severity, b: Severity): Severity {
  return severities.indexOf(a) <= severities.indexOf(b) ? a : b;
}

function toAlert(r: Tables['alerts'] & { elder_name: string | null }): Alert {
  return {
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
    closed_at: r.closed_at,
    outcome: r.outcome,
    details: JSON.parse(r.details) as Record<string, unknown>,
  };
}
