import type { HubAlert } from './hub-api.js';
import { type Injection, scenarioKinds } from './scenarios.js';

export interface KindScore {
  injected: number;
  hits: number;
  misses: number;
  falseAlerts: number;
  /** Alerts raised again while an injected condition lasted, after the first was closed. */
  repeats: number;
}

export interface RunSummary {
  perKind: Record<string, KindScore>;
  /** Injection → alert opened, simulated seconds, per kind. */
  detectS: Record<string, number[]>;
  /** Alert opened → first offer accepted, simulated seconds (every alert with an acceptance). */
  acceptS: number[];
  alertsByKind: Record<string, number>;
  /** `seen`: for a fall, what saw it (the watch's model, the home's radar). */
  misses: Array<{ kind: string; elder: string; at: number; seen?: string }>;
  /** Injected falls the watch's acceleration model noticed (the hub told the watch at once). */
  watchModel: { falls: number; seen: number; motions: number; motionsTaken: number };
  falls: FallScore;
}

/** What the fall path did, for the radar's part in it (inference/radar-postures.ts). */
export interface FallScore {
  /** Injected falls nobody got up from, and those that raised no alert. */
  unrecovered: number;
  missed: number;
  /** Fall alerts that went out (someone was sent) for no unrecovered fall; per person-week. */
  falseAlerts: number;
  falsePerPersonWeek: number;
  /** Watch falls the radar let go: closed at once, outcome `radar_upright`, sent to nobody. */
  letGo: number;
  /** Injection → alert of the unrecovered falls, simulated seconds, in homes with and without a radar. */
  detectRadarS: number[];
  detectNoRadarS: number[];
}

/**
 * Injected incidents against the alerts the hub raised. An injection is a hit when an
 * alert of its kind for its elder opened within its window (from a minute before it fired).
 * For incidents that should raise nothing (a fall the wearer cancels, a flapping watch) an
 * alert left standing (not cancelled) is a miss and a false alert. A condition that lasts
 * (`scenarioKinds[kind].lasts`) may be raised again after a responder closed its alert: those
 * later alerts of its kind for its elder are repeats of the hit. Every other alert opened during
 * the run is a false alert of its kind (normal life should raise none).
 */
export function scoreRun(input: {
  injections: Injection[];
  alerts: HubAlert[];
  acceptedAt: Map<string, number>;
  /** Hub-clock window bounds. */
  start: number;
  end: number;
  /** Hub milliseconds per simulated millisecond: 1 with the built-in hub, 1/speed with a wall-clock hub. */
  windowScale?: number;
  /** Homes × simulated weeks, for false alerts per person-week. */
  personWeeks?: number;
}): RunSummary {
  const scale = input.windowScale ?? 1;
  const perKind: Record<string, KindScore> = {};
  const score = (k: string) => {
    perKind[k] ??= { injected: 0, hits: 0, misses: 0, falseAlerts: 0, repeats: 0 };
    return perKind[k];
  };
  const detectS: Record<string, number[]> = {};
  const misses: RunSummary['misses'] = [];
  // Oldest first (the hub lists newest first): an injection matches the first alert it raised.
  const alerts = input.alerts
    .filter((a) => a.opened_at >= input.start - 60_000 * scale && a.opened_at <= input.end)
    .sort((a, b) => a.opened_at - b.opened_at);
  const used = new Set<string>();
  const falls: FallScore = {
    unrecovered: 0,
    missed: 0,
    falseAlerts: 0,
    falsePerPersonWeek: Number.NaN,
    letGo: 0,
    detectRadarS: [],
    detectNoRadarS: [],
  };
  for (const inj of [...input.injections].sort((a, b) => a.at - b.at)) {
    const s = score(inj.kind);
    if (inj.firedAt === null) continue;
    s.injected++;
    const match = alerts.find(
      (a) =>
        !used.has(a.id) &&
        a.elder_id === inj.elderId &&
        a.kind === inj.expects &&
        a.opened_at >= inj.firedAt! - 60_000 * scale &&
        a.opened_at <= inj.firedAt! + inj.windowMs * scale,
    );
    if (match) used.add(match.id);
    const shouldRaise = scenarioKinds[inj.kind].alert !== null;
    if (inj.kind === 'fall') {
      falls.unrecovered++;
      if (!match) falls.missed++;
      else
        (inj.radar === false ? falls.detectNoRadarS : falls.detectRadarS).push(
          Math.max(0, match.opened_at - inj.firedAt) / 1000,
        );
    }
    if (shouldRaise) {
      if (match) {
        s.hits++;
        if (scenarioKinds[inj.kind].lasts) {
          for (const again of alerts) {
            if (used.has(again.id) || again.elder_id !== inj.elderId || again.kind !== inj.expects) continue;
            if (again.opened_at <= match.opened_at) continue;
            used.add(again.id);
            s.repeats++;
          }
        }
        const xs = detectS[inj.kind] ?? [];
        xs.push(Math.max(0, match.opened_at - inj.firedAt) / 1000);
        detectS[inj.kind] = xs;
      } else {
        s.misses++;
        misses.push({ kind: inj.kind, elder: inj.elderId, at: inj.firedAt, ...fallSeen(inj) });
      }
    } else if (match && match.status !== 'cancelled') {
      s.misses++;
      s.falseAlerts++;
      misses.push({ kind: inj.kind, elder: inj.elderId, at: inj.firedAt });
    } else s.hits++;
  }
  const fallen = input.injections.filter(
    (i) => i.firedAt !== null && ['fall', 'fall_recovered', 'fall_got_up'].includes(i.kind),
  );
  const motions = input.injections.filter((i) => i.firedAt !== null && i.kind === 'daily_motion');
  const watchModel = {
    falls: fallen.length,
    seen: fallen.filter((i) => i.notified).length,
    motions: motions.length,
    motionsTaken: motions.filter((i) => i.notified).length,
  };
  const alertsByKind: Record<string, number> = {};
  for (const a of alerts) {
    alertsByKind[a.kind] = (alertsByKind[a.kind] ?? 0) + 1;
    // a fall the radar let go sent nobody: not a false alert even when it matches no injection
    if (!used.has(a.id) && a.outcome !== 'radar_upright') score(`alert:${a.kind}`).falseAlerts++;
  }
  const acceptS: number[] = [];
  for (const a of alerts) {
    const at = input.acceptedAt.get(a.id);
    if (at !== undefined) acceptS.push(Math.max(0, at - a.opened_at) / 1000);
  }
  const fallAlerts = alerts.filter((a) => a.kind === 'fall');
  falls.letGo = fallAlerts.filter((a) => a.outcome === 'radar_upright').length;
  falls.falseAlerts = fallAlerts.length - falls.letGo - (falls.unrecovered - falls.missed);
  if (input.personWeeks) falls.falsePerPersonWeek = falls.falseAlerts / input.personWeeks;
  return { perKind, detectS, acceptS, alertsByKind, misses, watchModel, falls };
}

