import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { SignedInUser } from '../kernel/identity.js';
import { writingForElder } from '../registry/elder-lookup.js';
import type { Database } from '../store/database.js';
import type { RecurringRequestTable } from '../store/schema.js';
import { underPath } from '../store/scope.js';
import { notFound, type RequestKind } from './service-order-model.js';
import type { ServiceRequests } from './service-requests.js';

/** A recurring request as the API shows it. */
export interface RecurringRequestView {
  id: string;
  elder: { id: string; name: string };
  kind: string;
  note: string;
  weekdays: number[];
  time: string;
  lead_hours: number;
  starts_on: string;
  ends_on: string | null;
  active: boolean;
  created_by: string;
  created_at: number;
  stopped_by: string | null;
  stopped_at: number | null;
  /** When the next order will be wanted (ms); null once stopped or past its last day. */
  next_wanted_at: number | null;
}

export interface RecurringRequestInput {
  elder_id: string;
  kind: RequestKind;
  note: string;
  weekdays: number[];
  time: string;
  lead_hours: number;
  starts_on?: string | undefined;
  ends_on?: string | undefined;
}

const dayMs = 86_400_000;

/**
 * Requests that publish themselves — a weekly meal, a daily visit: each order is published
 * `lead_hours` before the time it is wanted, so the community's volunteers see it in time. Looked at
 * every minute and at start; an occurrence whose publishing time passed while no hub ran is published
 * still if its wanted time is ahead, never when it is past. The unique index on (recurrence, wanted
 * time) makes every occurrence one order, whoever publishes it.
 */
export class RecurringRequests {
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;

  constructor(
    private readonly deps: {
      db: Database;
      requests: ServiceRequests;
      now: () => number;
      /** Local time of the district (the time bank's), in minutes east of UTC. */
      utcOffsetMinutes: number;
      tickMs: number;
      logger: Logger;
    },
  ) {}

