import type { SignedInUser } from '../kernel/identity.js';
import { volunteerPapers } from '../registry/volunteer-records.js';
import type { Volunteer } from '../registry/volunteer-sign-up.js';
import type { Database } from '../store/database.js';
import type { ServiceOrderBook } from './service-order-book.js';
import { type ServiceOrderView, view } from './service-order-model.js';

const upcomingStatuses = ['taken', 'in_progress'];
const pastStatuses = ['done', 'rated', 'certified'];
/** Enough history for a phone; older services are in the time bank's statements. */
const pastLimit = 200;

export interface MonthSummary {
  /** YYYY-MM, local (the time bank's UTC offset). */
  month: string;
  services: number;
  measured_minutes: number;
  credited_minutes: number;
}

export interface VolunteerRecordView {
  volunteer_id: string;
  /** Taken or in progress, soonest first. */
  upcoming: ServiceOrderView[];
  /** Served, newest first. */
  past: ServiceOrderView[];
  measured_minutes: number;
  /** Credited by the time bank (certified and paid or approved). */
  credited_minutes: number;
  /** Certified services whose credits wait for a specialist's decision. */
  awaiting_decision: number;
  /** By the month the service ended, newest first. */
  months: MonthSummary[];
  /** The skills dispatch matches the volunteer on (their registration's record). */
  skills: string[];
  /** Certificates with their last day (an expired one no longer counts in matching), and courses taken. */
  certificates: Volunteer['certificates'];
  trainings: Volunteer['trainings'];
}

/** A volunteer's own view of their services: what is coming, what they gave, what it earned, by month. */
export class VolunteerRecord {
  constructor(
    private readonly deps: {
      db: Database;
      book: ServiceOrderBook;
      now: () => number;
      utcOffsetMinutes: number;
    },
  ) {}

  async of(actor: SignedInUser): Promise<VolunteerRecordView> {
    const volunteer = await this.deps.book.volunteer(actor);
    const rows = await this.deps.book
      .select()
      .where('s.volunteer_id', '=', volunteer.id)
      .where('s.status', 'in', [...upcomingStatuses, ...pastStatuses])
      .orderBy('s.wanted_at', 'desc')
      .execute();
    const upcoming = rows.filter((r) => upcomingStatuses.includes(r.status)).reverse();
    const past = rows
      .filter((r) => pastStatuses.includes(r.status))
      .sort((a, b) => (b.checked_out_at ?? b.updated_at) - (a.checked_out_at ?? a.updated_at));
    const months = new Map<string, MonthSummary>();
    for (const r of past) {
      const month = this.monthOf(r.checked_out_at ?? r.updated_at);
      const m = months.get(month) ?? { month, services: 0, measured_minutes: 0, credited_minutes: 0 };
      m.services += 1;
      m.measured_minutes += r.measured_minutes ?? 0;
      m.credited_minutes += credited(r.credit_status, r.credited_minutes);
      months.set(month, m);
    }
    const [responder, papers] = await Promise.all([
      this.deps.db
        .selectFrom('responders')
        .select('skills')
        .where('id', '=', volunteer.id)
        .executeTakeFirst(),
      volunteerPapers(this.deps.db, [volunteer.id], this.deps.now()),
    ]);
    return {
      volunteer_id: volunteer.id,
      upcoming: upcoming.map((r) => view(r, actor)),
      past: past.slice(0, pastLimit).map((r) => view(r, actor)),
      measured_minutes: past.reduce((sum, r) => sum + (r.measured_minutes ?? 0), 0),
      credited_minutes: past.reduce((sum, r) => sum + credited(r.credit_status, r.credited_minutes), 0),
      awaiting_decision: past.filter((r) => r.credit_status === 'flagged').length,
      months: [...months.values()].sort((a, b) => b.month.localeCompare(a.month)),
      skills: parseSkills(responder?.skills),
      ...(papers.get(volunteer.id) ?? { certificates: [], trainings: [] }),
    };
  }

  private monthOf(at: number): string {
    return new Date(at + this.deps.utcOffsetMinutes * 60_000).toISOString().slice(0, 7);
  }
}

/** Minutes the ledger paid: a flagged or rejected service has earned nothing (yet). */
function credited(status: string | null, minutes: number | null): number {
  return status === 'paid' || status === 'approved' ? (minutes ?? 0) : 0;
}

function parseSkills(json: string | undefined): string[] {
  try {
    const skills: unknown = JSON.parse(json ?? '[]');
    return Array.isArray(skills) ? skills.filter((s): s is string => typeof s === 'string') : [];
  } catch {
    return [];
  }
}
