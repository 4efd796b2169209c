/**
 * The hub at twice its sustainable rate with SOS events from every `sosEvery`-th watch, then back at the
 * sustainable rate: events PUBACKed, telemetry shed, peak RSS, and how soon the hub recovers.
 */
import { type HubProcess, queryHubStore } from '../lib/hub-process.js';
import type { LoadProcess, StreamReply } from '../lib/load.js';
import { log, sleep, sleepUntil } from '../lib/processes.js';
import { coreMeter, cpuMeter, memoryMiB, percentile, resetPeak, round, rssPeak } from '../lib/stats.js';
import { type Recovery, recovery, scrape } from './recovery.js';
import { eventWatches, type Rig, streamAll } from './rig.js';
import { overloadSeconds, recoverySeconds, secret } from './settings.js';

export interface Overload {
  sustainedRate: number;
  offeredRate: number;
  fleet: number;
  ratePerWatch: number;
  seconds: number;
  telemetrySent: number;
  /** Counted by the hub between the overload's start and its end (+ the backlog read later). */
  telemetryReceivedDuring: number;
  telemetryShedDuring: number;
  shedSharePercentDuring: number;
  /** Everything shed from the overload's start until the recovery run ended. */
  telemetryShedTotal: number;
  /** Cores the hub kept busy during the overload, and its CPU per message it handled (validated and passed on). */
  hubCpu: number;
  hubMicrosPerHandled: number;
  /** The hub's core during the overload: busy with anything but the hub (other work on this shared machine). */
  core0OthersBusy: number;
  events: {
    devices: number;
    sent: number;
    acked: number;
    stored?: number;
    ackP50Ms: number;
    ackP99Ms: number;
    ackMaxMs: number;
    /** Every publish → PUBACK time, slowest first (what the percentiles come from). */
    ackMs: number[];
    errors: string[];
    /** Each event's publish and PUBACK (wall-clock ms), for `sosSplit` once the hub's store can be read. */
    published: Array<[eventId: string, at: number]>;
    ackedAt: Array<[eventId: string, at: number]>;
    split?: SosSplit;
  };
  hubRssBeforeMiB: number;
  hubPeakRssMiB: number;
  hubPeakFromVmHWM: boolean;
  recovery: Recovery;
  loadLateMaxMs: number;
}

/**
 * The SOS watches stream and press SOS from `sosLoad`, a load process of their own (the hub hands each of
 * their ids over to this newer connection): a load process busy writing the whole fleet's telemetry reads
 * its PUBACKs late, and that lateness would be counted as the hub's.
 */
