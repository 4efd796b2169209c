/** The cluster benchmark's figures: each side's ladder, what it sustained, what it cost, and (b)/(a). */
import { devicesPerHome, p99LimitMs, strictP99Ms } from '../fleet/settings.js';
import { largestStrict, largestSustained, type Window } from '../fleet/window.js';
import type { BenchResult, Figure } from '../lib/result.js';
import { round, sum } from '../lib/stats.js';
import { maxLoss } from '../lib/verdict.js';
import { ladder, sideSeconds, sustainSeconds, warmUpSeconds } from './settings.js';
import type { SideRun } from './side.js';

/** The machine's load average (1 min) when each side started and when the run ended. */
export interface Loads {
  start: number[];
  end: number;
}

/** Hub, Redis and PostgreSQL together: µs of CPU per device per second. */
const serverMicros = (w: Window) =>
  round(((w.hubCpu + sum(Object.values(w.enginesCpu))) * 1e6) / (w.homes * devicesPerHome), 1);

/** Which side's figure is only a lower bound: it sustained the ladder's largest fleet. */
const topped = (best: number[]) => {
  const top = Math.max(...ladder);
  const sides = ['(a)', '(b)'].filter((_, i) => best[i] === top);
  return sides.length ? `; ${sides.join(' and ')} sustained the ladder's top, ${top}: a lower bound` : '';
};

const ratio = (b: number, a: number) => (a > 0 ? round(b / a, 2) : Number.NaN);

export function clusterReport(
  runs: [SideRun, SideRun],
  loads: Loads,
  cores: number,
): Omit<BenchResult, 'name'> {
  const [a, b] = runs;
  const best = runs.map((r) => largestSustained(r.ladder.windows)?.homes ?? 0);
  const strict = runs.map((r) => largestStrict(r.ladder.windows, ladder)?.homes ?? 0);
  const figures: Figure[] = [];
  for (const [i, run] of runs.entries()) {
    figures.push(
      {
        label: `${run.side.title}: homes sustained (no event lost, SOS → console p99 < ${p99LimitMs} ms, ≤ ${100 * maxLoss} % shed)`,
        value: best[i]!,
        unit:
          `homes (p99 < ${strictP99Ms} ms: ${strict[i]}); load average ${loads.start[i]}` +
          (run.ladder.skipped.length
            ? `; not run: ${run.ladder.skipped.join(', ')} (${run.ladder.outOfTime ? 'out of time' : 'a smaller fleet failed'})`
            : ''),
      },
      ...run.ladder.windows.flatMap((w) => windowFigures(run, w)),
    );
  }
  figures.push(
    {
      label: `(b)/(a) homes sustained (p99 < ${p99LimitMs} ms)`,
      value: ratio(best[1]!, best[0]!),
      unit:
        `× (${best[1]} / ${best[0]}${topped(best)}); ` +
        `p99 < ${strictP99Ms} ms: ${strict[1]} / ${strict[0]}`,
    },
    ...priceOfClustering(a, b),
  );
  return {
    title: 'One hub process against two (HUB_PROCESSES=2 on Redis + PostgreSQL), the fleet side by side',
    figures,
    notes: notes(cores, loads),
    details: {
      ladder,
      warmUpSeconds,
      sustainSeconds,
      strictP99Ms,
      loadAverage: loads,
      sides: runs.map((r) => ({
        ...r.side,
        pids: r.pids,
        startSeconds: r.startSeconds,
        idleRssMiB: r.idleRssMiB,
        connect: r.connect,
        best: largestSustained(r.ladder.windows)?.homes ?? 0,
        bestStrict: largestStrict(r.ladder.windows, ladder)?.homes ?? 0,
        skipped: r.ladder.skipped,
        outOfTime: r.ladder.outOfTime ?? false,
        windows: r.ladder.windows,
      })),
    },
  };
}

