/** The fleet benchmark's printed figures, notes and raw details, from its windows and the overload. */
import { openFileLimit } from '../lib/processes.js';
import type { BenchResult, Figure } from '../lib/result.js';
import { round } from '../lib/stats.js';
import { maxLoss } from '../lib/verdict.js';
import type { FleetLadder } from './ladder.js';
import type { Rig } from './rig.js';
import {
  devicesPerHome,
  doorEventsPerHomeHour,
  fleets,
  maxConnectedHomes,
  p99LimitMs,
  radarEverySeconds,
  sharedCore,
  sosPerSecond,
  strictP99Ms,
  sustainSeconds,
  warmUpSeconds,
} from './settings.js';
import { largestStrict, largestSustained, type Window } from './window.js';

export function fleetReport(
  ladder: FleetLadder,
  overload: Window,
  rig: Rig,
  watchBytes: number,
): Omit<BenchResult, 'name'> {
  const { windows, skipped } = ladder;
  const best = largestSustained(windows);
  const strict = largestStrict(windows, fleets);
  return {
    title: 'Full pipeline at growing fleets of homes: SOS to console, CPU and RSS per device, overload at 2×',
    figures: figures(windows, best, strict, overload),
    notes: notes(skipped, watchBytes),
    details: {
      fleets,
      maxConnectedHomes,
      warmUpSeconds,
      sustainSeconds,
      sosPerSecond,
      best: best?.homes ?? 0,
      strictP99Ms,
      bestStrict: strict?.homes ?? 0,
      windows,
      skipped,
      overload,
      connect: rig.connect,
      idleRssMiB: rig.idleRssMiB,
    },
  };
}

function figures(
  windows: Window[],
  best: Window | undefined,
  strict: Window | undefined,
  overload: Window,
): Figure[] {
  const figures: Figure[] = [
    {
      label: `largest fleet sustained (no event lost, SOS → console p99 < ${p99LimitMs} ms, ≤ ${100 * maxLoss} % shed)`,
      value: best?.homes ?? 0,
      unit: best
        ? `homes${best.rateFactor !== 1 ? ` (equivalents: ${best.connectedHomes} connected × ${best.rateFactor})` : ''}`
        : 'homes (none)',
    },
    {
      label: `largest fleet sustained with SOS → console p99 < ${strictP99Ms} ms (it and every smaller fleet)`,
      value: strict?.homes ?? 0,
      unit: strict ? 'homes' : 'homes (none)',
    },
  ];
  for (const w of windows) {
    const name =
      `${w.homes} homes${w.rateFactor !== 1 ? ` (${w.connectedHomes} × ${w.rateFactor})` : ''}` +
      (w.attempt > 1 ? ', 2nd try' : '');
    figures.push(
      {
        label: `${name}: SOS → console p50 / p99`,
        value: w.sos.toConsoleMs.p50,
        unit:
          `/ ${w.sos.toConsoleMs.p99} ms (${w.sos.onConsole}/${w.sos.sent} seen, ${w.sos.stored} stored) ` +
          (w.sustained ? 'sustained' : 'NOT sustained') +
          // Other work on the hub's core makes the hub stall more: the figure is then pessimistic.
          (w.core0OthersBusy >= sharedCore
            ? ` (core 0 shared: ${w.core0OthersBusy} busy with other work)`
            : ''),
      },
      {
        label: `${name}: hub CPU, per device`,
        value: round(100 * w.hubCpu),
        unit: `% of a core, ${w.hubMicrosPerDeviceSecond} µs/s per device`,
      },
      {
        label: `${name}: hub RSS per connected device`,
        value: w.rssPerDeviceKiB,
        unit: `KiB (RSS ${w.hubRssMiB} MiB)`,
      },
      {
        label: `${name}: telemetry shed`,
        value: w.telemetry.shedPercent,
        unit: `% (unread ${w.telemetry.unreadPercent} %), loop lag p99 ${w.eventLoopLagMs.p99} ms`,
      },
    );
  }
  figures.push(
    {
      label: `overload, ${overload.homes} homes${overload.rateFactor !== 1 ? ` (${overload.connectedHomes} × ${overload.rateFactor})` : ''}: SOS sent / stored / on console`,
      value: overload.sos.sent,
      unit: `/ ${overload.sos.stored} / ${overload.sos.onConsole} (p99 → console ${overload.sos.toConsoleMs.p99} ms)`,
    },
    {
      label: 'overload: telemetry shed',
      value: overload.telemetry.shed,
      unit: `msgs (${overload.telemetry.shedPercent} % of received)`,
    },
    { label: 'overload: hub peak RSS', value: overload.hubPeakRssMiB ?? Number.NaN, unit: 'MiB' },
  );
  return figures;
}

function notes(skipped: number[], watchBytes: number): string[] {
  const notes = [
    `Home: a watch (QoS 0 telemetry once a second, ${watchBytes} bytes with 25 Hz accel), a fall radar ` +
      `(every ${radarEverySeconds} s), a door contact (${doorEventsPerHomeHour} openings per hour, QoS 1); 3 MQTT connections, ` +
      'hub-issued secrets (stored as SHA-256); the hub has no InfluxDB.',
    `Each fleet: ${warmUpSeconds} s warm-up, ${sustainSeconds} s measured with ${sosPerSecond} SOS/s (QoS 1) from watches that ` +
      'never sent one; SOS → console: publish (load process) → `alert` on a specialist socket.io client (this process, ' +
      'core 1); stored: device_events rows; lost: not stored or not on the console within 10 s.',
    `At most ${maxConnectedHomes} homes are connected (${maxConnectedHomes * devicesPerHome} connections; the hard open-file ` +
      `limit is ${openFileLimit('self', 'hard')}): larger fleets are home-equivalents, the connected homes sending ` +
      'proportionally more often; RSS per device is per connected device.',
    'A failed fleet is tried once more, then one fleet half-way back is measured; larger fleets are not run.',
  ];
  if (skipped.length) notes.push(`Not run: ${skipped.join(', ')} homes.`);
  return notes;
}
