import { randomUUID } from 'node:crypto';
import type { Insertable, Selectable, Transaction } from 'kysely';
import { sql } from 'kysely';
import { markEventHandled, type StoredEvent } from '../ingest/event-log.js';
import type { Channel } from '../kernel/channel.js';
import type { HubMetrics } from '../kernel/metrics.js';
import { pageOf } from '../kernel/page-cursor.js';
import type { Database } from '../store/database.js';
import type { AlertTable, Tables } from '../store/schema.js';
import { underPath } from '../store/scope.js';
import { retryingRaces, WriteRaceLost } from '../store/write-races.js';
import { alertKindSpecs } from './alert-kinds.js';
import {
  type Alert,
  type AlertKind,
  type AlertStatus,
  activeStatuses,
  type Severity,
  severities,
} from './alert-model.js';
import { noteColumns, readNote, type TimelineNote } from './timeline-notes.js';

export {
  type Alert,
  type AlertKind,
  type AlertStatus,
  activeStatuses,
  alertKinds,
  alertStatuses,
  type Severity,
  severities,
} from './alert-model.js';

/** An alert as it travels to the console: with the org unit path that decides who may see it. */
export interface AlertUpdate {
  alert: Alert;
  orgUnitPath: string;
  change: 'opened' | 'updated' | 'closed';
}

export interface TransitionRequest {
  from: AlertStatus[];
  to: AlertStatus;
  actor: string;
  note?: TimelineNote;
  /** Further columns set with the move (who was assigned, when they arrived…). */
  set?: Partial<{
    outcome: string;
    assignee_id: string | null;
    accepted_at: number | null;
    on_site_at: number | null;
    next_step_at: number | null;
    ladder_step: number;
  }>;
}

/**
 * Who an alert is about: the device that noticed it (its elder is the alert's), or an elder directly —
 * a missed welfare check-in is the elder's whatever became of their watch. With an elder, `deviceId`
 * names the device involved; it is kept as the alert's device only while it is still theirs.
 */
export type RaiseSubject =
  | { deviceId: string; elderId?: never }
  /** `elderId` null: nobody's (an event a device sent while detached): no alert, its event handled. */
  | { elderId: string | null; deviceId?: string | null };

export type RaiseRequest = RaiseSubject & {
  /** One active alert per incident (per elder or per device, as the kind says): a repeat updates it. */
  kind: AlertKind;
  severity: Severity;
  details: Record<string, unknown>;
  /** The stored event behind it: marked handled in the same transaction, so a replay is a no-op. */
  event?: StoredEvent;
};

/** The elder an alert is for, where they are cared for (the alert's unit and scope), and its device if any. */
interface AlertOwner {
  elder_id: string;
  org_unit_id: string;
  path: string;
  device_id: string | null;
}

/**
 * The alerts of the hub and their lifecycle. Every change is one transaction with
 * its audit record, then announced on the `updates` channel.
 */
/**
 * An elder moved to another org unit (a district document): their alerts go with them, so that the
 * unit they left no longer reads them (nor, through them, the new address and contacts) and the
 * unit that now cares for them does. In the document's transaction.
 */
export async function moveElderAlerts(
  trx: Transaction<Tables>,
  elderId: string,
  toUnit: string,
): Promise<void> {
  await trx.updateTable('alerts').set({ org_unit_id: toUnit }).where('elder_id', '=', elderId).execute();
}

export class AlertBook {
  constructor(
    private readonly deps: {
      db: Database;
      updates: Channel<AlertUpdate>;
      now: () => number;
      /** Times each first acknowledgement; tests of the book alone may leave it out. */
      metrics?: Pick<HubMetrics, 'alertAck'>;
    },
  ) {}

  get db(): Database {
    return this.deps.db;
  }