function windowFigures(run: SideRun, w: Window): Figure[] {
  const name = `${run.side.key === 'one' ? '(a)' : '(b)'} ${w.homes} homes${w.attempt > 1 ? ', 2nd try' : ''}`;
  const engines = Object.entries(w.enginesCpu)
    .map(([engine, cpu]) => `${engine} ${round(100 * cpu)} %`)
    .join(', ');
  return [
    {
      label: `${name}: SOS → console p50 / p99`,
      value: w.sos.toConsoleMs.p50,
      unit:
        `/ ${w.sos.toConsoleMs.p99} ms (${w.sos.onConsole}/${w.sos.sent} seen, ${w.sos.stored} stored; ` +
        `shed ${w.telemetry.shedPercent} %, unread ${w.telemetry.unreadPercent} %) ` +
        (w.sustained ? 'sustained' : `NOT sustained: ${w.failures.join('; ')}`),
    },
    {
      label: `${name}: CPU per device-second, ${w.hubProcesses} hub process${w.hubProcesses > 1 ? 'es' : ''} summed`,
      value: w.hubMicrosPerDeviceSecond,
      unit:
        `µs (hub ${round(100 * w.hubCpu)} % of a core; ${engines}; all servers ${serverMicros(w)} µs; ` +
        `other work on core 0 ${round(100 * w.core0OthersBusy)} %)`,
    },
  ];
}

/** At each fleet both sides measured (first tries): (b)/(a) of CPU per device-second, hub alone and all servers. */
function priceOfClustering(a: SideRun, b: SideRun): Figure[] {
  const first = (run: SideRun, homes: number) => run.ladder.windows.find((w) => w.homes === homes);
  return ladder.flatMap((homes) => {
    const [wa, wb] = [first(a, homes), first(b, homes)];
    if (!wa || !wb) return [];
    return [
      {
        label: `(b)/(a) CPU per device-second at ${homes} homes (hub processes; with Redis and PostgreSQL)`,
        value: ratio(wb.hubMicrosPerDeviceSecond, wa.hubMicrosPerDeviceSecond),
        unit: `× ; ${ratio(serverMicros(wb), serverMicros(wa))} ×`,
      },
    ];
  });
}

function notes(cores: number, loads: Loads): string[] {
  return [
    `What ${cores} cores can and cannot show: every server (the hub's processes, Redis, PostgreSQL) is pinned to ` +
      'core 0 and the load (2 load processes, the console client, this process) to core 1, as in the fleet ' +
      'bench; so HUB_PROCESSES=2 gets one core between its two processes, the same core (a) has alone. The ' +
      'comparison shows the price of clustering per message (the Redis hops, the broker and socket.io ' +
      'adapters, carrying readings to the partition owner), not a speed-up: that needs a core per process ' +
      'and load generators on other cores (a bigger machine).',
    `Both sides store in PostgreSQL (one server of the bench's own, fsync off as in the tests; a database ` +
      'each, seeded with the same homes): (a) is the fair single-process baseline on the same store.',
    `Each fleet: ${warmUpSeconds} s warm-up, ${sustainSeconds} s measured (ladder ${ladder.join(', ')} homes; ` +
      `no fleet begun after ${sideSeconds} s of a side), the fleet bench's homes, SOS and ` +
      `verdict (no event lost, SOS → console p99 < ${p99LimitMs} ms, ≤ ${100 * maxLoss} % telemetry shed or ` +
      `unread, load side on schedule); p99 < ${strictP99Ms} ms reported beside it. A failed fleet is tried ` +
      'once more; the ladder stops at the first fleet not sustained.',
    'The console client connects WebSocket first (console/app/socket-options.ts liveTransports) and stays ' +
      'on the worker that took it; SOS raised on the other worker reach it through the Redis adapter.',
    'CPU: the hub processes summed (with HUB_PROCESSES: the primary and its workers); PostgreSQL: the ' +
      'postmaster and its backends (ended ones too); Redis: its server process.',
    `(a) ran first, then (b). Load average (1 min) at the start of each: ${loads.start.join(', ')}; ` +
      `at the end: ${loads.end}.`,
  ];
}
