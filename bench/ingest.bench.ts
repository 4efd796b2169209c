/**
 * Ingest of watch telemetry (1 message/s carrying 25 Hz acceleration, ~1.2 KB of JSON), in one run:
 *
 * 1. the largest fleet each of (a) the hub — authenticates, validates, fills hot windows, feeds the
 *    inference pool, rolls up (no InfluxDB configured) — and (b) mosquitto relaying the same messages to
 *    a subscriber sustains with ≤ 1 % lost or shed, open loop (paced as devices send, not a flood);
 * 2. the hub's RSS per device at 10,000 devices, connected but silent and then streaming;
 * 3. the hub at twice its sustainable rate with SOS events (QoS 1) from every 100th device: events
 *    sent, PUBACKed and stored, telemetry shed, peak RSS, and recovery at the sustainable rate.
 *
 * Brokers on core 0; two load processes (mqtt.js connections; telemetry written as ready-made QoS 0
 * PUBLISH packets) and mosquitto's counting subscriber on core 1.
 */

import { hashIssuedSecret } from '../store/secret-hash.js';
import { type HubProcess, queryHubStore, startHubProcess, tempDataDir } from './lib/hub-process.js';
import { deal, LoadProcess, type StreamReply } from './lib/load.js';
import { type RelayCounter, startMosquitto, startRelayCounter } from './lib/mosquitto.js';
import { log, openFileLimit, pinSelf, sleep } from './lib/processes.js';
import { type Figure, runBench } from './lib/result.js';
import { seedWatches } from './lib/seed.js';
import { coreMeter, cpuMeter, memoryMiB, percentile, resetPeak, round, rssPeak } from './lib/stats.js';
import { messageBytes, watchTelemetryRest } from './lib/telemetry.js';
import { envNumber, graceMs, loadLateMs, maxLoss } from './lib/verdict.js';

const loadCount = 2;
/**
 * Connected watches at most; past it the ladder raises each watch's rate instead of connecting more.
 * (A process may have 20,000 open files here and cannot raise its hard limit: the hub's sockets, files
 * and inference workers must fit.)
 */
const maxFleet = Math.min(envNumber('BENCH_INGEST_MAX_FLEET', 15_000), openFileLimit('self', 'hard') - 2_000);
const fleetSteps = [2_000, 5_000, 10_000, 15_000].filter((n) => n < maxFleet).concat(maxFleet);
/** Messages a second per watch on `maxFleet` connections, after the fleet steps. */
const rateSteps = [1.5, 2, 3, 4, 6, 8];
const stepSeconds = envNumber('BENCH_INGEST_STEP_S', 10);
/** Seconds streamed before a step is measured; longer for the hub when the step has devices that never sent. */
const warmUpSeconds = 2;
const hubFreshWarmUpSeconds = 5;
/** The hub's shedder takes 10 % more every calm 250 ms: from its floor (5 % kept) to everything in under 3 s. */
const hubSettleMs = 6_000;
const rssDevices = Math.min(maxFleet, 10_000);
const rssStreamSeconds = envNumber('BENCH_INGEST_RSS_S', 20);
const overloadSeconds = envNumber('BENCH_INGEST_OVERLOAD_S', 15);
const recoverySeconds = envNumber('BENCH_INGEST_RECOVERY_S', 20);
/** The load side is also the bottleneck when its core is this busy. */
const loadBusy = 0.95;
const sosEvery = 100;
const secret = 'bench-ingest-secret';
const telemetryIn = 'yiyang_mqtt_messages_in_total{kind="telemetry"}';
const shedTotal = 'yiyang_ingest_shed_total';
const shedShare = 'yiyang_ingest_shed_share';
const heapUsed = 'yiyang_nodejs_heap_size_used_bytes';

interface Counts {
  /** Telemetry the broker read (hub: counted before its shedder), shed unparsed (hub), and handled. */
  received: number;
  shed: number;
  handled: number;
}

interface Broker {
  name: 'hub' | 'mosquitto';
  url: string;
  anonymous: boolean;
  pid: number;
  /** Other processes on the load core whose CPU counts as load (mosquitto's counting subscriber). */
  loadSidePids: number[];
  counts(): Promise<Counts>;
}

function hubBroker(hub: HubProcess): Broker {
  return {
    name: 'hub',
    url: hub.mqttUrl,
    anonymous: false,
    pid: hub.pid,
    loadSidePids: [],
    async counts() {
      const [received, shed] = await hub.metrics([telemetryIn, shedTotal]);
      return { received: received!, shed: shed!, handled: received! - shed! };
    },
  };
}

