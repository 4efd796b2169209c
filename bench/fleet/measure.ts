/** One measured window of the fleet run, and its verdict. */
import { sampleHealth, shedTotalMetric, telemetryInMetric } from '../lib/hub-process.js';
import { streamTotal } from '../lib/load.js';
import { sleep, sleepUntil } from '../lib/processes.js';
import {
  coreMeter,
  cpuMeter,
  now,
  percentile,
  resetPeak,
  round,
  rssMiB,
  rssPeak,
  sum,
  treeCpuMeter,
} from '../lib/stats.js';
import { graceMs, loadLateMs, maxLoss, telemetryLoss } from '../lib/verdict.js';
import { consoleDelays, sosAlerts, storedEvents } from './delivery.js';
import type { Rig } from './rig.js';
import { consoleTimeoutMs, devicesPerHome, p99LimitMs, radarEverySeconds } from './settings.js';
import { startStreams } from './streams.js';
import type { Window } from './window.js';

const lagP99 = 'nodejs_eventloop_lag_p99_seconds';
const lagMax = 'nodejs_eventloop_lag_max_seconds';

/**
 * One measured window: `warmUp` seconds of telemetry, then `seconds` of telemetry with SOS and door events.
 * Counters (`/metrics`, scraped twice: each scrape costs the hub ~2 ms per 1,000 connections) are read at the
 * start of the measured seconds and `graceMs` after the last send; the event-loop delay percentiles are those
 * of the measured seconds (prom-client resets its histogram at each scrape).
 */
