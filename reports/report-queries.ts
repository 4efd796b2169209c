import { sql } from 'kysely';
import { type AlertKind, alertKindSpecs, type ReportGroup } from '../alerts/alert-kinds.js';
import { HttpError } from '../kernel/http-errors.js';
import type { SignedInUser } from '../kernel/identity.js';
import type { Database } from '../store/database.js';
import { underPath } from '../store/scope.js';
import { ServiceFeedback, type ServiceFeedbackReport } from './service-feedback.js';
import type { ServiceLevelReport, ServiceLevels } from './service-levels.js';

/** Outcomes that mean nobody needed help: a specialist's "false alarm", the wearer's "I'm OK", the radar seeing them up. */
export const falseAlarmOutcomes = ['false_alarm', 'wearer_ok', 'radar_upright'];
const dayMs = 86_400_000;

export interface OrgUnit {
  id: string;
  name: string;
  level: string;
  parent_id: string | null;
}

export interface AlertCount {
  alerts: number;
  /** Alerts closed with an outcome. */
  closed: number;
  false_alarms: number;
  /** false_alarms / closed; null when none was closed. */
  false_alarm_share: number | null;
}

export interface DistrictReport {
  org_unit: OrgUnit;
  from: number;
  to: number;
  /** Local time (UTC offset) of the day buckets, in minutes. */
  utc_offset_minutes: number;
  service_levels: ServiceLevelReport;
  totals: AlertCount & { volunteer_minutes: number; services: number };
  by_kind: Array<AlertCount & { kind: string; group: ReportGroup }>;
  /** The unit itself (what lies directly in it) and each unit directly below it. */
  by_unit: Array<
    AlertCount & {
      org_unit_id: string;
      name: string;
      volunteer_minutes: number;
      services: number;
      acknowledged_within_60s: number | null;
    }
  >;
  by_day: Array<AlertCount & { day: string }>;
  volunteers: Array<{ volunteer_id: string; name: string | null; services: number; minutes: number }>;
  /** Service requests fulfilled, cancelled or unmet, ratings, complaints, credits issued and redeemed. */
  feedback: ServiceFeedbackReport;
}

/**
 * The console's reports for an org unit and a period: alerts by kind, by unit and by day with
 * the false-alarm share, the service levels, and the volunteer time certified. Grouped in SQL
 * (the same statements on SQLite and PostgreSQL), bucketed into units and days here.
 */
export class DistrictReports {
  private readonly feedback: ServiceFeedback;

  constructor(private readonly deps: { db: Database; levels: ServiceLevels; utcOffsetMinutes: number }) {
    this.feedback = new ServiceFeedback(deps.db);
  }

  /** The units the user may report on: their own and everything below it. */
  async orgUnits(actor: SignedInUser): Promise<OrgUnit[]> {
    return this.deps.db
      .selectFrom('org_units')
      .select(['id', 'name', 'level', 'parent_id'])
      .where(underPath('path', actor.scopePath))
      .where('level', '!=', 'family')
      .orderBy('path')
      .execute();
  }