function mosquittoBroker(pid: number, url: string, counter: RelayCounter): Broker {
  return {
    name: 'mosquitto',
    url,
    anonymous: true,
    pid,
    loadSidePids: [counter.pid],
    async counts() {
      const delivered = counter.count;
      return { received: delivered, shed: 0, handled: delivered };
    },
  };
}

interface Step {
  broker: Broker['name'];
  /** Watches sending, and messages a second each. */
  fleet: number;
  ratePerWatch: number;
  /** Offered msg/s (fleet × rate): the fleet of 1-msg/s watches this equals. */
  offered: number;
  /** Not counted (devices' first readings, the shedder settling), then measured. */
  warmUpSeconds: number;
  seconds: number;
  /** Sent during warm-up and measurement. */
  sent: number;
  /** Not sent: the client's connection had closed. */
  skipped: number;
  /** Handled during the measured seconds (hub: validated and passed on = received − shed; mosquitto: delivered). */
  handled: number;
  handledPerSecond: number;
  /** Hub: shed during the measured seconds, and its share of what the hub received then. */
  shed: number;
  shedPercent: number;
  /** Of everything sent in the step: not yet read (hub) or delivered (mosquitto) `graceMs` after the last send. */
  unreadPercent: number;
  /** shed + unread + skipped: what the step is judged by. */
  lossPercent: number;
  /** After the last send: until everything sent had been read, or undefined if not within 15 s. */
  drainedMs?: number;
  /** Cores busy during the measured seconds: the broker, and the load side (load processes, counting subscriber). */
  brokerCpu: number;
  loadCpu: number;
  /** mosquitto: of `loadCpu`, its counting subscriber's share. */
  subscriberCpu?: number;
  /** The broker's CPU time per message handled in the measured seconds. */
  brokerMicrosPerMessage: number;
  /**
   * The broker's core during the measured seconds: busy with anything but the broker (other work on this
   * shared machine), and taken by the hypervisor (steal). The hub's shedder counts its thread waiting for
   * the core as busy, so these make it shed at a lower rate.
   */
  core0OthersBusy: number;
  core0Steal: number;
  lateP99Ms: number;
  lateMaxMs: number;
  loadBound: boolean;
  sustained: boolean;
  loadRssMiB: number[];
}

interface Rig {
  loads: LoadProcess[];
  ids: string[];
  payloadRest: string;
  /** Clients connected (to the current broker) so far: the first `connected` of `ids`. */
  connected: number;
  /** Of those, how many have sent telemetry already (their first readings cost the hub more). */
  streamed: number;
  connectFailures: number;
  connectErrors: string[];
}

/** Connects the next devices up to `fleet`, split evenly: load process k holds ids k, k+2, k+4… */
async function grow(rig: Rig, broker: Broker, fleet: number): Promise<boolean> {
  if (fleet <= rig.connected) return false;
  const fresh = rig.ids.slice(rig.connected, fleet);
  const t0 = Date.now();
  const replies = await Promise.all(
    deal(fresh, rig.loads.length).map((hand, k) =>
      rig.loads[k]!.connect({
        url: broker.url,
        clients: hand.map((id) => (broker.anonymous ? { id } : { id, secret })),
        connectTimeoutMs: 60_000,
      }),
    ),
  );
  const failed = replies.reduce((n, r) => n + r.failed, 0);
  const errors = replies.flatMap((r) => r.errors);
  rig.connectFailures += failed;
  rig.connectErrors.push(...errors.slice(0, Math.max(0, 5 - rig.connectErrors.length)));
  rig.connected = fleet;
  log(
    `${broker.name}: ${fleet} connected (+${fresh.length} in ${Date.now() - t0} ms, ${failed} failed${failed ? `: ${errors[0]}` : ''})`,
  );
  return true;
}

function streamAll(
  rig: Rig,
  fleet: number,
  ratePerWatch: number,
  startAt: number,
  seconds: number,
  events?: { clientIds: string[]; idPrefix: string },
): Promise<StreamReply[]> {
  rig.streamed = Math.max(rig.streamed, fleet);
  return Promise.all(
    rig.loads.map((load) =>
      load.stream({
        clients: Math.ceil(fleet / rig.loads.length),
        ratePerClient: ratePerWatch,
        startAt,
        seconds,
        telemetryRest: rig.payloadRest,
        events: events && { ...events, perClient: 1, ackTimeoutMs: 60_000 },
      }),
    ),
  );
}

const sum = (replies: StreamReply[], key: 'sent' | 'skipped') => replies.reduce((n, r) => n + r[key], 0);

async function sleepUntil(t: number): Promise<void> {
  await sleep(Math.max(0, t - Date.now()));
}