  /**
   * Opens an alert for an incident, or updates the active one with the same key.
   * Returns null when the device has no elder to help (or, raised for an elder, there is no such elder;
   * or the kind is per device and no device of theirs is named), or the event was handled already.
   */
  async raise(request: RaiseRequest): Promise<{ update: AlertUpdate; created: boolean } | null> {
    const { db, now } = this.deps;
    const owner = await this.ownerOf(request);
    const at = now();
    const subject = alertKindSpecs[request.kind].per === 'elder' ? owner?.elder_id : owner?.device_id;
    const key = subject && incidentKey(request.kind, subject);
    // Another raise of the same incident may open it or count a repeat first: then again.
    const result = await retryingRaces(() =>
      db.transaction().execute(async (trx) => {
        if (request.event && !(await markEventHandled(trx, request.event, at))) return null;
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
          // Graver and nobody has it yet: its ladder steps now, on the graver severity's ladder; one
          // that had ended (nobody took it) starts again from its first step.
          const graver = severity !== active.severity && active.status === 'open';
          const ended = active.next_step_at === null && active.ladder_step >= 0;
          const ladder = graver ? { next_step_at: at, ...(ended ? { ladder_step: -1 } : {}) } : {};
          const updated = await trx
            .updateTable('alerts')
            .set({ details: JSON.stringify(details), severity, updated_at: at, ...ladder })
            .where('id', '=', active.id)
            .where('details', '=', active.details)
            // Not when it was taken or stepped meanwhile: read again.
            .$if(graver, (q) => q.where('status', '=', 'open').where('ladder_step', '=', active.ladder_step))
            .executeTakeFirst();
          if (Number(updated.numUpdatedRows) === 0) throw new WriteRaceLost(`alert ${active.id}`);
          return { id: active.id, created: false };
        }
        const id = await insertOpened(trx, owner, request, at);
        await trx.insertInto('active_incidents').values({ incident_key: key, alert_id: id }).execute();
        return { id, created: true };
      }),
    );
    if (!result || !owner) return null;
    const update: AlertUpdate = {
      alert: await this.get(result.id),
      orgUnitPath: owner.path,
      change: result.created ? 'opened' : 'updated',
    };
    this.deps.updates.publish(update);
    return { update, created: result.created };
  }

  /**
   * An alert that needs nobody, kept for the record: opened and closed in one transaction, never
   * active (no incident, no ladder: the dispatcher steps only on `opened`), announced as closed so
   * the console lists it. E.g. a watch's fall the radar saw the person get up from. Null when the
   * device has no elder.
   */
  async recordClosed(
    request: Omit<RaiseRequest, 'event'> & { deviceId: string },
    closing: { status: 'resolved' | 'cancelled'; outcome: string; actor: string; note: TimelineNote },
  ): Promise<Alert | null> {
    const owner = await this.ownerOf(request);
    if (!owner) return null;
    const at = this.deps.now();
    const id = await this.deps.db.transaction().execute(async (trx) => {
      const id = await insertOpened(trx, owner, request, at, {
        status: closing.status,
        closed_at: at,
        outcome: closing.outcome,
      });
      await this.record(trx, id, {
        actor: closing.actor,
        from: 'open',
        to: closing.status,
        note: closing.note,
      });
      return id;
    });
    return this.announce(id, 'closed');
  }

  /** Read as it is now: a device's elder, or the elder named (with the device only while it is theirs). */
  private async ownerOf(subject: RaiseSubject): Promise<AlertOwner | undefined> {
    const { db } = this.deps;
    if (subject.elderId === undefined) {
      const row = await db
        .selectFrom('devices as d')
        .innerJoin('elders as e', 'e.id', 'd.elder_id')
        .innerJoin('org_units as o', 'o.id', 'e.org_unit_id')
        .select(['e.id as elder_id', 'e.org_unit_id', 'o.path'])
        .where('d.id', '=', subject.deviceId)
        .executeTakeFirst();
      return row && { ...row, device_id: subject.deviceId };
    }
    if (subject.elderId === null) return undefined;
    const deviceId = subject.deviceId ?? null;
    // Not an erased elder: her address is gone, there is no door to send anyone to (an SOS stored
    // under her as the erasure ran is replayed or handled after it).
    const row = await db
      .selectFrom('elders as e')
      .innerJoin('org_units as o', 'o.id', 'e.org_unit_id')
      .leftJoin('devices as d', (j) => j.on('d.id', '=', deviceId).onRef('d.elder_id', '=', 'e.id'))
      .select(['e.id as elder_id', 'e.org_unit_id', 'o.path', 'd.id as device_id'])
      .where('e.id', '=', subject.elderId)
      .where('e.erased_at', 'is', null)
      .executeTakeFirst();
    return row;
  }

  /** Closes the active alert of an incident (e.g. the device came back); false if none was active. */
  async resolve(
    incidentKey: string,
    closing: { status: 'resolved' | 'cancelled'; outcome: string; actor: string; note?: TimelineNote },
  ): Promise<boolean> {
    const active = await this.deps.db
      .selectFrom('active_incidents')
      .select('alert_id')
      .where('incident_key', '=', incidentKey)
      .executeTakeFirst();
    if (!active) return false;
    const closed = await this.transition(active.alert_id, {
      from: activeStatuses,
      to: closing.status,
      actor: closing.actor,
      note: closing.note ?? { code: 'closed', params: { outcome: closing.outcome } },
      set: { outcome: closing.outcome },
    });
    return closed !== null;
  }

  /**
   * Moves an alert from one of `from` to `to` (a conditional update: of two racing
   * moves one wins), with its audit record; closing it ends its incident. Announced after commit.
   */
  async transition(alertId: string, change: TransitionRequest): Promise<Alert | null> {
    const moved = await this.deps.db
      .transaction()
      .execute((trx) => this.applyTransition(trx, alertId, change));
    if (!moved) return null;
    return this.announce(alertId, isActive(change.to) ? 'updated' : 'closed');
  }

  /** The transition inside the caller's transaction; the caller announces after its commit. */
  async applyTransition(
    trx: Transaction<Tables>,
    alertId: string,
    change: TransitionRequest,
  ): Promise<boolean> {
    const at = this.deps.now();
    const current = await trx
      .selectFrom('alerts')
      .select('status')
      .where('id', '=', alertId)
      .executeTakeFirst();
    if (!current || !change.from.includes(current.status as AlertStatus)) return false;
    const closing = !isActive(change.to);
    const result = await trx
      .updateTable('alerts')
      .set({
        ...change.set,
        status: change.to,
        updated_at: at,
        ...(closing ? { closed_at: at, next_step_at: null } : {}),
      })
      .where('id', '=', alertId)
      .where('status', '=', current.status)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) return false;
    if (closing) await trx.deleteFrom('active_incidents').where('alert_id', '=', alertId).execute();
    await this.record(trx, alertId, {
      actor: change.actor,
      from: current.status,
      to: change.to,
      note: change.note ?? null,
    });
    return true;
  }

  /** A timeline entry without a status change: an offer, an escalation, a specialist's note. */
  async record(
    db: Database | Transaction<Tables>,
    alertId: string,
    entry: { actor: string; from?: string | null; to?: string; note: TimelineNote },
  ): Promise<void> {
    let to = entry.to;
    if (!to) {
      const row = await db
        .selectFrom('alerts')
        .select('status')
        .where('id', '=', alertId)
        .executeTakeFirstOrThrow();
      to = row.status;
    }
    await db
      .insertInto('alert_transitions')
      .values({
        alert_id: alertId,
        at: this.deps.now(),
        actor: entry.actor,
        from_status: entry.from ?? to,
        to_status: to,
        ...noteColumns(entry.note),
      })
      .execute();
  }

  /** Publishes the alert as it is now to the console and the other stages. */
  async announce(alertId: string, change: AlertUpdate['change']): Promise<Alert> {
    const row = await this.deps.db
      .selectFrom('alerts as a')
      .innerJoin('org_units as o', 'o.id', 'a.org_unit_id')
      .select('o.path')
      .where('a.id', '=', alertId)
      .executeTakeFirstOrThrow();
    const alert = await this.get(alertId);
    this.deps.updates.publish({ alert, orgUnitPath: row.path, change });
    return alert;
  }

  /** A specialist has seen it: the first acknowledgement counts for the service levels. */
  async acknowledge(alertId: string, actor: string): Promise<Alert | null> {
    const at = this.deps.now();
    const acknowledged = await this.deps.db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable('alerts')
        .set({ acknowledged_at: at, acknowledged_by: actor, updated_at: at })
        .where('id', '=', alertId)
        .where('acknowledged_at', 'is', null)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) return null;
      await this.record(trx, alertId, { actor, note: { code: 'acknowledged', params: {} } });
      return trx
        .selectFrom('alerts')
        .select(['kind', 'severity', 'opened_at'])
        .where('id', '=', alertId)
        .executeTakeFirstOrThrow();
    });
    if (!acknowledged) return null;
    const { kind, severity, opened_at } = acknowledged;
    this.deps.metrics?.alertAck.observe({ kind, severity }, (at - opened_at) / 1000);
    return this.announce(alertId, 'updated');
  }

  /** Every step of an alert's life, oldest first; the hub's notes with their code and parameters. */
  async timeline(alertId: string) {
    const rows = await this.deps.db
      .selectFrom('alert_transitions')
      .select(['at', 'actor', 'from_status', 'to_status', 'note', 'note_code', 'note_params'])
      .where('alert_id', '=', alertId)
      .orderBy('at')
      .execute();
    return rows.map(({ note_code, note_params, ...row }) => ({
      ...row,
      ...readNote({ note: row.note, note_code, note_params }),
    }));
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

  /** The active incidents whose keys start with `prefix`, each with its alert's details (what raised it, when). */
  async activeDetails(prefix: string): Promise<Map<string, Record<string, unknown>>> {
    const rows = await this.deps.db
      .selectFrom('active_incidents as i')
      .innerJoin('alerts as a', 'a.id', 'i.alert_id')
      .select(['i.incident_key', 'a.details'])
      .where(underPath('i.incident_key', prefix))
      .execute();
    return new Map(rows.map((r) => [r.incident_key, JSON.parse(r.details) as Record<string, unknown>]));
  }

  /** Marks an event that opens no alert as handled. */
  async markHandled(event: StoredEvent): Promise<void> {
    await markEventHandled(this.deps.db, event, this.deps.now());
  }

  async get(id: string): Promise<Alert> {
    const row = await this.select().where('a.id', '=', id).executeTakeFirstOrThrow();
    return toAlert(row);
  }

  /** The alert if it lies within the scope (a hidden and a missing alert look the same). */
  async find(id: string, scopePath: string): Promise<Alert | null> {
    const row = await this.select()
      .where('a.id', '=', id)
      .where(underPath('o.path', scopePath))
      .executeTakeFirst();
    return row ? toAlert(row) : null;
  }

  /**
   * A page of alerts, newest first (ties by id), and the cursor of the next page: null when
   * this page is the last. The cursor is the last alert's (opened_at, id), so alerts opened
   * meanwhile never shift a page.
   */
  async list(
    scopePath: string,
    filter: { status?: AlertStatus | undefined; limit: number; after?: AlertCursor | undefined },
  ): Promise<{ alerts: Alert[]; next: AlertCursor | null }> {
    const after = filter.after;
    let query = this.select()
      .where(underPath('o.path', scopePath))
      .orderBy('a.opened_at', 'desc')
      .orderBy('a.id', 'desc')
      .limit(filter.limit + 1);
    if (filter.status) query = query.where('a.status', '=', filter.status);
    if (after) {
      query = query.where((eb) =>
        eb.or([
          eb('a.opened_at', '<', after.openedAt),
          eb.and([eb('a.opened_at', '=', after.openedAt), eb('a.id', '<', after.id)]),
        ]),
      );
    }
    const page = pageOf((await query.execute()).map(toAlert), filter.limit, (last) => ({
      openedAt: last.opened_at,
      id: last.id,
    }));
    return { alerts: page.rows, next: page.next };
  }

  private select() {
    return (
      this.deps.db
        .selectFrom('alerts as a')
        .innerJoin('org_units as o', 'o.id', 'a.org_unit_id')
        .leftJoin('elders as e', 'e.id', 'a.elder_id')
        // The community the alert lies in (its own unit, or the one above a family's or a property's):
        // elders who share a name are told apart by where they live.
        .leftJoin('org_units as c', (join) =>
          join
            .on('c.level', '=', 'community')
            // a prefix, compared as text: in a LIKE, an id's `_` would match any character
            .on(sql<boolean>`substr(o.path, 1, length(c.path)) = c.path`),
        )
        .leftJoin('care_records as r', 'r.elder_id', 'a.elder_id')
        .selectAll('a')
        .select([
          'e.name as elder_name',
          'e.address as elder_address',
          'c.name as community_name',
          'r.birth_date as elder_birth_date',
        ])
    );
  }
}