export async function overload(
  rig: Rig,
  hub: HubProcess,
  sustainedRate: number,
  sosLoad: LoadProcess,
): Promise<Overload> {
  const fleet = rig.connected;
  const offeredRate = 2 * sustainedRate;
  const ratePerWatch = offeredRate / fleet;
  const recoveryRate = sustainedRate / fleet;
  const sosIds = eventWatches(rig, fleet);
  log(
    `overload: ${fleet} watches × ${round(ratePerWatch, 3)}/s = ${offeredRate} msg/s for ${overloadSeconds} s, ` +
      `SOS from ${sosIds.length}; then ${sustainedRate} msg/s for ${recoverySeconds} s`,
  );
  await sosLoad.connect({
    url: hub.mqttUrl,
    clients: sosIds.map((id) => ({ id, secret })),
    connectTimeoutMs: 60_000,
  });
  const sosStream = (rate: number, startAt: number, seconds: number, events: boolean): Promise<StreamReply> =>
    sosLoad.stream({
      clients: sosIds.length,
      ratePerClient: rate,
      startAt,
      seconds,
      telemetryRest: rig.payloadRest,
      events: events
        ? { clientIds: sosIds, idPrefix: 'sos-overload', perClient: 1, ackTimeoutMs: 60_000 }
        : undefined,
    });
  const rssBefore = memoryMiB(hub.pid).rss;
  const hwm = resetPeak(hub.pid);
  const peak = rssPeak(hub.pid, 200);
  const scraper = scrape(hub, 500);
  await sleep(300);
  const t0 = Date.now() + 300;
  const end = t0 + overloadSeconds * 1000;
  const cpuDuring = (async () => {
    await sleepUntil(t0);
    const [meter, core0] = [cpuMeter(hub.pid), coreMeter(0)];
    await sleepUntil(end);
    const hubCpu = meter();
    return { hubCpu, others: round(Math.max(0, core0().busy - hubCpu), 2) };
  })();
  const [fleetOverloaded, fleetRecovered, sosOverloaded, sosRecovered] = await Promise.all([
    streamAll(rig, fleet, ratePerWatch, t0, overloadSeconds),
    streamAll(rig, fleet, recoveryRate, end, recoverySeconds),
    sosStream(ratePerWatch, t0, overloadSeconds, true),
    sosStream(recoveryRate, end, recoverySeconds, false),
  ]);
  await sosLoad.end();
  const [overloaded, recovered] = [
    [...fleetOverloaded, sosOverloaded],
    [...fleetRecovered, sosRecovered],
  ];
  await sleep(1_000);
  const samples = await scraper.stop();
  const peakSampled = peak();
  const peakHwm = hwm ? memoryMiB(hub.pid).peak : 0;

  const at = (t: number) =>
    samples.reduce((best, s) => (Math.abs(s.t - t) < Math.abs(best.t - t) ? s : best));
  const [first, atEnd, last] = [at(t0), at(end), samples.at(-1)!];
  const acks = overloaded.flatMap((r) => r.events.ackMs);
  const receivedDuring = atEnd.received - first.received;
  const shedDuring = atEnd.shed - first.shed;
  const { hubCpu, others } = await cpuDuring;
  return {
    sustainedRate,
    offeredRate,
    fleet,
    ratePerWatch: round(ratePerWatch, 3),
    seconds: overloadSeconds,
    telemetrySent: overloaded.reduce((n, r) => n + r.sent, 0),
    telemetryReceivedDuring: receivedDuring,
    telemetryShedDuring: shedDuring,
    shedSharePercentDuring: round((100 * shedDuring) / Math.max(1, receivedDuring), 1),
    telemetryShedTotal: last.shed - first.shed,
    hubCpu,
    hubMicrosPerHandled: round(
      (hubCpu * overloadSeconds * 1e6) / Math.max(1, receivedDuring - shedDuring),
      1,
    ),
    core0OthersBusy: others,
    events: {
      devices: sosIds.length,
      sent: overloaded.reduce((n, r) => n + r.events.sent, 0),
      acked: overloaded.reduce((n, r) => n + r.events.acked, 0),
      ackP50Ms: percentile(acks, 50),
      ackP99Ms: percentile(acks, 99),
      ackMaxMs: percentile(acks, 100),
      ackMs: [...acks].sort((a, b) => b - a),
      errors: overloaded.flatMap((r) => r.events.errors).slice(0, 5),
      published: overloaded.flatMap((r) => r.events.published),
      ackedAt: overloaded.flatMap((r) => r.events.ackedAt),
    },
    hubRssBeforeMiB: rssBefore,
    hubPeakRssMiB: Math.max(peakSampled, peakHwm),
    hubPeakFromVmHWM: hwm,
    recovery: recovery(samples, {
      t0,
      end,
      // the load side's last message of the overload: later than `end` when it fell behind
      overloadSentUntil: Math.max(end, ...overloaded.map((r) => r.finishedAt)),
      offeredRate,
      sustainedRate,
      recoveryRate,
      first,
    }),
    loadLateMaxMs: Math.max(...[...overloaded, ...recovered].map((r) => r.lateMaxMs)),
  };
}

/**
 * Where an SOS's time went: publish → read and validated by the hub (`received_at`, stamped as it is
 * validated: the wait behind the load in the socket and the loop), and from there → PUBACK back at the
 * device (stored, acknowledged, read by the load process). Percentiles over the events stored and acked.
 */
export interface SosSplit {
  /** SOS events of the overload stored in the hub's SQLite file, and of those, acked too. */
  stored: number;
  events: number;
  toHubP50Ms: number;
  toHubP99Ms: number;
  toHubMaxMs: number;
  hubToAckP50Ms: number;
  hubToAckP99Ms: number;
  hubToAckMaxMs: number;
}

export function sosSplit(dataDir: string, events: Overload['events']): SosSplit {
  const sql =
    "select event_id as id, received_at as at from device_events where type = 'sos' and event_id like 'sos-overload-%'";
  const received = new Map(queryHubStore<{ id: string; at: number }>(dataDir, sql).map((r) => [r.id, r.at]));
  const acked = new Map(events.ackedAt);
  const toHub: number[] = [];
  const hubToAck: number[] = [];
  for (const [id, sentAt] of events.published) {
    const [at, ackAt] = [received.get(id), acked.get(id)];
    if (at === undefined || ackAt === undefined) continue;
    toHub.push(at - sentAt);
    hubToAck.push(ackAt - at);
  }
  return {
    stored: received.size,
    events: toHub.length,
    toHubP50Ms: percentile(toHub, 50),
    toHubP99Ms: percentile(toHub, 99),
    toHubMaxMs: percentile(toHub, 100),
    hubToAckP50Ms: percentile(hubToAck, 50),
    hubToAckP99Ms: percentile(hubToAck, 99),
    hubToAckMaxMs: percentile(hubToAck, 100),
  };
}