/**
 * One step: `warmUp` seconds not counted, then `seconds` measured, back to back in the same open-loop
 * stream. Counts are read when the measurement starts, `graceMs` after the last send, and until
 * everything sent has been read (every 250 ms: a scrape of the hub's /metrics costs it ~1.7 ms per
 * 1,000 connections, so it is not scraped more often than that).
 */
async function step(
  rig: Rig,
  broker: Broker,
  fleet: number,
  ratePerWatch: number,
  seconds: number,
  warmUpSeconds: number,
): Promise<Step> {
  const start = await broker.counts();
  const t0 = Date.now() + 200;
  const t1 = t0 + warmUpSeconds * 1000;
  const warm =
    warmUpSeconds > 0 ? streamAll(rig, fleet, ratePerWatch, t0, warmUpSeconds) : Promise.resolve([]);
  const measured = streamAll(rig, fleet, ratePerWatch, t1, seconds);
  await sleepUntil(t1);
  const [brokerMeter, loadMeter, sideMeter, core0Meter] = [
    cpuMeter(broker.pid),
    cpuMeter(...rig.loads.map((l) => l.pid), ...broker.loadSidePids),
    cpuMeter(...broker.loadSidePids),
    coreMeter(0),
  ];
  const boundary = await broker.counts();
  const [warmReplies, replies] = await Promise.all([warm, measured]);
  const [brokerCpu, loadCpu, subscriberCpu, core0] = [brokerMeter(), loadMeter(), sideMeter(), core0Meter()];
  const lastSend = Math.max(...replies.map((r) => r.finishedAt));
  const sent = sum(warmReplies, 'sent') + sum(replies, 'sent');
  const skipped = sum(warmReplies, 'skipped') + sum(replies, 'skipped');
  let within: Counts | undefined;
  let drainedMs: number | undefined;
  for (;;) {
    const c = await broker.counts();
    const now = Date.now();
    if (drainedMs === undefined && c.received - start.received >= sent)
      drainedMs = Math.round(now - lastSend);
    if (!within && now >= lastSend + graceMs) within = c;
    if (within && (drainedMs !== undefined || now - lastSend > 15_000)) break;
    await sleep(250);
  }
  const handled = within.handled - boundary.handled;
  const shed = within.shed - boundary.shed;
  const shedPercent = round((100 * shed) / Math.max(1, within.received - boundary.received), 2);
  const unreadPercent = round(
    (100 * Math.max(0, sent - (within.received - start.received))) / Math.max(1, sent),
    2,
  );
  const lossPercent = round(shedPercent + unreadPercent + (100 * skipped) / Math.max(1, sent + skipped), 2);
  const lateP99Ms = Math.max(...replies.map((r) => r.lateP99Ms));
  const loadBound = lateP99Ms > loadLateMs || loadCpu >= loadBusy;
  return {
    broker: broker.name,
    fleet,
    ratePerWatch,
    offered: Math.round(fleet * ratePerWatch),
    warmUpSeconds,
    seconds,
    sent,
    skipped,
    handled,
    handledPerSecond: Math.round(handled / seconds),
    shed,
    shedPercent,
    unreadPercent,
    lossPercent,
    drainedMs,
    brokerCpu,
    loadCpu,
    subscriberCpu: broker.loadSidePids.length ? subscriberCpu : undefined,
    brokerMicrosPerMessage: round((brokerCpu * 1e6) / Math.max(1, handled / seconds), 1),
    core0OthersBusy: round(Math.max(0, core0.busy - brokerCpu), 2),
    core0Steal: core0.steal,
    lateP99Ms,
    lateMaxMs: Math.max(...replies.map((r) => r.lateMaxMs)),
    loadBound,
    sustained: lossPercent <= 100 * maxLoss && !loadBound,
    loadRssMiB: replies.map((r) => r.rssMiB),
  };
}

function describe(s: Step): string {
  const verdict = s.sustained ? 'sustained' : s.loadBound ? 'LOAD-BOUND' : 'not sustained';
  return (
    `${s.broker} ${s.fleet} watches × ${s.ratePerWatch}/s = ${s.offered} msg/s (${s.warmUpSeconds} + ${s.seconds} s): ` +
    `${s.handledPerSecond} msg/s handled, ${s.shedPercent} % shed, ${s.unreadPercent} % unread after ${graceMs} ms ` +
    `(drained in ${s.drainedMs ?? '>15000'} ms), cpu broker ${s.brokerCpu} (${s.brokerMicrosPerMessage} µs/msg) ` +
    `load ${s.loadCpu}${s.subscriberCpu !== undefined ? ` (subscriber ${s.subscriberCpu})` : ''}, ` +
    `core 0 others ${s.core0OthersBusy} steal ${s.core0Steal}, ` +
    `send loop late p99 ${s.lateP99Ms} ms max ${s.lateMaxMs} ms → ${verdict}`
  );
}