  async report(
    actor: SignedInUser,
    query: { org_unit?: string | undefined; from: number; to: number },
  ): Promise<DistrictReport> {
    const { db, utcOffsetMinutes } = this.deps;
    const unit = await this.unit(actor, query.org_unit);
    const { from, to } = query;
    const inUnit = underPath('o.path', unit.path);
    // The rows of `by_unit`: the unit's children; for a district its communities (where the
    // work is done and compared), not only its streets.
    const children = await db
      .selectFrom('org_units')
      .select(['id', 'name', 'path'])
      .$if(unit.level === 'district', (q) =>
        q.where(underPath('path', unit.path)).where('level', '=', 'community').orderBy('path'),
      )
      .$if(unit.level !== 'district', (q) => q.where('parent_id', '=', unit.id).orderBy('id'))
      .execute();
    const offset = utcOffsetMinutes * 60_000;
    const falseAlarm = sql<number>`sum(case when a.outcome in (${sql.join(falseAlarmOutcomes)}) then 1 else 0 end)`;
    const closed = sql<number>`sum(case when a.outcome is null then 0 else 1 end)`;

    const groups = await db
      .selectFrom('alerts as a')
      .innerJoin('org_units as o', 'o.id', 'a.org_unit_id')
      .select(['o.path', 'a.kind', (eb) => eb.fn.countAll<number>().as('alerts'), closed.as('closed')])
      .select(falseAlarm.as('false_alarms'))
      .where(inUnit)
      .where('a.opened_at', '>=', from)
      .where('a.opened_at', '<', to)
      .groupBy(['o.path', 'a.kind'])
      .execute();
    // Integer division on both engines: the local day number since the epoch.
    const dayNumber = sql<number>`(a.opened_at + ${sql.lit(offset)}) / ${sql.lit(dayMs)}`;
    const days = await db
      .selectFrom('alerts as a')
      .innerJoin('org_units as o', 'o.id', 'a.org_unit_id')
      .select([dayNumber.as('day'), (eb) => eb.fn.countAll<number>().as('alerts'), closed.as('closed')])
      .select(falseAlarm.as('false_alarms'))
      .where(inUnit)
      .where('a.opened_at', '>=', from)
      .where('a.opened_at', '<', to)
      .groupBy(dayNumber)
      .orderBy(dayNumber)
      .execute();
    const services = await db
      .selectFrom('service_orders as s')
      .innerJoin('org_units as o', 'o.id', 's.org_unit_id')
      .leftJoin('responders as r', 'r.id', 's.volunteer_id')
      .select([
        's.volunteer_id',
        'r.name',
        'o.path',
        (eb) => eb.fn.countAll<number>().as('services'),
        (eb) => eb.fn.sum<number>(eb.fn.coalesce('s.credited_minutes', sql.lit(0))).as('minutes'),
      ])
      .where(inUnit)
      .where('s.status', '=', 'certified')
      .where('s.certified_at', '>=', from)
      .where('s.certified_at', '<', to)
      .groupBy(['s.volunteer_id', 'r.name', 'o.path'])
      .execute();

    // Which row of `by_unit` a path belongs to: the child it lies under, or the unit itself.
    const bucketOf = (path: string) => children.find((c) => path.startsWith(c.path))?.id ?? unit.id;
    const units = new Map(
      [{ id: unit.id, name: unit.name }, ...children].map((u) => [
        u.id,
        { org_unit_id: u.id, name: u.name, ...emptyCount(), volunteer_minutes: 0, services: 0 },
      ]),
    );
    const kinds = new Map<string, AlertCount & { kind: string; group: ReportGroup }>();
    const totals = { ...emptyCount(), volunteer_minutes: 0, services: 0 };
    for (const g of groups) {
      const count = toCount(g);
      const kind = kinds.get(g.kind) ?? {
        kind: g.kind,
        group: alertKindSpecs[g.kind as AlertKind].reportGroup,
        ...emptyCount(),
      };
      kinds.set(g.kind, kind);
      for (const target of [kind, units.get(bucketOf(g.path))!, totals]) add(target, count);
    }
    const volunteers = new Map<string, DistrictReport['volunteers'][number]>();
    for (const s of services) {
      const minutes = Number(s.minutes ?? 0);
      const services = Number(s.services);
      const id = s.volunteer_id ?? '';
      const v = volunteers.get(id) ?? { volunteer_id: id, name: s.name, services: 0, minutes: 0 };
      volunteers.set(id, v);
      for (const target of [units.get(bucketOf(s.path))!, totals]) {
        target.volunteer_minutes += minutes;
        target.services += services;
      }
      v.minutes += minutes;
      v.services += services;
    }
    const levels = (orgUnit: string) => this.deps.levels.report(actor, { org_unit: orgUnit, from, to });
    const byUnit = await Promise.all(
      [...units.values()].map(async (u) => ({
        ...withShare(u),
        acknowledged_within_60s: (await levels(u.org_unit_id)).acknowledged_within_60s,
      })),
    );
    return {
      org_unit: { id: unit.id, name: unit.name, level: unit.level, parent_id: unit.parent_id },
      from,
      to,
      utc_offset_minutes: utcOffsetMinutes,
      service_levels: await levels(unit.id),
      totals: withShare(totals),
      by_kind: [...kinds.values()]
        .map(withShare)
        .sort((a, b) => b.alerts - a.alerts || a.kind.localeCompare(b.kind)),
      by_unit: byUnit,
      by_day: days.map((d) => ({
        day: new Date(Number(d.day) * dayMs).toISOString().slice(0, 10),
        ...withShare(toCount(d)),
      })),
      volunteers: [...volunteers.values()].sort((a, b) => b.minutes - a.minutes),
      feedback: await this.feedback.report({ unit, children }, from, to),
    };
  }

  /** The asked unit (default the user's own), within the user's scope. */
  private async unit(actor: SignedInUser, orgUnitId: string | undefined) {
    const id = orgUnitId ?? actor.orgUnitId;
    let query = this.deps.db.selectFrom('org_units').select(['id', 'name', 'level', 'parent_id', 'path']);
    // A hub-wide user without a unit reports on the top of the tree.
    query = id ? query.where('id', '=', id) : query.where('parent_id', 'is', null).orderBy('id');
    const unit = await query.executeTakeFirst();
    // To a user with a scope, a unit that does not exist is refused as another's is: probing ids
    // does not tell which families are registered. A hub-wide user is refused nothing.
    if (!unit && actor.scopePath === '/') throw new HttpError(404, 'not_found', `no org unit ${id ?? ''}`);
    if (!unit?.path.startsWith(actor.scopePath)) {
      throw new HttpError(403, 'forbidden', `org unit ${id ?? ''} is outside your org unit`);
    }
    return unit;
  }
}

function emptyCount(): AlertCount {
  return { alerts: 0, closed: 0, false_alarms: 0, false_alarm_share: null };
}

function toCount(row: {
  alerts: number | string;
  closed: number | string | null;
  false_alarms: number | string | null;
}) {
  return {
    alerts: Number(row.alerts),
    closed: Number(row.closed ?? 0),
    false_alarms: Number(row.false_alarms ?? 0),
    false_alarm_share: null,
  };
}

function add(target: AlertCount, count: AlertCount): void {
  target.alerts += count.alerts;
  target.closed += count.closed;
  target.false_alarms += count.false_alarms;
}

function withShare<T extends AlertCount>(count: T): T {
  return { ...count, false_alarm_share: count.closed ? count.false_alarms / count.closed : null };
}
