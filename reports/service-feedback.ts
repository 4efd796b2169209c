import { sql } from 'kysely';
import { type ServiceKindNames, serviceKindNames } from '../services/service-kinds.js';
import type { Database } from '../store/database.js';
import { underPath } from '../store/scope.js';
import type { FeedbackCount } from './report-texts.js';

export interface UnitFeedback extends FeedbackCount {
  org_unit_id: string;
  name: string;
  /** Distinct elders with a fulfilled request. */
  elders_served: number;
  /**
   * Credits paid to volunteers for certified services (the ledger's `deposit`s), and spent on
   * redemptions, in the period (minutes; corrections of either are not subtracted).
   */
  credits_issued_minutes: number;
  credits_redeemed_minutes: number;
}

export interface ServiceFeedbackReport {
  totals: Omit<UnitFeedback, 'org_unit_id' | 'name'>;
  by_unit: UnitFeedback[];
  by_kind: Array<FeedbackCount & { kind: string }>;
  by_volunteer: Array<{
    volunteer_id: string;
    name: string | null;
    fulfilled: number;
    ratings: number;
    average_rating: number | null;
  }>;
  /** Ratings of 2 or less, with what was said: for the specialist to follow up, newest first. */
  complaints: Array<{
    order_id: string;
    kind: string;
    org_unit_id: string;
    org_unit_name: string;
    elder_id: string;
    elder_name: string | null;
    volunteer_id: string | null;
    volunteer_name: string | null;
    rating: number;
    comment: string | null;
    wanted_at: number;
  }>;
  /** Every service kind's name in both languages, retired kinds too: how the files and the console name them. */
  kind_names: ServiceKindNames;
}

/** Rows of `by_unit`: the unit itself and the units its report compares, each with its path. */
export interface ReportUnits {
  unit: { id: string; name: string; path: string };
  children: Array<{ id: string; name: string; path: string }>;
}

const fulfilledStatuses = ['done', 'rated', 'certified'];
const openStatuses = ['requested', 'taken', 'in_progress'];
const complaintAtMost = 2;
const complaintsListed = 200;

/**
 * The feedback part of the reports (the seed's 评价反馈体系): service requests of the period (by
 * `requested_at`) fulfilled against cancelled and unmet, ratings per unit, per service kind and per
 * volunteer, elders served, credits issued and redeemed per unit, and the complaints. Grouped in SQL
 * (both engines), bucketed into the report's units here.
 */
export class ServiceFeedback {
  constructor(private readonly db: Database) {}

