/**
 * The hub's counters scraped through the overload and the recovery run after it, and what they say:
 * when shedding stopped, whether it came back, and when the backlog was read.
 */
import { type HubProcess, shedTotalMetric, telemetryInMetric } from '../lib/hub-process.js';
import { sleep } from '../lib/processes.js';
import { processesCpuSeconds, round, sum } from '../lib/stats.js';
import { overloadSeconds, recoverySeconds } from './settings.js';

const shedShareMetric = 'yiyang_ingest_shed_share';

export interface Sample {
  t: number;
  received: number;
  shed: number;
  gauge: number;
  /** CPU seconds the hub's processes have used so far, and their main threads (the event loops) alone. */
  cpu: number;
  mainCpu: number;
}

/** Scrapes the hub's counters every `everyMs` until stopped. */
export function scrape(hub: HubProcess, everyMs: number) {
  const samples: Sample[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const values = await hub
        .metrics([telemetryInMetric, shedTotalMetric, shedShareMetric])
        .catch(() => undefined);
      if (values)
        samples.push({
          t: Date.now(),
          received: values[0]!,
          shed: values[1]!,
          gauge: values[2]!,
          // a hub process gone between the listing and the read counts 0
          ...processesCpuSeconds(hub.pids(), true),
        });
      await sleep(everyMs);
    }
  })();
  return {
    samples,
    async stop() {
      running = false;
      await loop;
      return samples;
    },
  };
}

export interface Recovery {
  ratePerWatch: number;
  seconds: number;
  /** From the overload's end to the first scrape interval with no telemetry shed. */
  firstCalmAfterS?: number;
  /**
   * Back to 0 for good: from the overload's end to the end of the last scrape interval with any telemetry
   * shed (0: none after the end). Always a figure: when the run ended shedding, it is the run's length and
   * `stillShedding` says so.
   */
  lastShedAfterS: number;
  stillShedding: boolean;
  /**
   * Seconds after the overload's scheduled end that the load side sent its last message of it (0: on
   * time): a load side that fell behind ran the overload on into the recovery run.
   */
  overloadOverrunS: number;
  /** `lastShedAfterS` counted from that last message instead of the scheduled end. */
  lastShedAfterOverloadSentS: number;
  /** Share of telemetry shed from the first calm interval to the end of the recovery run. */
  relapseShedPercent?: number;
  /** From the overload's end until the backlog of unread telemetry was under one second's worth. */
  caughtUpAfterS?: number;
  /**
   * How busy the hub kept its CPU (1 = one core) over the recovery's intervals that shed with the reads
   * caught up: near its core's whole, it could not carry the rate; well under it, the shedding rule held
   * back what the hub had room for. Absent when no such interval.
   */
  busyWhileShedding?: number;
  /** The same for the hub's main threads alone (the event loop that reads, sheds and handles). */
  mainBusyWhileShedding?: number;
  shedShareGaugeMax: number;
  /** Per scrape interval: telemetry received and shed, the shed share, the gauge, the backlog of unread messages, the hub's CPU. */
  series: {
    s: number;
    from: number;
    received: number;
    shed: number;
    shedPercent: number;
    gauge: number;
    backlog: number;
    hubBusy: number;
    mainBusy: number;
  }[];
}

/**
 * The recovery read from `samples`: the overload offered `offeredRate` msg/s from `t0` to `end`, then the
 * recovery run `sustainedRate` (`recoveryRate` per watch); `first` is the sample nearest `t0`.
 */
export function recovery(
  samples: Sample[],
  run: {
    t0: number;
    end: number;
    overloadSentUntil: number;
    offeredRate: number;
    sustainedRate: number;
    recoveryRate: number;
    first: Sample;
  },
): Recovery {
  const { t0, end, offeredRate, sustainedRate, first } = run;
  const offeredBy = (t: number) =>
    offeredRate * Math.min(overloadSeconds, Math.max(0, (t - t0) / 1000)) +
    sustainedRate * Math.min(recoverySeconds, Math.max(0, (t - end) / 1000));
  const series = samples.slice(1).map((s, i) => {
    const prev = samples[i]!;
    const received = s.received - prev.received;
    const shed = s.shed - prev.shed;
    return {
      /** Seconds from the overload's end to the end of this scrape interval, and to its start. */
      s: round((s.t - end) / 1000, 2),
      from: round((prev.t - end) / 1000, 2),
      received,
      shed,
      shedPercent: round((100 * shed) / Math.max(1, received), 1),
      gauge: s.gauge,
      backlog: Math.round(offeredBy(s.t) - (s.received - first.received)),
      hubBusy: round((s.cpu - prev.cpu) / Math.max(0.001, (s.t - prev.t) / 1000), 2),
      mainBusy: round((s.mainCpu - prev.mainCpu) / Math.max(0.001, (s.t - prev.t) / 1000), 2),
    };
  });
  // The intervals of the recovery run (one that straddles its end included).
  const after = series.filter((p) => p.s > 0 && p.from < recoverySeconds);
  const lastShed = after.filter((p) => p.shed > 0).at(-1);
  const firstCalm = after.find((p) => p.shed === 0);
  // Shed from the first calm interval to the end of the recovery run: relapses.
  const calm = firstCalm ? after.filter((p) => p.s >= firstCalm.s) : [];
  const relapsePercent = firstCalm
    ? round(
        (100 * calm.reduce((n, p) => n + p.shed, 0)) /
          Math.max(
            1,
            calm.reduce((n, p) => n + p.received, 0),
          ),
        2,
      )
    : undefined;
  const caughtUp = after.find((p) => p.backlog < sustainedRate);
  const shedCaughtUp = caughtUp ? after.filter((p) => p.s >= caughtUp.s && p.shed > 0) : [];
  const lastShedAfterS = lastShed ? Math.min(lastShed.s, recoverySeconds) : 0;
  const overloadOverrunS = round(Math.max(0, run.overloadSentUntil - end) / 1000, 2);
  return {
    ratePerWatch: round(run.recoveryRate, 3),
    seconds: recoverySeconds,
    firstCalmAfterS: firstCalm?.s,
    lastShedAfterS,
    stillShedding: lastShed !== undefined && lastShed.s >= recoverySeconds - 1,
    overloadOverrunS,
    lastShedAfterOverloadSentS: round(Math.max(0, lastShedAfterS - overloadOverrunS), 2),
    relapseShedPercent: relapsePercent,
    caughtUpAfterS: caughtUp?.s,
    busyWhileShedding: mean(shedCaughtUp.map((p) => p.hubBusy)),
    mainBusyWhileShedding: mean(shedCaughtUp.map((p) => p.mainBusy)),
    shedShareGaugeMax: Math.max(...samples.map((s) => s.gauge)),
    series,
  };
}

/** Mean to two places; undefined for none. */
function mean(values: number[]): number | undefined {
  return values.length ? round(sum(values) / values.length, 2) : undefined;
}