/** Why a fall may have gone unnoticed: the model stayed silent, the home has no radar. */
function fallSeen(inj: Injection): { seen?: string } {
  if (inj.kind !== 'fall') return {};
  return {
    seen: `${inj.notified ? 'model alarmed' : 'model silent'}, ${inj.radar === false ? 'no radar' : 'radar'}`,
  };
}

export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

const fmt = (v: number) => (Number.isNaN(v) ? '—' : v >= 100 ? v.toFixed(0) : v.toFixed(1));
const line = (xs: number[]) =>
  `n=${xs.length} p50 ${fmt(percentile(xs, 50))} s  p90 ${fmt(percentile(xs, 90))} s  p99 ${fmt(percentile(xs, 99))} s  max ${fmt(percentile(xs, 100))} s`;

/** The summary as the tester reads it. */
export function formatSummary(s: RunSummary, extra: string[]): string {
  const out: string[] = [
    '',
    '── 汇总 Summary ──',
    'injected incidents against alerts (hits / misses / false alerts):',
  ];
  for (const [kind, k] of Object.entries(s.perKind).sort()) {
    if (kind.startsWith('alert:')) continue;
    out.push(
      `  ${kind.padEnd(16)} injected ${String(k.injected).padStart(4)}  hits ${String(k.hits).padStart(4)}  misses ${String(k.misses).padStart(4)}  false ${String(k.falseAlerts).padStart(3)}`,
    );
  }
  const falses = Object.entries(s.perKind).filter(([k]) => k.startsWith('alert:'));
  const repeated = Object.entries(s.perKind)
    .filter(([k, v]) => !k.startsWith('alert:') && v.repeats > 0)
    .sort(([a], [b]) => a.localeCompare(b));
  out.push(
    `falls seen by the hub's model on the watch's acceleration: ${s.watchModel.seen} of ${s.watchModel.falls} (a fall not getting up is also reported by the radar after 40 s)`,
  );
  if (s.watchModel.motions > 0)
    out.push(
      `daily motions the model took for a fall: ${s.watchModel.motionsTaken} of ${s.watchModel.motions}`,
    );
  out.push(
    `alerts raised by kind: ${
      Object.entries(s.alertsByKind)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ') || 'none'
    }`,
  );
  out.push(
    `false alerts (matching no injection): ${falses.map(([k, v]) => `${k.slice(6)} ${v.falseAlerts}`).join(', ') || 'none'}`,
  );
  out.push(
    `raised again while an injected condition lasted, after a responder closed the first: ${
      repeated.map(([k, v]) => `${k} ${v.repeats}`).join(', ') || 'none'
    }`,
  );
  const f = s.falls;
  out.push(
    `falls not got up from: ${f.unrecovered}, alerted ${f.unrecovered - f.missed}, missed ${f.missed}; fall alerts sent for no such fall: ${f.falseAlerts} (${fmt(f.falsePerPersonWeek)} per person-week); watch falls the radar let go (radar_upright, sent to nobody): ${f.letGo}`,
  );
  out.push(`  fall → alert, homes with a radar:    ${line(f.detectRadarS)}`);
  out.push(`  fall → alert, homes without a radar: ${line(f.detectNoRadarS)}`);
  out.push('latency, injection → alert open (simulated seconds):');
  for (const [kind, xs] of Object.entries(s.detectS).sort()) out.push(`  ${kind.padEnd(16)} ${line(xs)}`);
  out.push(`latency, alert open → first offer accepted (simulated seconds): ${line(s.acceptS)}`);
  if (s.misses.length > 0)
    out.push(
      `misses: ${[...s.misses]
        .sort((a, b) => Number(b.kind === 'fall') - Number(a.kind === 'fall'))
        .slice(0, 12)
        .map((m) => `${m.kind} ${m.elder}${m.seen ? ` (${m.seen})` : ''}`)
        .join(', ')}${s.misses.length > 12 ? ' …' : ''}`,
    );
  out.push(...extra);
  return out.join('\n');
}
