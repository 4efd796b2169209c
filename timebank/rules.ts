import { z } from 'zod';

const minutes = z.coerce.number().int().min(0).max(100_000_000);
/** `jingtian=1200,lianhua=600` (env) or an object: minutes per org unit id. */
const perOrgUnit = z
  .preprocess(
    (value, ctx) => {
      if (typeof value !== 'string') return value;
      const map: Record<string, string> = {};
      for (const part of value.split(',').filter((p) => p.trim())) {
        const [unit, amount, extra] = part.split('=').map((s) => s.trim());
        if (!unit || !amount || extra !== undefined) {
          ctx.addIssue({ code: 'custom', message: `expected unit=minutes, got "${part.trim()}"` });
          return z.NEVER;
        }
        map[unit] = amount;
      }
      return map;
    },
    z.record(z.string(), minutes),
  )
  .default({});

/**
 * The time bank's rules: how a certified service becomes credits, and how far
 * accounts may go below zero. Documented in the README (time bank section).
 */
export const timebankRulesSchema = z.object({
  /** Credited minutes per measured minute of service. */
  creditRate: z.coerce.number().positive().max(10).default(1),
  /** At most this many minutes are credited for one service. */
  serviceCapMinutes: minutes.default(240),
  /** At most this many minutes are credited to one volunteer per local day. */
  dailyCapMinutes: minutes.default(480),
  /** A claim longer than this × the measured time is not paid but flagged for the specialist. */
  flagRatio: z.coerce.number().min(1).max(10).default(1.5),
  /** Days for the daily cap are local days: UTC+8. */
  utcOffsetMinutes: z.coerce.number().int().min(-720).max(840).default(480),
  /** How far an org unit's fund may go below zero, i.e. how many credits it may issue beyond what it took in. */
  fundOverdraftMinutes: minutes.default(600_000),
  /** Per org unit (the nearest configured unit at or above a fund wins). */
  fundOverdrafts: perOrgUnit,
  /** How far a person's account (volunteer, elder, family) may go below zero. */
  memberOverdraftMinutes: minutes.default(0),
  /** Per org unit: the unit allows its members' accounts a stated overdraft (nearest wins). */
  memberOverdrafts: perOrgUnit,
});

export type TimebankRules = z.infer<typeof timebankRulesSchema>;
export type TimebankRulesInput = z.input<typeof timebankRulesSchema>;
export const defaultTimebankRules: TimebankRules = timebankRulesSchema.parse({});

export const timebankEnvironment: Record<keyof TimebankRules, string> = {
  creditRate: 'TIMEBANK_CREDIT_RATE',
  serviceCapMinutes: 'TIMEBANK_SERVICE_CAP_MINUTES',
  dailyCapMinutes: 'TIMEBANK_DAILY_CAP_MINUTES',
  flagRatio: 'TIMEBANK_FLAG_RATIO',
  utcOffsetMinutes: 'TIMEBANK_UTC_OFFSET_MINUTES',
  fundOverdraftMinutes: 'TIMEBANK_FUND_OVERDRAFT_MINUTES',
  fundOverdrafts: 'TIMEBANK_FUND_OVERDRAFTS',
  memberOverdraftMinutes: 'TIMEBANK_MEMBER_OVERDRAFT_MINUTES',
  memberOverdrafts: 'TIMEBANK_MEMBER_OVERDRAFTS',
};

/** Defaults, then the environment; a bad value throws naming the variable. */
export function timebankRulesFromEnv(env: NodeJS.ProcessEnv = {}): TimebankRules {
  const raw: Record<string, unknown> = {};
  for (const [key, name] of Object.entries(timebankEnvironment)) {
    const value = env[name];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const parsed = timebankRulesSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map(
    (issue) => `${timebankEnvironment[issue.path[0] as keyof TimebankRules]}: ${issue.message}`,
  );
  throw new Error(`invalid time bank configuration:\n  ${lines.join('\n  ')}`);
}

export type CreditDecision =
  | { status: 'flagged' }
  | { status: 'paid'; creditedMinutes: number; cappedBy: 'service' | 'day' | null };

/**
 * The credit rule: measured minutes (never more than claimed) × rate, within the
 * per-service cap and what is left of the volunteer's daily cap. A claim over
 * flagRatio × the measured time is not paid automatically, nor is a visit nobody confirmed.
 */
export function creditForService(
  rules: TimebankRules,
  service: {
    claimedMinutes: number;
    measuredMinutes: number;
    creditedTodayMinutes: number;
    unconfirmed?: boolean | undefined;
  },
): CreditDecision {
  if (service.unconfirmed) return { status: 'flagged' };
  if (service.claimedMinutes > rules.flagRatio * service.measuredMinutes) return { status: 'flagged' };
  const earned = Math.floor(Math.min(service.claimedMinutes, service.measuredMinutes) * rules.creditRate);
  return withinCaps(rules, earned, service.creditedTodayMinutes);
}

/** A specialist's stated amount for a flagged claim: the same caps apply. */
export function withinCaps(
  rules: TimebankRules,
  minutesAsked: number,
  creditedTodayMinutes: number,
): { status: 'paid'; creditedMinutes: number; cappedBy: 'service' | 'day' | null } {
  const leftToday = Math.max(0, rules.dailyCapMinutes - creditedTodayMinutes);
  let credited = minutesAsked;
  let cappedBy: 'service' | 'day' | null = null;
  if (credited > rules.serviceCapMinutes) {
    credited = rules.serviceCapMinutes;
    cappedBy = 'service';
  }
  if (credited > leftToday) {
    credited = leftToday;
    cappedBy = 'day';
  }
  return { status: 'paid', creditedMinutes: credited, cappedBy };
}

/** The local date (`YYYY-MM-DD`) a service counts against for the daily cap. */
export function serviceDay(rules: TimebankRules, at: number): string {
  return new Date(at + rules.utcOffsetMinutes * 60_000).toISOString().slice(0, 10);
}

/** The overdraft an account gets when it opens: the nearest org unit configured at or above it, else the default. */
export function overdraftFor(rules: TimebankRules, kind: string, orgUnitPath: string): number {
  const isFund = kind === 'fund';
  const perUnit = isFund ? rules.fundOverdrafts : rules.memberOverdrafts;
  const units = orgUnitPath.split('/').filter(Boolean).reverse();
  for (const unit of units) {
    const configured = perUnit[unit];
    if (configured !== undefined) return configured;
  }
  return isFund ? rules.fundOverdraftMinutes : rules.memberOverdraftMinutes;
}
