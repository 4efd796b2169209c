import type { AlertKind } from '../alerts/alert-book.js';
import type { SignedInUser } from '../kernel/identity.js';
import { ServiceOrderError } from '../services/service-orders.js';
import type { Database } from '../store/database.js';
import { underPath } from '../store/scope.js';

/** The social-alarm standard's targets for answering (acknowledging) an alarm. */
export const serviceLevelTargets = { answered_60s: 0.985, answered_180s: 0.99 } as const;

/** The report covers at most a quarter: the rows are read and sorted in memory. */
export const maxReportRangeMs = 92 * 86_400_000;

export interface Spread {
  /** Seconds; null when no alert of the range got that far. */
  median_s: number | null;
  p90_s: number | null;
}

export interface ServiceLevelReport {
  /** null: the whole hub. */
  org_unit: string | null;
  from: number;
  to: number;
  alerts: number;
  /** Shares of the alerts opened in the range; null when there were none. */
  acknowledged_within_60s: number | null;
  acknowledged_within_180s: number | null;
  on_site_within_45min: number | null;
  acknowledge: Spread;
  accept: Spread;
  arrive: Spread;
  targets: typeof serviceLevelTargets;
}

/**
 * How quickly alerts were answered: for each alert opened in a range, the time from
 * opening to the first acknowledgement, to a responder's acceptance and to arrival.
 * Shares count an alert that never got there as not within; medians and p90s are
 * over the alerts that got there (linear interpolation between ranks).
 */
export class ServiceLevels {
  constructor(private readonly deps: { db: Database }) {}

  async report(
    actor: SignedInUser,
    query: { org_unit?: string | undefined; from: number; to: number; kinds?: AlertKind[] | undefined },
  ): Promise<ServiceLevelReport> {
    const unit = await this.unit(actor, query.org_unit);
    let rows = this.deps.db
      .selectFrom('alerts as a')
      .innerJoin('org_units as o', 'o.id', 'a.org_unit_id')
      .select(['a.opened_at', 'a.acknowledged_at', 'a.accepted_at', 'a.on_site_at'])
      .where(underPath('o.path', unit.path))
      .where('a.opened_at', '>=', query.from)
      .where('a.opened_at', '<', query.to);
    if (query.kinds?.length) rows = rows.where('a.kind', 'in', query.kinds);
    const alerts = await rows.execute();
    const acknowledge = alerts.map((a) => since(a.opened_at, a.acknowledged_at));
    const accept = alerts.map((a) => since(a.opened_at, a.accepted_at));
    const arrive = alerts.map((a) => since(a.opened_at, a.on_site_at));
    return {
      org_unit: unit.id,
      from: query.from,
      to: query.to,
      alerts: alerts.length,
      acknowledged_within_60s: shareWithin(acknowledge, 60_000),
      acknowledged_within_180s: shareWithin(acknowledge, 180_000),
      on_site_within_45min: shareWithin(arrive, 45 * 60_000),
      acknowledge: spread(acknowledge),
      accept: spread(accept),
      arrive: spread(arrive),
      targets: serviceLevelTargets,
    };
  }

  /** The asked org unit (default the user's own), which must lie within the user's scope. */
  private async unit(
    actor: SignedInUser,
    orgUnitId: string | undefined,
  ): Promise<{ id: string | null; path: string }> {
    const id = orgUnitId ?? actor.orgUnitId;
    if (id === null) return { id: null, path: '/' };
    const unit = await this.deps.db
      .selectFrom('org_units')
      .select(['id', 'path'])
      .where('id', '=', id)
      .executeTakeFirst();
    // To a user with a scope, a unit that does not exist is refused as another's is (no probing ids).
    if (!unit && actor.scopePath === '/') throw new ServiceOrderError(404, 'not_found', `no org unit ${id}`);
    if (!unit?.path.startsWith(actor.scopePath)) {
      throw new ServiceOrderError(403, 'forbidden', `org unit ${id} is outside your org unit`);
    }
    return unit;
  }
}

/** Milliseconds from `start` to `end`, or null if it never happened. */
function since(start: number, end: number | null): number | null {
  return end === null ? null : Math.max(0, end - start);
}

function shareWithin(durations: Array<number | null>, limitMs: number): number | null {
  if (durations.length === 0) return null;
  const within = durations.filter((d) => d !== null && d <= limitMs).length;
  return within / durations.length;
}

function spread(durations: Array<number | null>): Spread {
  const sorted = Float64Array.from(durations.filter((d): d is number => d !== null)).sort();
  return { median_s: seconds(quantile(sorted, 0.5)), p90_s: seconds(quantile(sorted, 0.9)) };
}

/** The q-quantile of sorted values, interpolated linearly between the closest ranks; null if empty. */
export function quantile(sorted: ArrayLike<number>, q: number): number | null {
  if (sorted.length === 0) return null;
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  const low = sorted[below]!;
  return low + (sorted[above]! - low) * (position - below);
}

function seconds(ms: number | null): number | null {
  return ms === null ? null : Math.round(ms) / 1000;
}