  async report(units: ReportUnits, from: number, to: number): Promise<ServiceFeedbackReport> {
    const { db } = this;
    const inUnit = underPath('o.path', units.unit.path);
    const among = (list: string[]) => sql.join(list);
    const count = (when: ReturnType<typeof sql>) => sql<number>`sum(case when ${when} then 1 else 0 end)`;
    // The unit's service requests made in the period, with their unit and volunteer.
    const requests = () =>
      db
        .selectFrom('service_orders as s')
        .innerJoin('org_units as o', 'o.id', 's.org_unit_id')
        .leftJoin('responders as r', 'r.id', 's.volunteer_id')
        .where(inUnit)
        .where('s.requested_at', '>=', from)
        .where('s.requested_at', '<', to);
    const groups = await requests()
      .select([
        'o.path',
        's.kind',
        's.volunteer_id',
        'r.name',
        (eb) => eb.fn.countAll<number>().as('requested'),
      ])
      .select([
        count(sql`s.status in (${among(fulfilledStatuses)})`).as('fulfilled'),
        count(sql`s.status = 'cancelled'`).as('cancelled'),
        count(sql`s.status in (${among(openStatuses)}) and s.wanted_at < ${to}`).as('unmet'),
        count(sql`s.status in (${among(openStatuses)}) and s.wanted_at >= ${to}`).as('pending'),
        (eb) => eb.fn.count<number>('s.rating').as('ratings'),
        (eb) => eb.fn.sum<number>('s.rating').as('rating_sum'),
      ])
      .groupBy(['o.path', 's.kind', 's.volunteer_id', 'r.name'])
      .execute();
    const served = await requests()
      .select(['o.path', 's.elder_id'])
      .distinct()
      .where('s.status', 'in', fulfilledStatuses)
      .execute();
    const credits = await db
      .selectFrom('timebank_transfers as t')
      .innerJoin('org_units as o', 'o.id', 't.org_unit_id')
      .innerJoin('timebank_postings as p', 'p.transfer_id', 't.id')
      .select(['o.path', 't.kind', (eb) => eb.fn.sum<number>('p.amount_minutes').as('minutes')])
      .where(inUnit)
      .where('t.kind', 'in', ['deposit', 'redemption'])
      .where('t.created_at', '>=', from)
      .where('t.created_at', '<', to)
      .where('p.amount_minutes', '>', 0)
      .groupBy(['o.path', 't.kind'])
      .execute();
    const complaints = await requests()
      .leftJoin('elders as e', 'e.id', 's.elder_id')
      .select([
        's.id as order_id',
        's.kind',
        's.org_unit_id',
        'o.name as org_unit_name',
        's.elder_id',
        'e.name as elder_name',
      ])
      .select([
        's.volunteer_id',
        'r.name as volunteer_name',
        's.rating',
        's.rating_comment as comment',
        's.wanted_at',
      ])
      .where('s.rating', '<=', complaintAtMost)
      .orderBy('s.wanted_at', 'desc')
      .limit(complaintsListed)
      .execute();

    const bucketOf = (path: string) =>
      units.children.find((c) => path.startsWith(c.path))?.id ?? units.unit.id;
    const byUnit = new Map(
      [units.unit, ...units.children].map((u) => [u.id, { org_unit_id: u.id, name: u.name, ...emptyUnit() }]),
    );
    const totals = emptyUnit();
    const byKind = new Map<string, FeedbackCount & { kind: string; rating_sum: number }>();
    const byVolunteer = new Map<
      string,
      ServiceFeedbackReport['by_volunteer'][number] & { rating_sum: number }
    >();
    for (const g of groups) {
      const c = {
        requested: Number(g.requested),
        fulfilled: Number(g.fulfilled ?? 0),
        cancelled: Number(g.cancelled ?? 0),
        unmet: Number(g.unmet ?? 0),
        pending: Number(g.pending ?? 0),
        ratings: Number(g.ratings ?? 0),
        rating_sum: Number(g.rating_sum ?? 0),
      };
      const kind = byKind.get(g.kind) ?? { kind: g.kind, ...emptyCount(), rating_sum: 0 };
      byKind.set(g.kind, kind);
      for (const target of [kind, byUnit.get(bucketOf(g.path))!, totals]) addCount(target, c);
      if (g.volunteer_id) {
        const v = byVolunteer.get(g.volunteer_id) ?? {
          volunteer_id: g.volunteer_id,
          name: g.name,
          fulfilled: 0,
          ratings: 0,
          average_rating: null,
          rating_sum: 0,
        };
        byVolunteer.set(g.volunteer_id, v);
        v.fulfilled += c.fulfilled;
        v.ratings += c.ratings;
        v.rating_sum += c.rating_sum;
      }
    }
    const servedSets = new Map<string, Set<string>>();
    for (const s of served) {
      for (const id of [bucketOf(s.path), '']) {
        const set = servedSets.get(id) ?? new Set<string>();
        servedSets.set(id, set);
        set.add(s.elder_id);
      }
    }
    for (const c of credits) {
      const key = c.kind === 'deposit' ? 'credits_issued_minutes' : 'credits_redeemed_minutes';
      byUnit.get(bucketOf(c.path))![key] += Number(c.minutes ?? 0);
      totals[key] += Number(c.minutes ?? 0);
    }
    for (const [id, u] of byUnit) u.elders_served = servedSets.get(id)?.size ?? 0;
    totals.elders_served = servedSets.get('')?.size ?? 0;
    return {
      totals: finish(totals),
      by_unit: [...byUnit.values()].map(finish),
      by_kind: [...byKind.values()]
        .map(finish)
        .sort((a, b) => b.requested - a.requested || a.kind.localeCompare(b.kind)),
      by_volunteer: [...byVolunteer.values()]
        .map(({ rating_sum, ...v }) => ({ ...v, average_rating: average(rating_sum, v.ratings) }))
        .sort((a, b) => b.fulfilled - a.fulfilled || a.volunteer_id.localeCompare(b.volunteer_id)),
      complaints: complaints.map((c) => ({ ...c, rating: Number(c.rating), wanted_at: Number(c.wanted_at) })),
      kind_names: await serviceKindNames(db),
    };
  }
}

type Tally = Omit<FeedbackCount, 'fulfilled_share' | 'average_rating'> & { rating_sum: number };

function emptyCount(): FeedbackCount {
  const tally = { requested: 0, fulfilled: 0, cancelled: 0, unmet: 0, pending: 0, ratings: 0 };
  return { ...tally, fulfilled_share: null, average_rating: null };
}

function emptyUnit() {
  return {
    ...emptyCount(),
    rating_sum: 0,
    elders_served: 0,
    credits_issued_minutes: 0,
    credits_redeemed_minutes: 0,
  };
}

function addCount(target: Tally, c: Tally): void {
  target.requested += c.requested;
  target.fulfilled += c.fulfilled;
  target.cancelled += c.cancelled;
  target.unmet += c.unmet;
  target.pending += c.pending;
  target.ratings += c.ratings;
  target.rating_sum += c.rating_sum;
}

function average(sum: number, n: number): number | null {
  return n === 0 ? null : Math.round((sum / n) * 100) / 100;
}

/** The shares and the mean, once everything is added; the running sum is not reported. */
function finish<T extends Tally>(t: T): Omit<T, 'rating_sum'> & FeedbackCount {
  const { rating_sum, ...rest } = t;
  const decided = t.fulfilled + t.cancelled + t.unmet;
  return {
    ...rest,
    fulfilled_share: decided === 0 ? null : t.fulfilled / decided,
    average_rating: average(rating_sum, t.ratings),
  };
}