/** Where a page of the alert list ends: the next page starts after this alert. */
export interface AlertCursor {
  openedAt: number;
  id: string;
}

/** The key of an incident: a kind and the elder or device it is about. */
export function incidentKey(kind: AlertKind, subjectId: string): string {
  return `${kind}:${subjectId}`;
}

export function isActive(status: AlertStatus): boolean {
  return activeStatuses.includes(status);
}

function moreSevere(a: Severity, b: Severity): Severity {
  return severities.indexOf(a) <= severities.indexOf(b) ? a : b;
}

function toAlert(
  r: Selectable<Tables['alerts']> & {
    elder_name: string | null;
    elder_address: string | null;
    community_name: string | null;
    elder_birth_date: string | null;
  },
): Alert {
  return {
    id: r.id,
    elder_id: r.elder_id,
    elder_name: r.elder_name,
    elder_address: r.elder_address,
    community_name: r.community_name,
    elder_birth_date: r.elder_birth_date,
    device_id: r.device_id,
    org_unit_id: r.org_unit_id,
    kind: r.kind as AlertKind,
    severity: r.severity as Severity,
    status: r.status as AlertStatus,
    opened_at: r.opened_at,
    updated_at: r.updated_at,
    closed_at: r.closed_at,
    outcome: r.outcome,
    acknowledged_at: r.acknowledged_at,
    acknowledged_by: r.acknowledged_by,
    assignee_id: r.assignee_id,
    accepted_at: r.accepted_at,
    on_site_at: r.on_site_at,
    details: JSON.parse(r.details) as Record<string, unknown>,
  };
}