interface Ladder {
  steps: Step[];
  /** The largest offered rate sustained (msg/s = watches at 1 msg/s), and the step that gave it. */
  sustained: number;
  best?: Step;
  /** Why the ladder stopped: the broker failed a step, the load side could not offer more, or no step was left. */
  limitedBy: 'broker' | 'load' | 'ladder end';
}

/**
 * Fleets of 1-msg/s watches growing step by step (connecting the new ones), then more messages a second
 * per watch on the largest fleet; at the first step not sustained, one more step half-way back.
 */
async function ladder(rig: Rig, broker: Broker, also?: { fleet: number; rate: number }): Promise<Ladder> {
  const plan = [
    ...fleetSteps.map((fleet) => ({ fleet, rate: 1 })),
    ...rateSteps.map((rate) => ({ fleet: maxFleet, rate })),
  ];
  // A step of the other broker's ladder, to compare both on the very same load.
  if (also && !plan.some((p) => p.fleet === also.fleet && p.rate === also.rate)) {
    plan.push(also);
    plan.sort((a, b) => a.fleet - b.fleet || a.rate - b.rate);
  }
  const steps: Step[] = [];
  const run = async (fleet: number, rate: number) => {
    const grew = await grow(rig, broker, fleet);
    // The hub answers a burst of CONNECTs by shedding for a few seconds (its event loop was saturated).
    if (grew && broker.name === 'hub') await sleep(hubSettleMs);
    const fresh = fleet > rig.streamed;
    const warmUp = broker.name === 'hub' && fresh ? hubFreshWarmUpSeconds : warmUpSeconds;
    const s = await step(rig, broker, fleet, rate, stepSeconds, warmUp);
    log(describe(s));
    steps.push(s);
    return s;
  };
  let failed: Step | undefined;
  for (const { fleet, rate } of plan) {
    let s = await run(fleet, rate);
    if (!s.sustained && !s.loadBound) {
      // This machine's cores are shared: one stall of the broker's core can fail a step. Try it once more.
      await sleep(hubSettleMs);
      s = await run(fleet, rate);
    }
    if (!s.sustained) {
      failed = s;
      break;
    }
    await sleep(1_000);
  }
  const lastPass = steps.filter((s) => s.sustained).at(-1);
  if (failed && !failed.loadBound && lastPass) {
    await sleep(hubSettleMs); // the backlog and the shedder of the failed step
    const sameFleet = failed.fleet === lastPass.fleet;
    const fleet = sameFleet ? failed.fleet : Math.round((failed.fleet + lastPass.fleet) / 2 / 500) * 500;
    const rate = sameFleet ? (failed.ratePerWatch + lastPass.ratePerWatch) / 2 : 1;
    await run(fleet, rate);
  }
  const best = steps
    .filter((s) => s.sustained)
    .sort((x, y) => x.offered - y.offered)
    .at(-1);
  return {
    steps,
    sustained: best?.offered ?? 0,
    best,
    limitedBy: !failed ? 'ladder end' : failed.loadBound ? 'load' : 'broker',
  };
}

interface Sample {
  t: number;
  received: number;
  shed: number;
  gauge: number;
}

