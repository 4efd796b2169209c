/** A measured window of the fleet run: what it offered, what reached the store and the console, what it cost. */
import { strictP99Ms } from './settings.js';

export interface Window {
  /** Homes (equivalents), connected homes sending, and how often each sends relative to a real home. */
  homes: number;
  connectedHomes: number;
  rateFactor: number;
  /** 2: the fleet measured again after failing once. */
  attempt: number;
  seconds: number;
  /** Telemetry messages a second offered (watches + radars). */
  offeredPerSecond: number;
  telemetry: {
    sent: number;
    skipped: number;
    received: number;
    shed: number;
    shedPercent: number;
    unreadPercent: number;
    lossPercent: number;
  };
  sos: {
    sent: number;
    acked: number;
    stored: number;
    alerts: number;
    onConsole: number;
    lost: number;
    toConsoleMs: { p50: number; p99: number; max: number };
    pubackMs: { p50: number; p99: number };
  };
  doorEvents: { sent: number; acked: number; stored: number };
  /** Hub processes measured (with HUB_PROCESSES: the primary and its workers); their CPU and RSS are summed. */
  hubProcesses: number;
  hubCpu: number;
  /** CPU (share of a core) of the engines the hub uses (e.g. Redis, PostgreSQL) over the measured seconds. */
  enginesCpu: Record<string, number>;
  /** CPU time of the hub per home (equivalent) and per device, per second of the measured window. */
  hubMicrosPerHomeSecond: number;
  hubMicrosPerDeviceSecond: number;
  core0OthersBusy: number;
  core0Steal: number;
  loadCpu: number;
  hubRssMiB: number;
  /** (RSS − idle RSS) / connected devices. */
  rssPerDeviceKiB: number;
  hubPeakRssMiB?: number;
  eventLoopLagMs: { p99: number; max: number };
  /**
   * The hub's stalls: `/healthz` (asked every 100 ms) answering in ≥ 100 ms, and SOS reaching the console in
   * ≥ 100 ms; each with the second of the minute (wall clock) when it was asked or published, which tells
   * once-a-minute work from work every few seconds.
   */
  stalls: { healthz: Array<{ s: number; ms: number }>; sos: Array<{ s: number; ms: number }> };
  lateP99Ms: number;
  loadBound: boolean;
  sustained: boolean;
  /** Why not, in words. */
  failures: string[];
}

/**
 * The ladder read with the stricter target: its largest fleet such that it and every smaller one had an
 * attempt sustained with SOS → console p99 under `strictP99Ms`.
 */
export function largestStrict(windows: Window[], ladder: number[]): Window | undefined {
  let best: Window | undefined;
  for (const homes of [...ladder].sort((a, b) => a - b)) {
    const pass = windows.find((w) => w.homes === homes && w.sustained && w.sos.toConsoleMs.p99 < strictP99Ms);
    if (!pass) break;
    best = pass;
  }
  return best;
}

/** The sustained window of the most homes, if any. */
export function largestSustained(windows: Window[]): Window | undefined {
  return windows
    .filter((w) => w.sustained)
    .sort((a, b) => a.homes - b.homes)
    .at(-1);
}

const stallText = (stalls: Array<{ s: number; ms: number }>) =>
  stalls.length ? stalls.map((x) => `${x.ms}@${x.s}`).join(' ') : '–';

export function describe(w: Window): string {
  const equivalent = w.rateFactor !== 1 ? ` (${w.connectedHomes} connected × ${w.rateFactor})` : '';
  return (
    `${w.homes} homes${equivalent}: SOS ${w.sos.sent} sent, ${w.sos.acked} acked, ${w.sos.stored} stored, ` +
    `${w.sos.onConsole} on console, → console p50 ${w.sos.toConsoleMs.p50} p99 ${w.sos.toConsoleMs.p99} max ${w.sos.toConsoleMs.max} ms; ` +
    `doors ${w.doorEvents.stored}/${w.doorEvents.sent}; telemetry ${w.telemetry.shedPercent} % shed, ${w.telemetry.unreadPercent} % unread; ` +
    `hub cpu ${w.hubCpu} (${w.hubMicrosPerDeviceSecond} µs/device/s), core 0 others ${w.core0OthersBusy} steal ${w.core0Steal}, ` +
    `loop lag p99 ${w.eventLoopLagMs.p99} max ${w.eventLoopLagMs.max} ms, ` +
    `stalls (ms@s of minute) healthz ${stallText(w.stalls.healthz)} sos ${stallText(w.stalls.sos)}, RSS ${w.hubRssMiB} MiB ` +
    `(${w.rssPerDeviceKiB} KiB/device), load cpu ${w.loadCpu}, late p99 ${w.lateP99Ms} ms → ` +
    (w.sustained ? 'sustained' : `NOT sustained: ${w.failures.join('; ')}`)
  );
}