/** A new alert's row and the first entry of its timeline (the hub opened it); its id. */
async function insertOpened(
  trx: Transaction<Tables>,
  owner: AlertOwner,
  request: Pick<RaiseRequest, 'kind' | 'severity' | 'details' | 'event'>,
  at: number,
  closed?: Pick<Insertable<AlertTable>, 'status' | 'closed_at' | 'outcome'>,
): Promise<string> {
  const id = randomUUID();
  await trx
    .insertInto('alerts')
    .values(
      openedAlertRow({
        id,
        elder_id: owner.elder_id,
        device_id: owner.device_id,
        org_unit_id: owner.org_unit_id,
        kind: request.kind,
        severity: request.severity,
        opened_at: at,
        source_event_id: request.event?.eventId ?? null,
        details: JSON.stringify(request.details),
        ...closed,
      }),
    )
    .execute();
  await trx
    .insertInto('alert_transitions')
    .values({
      alert_id: id,
      at,
      actor: 'hub',
      from_status: null,
      to_status: 'open',
      ...noteColumns({ code: 'opened', params: { kind: request.kind } }),
    })
    .execute();
  return id;
}

/**
 * The row of an alert just opened: open, and none of its lifecycle columns set yet. Tests that
 * put alerts straight into the store build them here too, with whatever they override.
 */
export function openedAlertRow(
  alert: Pick<Insertable<AlertTable>, 'elder_id' | 'org_unit_id' | 'kind' | 'severity' | 'opened_at'> &
    Partial<Insertable<AlertTable>>,
): Insertable<AlertTable> {
  return {
    id: randomUUID(),
    device_id: null,
    status: 'open',
    updated_at: alert.opened_at,
    source_event_id: null,
    details: '{}',
    closed_at: null,
    outcome: null,
    acknowledged_at: null,
    acknowledged_by: null,
    accepted_at: null,
    on_site_at: null,
    assignee_id: null,
    next_step_at: null,
    ...alert,
  };
}