/** Scrapes the hub's counters every `everyMs` until stopped. */
function scrape(hub: HubProcess, everyMs: number) {
  const samples: Sample[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const values = await hub.metrics([telemetryIn, shedTotal, shedShare]).catch(() => undefined);
      if (values) samples.push({ t: Date.now(), received: values[0]!, shed: values[1]!, gauge: values[2]! });
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

interface Overload {
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
  events: {
    devices: number;
    sent: number;
    acked: number;
    stored?: number;
    ackP50Ms: number;
    ackMaxMs: number;
    errors: string[];
  };
  hubRssBeforeMiB: number;
  hubPeakRssMiB: number;
  hubPeakFromVmHWM: boolean;
  recovery: {
    ratePerWatch: number;
    seconds: number;
    /** From the overload's end to the first scrape interval with no telemetry shed. */
    firstCalmAfterS?: number;
    /** From the overload's end to the last scrape interval with any telemetry shed (0: none after the end). */
    lastShedAfterS?: number;
    /** Share of telemetry shed from the first calm interval to the end of the recovery run. */
    relapseShedPercent?: number;
    /** From the overload's end until the backlog of unread telemetry was under one second's worth. */
    caughtUpAfterS?: number;
    shedShareGaugeMax: number;
    /** Per scrape interval: telemetry received and shed, the shed share, the gauge, and the backlog of unread messages. */
    series: {
      s: number;
      from: number;
      received: number;
      shed: number;
      shedPercent: number;
      gauge: number;
      backlog: number;
    }[];
  };
  loadLateMaxMs: number;
}

async function overload(rig: Rig, hub: HubProcess, sustainedRate: number): Promise<Overload> {
  const fleet = rig.connected;
  const offeredRate = 2 * sustainedRate;
  const ratePerWatch = offeredRate / fleet;
  const recoveryRate = sustainedRate / fleet;
  const sosIds = rig.ids.slice(0, fleet).filter((_, i) => (i + 1) % sosEvery === 0);
  log(
    `overload: ${fleet} watches × ${round(ratePerWatch, 3)}/s = ${offeredRate} msg/s for ${overloadSeconds} s, ` +
      `SOS from ${sosIds.length}; then ${sustainedRate} msg/s for ${recoverySeconds} s`,
  );
  const rssBefore = memoryMiB(hub.pid).rss;
  const hwm = resetPeak(hub.pid);
  const peak = rssPeak(hub.pid, 200);
  const scraper = scrape(hub, 500);
  await sleep(300);
  const t0 = Date.now() + 300;
  const end = t0 + overloadSeconds * 1000;
  const [overloaded, recovered] = await Promise.all([
    streamAll(rig, fleet, ratePerWatch, t0, overloadSeconds, { clientIds: sosIds, idPrefix: 'sos-overload' }),
    streamAll(rig, fleet, recoveryRate, end, recoverySeconds),
  ]);
  await sleep(1_000);
  const samples = await scraper.stop();
  const peakSampled = peak();
  const peakHwm = hwm ? memoryMiB(hub.pid).peak : 0;

  const at = (t: number) =>
    samples.reduce((best, s) => (Math.abs(s.t - t) < Math.abs(best.t - t) ? s : best));
  const [first, atEnd, last] = [at(t0), at(end), samples.at(-1)!];
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
  const acks = overloaded.flatMap((r) => r.events.ackMs);
  const receivedDuring = atEnd.received - first.received;
  const shedDuring = atEnd.shed - first.shed;
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
    events: {
      devices: sosIds.length,
      sent: overloaded.reduce((n, r) => n + r.events.sent, 0),
      acked: overloaded.reduce((n, r) => n + r.events.acked, 0),
      ackP50Ms: percentile(acks, 50),
      ackMaxMs: percentile(acks, 100),
      errors: overloaded.flatMap((r) => r.events.errors).slice(0, 5),
    },
    hubRssBeforeMiB: rssBefore,
    hubPeakRssMiB: Math.max(peakSampled, peakHwm),
    hubPeakFromVmHWM: hwm,
    recovery: {
      ratePerWatch: round(recoveryRate, 3),
      seconds: recoverySeconds,
      firstCalmAfterS: firstCalm?.s,
      lastShedAfterS: lastShed ? lastShed.s : 0,
      relapseShedPercent: relapsePercent,
      caughtUpAfterS: caughtUp?.s,
      shedShareGaugeMax: Math.max(...samples.map((s) => s.gauge)),
      series,
    },
    loadLateMaxMs: Math.max(...[...overloaded, ...recovered].map((r) => r.lateMaxMs)),
  };
}

/** SOS events of the overload stored in the hub's SQLite file. */
function storedEvents(dataDir: string): number {
  const sql = "select count(*) as n from device_events where type = 'sos' and event_id like 'sos-overload-%'";
  return queryHubStore<{ n: number }>(dataDir, sql)[0]!.n;
}

runBench('ingest', async () => {
  pinSelf(1);
  const ids = Array.from({ length: maxFleet }, (_, i) => `w-${String(i + 1).padStart(5, '0')}`);
  const dataDir = tempDataDir();
  const secretHash = hashIssuedSecret(secret);
  await seedWatches(
    dataDir,
    ids.map((id) => ({ id, secretHash })),
  );
  const openFiles = maxFleet + 4096;
  const loads = await Promise.all(
    Array.from({ length: loadCount }, () =>
      LoadProcess.start({ openFiles: Math.ceil(maxFleet / loadCount) + 4096, maxLifetimeMs: 20 * 60_000 }),
    ),
  );
  const payloadRest = watchTelemetryRest();
  const payloadBytes = messageBytes(payloadRest);
  log(`seeded ${maxFleet} watches; telemetry ${payloadBytes} bytes`);

  // --- the hub ---------------------------------------------------------------------------------
  // Every watch connects for the first time at once; their secrets are hub-issued (no slow hash to ration).
  const hub = await startHubProcess({ dataDir, openFiles, startTimeoutMs: 60_000 });
  const heap = async () => round((await hub.metric(heapUsed)) / 2 ** 20, 1);
  /** Off the V8 heap: typed arrays (hot windows), buffers. */
  const external = async () => round((await hub.metric('yiyang_nodejs_external_memory_bytes')) / 2 ** 20, 1);
  const rig: Rig = {
    loads,
    ids,
    payloadRest,
    connected: 0,
    streamed: 0,
    connectFailures: 0,
    connectErrors: [],
  };
  let hubLadder: Ladder;
  let memory: {
    idle: { rssMiB: number; heapMiB: number; externalMiB: number };
    silent: { devices: number; rssMiB: number; heapMiB: number; externalMiB: number };
    streaming: {
      devices: number;
      seconds: number;
      rssMiB: number;
      heapMiB: number;
      externalMiB: number;
      shedPercent: number;
    };
  };
  let over: Overload;
  let sosAlerts = 0;
  /** Messages the hub dropped as invalid: must stay 0 (the load sends valid telemetry). */
  let rejected = 0;
  const hubConnect = { failures: 0, errors: [] as string[] };
  try {
    await sleep(5_000); // the inference pool's workers, the first health sweep
    const idle = { rssMiB: memoryMiB(hub.pid).rss, heapMiB: await heap(), externalMiB: await external() };
    log(`hub pid ${hub.pid}: idle RSS ${idle.rssMiB} MiB, heap ${idle.heapMiB} MiB`);
    const broker = hubBroker(hub);
    await grow(rig, broker, rssDevices);
    await sleep(hubSettleMs);
    const silent = {
      devices: rssDevices,
      rssMiB: memoryMiB(hub.pid).rss,
      heapMiB: await heap(),
      externalMiB: await external(),
    };
    log(`hub: ${rssDevices} connected, silent: RSS ${silent.rssMiB} MiB, heap ${silent.heapMiB} MiB`);
    // All of them streaming long enough to fill their hot windows (512 samples: 20.5 s at 25 Hz).
    const before = await broker.counts();
    await streamAll(rig, rssDevices, 1, Date.now() + 200, rssStreamSeconds);
    const streamingRss = memoryMiB(hub.pid).rss;
    const after = await broker.counts();
    memory = {
      idle,
      silent,
      streaming: {
        devices: rssDevices,
        seconds: rssStreamSeconds,
        rssMiB: streamingRss,
        heapMiB: await heap(),
        externalMiB: await external(),
        shedPercent: round(
          (100 * (after.shed - before.shed)) / Math.max(1, after.received - before.received),
          1,
        ),
      },
    };
    log(
      `hub: ${rssDevices} streaming ${rssStreamSeconds} s: RSS ${streamingRss} MiB, heap ${memory.streaming.heapMiB} MiB ` +
        `(${memory.streaming.shedPercent} % of their telemetry shed meanwhile)`,
    );
    await sleep(hubSettleMs);
    hubLadder = await ladder(rig, broker);
    // Let the shedder and any backlog of the failed step settle before the overload.
    await sleep(hubSettleMs);
    const sustained = hubLadder.sustained || hubLadder.steps[0]!.handledPerSecond;
    over = await overload(rig, hub, Math.round(sustained));
    sosAlerts = await hub.metric('yiyang_alerts_opened_total{kind="sos"}');
    rejected = await hub.metric('yiyang_mqtt_rejected_total');
    Object.assign(hubConnect, { failures: rig.connectFailures, errors: rig.connectErrors });
    await Promise.all(loads.map((load) => load.end()));
  } finally {
    await hub.stop();
  }
  over.events.stored = storedEvents(dataDir);
  log(
    `overload: SOS ${over.events.sent} sent, ${over.events.acked} PUBACKed, ${over.events.stored} stored; ` +
      `${over.shedSharePercentDuring} % telemetry shed, peak RSS ${over.hubPeakRssMiB} MiB, ` +
      `no shed from ${over.recovery.firstCalmAfterS} s after (last ${over.recovery.lastShedAfterS} s, ` +
      `${over.recovery.relapseShedPercent} % in between), caught up ${over.recovery.caughtUpAfterS === undefined ? 'not within the run' : `${over.recovery.caughtUpAfterS} s after`}`,
  );

  // --- mosquitto, the same load ---------------------------------------------------------------------
  const mosquitto = await startMosquitto({ openFiles });
  let mosquittoLadder: Ladder;
  try {
    const counter = await startRelayCounter(mosquitto.port, 'care/+/telemetry', 0);
    try {
      Object.assign(rig, { connected: 0, streamed: 0, connectFailures: 0, connectErrors: [] });
      const hubBest = hubLadder.best && { fleet: hubLadder.best.fleet, rate: hubLadder.best.ratePerWatch };
      mosquittoLadder = await ladder(rig, mosquittoBroker(mosquitto.pid, mosquitto.url, counter), hubBest);
      await Promise.all(loads.map((load) => load.end()));
    } finally {
      await counter.stop();
    }
  } finally {
    await mosquitto.stop();
    await Promise.all(loads.map((l) => l.stop()));
  }

  const ratio = hubLadder.sustained / Math.max(1, mosquittoLadder.sustained);
  // Side by side on the same offered load: each broker's CPU per message at the largest step both sustained
  // (mosquitto's ladder includes the hub's best step).
  const common = hubLadder.steps
    .filter((h) => h.sustained)
    .map((h) => ({
      hub: h,
      mosquitto: mosquittoLadder.steps.find(
        (m) => m.sustained && m.fleet === h.fleet && m.ratePerWatch === h.ratePerWatch,
      ),
    }))
    .filter((pair): pair is { hub: Step; mosquitto: Step } => pair.mosquitto !== undefined)
    .sort((a, b) => a.hub.offered - b.hub.offered)
    .at(-1);
  const perDeviceKiB = (rss: number) => round(((rss - memory.idle.rssMiB) * 1024) / rssDevices, 1);
  const sustainedLabel = (l: Ladder) =>
    l.best
      ? `watch-equivalents (${l.best.fleet} × ${l.best.ratePerWatch}/s${l.limitedBy === 'broker' ? '' : `, ${l.limitedBy === 'load' ? 'load-bound: at least' : 'ladder end: at least'}`})`
      : 'none sustained';
  const figures: Figure[] = [
    {
      label: 'hub: largest fleet sustained (1 msg/s each, ≤ 1 % lost/shed)',
      value: hubLadder.sustained,
      unit: sustainedLabel(hubLadder),
    },
    {
      label: 'mosquitto: largest fleet relayed (≤ 1 % lost)',
      value: mosquittoLadder.sustained,
      unit: sustainedLabel(mosquittoLadder),
    },
    {
      label: 'hub / mosquitto (sustained fleet)',
      value: round(ratio, 2),
      unit:
        mosquittoLadder.limitedBy === 'broker' ? '×' : '× (at most: mosquitto was not pushed to its limit)',
    },
    ...(common
      ? [
          {
            label: `CPU per message at ${common.hub.offered} msg/s, hub / mosquitto`,
            value: common.hub.brokerMicrosPerMessage,
            unit: `/ ${common.mosquitto.brokerMicrosPerMessage} µs (${round(common.hub.brokerMicrosPerMessage / common.mosquitto.brokerMicrosPerMessage, 1)} ×)`,
          },
        ]
      : []),
    {
      label: 'hub RSS idle (devices provisioned, none connected)',
      value: memory.idle.rssMiB,
      unit: `MiB (V8 heap used ${memory.idle.heapMiB}, external ${memory.idle.externalMiB})`,
    },
    {
      label: `hub RSS, ${rssDevices} connected, silent`,
      value: memory.silent.rssMiB,
      unit: `MiB (V8 heap used ${memory.silent.heapMiB}, external ${memory.silent.externalMiB})`,
    },
    {
      label: 'hub RSS per device, connected and silent',
      value: perDeviceKiB(memory.silent.rssMiB),
      unit: 'KiB',
    },
  ];
  figures.push(
    {
      label: `hub RSS, ${rssDevices} streaming ${memory.streaming.seconds} s`,
      value: memory.streaming.rssMiB,
      unit: `MiB (V8 heap used ${memory.streaming.heapMiB}, external ${memory.streaming.externalMiB})`,
    },
    { label: 'hub RSS per device, streaming', value: perDeviceKiB(memory.streaming.rssMiB), unit: 'KiB' },
  );
  figures.push(
    {
      label: `overload: offered (2 × sustained) for ${over.seconds} s`,
      value: over.offeredRate,
      unit: `msg/s (${over.fleet} × ${over.ratePerWatch}/s)`,
    },
    {
      // what the offered rate became: when the load side cannot keep its schedule, the hub
      // never sees twice its sustained rate and the PUBACK times below include the load side's lag
      label: 'overload: received by the hub / load send loop late, max',
      value: round(over.telemetryReceivedDuring / over.seconds),
      unit: `msg/s / ${over.loadLateMaxMs} ms`,
    },
    {
      label: 'overload: SOS events sent / PUBACKed / stored',
      value: over.events.sent,
      unit: `/ ${over.events.acked} / ${over.events.stored}`,
    },
    {
      label: 'overload: SOS publish → PUBACK, p50 / max',
      value: over.events.ackP50Ms,
      unit: `/ ${over.events.ackMaxMs} ms`,
    },
    {
      label: 'overload: telemetry shed (share of received)',
      value: over.telemetryShedDuring,
      unit: `msgs (${over.shedSharePercentDuring} %)`,
    },
    {
      label: 'overload: hub peak RSS',
      value: over.hubPeakRssMiB,
      unit: `MiB (before: ${over.hubRssBeforeMiB})`,
    },
    {
      label: 'recovery at the sustained rate: shed share back to 0 after',
      value: over.recovery.firstCalmAfterS ?? Number.NaN,
      unit:
        `s (from then to the end of the ${over.recovery.seconds}-s run ${over.recovery.relapseShedPercent ?? '–'} % shed; ` +
        `the last shed in the interval ending at ${over.recovery.lastShedAfterS} s)`,
    },
    {
      label: 'recovery: backlog under 1 s of messages after',
      value: over.recovery.caughtUpAfterS ?? Number.NaN,
      unit: 's',
    },
  );
  const notes = [
    `Telemetry: ${payloadBytes}-byte watch JSON (25 Hz accel, 25 samples per axis, heart rate, SpO2, steps, battery, worn, location), ` +
      'QoS 0 to care/<id>/telemetry; the ts changes every second. Open loop: each load process sends on a fixed schedule spread ' +
      'evenly over its watches, whether or not the broker keeps up.',
    `Ladder: ${fleetSteps.join(', ')} watches at 1 msg/s (connected incrementally), then the same ${maxFleet} connections at ` +
      `${rateSteps.join(', ')} msg/s each (a watch-equivalent fleet of fleet × rate), until a step is not sustained (tried twice); then one step ` +
      `half-way back (mosquitto's ladder also runs the hub's best step, for CPU per message on the same load). Each step: ${warmUpSeconds} s of warm-up (hub, devices' first readings: ${hubFreshWarmUpSeconds} s; after ` +
      `connecting more, ${hubSettleMs / 1000} s of calm first), then ${stepSeconds} s measured.`,
    `Sustained: shed (hub, over the measured seconds) + not yet read or delivered ${graceMs} ms after the last send ≤ ${100 * maxLoss} % ` +
      `of what was sent, and the load side kept its schedule (send loop p99 ≤ ${loadLateMs} ms late, core 1 < ${loadBusy} busy); ` +
      'otherwise the step is load-bound and the figure a lower bound.',
    'Hub (core 0): provisioned watches (hub-issued secrets), no InfluxDB: validation, hot windows, inference pool, minute rollups, device health. ' +
      'mosquitto (core 0, after the hub has stopped): anonymous, relays to mosquitto_sub (core 1) counting one byte per message.',
    `RSS per device: (RSS − idle RSS) / ${rssDevices}; idle is the hub with all ${maxFleet} watches provisioned in the store, none connected.`,
    `Overload: every ${sosEvery}th watch sends one SOS event (QoS 1) during it; stored = device_events rows in the hub's SQLite after it stopped. ` +
      'Shed share = yiyang_ingest_shed_total / telemetry received over the overload; recovery from /metrics scraped every 500 ms.',
  ];
  if (over.recovery.shedShareGaugeMax === 0 && over.telemetryShedTotal > 0)
    notes.push(
      'yiyang_ingest_shed_share stayed 0 while telemetry was shed: the gauge is not wired to the shedder (ingest/ingest-stage.ts ' +
        'passes no shareGauge), so the shed share here is computed from yiyang_ingest_shed_total.',
    );
  if (rejected > 0) notes.push(`hub: ${rejected} messages rejected as invalid (expected none)`);
  if (hubConnect.failures > 0)
    notes.push(`hub: ${hubConnect.failures} connects failed: ${hubConnect.errors.join('; ')}`);
  return {
    title:
      'Watch telemetry ingest (25 Hz accel, 1 msg/s) vs mosquitto; RSS per device; overload at 2× sustained',
    figures,
    notes,
    details: {
      payloadBytes,
      maxFleet,
      stepSeconds,
      graceMs,
      hub: {
        ...hubLadder,
        memory,
        overload: over,
        sosAlertsOpened: sosAlerts,
        rejected,
        connect: hubConnect,
      },
      mosquitto: {
        ...mosquittoLadder,
        connect: { failures: rig.connectFailures, errors: rig.connectErrors },
      },
      ratio,
      cpuPerMessageSameLoad: common && {
        offered: common.hub.offered,
        hubMicros: common.hub.brokerMicrosPerMessage,
        mosquittoMicros: common.mosquitto.brokerMicrosPerMessage,
      },
    },
  };
});
