import { describe, expect, it } from 'vitest';
import type { HubAlert } from './hub-api.js';
import type { Injection, ScenarioKind } from './scenarios.js';
import { formatSummary, scoreRun } from './summary.js';

const MINUTE = 60_000;
const injection = (
  id: number,
  kind: ScenarioKind,
  elderId: string,
  at: number,
  expects: string,
): Injection => ({
  id,
  kind,
  elderId,
  at,
  firedAt: at,
  expects,
  watches: `w-${elderId}`,
  windowMs: 60 * MINUTE,
});
let ids = 0;
const alert = (
  kind: string,
  elderId: string,
  at: number,
  status = 'resolved',
  outcome: string | null = null,
): HubAlert => ({
  id: `a-${++ids}`,
  elder_id: elderId,
  device_id: null,
  kind,
  severity: 'high',
  status,
  opened_at: at,
  outcome,
});

describe('simulation summary', () => {
  it('[SIM-SCORE] a lasting condition raised again after its alert was closed is a repeat; anything else unmatched is false', () => {
    const t0 = 1_000 * MINUTE;
    const summary = scoreRun({
      injections: [
        injection(1, 'vitals', 'e-1', t0, 'vitals'),
        injection(2, 'sos', 'e-2', t0, 'sos'),
        { ...injection(3, 'inactivity', 'e-4', t0, 'inactivity'), windowMs: 16 * 60 * MINUTE },
      ],
      alerts: [
        alert('vitals', 'e-1', t0 + 10 * MINUTE),
        // the heart rate stays high: raised again after a responder closed the first, twice
        alert('vitals', 'e-1', t0 + 200 * MINUTE),
        alert('vitals', 'e-1', t0 + 400 * MINUTE, 'open'),
        alert('sos', 'e-2', t0 + 1 * MINUTE),
        // an SOS happens once: a second one later is not the injected one
        alert('sos', 'e-2', t0 + 300 * MINUTE),
        // nobody injected anything for e-3
        alert('vitals', 'e-3', t0 + 50 * MINUTE),
        // a warning, then the alarm of the same stillness
        alert('inactivity', 'e-4', t0 + 12 * 60 * MINUTE),
        alert('inactivity', 'e-4', t0 + 14 * 60 * MINUTE),
      ].reverse(), // newest first, as the hub lists them
      acceptedAt: new Map(),
      start: t0 - 5 * MINUTE,
      end: t0 + 24 * 60 * MINUTE,
    });
    expect(summary.perKind.vitals).toEqual({ injected: 1, hits: 1, misses: 0, falseAlerts: 0, repeats: 2 });
    expect(summary.perKind.sos).toEqual({ injected: 1, hits: 1, misses: 0, falseAlerts: 0, repeats: 0 });
    expect(summary.perKind.inactivity).toEqual({
      injected: 1,
      hits: 1,
      misses: 0,
      falseAlerts: 0,
      repeats: 1,
    });
    // timed from the first alert each raised, not the last
    expect(summary.detectS.inactivity).toEqual([12 * 3600]);
    expect(summary.detectS.vitals).toEqual([600]);
    expect(summary.perKind['alert:vitals']?.falseAlerts).toBe(1);
    expect(summary.perKind['alert:inactivity']).toBeUndefined();
    expect(summary.perKind['alert:sos']?.falseAlerts).toBe(1);
    const text = formatSummary(summary, []);
    expect(text).toContain('false alerts (matching no injection): vitals 1, sos 1');
    expect(text).toContain('after a responder closed the first: inactivity 1, vitals 2');
  });

  it('[SIM-FALLS] falls alerted by radar or not, and fall alerts sent for no fall per person-week; one the radar let go is none', () => {
    const t0 = 1_000 * MINUTE;
    const summary = scoreRun({
      injections: [
        { ...injection(1, 'fall', 'e-1', t0, 'fall'), radar: true },
        { ...injection(2, 'fall', 'e-2', t0, 'fall'), radar: false },
        { ...injection(3, 'fall', 'e-3', t0, 'fall'), radar: true },
        injection(4, 'daily_motion', 'e-4', t0, 'fall'),
        injection(5, 'fall_got_up', 'e-5', t0, 'fall'),
      ],
      alerts: [
        alert('fall', 'e-1', t0 + 20_000),
        alert('fall', 'e-2', t0 + 45_000),
        // e-3's fall raised nothing: missed
        alert('fall', 'e-4', t0 + 35_000, 'cancelled', 'radar_upright'),
        alert('fall', 'e-5', t0 + 36_000, 'open'),
        // the radar let go of a watch's fall nobody injected: sent to nobody, no false alert
        alert('fall', 'e-6', t0 + 36_000, 'cancelled', 'radar_upright'),
      ],
      acceptedAt: new Map(),
      start: t0 - 5 * MINUTE,
      end: t0 + 24 * 60 * MINUTE,
      personWeeks: 2,
    });
    expect(summary.falls).toEqual({
      unrecovered: 3,
      missed: 1,
      falseAlerts: 1,
      falsePerPersonWeek: 0.5,
      letGo: 2,
      detectRadarS: [20],
      detectNoRadarS: [45],
    });
    expect(summary.perKind.daily_motion).toMatchObject({ hits: 1, falseAlerts: 0 });
    expect(summary.perKind.fall_got_up).toMatchObject({ misses: 1, falseAlerts: 1 });
    expect(summary.perKind['alert:fall']).toBeUndefined();
    expect(formatSummary(summary, [])).toContain(
      'falls not got up from: 3, alerted 2, missed 1; fall alerts sent for no such fall: 1 (0.5 per person-week)',
    );
  });
});