export async function measure(
  rig: Rig,
  homes: number,
  options: { warmUp: number; seconds: number; label: string; attempt?: number; peak?: boolean },
): Promise<Window> {
  const { hub, loads } = rig;
  const connectedHomes = Math.min(homes, rig.connected);
  const factor = homes / connectedHomes;
  const streams = startStreams(rig, homes, connectedHomes, options);
  const start = await hub.metrics([telemetryInMetric, shedTotalMetric]);
  await sleepUntil(streams.t1);
  const engineMeters = rig.engines.map((engine) => [engine.name, treeCpuMeter(engine.pid)] as const);
  const [hubMeter, loadMeter, core0Meter] = [
    cpuMeter(...hub.pids()),
    cpuMeter(process.pid, ...loads.map((l) => l.pid)),
    coreMeter(0),
  ];
  if (options.peak) resetPeak(hub.pid);
  const peak = options.peak ? rssPeak(hub.pid, 200) : undefined;
  const boundary = await hub.metrics([telemetryInMetric, shedTotalMetric, lagP99]);
  const health = sampleHealth(hub, 100);
  const streamed = await Promise.all(streams.telemetry);
  const healthz = await health.stop();
  const [hubCpu, loadCpu, core0] = [hubMeter(), loadMeter(), core0Meter()];
  const enginesCpu = Object.fromEntries(engineMeters.map(([name, meter]) => [name, meter()]));
  const hubRssMiB = rssMiB(hub.pids());
  const hubPeakRssMiB = peak?.();
  const lastSend = Math.max(...streamed.map((r) => r.finishedAt));
  await sleep(Math.max(0, lastSend + graceMs - now()));
  const [received, shed, p99, max] = await hub.metrics([telemetryInMetric, shedTotalMetric, lagP99, lagMax]);
  const [sosReplies, doorReplies] = [await Promise.all(streams.sos), await Promise.all(streams.doors)];
  const published = sosReplies.flatMap((r) => r.events.published);
  await rig.console.waitFor(
    published.map(([id]) => id),
    consoleTimeoutMs,
  );

  const storedSos = await storedEvents(rig, `sos-${options.label}`);
  const alerts = await sosAlerts(rig, `sos-${options.label}`);
  const storedDoors = await storedEvents(rig, `door-${options.label}`);
  const delays = consoleDelays(rig, published);
  const toConsole = delays.map((d) => d.ms);
  const secondOfMinute = ({ at, ms }: { at: number; ms: number }) => ({
    s: round((at % 60_000) / 1000, 1),
    ms: Math.round(ms),
  });
  const lost = published.filter(([id]) => !storedSos.has(id) || !rig.console.seen.has(id)).length;
  const sent = streamTotal(streamed, 'sent');
  const skipped = streamTotal(streamed, 'skipped');
  const measuredReceived = received! - boundary[0]!;
  const measuredShed = shed! - boundary[1]!;
  const { shedPercent, unreadPercent, lossPercent } = telemetryLoss({
    sent,
    skipped,
    readSinceStart: received! - start[0]!,
    measuredReceived,
    measuredShed,
  });
  const acks = sosReplies.flatMap((r) => r.events.ackMs);
  const lateP99Ms = Math.max(...streamed.map((r) => r.lateP99Ms));
  const p = (xs: number[], q: number) => round(percentile(xs, q), 1);
  const window: Window = {
    homes,
    connectedHomes,
    rateFactor: round(factor, 3),
    attempt: options.attempt ?? 1,
    seconds: options.seconds,
    offeredPerSecond: Math.round(homes * (1 + 1 / radarEverySeconds)),
    telemetry: {
      sent,
      skipped,
      received: measuredReceived,
      shed: measuredShed,
      shedPercent,
      unreadPercent,
      lossPercent,
    },
    sos: {
      sent: published.length,
      acked: sosReplies.reduce((n, r) => n + r.events.acked, 0),
      stored: storedSos.size,
      alerts,
      onConsole: toConsole.length,
      lost,
      toConsoleMs: { p50: p(toConsole, 50), p99: p(toConsole, 99), max: p(toConsole, 100) },
      pubackMs: { p50: p(acks, 50), p99: p(acks, 99) },
    },
    doorEvents: {
      sent: doorReplies.reduce((n, r) => n + r.events.sent, 0),
      acked: doorReplies.reduce((n, r) => n + r.events.acked, 0),
      stored: storedDoors.size,
    },
    hubProcesses: hub.pids().length,
    hubCpu,
    enginesCpu,
    hubMicrosPerHomeSecond: round((hubCpu * 1e6) / homes, 1),
    hubMicrosPerDeviceSecond: round((hubCpu * 1e6) / (homes * devicesPerHome), 1),
    core0OthersBusy: round(Math.max(0, core0.busy - hubCpu - sum(Object.values(enginesCpu))), 2),
    core0Steal: core0.steal,
    loadCpu,
    hubRssMiB,
    rssPerDeviceKiB: round(((hubRssMiB - rig.idleRssMiB) * 1024) / (rig.connected * devicesPerHome), 1),
    hubPeakRssMiB,
    eventLoopLagMs: { p99: round(p99! * 1000, 1), max: round(max! * 1000, 1) },
    stalls: {
      healthz: healthz.slow.map(secondOfMinute),
      sos: delays.filter((d) => d.ms >= 100).map(secondOfMinute),
    },
    lateP99Ms,
    loadBound: lateP99Ms > loadLateMs,
    sustained: false,
    failures: [],
  };
  window.failures.push(...failures(window));
  window.sustained = window.failures.length === 0;
  return window;
}

/** Why a window is not sustained (none: it is). */
function failures(w: Window): string[] {
  const failures: string[] = [];
  if (w.sos.lost > 0) failures.push(`${w.sos.lost} of ${w.sos.sent} SOS not stored or not on the console`);
  if (w.doorEvents.stored < w.doorEvents.sent)
    failures.push(`${w.doorEvents.sent - w.doorEvents.stored} door events not stored`);
  if (!(w.sos.toConsoleMs.p99 < p99LimitMs))
    failures.push(`SOS → console p99 ${w.sos.toConsoleMs.p99} ms ≥ ${p99LimitMs} ms`);
  if (w.telemetry.lossPercent > 100 * maxLoss)
    failures.push(`${w.telemetry.lossPercent} % of telemetry shed or unread`);
  if (w.loadBound) failures.push(`load-bound (send loop p99 ${w.lateP99Ms} ms late)`);
  return failures;
}
