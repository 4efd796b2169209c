import { describe, expect, it } from 'vitest';
import {
  creditForService,
  overdraftFor,
  defaultTimebankRules as rules,
  serviceDay,
  timebankRulesFromEnv,
  timebankRulesSchema,
} from './rules.js';

describe('the credit rule', () => {
  it.each([
    // claimed, measured, credited today → decision
    [60, 60, 0, { status: 'paid', creditedMinutes: 60, cappedBy: null }],
    [50, 47, 0, { status: 'paid', creditedMinutes: 47, cappedBy: null }],
    [30, 60, 0, { status: 'paid', creditedMinutes: 30, cappedBy: null }],
    [70, 47, 0, { status: 'paid', creditedMinutes: 47, cappedBy: null }],
    [71, 47, 0, { status: 'flagged' }],
    [1, 0, 0, { status: 'flagged' }],
    [0, 0, 0, { status: 'paid', creditedMinutes: 0, cappedBy: null }],
    [300, 300, 0, { status: 'paid', creditedMinutes: 240, cappedBy: 'service' }],
    [120, 120, 400, { status: 'paid', creditedMinutes: 80, cappedBy: 'day' }],
    [300, 300, 300, { status: 'paid', creditedMinutes: 180, cappedBy: 'day' }],
    [60, 60, 480, { status: 'paid', creditedMinutes: 0, cappedBy: 'day' }],
  ])(
    '[CREDIT-RULE] claimed %i, measured %i, %i credited today → %o',
    (claimed, measured, today, decision) => {
      expect(
        creditForService(rules, {
          claimedMinutes: claimed,
          measuredMinutes: measured,
          creditedTodayMinutes: today,
        }),
      ).toEqual(decision);
    },
  );

  it('[CREDIT-RULE] the rate multiplies measured minutes and the result is whole minutes, rounded down', () => {
    const generous = timebankRulesSchema.parse({ creditRate: 1.5 });
    expect(
      creditForService(generous, { claimedMinutes: 41, measuredMinutes: 41, creditedTodayMinutes: 0 }),
    ).toEqual({ status: 'paid', creditedMinutes: 61, cappedBy: null });
  });

  it('[CREDIT-DAY] the daily cap counts local days (UTC+8)', () => {
    expect(serviceDay(rules, Date.UTC(2026, 10, 30, 15, 59))).toBe('2026-11-30'); // 23:59 in Shenzhen
    expect(serviceDay(rules, Date.UTC(2026, 10, 30, 16, 0))).toBe('2026-12-01'); // 00:00 next day
  });
});

describe('time bank configuration', () => {
  it('[TIMEBANK-CONFIG] the environment sets the rules; a bad value names its variable', () => {
    const configured = timebankRulesFromEnv({
      TIMEBANK_SERVICE_CAP_MINUTES: '120',
      TIMEBANK_FLAG_RATIO: '2',
      TIMEBANK_FUND_OVERDRAFTS: 'jingtian=100, lianhua=50',
    });
    expect(configured).toMatchObject({ serviceCapMinutes: 120, flagRatio: 2, dailyCapMinutes: 480 });
    expect(configured.fundOverdrafts).toEqual({ jingtian: 100, lianhua: 50 });
    expect(() => timebankRulesFromEnv({ TIMEBANK_DAILY_CAP_MINUTES: 'lots' })).toThrow(
      /TIMEBANK_DAILY_CAP_MINUTES/,
    );
    expect(() => timebankRulesFromEnv({ TIMEBANK_MEMBER_OVERDRAFTS: 'jingtian' })).toThrow(
      /TIMEBANK_MEMBER_OVERDRAFTS: expected unit=minutes/,
    );
  });

  it('[TIMEBANK-OVERDRAFT] an account gets the overdraft of the nearest configured org unit at or above it, else the default', () => {
    const configured = timebankRulesSchema.parse({
      fundOverdraftMinutes: 1000,
      fundOverdrafts: { lianhua: 300, jingtian: 100 },
      memberOverdrafts: { lianhua: 30 },
    });
    expect(overdraftFor(configured, 'fund', '/futian/lianhua/jingtian/')).toBe(100);
    expect(overdraftFor(configured, 'fund', '/futian/lianhua/meilin/')).toBe(300);
    expect(overdraftFor(configured, 'fund', '/futian/')).toBe(1000);
    expect(overdraftFor(configured, 'volunteer', '/futian/lianhua/jingtian/')).toBe(30);
    expect(overdraftFor(configured, 'elder', '/futian/huafu/')).toBe(0);
  });
});