  async start(): Promise<void> {
    await this.publishDue();
    this.timer = setInterval(() => {
      this.round ??= this.publishDue()
        .then(() => undefined)
        .catch((error) => this.deps.logger.warn({ err: error }, 'recurring requests: a round failed'))
        .finally(() => {
          this.round = undefined;
        });
    }, this.deps.tickMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.round;
  }

  async create(actor: SignedInUser, input: RecurringRequestInput): Promise<RecurringRequestView> {
    await this.deps.requests.requestable(input.kind);
    await this.deps.requests.elderInScope(actor, input.elder_id);
    const id = randomUUID();
    const at = this.deps.now();
    await writingForElder(this.deps.db, input.elder_id, async (trx) => {
      await trx
        .insertInto('recurring_requests')
        .values({
          id,
          elder_id: input.elder_id,
          kind: input.kind,
          note: input.note,
          weekdays: [...new Set(input.weekdays)].sort().join(','),
          time_of_day: input.time,
          lead_hours: input.lead_hours,
          starts_on: input.starts_on ?? this.localDay(at),
          ends_on: input.ends_on ?? null,
          created_by: actor.username,
          created_at: at,
          stopped_by: null,
          stopped_at: null,
        })
        .execute();
    });
    await this.publishDue();
    return this.get(actor, id);
  }

  async list(actor: SignedInUser, elderId?: string): Promise<RecurringRequestView[]> {
    const rows = await this.select(actor)
      .$if(elderId !== undefined, (q) => q.where('r.elder_id', '=', elderId!))
      .orderBy('r.created_at', 'desc')
      .execute();
    return rows.map((r) => this.view(r));
  }

  async get(actor: SignedInUser, id: string): Promise<RecurringRequestView> {
    const row = await this.select(actor).where('r.id', '=', id).executeTakeFirst();
    if (!row) throw notFound(`no recurring request ${id} in your org unit`);
    return this.view(row);
  }

  /** No more orders from it; those already published stay as they are (cancel them one by one). */
  async stopRule(actor: SignedInUser, id: string): Promise<RecurringRequestView> {
    await this.get(actor, id);
    await this.deps.db
      .updateTable('recurring_requests')
      .set({ stopped_by: actor.username, stopped_at: this.deps.now() })
      .where('id', '=', id)
      .where('stopped_at', 'is', null)
      .execute();
    return this.get(actor, id);
  }

  /**
   * Publishes every occurrence now within its lead time; how many orders were written. A rule of a
   * retired kind publishes nothing (retiring waits for such rules to stop; this covers a race), nor
   * one of an erased elder.
   */
  async publishDue(): Promise<number> {
    const now = this.deps.now();
    const rules = await this.deps.db
      .selectFrom('recurring_requests as r')
      .innerJoin('elders as e', 'e.id', 'r.elder_id')
      .leftJoin('service_kinds as k', 'k.code', 'r.kind')
      .selectAll('r')
      .select('e.org_unit_id')
      .where('r.stopped_at', 'is', null)
      .where('k.retired_at', 'is', null)
      // The erasure stops an erased elder's rules; this holds for one erased before it did too.
      .where('e.erased_at', 'is', null)
      .execute();
    // Occurrences in their lead window stay there for hours and are looked at every minute: those
    // already published are skipped by one query rather than met by an insert the index refuses.
    const published =
      rules.length === 0
        ? []
        : await this.deps.db
            .selectFrom('service_orders')
            .select(['recurrence_id', 'wanted_at'])
            .where(
              'recurrence_id',
              'in',
              rules.map((r) => r.id),
            )
            .where('wanted_at', '>', now)
            .execute();
    const seen = new Set(published.map((o) => `${o.recurrence_id} ${Number(o.wanted_at)}`));
    let written = 0;
    for (const rule of rules) {
      for (const wantedAt of this.occurrences(rule, now, now + rule.lead_hours * 3_600_000)) {
        if (seen.has(`${rule.id} ${wantedAt}`)) continue;
        const id = await this.deps.requests.insert(
          { id: rule.elder_id, org_unit_id: rule.org_unit_id },
          {
            kind: rule.kind as RequestKind,
            note: rule.note,
            wanted_at: wantedAt,
            requested_by: rule.created_by,
            recurrence_id: rule.id,
          },
        );
        if (id) written += 1;
      }
    }
    return written;
  }

  /** The rule's wanted times in (after, until], in order. */
  private occurrences(rule: RecurringRequestTable, after: number, until: number): number[] {
    const weekdays = new Set(rule.weekdays.split(',').map(Number));
    const [hh, mm] = rule.time_of_day.split(':').map(Number) as [number, number];
    const offset = this.deps.utcOffsetMinutes * 60_000;
    const times: number[] = [];
    for (let day = Math.floor((after + offset) / dayMs); day * dayMs - offset <= until; day++) {
      const date = new Date(day * dayMs).toISOString().slice(0, 10);
      if (date < rule.starts_on || (rule.ends_on !== null && date > rule.ends_on)) continue;
      const isoWeekday = ((new Date(day * dayMs).getUTCDay() + 6) % 7) + 1;
      if (!weekdays.has(isoWeekday)) continue;
      const wanted = day * dayMs - offset + (hh * 60 + mm) * 60_000;
      if (wanted > after && wanted <= until) times.push(wanted);
    }
    return times;
  }

  private localDay(at: number): string {
    return new Date(at + this.deps.utcOffsetMinutes * 60_000).toISOString().slice(0, 10);
  }

  private select(actor: SignedInUser) {
    return this.deps.db
      .selectFrom('recurring_requests as r')
      .innerJoin('elders as e', 'e.id', 'r.elder_id')
      .innerJoin('org_units as o', 'o.id', 'e.org_unit_id')
      .selectAll('r')
      .select('e.name as elder_name')
      .where(underPath('o.path', actor.scopePath));
  }

  private view(row: RecurringRequestTable & { elder_name: string }): RecurringRequestView {
    const active = row.stopped_at === null;
    const now = this.deps.now();
    // Every rule has a weekday, so the next occurrence is within a week of its first day or of now.
    const from = Math.max(
      now,
      Date.parse(`${row.starts_on}T00:00:00Z`) - this.deps.utcOffsetMinutes * 60_000 - 1,
    );
    const next = active ? this.occurrences(row, from, from + 8 * dayMs)[0] : undefined;
    return {
      id: row.id,
      elder: { id: row.elder_id, name: row.elder_name },
      kind: row.kind,
      note: row.note,
      weekdays: row.weekdays.split(',').map(Number),
      time: row.time_of_day,
      lead_hours: row.lead_hours,
      starts_on: row.starts_on,
      ends_on: row.ends_on,
      active,
      created_by: row.created_by,
      created_at: Number(row.created_at),
      stopped_by: row.stopped_by,
      stopped_at: row.stopped_at === null ? null : Number(row.stopped_at),
      next_wanted_at: next ?? null,
    };
  }
}
