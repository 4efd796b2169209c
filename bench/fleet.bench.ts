/**
 * The full pipeline at growing fleets of homes: each home a watch streaming 25 Hz acceleration once a second,
 * a fall radar every 5 s and a door contact (an event now and then), all over MQTT into one hub (core 0: gateway,
 * ingest, inference pool, rollups, health, alerts, dispatch, console). SOS events (QoS 1) from random watches
 * at a low rate are timed from their publish to a specialist's console socket (socket.io, `/console`), and
 * looked up in the store. The headline: the largest fleet sustained with no event lost, SOS → console p99
 * under 200 ms and ≤ 1 % of telemetry shed or unread. Then 2× that fleet's rate: events all delivered,
 * telemetry shed and counted, peak RSS.
 *
 * Load processes (2, core 1) hold the devices; the console client runs in this process (core 1).
 * A process may hold 20,000 open files here (hard limit), so the hub holds at most ~6,000 homes of three
 * connections: fleets past `maxConnectedHomes` are *home-equivalents*, the connected homes each sending
 * fleet / connected times as often (same messages and samples per second, fewer connections).
 */
import { io, type Socket } from 'socket.io-client';
import { hashIssuedSecret } from '../store/secret-hash.js';
import {
  type HubProcess,
  queryHubStore,
  sampleHealth,
  startHubProcess,
  tempDataDir,
} from './lib/hub-process.js';
import { type Credentials, LoadProcess, type StreamReply } from './lib/load.js';
import { log, openFileLimit, pinSelf, sleep } from './lib/processes.js';
import { type Figure, runBench } from './lib/result.js';
import { seedHomes } from './lib/seed.js';
import {
  coreMeter,
  cpuMeter,
  memoryMiB,
  percentile,
  resetPeak,
  round,
  rssPeak,
  seeded,
} from './lib/stats.js';
import { messageBytes, radarTelemetryRest, watchTelemetryRest } from './lib/telemetry.js';
import { envNumber, graceMs, loadLateMs, maxLoss } from './lib/verdict.js';

const fleets = (process.env.BENCH_FLEET_HOMES ?? '1000,5000,10000,20000').split(',').map(Number);
const loadCount = 2;
const devicesPerHome = 3;
/** Homes connected at most: three connections each, within the hub's (and each load process's) open files. */
const maxConnectedHomes = Math.min(
  envNumber('BENCH_FLEET_MAX_CONNECTED', 5_000),
  Math.floor((openFileLimit('self', 'hard') - 3_000) / devicesPerHome),
);
const warmUpSeconds = envNumber('BENCH_FLEET_WARMUP_S', 5);
const sustainSeconds = envNumber('BENCH_FLEET_SUSTAIN_S', 20);
const overloadSeconds = envNumber('BENCH_FLEET_OVERLOAD_S', 15);
/** SOS events a second during the measured seconds, each from a watch that has not sent one before. */
const sosPerSecond = envNumber('BENCH_FLEET_SOS_PER_S', 4);
/** Door openings per home and hour (a few dozen a day, all in the daytime). */
const doorEventsPerHomeHour = envNumber('BENCH_FLEET_DOOR_EVENTS_PER_HOUR', 2);
const radarEverySeconds = 5;
/** After connecting more devices the hub sheds for a few seconds (its loop was saturated by CONNECTs). */
const settleMs = 6_000;
/** Verdict: SOS → console p99 below this, every SOS stored and seen, shed + unread ≤ `maxLoss` of telemetry sent. */
const p99LimitMs = 200;
/** An SOS not on the console this long after its publish counts as lost. */
const consoleTimeoutMs = 10_000;
/** Other work keeping the hub's core this busy is flagged next to a fleet's figures. */
const sharedCore = 0.2;
/** No event is sent this close to a scrape of the hub's /metrics. */
const scrapeGapMs = 500;
const secret = 'bench-fleet-secret';
const specialist = { username: 'spec-bench', password: 'spec-bench-password' };
const telemetryIn = 'yiyang_mqtt_messages_in_total{kind="telemetry"}';
const shedTotal = 'yiyang_ingest_shed_total';
const lagP99 = 'yiyang_nodejs_eventloop_lag_p99_seconds';
const lagMax = 'yiyang_nodejs_eventloop_lag_max_seconds';

const now = () => performance.timeOrigin + performance.now();
const pad = (i: number) => String(i + 1).padStart(5, '0');
const home = (i: number) => ({ watch: `w-${pad(i)}`, radar: `r-${pad(i)}`, door: `d-${pad(i)}` });

/** A specialist's console: when each SOS alert (by its event id) first arrived. */
interface Console {
  socket: Socket;
  seen: Map<string, number>;
  /** Resolves when all of `ids` have arrived, or after `timeoutMs`. */
  waitFor(ids: string[], timeoutMs: number): Promise<void>;
}

async function openConsole(hub: HubProcess): Promise<Console> {
  const response = await fetch(`${hub.httpUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(specialist),
  });
  if (response.status !== 200)
    throw new Error(`specialist login: ${response.status} ${await response.text()}`);
  const { token } = (await response.json()) as { token: string };
  const socket = io(`${hub.httpUrl}/console`, { auth: { token }, transports: ['websocket'] });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  const seen = new Map<string, number>();
  socket.on('alert', (alert: { kind?: string; details?: { event_id?: string } }) => {
    const id = alert.details?.event_id;
    if (alert.kind === 'sos' && id && !seen.has(id)) seen.set(id, now());
  });
  return {
    socket,
    seen,
    async waitFor(ids, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline && ids.some((id) => !seen.has(id))) await sleep(50);
    },
  };
}

interface Rig {
  hub: HubProcess;
  dataDir: string;
  watchRest: string;
  radarRest: string;
  loads: LoadProcess[];
  console: Console;
  /** Homes connected (all three devices), the first `connected` of them. */
  connected: number;
  connect: { seconds: number; failed: number; refused: number; errors: string[] }[];
  /** Homes whose watch (door) already sent an event: each event comes from a device that has not. */
  used: { watch: Set<number>; door: Set<number> };
  /** Seeded: the same devices send events in every run. */
  random: () => number;
  /** The hub idle, before any device connected. */
  idleRssMiB: number;
}

/** Connects homes up to `homes` (home i on load process i mod 2), paced, retrying as devices do. */
async function grow(rig: Rig, homes: number): Promise<void> {
  if (homes <= rig.connected) return;
  const n = rig.loads.length;
  const fresh = Array.from({ length: homes - rig.connected }, (_, j) => rig.connected + j);
  const t0 = Date.now();
  const replies = await Promise.all(
    rig.loads.map((load, k) =>
      load.connect({
        url: rig.hub.mqttUrl,
        clients: fresh
          .filter((i) => i % n === k)
          .flatMap((i): Credentials[] => Object.values(home(i)).map((id) => ({ id, secret }))),
        connectTimeoutMs: 60_000,
        retry: { baseMs: 500, maxMs: 8_000 },
        perSecond: 1_500,
      }),
    ),
  );
  const failed = replies.reduce((n, r) => n + r.failed, 0);
  const refused = replies.reduce((n, r) => n + r.refused, 0);
  const errors = replies.flatMap((r) => r.errors).slice(0, 5);
  rig.connect.push({ seconds: round((Date.now() - t0) / 1000, 1), failed, refused, errors });
  rig.connected = homes;
  log(
    `${homes} homes connected (+${fresh.length * devicesPerHome} devices in ${Date.now() - t0} ms, ` +
      `${refused} CONNACK 3 retried, ${failed} failed${failed ? `: ${errors[0]}` : ''})`,
  );
  await sleep(settleMs);
}

/**
 * Picks `count` random devices among the first `homes` homes that have not sent an event yet (so that each SOS
 * opens its own alert), dealt to the load process that holds them (home i: process i mod n).
 */
function pickEventDevices(rig: Rig, homes: number, count: number, kind: 'watch' | 'door'): string[][] {
  const used = rig.used[kind];
  const hands: string[][] = Array.from({ length: rig.loads.length }, () => []);
  for (let picked = 0, tries = 0; picked < count && tries < 50 * count; tries++) {
    const i = Math.floor(rig.random() * homes);
    if (used.has(i)) continue;
    used.add(i);
    picked++;
    hands[i % rig.loads.length]!.push(home(i)[kind]);
  }
  return hands;
}

interface Window {
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
  hubCpu: number;
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
 * One measured window: `warmUp` seconds of telemetry, then `seconds` of telemetry with SOS and door events.
 * Counters (`/metrics`, scraped twice: each scrape costs the hub ~2 ms per 1,000 connections) are read at the
 * start of the measured seconds and `graceMs` after the last send; the event-loop delay percentiles are those
 * of the measured seconds (prom-client resets its histogram at each scrape).
 */
async function measure(
  rig: Rig,
  homes: number,
  options: { warmUp: number; seconds: number; label: string; attempt?: number; peak?: boolean },
): Promise<Window> {
  const { hub, loads } = rig;
  const connectedHomes = Math.min(homes, rig.connected);
  const factor = homes / connectedHomes;
  // Load process k holds homes k, k + n, k + 2n… in that order: its first `perLoad(k)` are among the first homes.
  const perLoad = (k: number) => Math.ceil((connectedHomes - k) / loads.length);
  const sosIds = pickEventDevices(rig, connectedHomes, Math.round(sosPerSecond * options.seconds), 'watch');
  const doorCount = Math.max(1, Math.round(((homes * doorEventsPerHomeHour) / 3600) * options.seconds));
  const doorIds = pickEventDevices(rig, connectedHomes, doorCount, 'door');
  const t0 = Date.now() + 300;
  const t1 = t0 + options.warmUp * 1000;
  const telemetry = loads.flatMap((load, k) => [
    load.stream({
      prefix: 'w-',
      clients: perLoad(k),
      ratePerClient: factor,
      startAt: t0,
      seconds: options.warmUp + options.seconds,
      telemetryRest: rig.watchRest,
    }),
    load.stream({
      prefix: 'r-',
      clients: perLoad(k),
      ratePerClient: factor / radarEverySeconds,
      startAt: t0,
      seconds: options.warmUp + options.seconds,
      telemetryRest: rig.radarRest,
    }),
  ]);
  // Each load process sends its events evenly spaced over the measured seconds, the processes interleaved, none
  // within `scrapeGapMs` of a /metrics scrape (one blocks the hub's loop for ~2 ms per 1,000 connections).
  const eventsMs = options.seconds * 1000 - 2 * scrapeGapMs;
  const events = (ids: string[][], type: string, idPrefix: string) =>
    loads.map((load, k) =>
      load.stream({
        clients: 0,
        ratePerClient: 0,
        startAt: t1 + scrapeGapMs + (k * eventsMs) / Math.max(1, ids.flat().length),
        seconds: eventsMs / 1000,
        telemetryRest: '}',
        events: { clientIds: ids[k]!, perClient: 1, idPrefix, ackTimeoutMs: 30_000, type },
      }),
    );
  const sos = events(sosIds, 'sos', `sos-${options.label}`);
  const doors = events(doorIds, 'open', `door-${options.label}`);
  const start = await hub.metrics([telemetryIn, shedTotal]);
  await sleep(Math.max(0, t1 - Date.now()));
  const [hubMeter, loadMeter, core0Meter] = [
    cpuMeter(hub.pid),
    cpuMeter(process.pid, ...loads.map((l) => l.pid)),
    coreMeter(0),
  ];
  if (options.peak) resetPeak(hub.pid);
  const peak = options.peak ? rssPeak(hub.pid, 200) : undefined;
  const boundary = await hub.metrics([telemetryIn, shedTotal, lagP99]);
  const health = sampleHealth(hub, 100);
  const streamed = await Promise.all(telemetry);
  const healthz = await health.stop();
  const [hubCpu, loadCpu, core0] = [hubMeter(), loadMeter(), core0Meter()];
  const hubRssMiB = memoryMiB(hub.pid).rss;
  const hubPeakRssMiB = peak?.();
  const lastSend = Math.max(...streamed.map((r) => r.finishedAt));
  await sleep(Math.max(0, lastSend + graceMs - now()));
  const [received, shed, p99, max] = await hub.metrics([telemetryIn, shedTotal, lagP99, lagMax]);
  const [sosReplies, doorReplies] = [await Promise.all(sos), await Promise.all(doors)];
  const published = sosReplies.flatMap((r) => r.events.published);
  await rig.console.waitFor(
    published.map(([id]) => id),
    consoleTimeoutMs,
  );

  const stored = (prefix: string) =>
    new Set(
      queryHubStore<{ event_id: string }>(
        rig.dataDir,
        'select event_id from device_events where event_id like ?',
        `${prefix}-%`,
      ).map((r) => r.event_id),
    );
  const storedSos = stored(`sos-${options.label}`);
  const alerts = queryHubStore<{ n: number }>(
    rig.dataDir,
    "select count(*) as n from alerts where kind = 'sos' and source_event_id like ?",
    `sos-${options.label}-%`,
  )[0]!.n;
  const delays = published.flatMap(([id, at]) => {
    const seenAt = rig.console.seen.get(id);
    return seenAt === undefined ? [] : [{ at, ms: seenAt - at }];
  });
  const toConsole = delays.map((d) => d.ms);
  const secondOfMinute = ({ at, ms }: { at: number; ms: number }) => ({
    s: round((at % 60_000) / 1000, 1),
    ms: Math.round(ms),
  });
  const lost = published.filter(([id]) => !storedSos.has(id) || !rig.console.seen.has(id)).length;
  const sum = (replies: StreamReply[], key: 'sent' | 'skipped') => replies.reduce((n, r) => n + r[key], 0);
  const sent = sum(streamed, 'sent');
  const skipped = sum(streamed, 'skipped');
  const measuredReceived = received! - boundary[0]!;
  const measuredShed = shed! - boundary[1]!;
  const shedPercent = round((100 * measuredShed) / Math.max(1, measuredReceived), 2);
  const unreadPercent = round((100 * Math.max(0, sent - (received! - start[0]!))) / Math.max(1, sent), 2);
  const lossPercent = round(shedPercent + unreadPercent + (100 * skipped) / Math.max(1, sent + skipped), 2);
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
      stored: stored(`door-${options.label}`).size,
    },
    hubCpu,
    hubMicrosPerHomeSecond: round((hubCpu * 1e6) / homes, 1),
    hubMicrosPerDeviceSecond: round((hubCpu * 1e6) / (homes * devicesPerHome), 1),
    core0OthersBusy: round(Math.max(0, core0.busy - hubCpu), 2),
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
  const { failures } = window;
  if (lost > 0) failures.push(`${lost} of ${published.length} SOS not stored or not on the console`);
  if (window.doorEvents.stored < window.doorEvents.sent)
    failures.push(`${window.doorEvents.sent - window.doorEvents.stored} door events not stored`);
  if (!(window.sos.toConsoleMs.p99 < p99LimitMs))
    failures.push(`SOS → console p99 ${window.sos.toConsoleMs.p99} ms ≥ ${p99LimitMs} ms`);
  if (lossPercent > 100 * maxLoss) failures.push(`${lossPercent} % of telemetry shed or unread`);
  if (window.loadBound) failures.push(`load-bound (send loop p99 ${lateP99Ms} ms late)`);
  window.sustained = failures.length === 0;
  return window;
}

const stallText = (stalls: Array<{ s: number; ms: number }>) =>
  stalls.length ? stalls.map((x) => `${x.ms}@${x.s}`).join(' ') : '–';

function describe(w: Window): string {
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

runBench('fleet', async () => {
  pinSelf(1);
  // Enough homes for the overload at twice the largest fleet, if it is sustained.
  const maxHomes = Math.min(2 * Math.max(...fleets), maxConnectedHomes);
  const dataDir = tempDataDir();
  const secretHash = hashIssuedSecret(secret);
  await seedHomes(dataDir, {
    homes: Array.from({ length: maxHomes }, (_, i) => {
      const h = home(i);
      return {
        devices: [
          { id: h.watch, type: 'watch', secretHash },
          { id: h.radar, type: 'fall_radar', secretHash },
          { id: h.door, type: 'door', secretHash },
        ],
      };
    }),
    users: [{ ...specialist, role: 'specialist' }],
  });
  const [watchRest, radarRest] = [watchTelemetryRest(), radarTelemetryRest()];
  log(
    `seeded ${maxHomes} homes (${maxHomes * devicesPerHome} devices); watch telemetry ${messageBytes(watchRest)} bytes, ` +
      `radar ${messageBytes(radarRest)} bytes`,
  );
  const connections = maxHomes * devicesPerHome;
  const hub = await startHubProcess({
    dataDir,
    openFiles: connections + 3_000,
    startTimeoutMs: 60_000,
  });
  const loads = await Promise.all(
    Array.from({ length: loadCount }, () =>
      LoadProcess.start({
        openFiles: Math.ceil(connections / loadCount) + 2_000,
        maxLifetimeMs: 15 * 60_000,
      }),
    ),
  );
  const windows: Window[] = [];
  const skipped: number[] = [];
  let overload: Window | undefined;
  let rig: Rig | undefined;
  try {
    await sleep(3_000); // the inference pool's workers, the first health sweep
    const r: Rig = {
      hub,
      loads,
      console: await openConsole(hub),
      connected: 0,
      connect: [],
      used: { watch: new Set(), door: new Set() },
      random: seeded(11),
      idleRssMiB: memoryMiB(hub.pid).rss,
      dataDir,
      watchRest,
      radarRest,
    };
    rig = r;
    log(`hub pid ${hub.pid}: idle RSS ${r.idleRssMiB} MiB; specialist console connected`);
    const run = async (homes: number, label: string, attempt = 1) => {
      await grow(r, Math.min(homes, maxConnectedHomes));
      const w = await measure(r, homes, { warmUp: warmUpSeconds, seconds: sustainSeconds, label, attempt });
      log(describe(w));
      windows.push(w);
      return w;
    };
    let failed: Window | undefined;
    for (const [i, homes] of fleets.entries()) {
      let w = await run(homes, `h${homes}`);
      if (!w.sustained && !w.loadBound) {
        // A stall of the shared core can fail one window: try once more.
        await sleep(settleMs);
        w = await run(homes, `h${homes}b`, 2);
      }
      if (!w.sustained) {
        failed = w;
        skipped.push(...fleets.slice(i + 1));
        break;
      }
      await sleep(2_000);
    }
    const lastPass = windows.filter((w) => w.sustained).at(-1);
    if (failed && !failed.loadBound) {
      // One fleet half-way back (or half the smallest, if none passed).
      const lower = lastPass?.homes ?? 0;
      const homes = Math.round((lower + failed.homes) / 2 / 500) * 500 || Math.round(failed.homes / 2);
      if (homes > lower) {
        await sleep(settleMs);
        await run(homes, `h${homes}`);
      }
    }
    if (skipped.length) log(`not run: ${skipped.join(', ')} homes (a smaller fleet was not sustained)`);

    // --- overload: twice the largest sustained fleet's rate ---------------------------------------------
    const best = windows
      .filter((w) => w.sustained)
      .sort((a, b) => a.homes - b.homes)
      .at(-1);
    const overloadHomes = 2 * (best?.homes ?? Math.round(fleets[0]! / 2));
    await sleep(settleMs);
    await grow(r, Math.min(overloadHomes, maxConnectedHomes));
    log(
      `overload: ${overloadHomes} home-equivalents (2 × ${best?.homes ?? 'none sustained'}) for ${overloadSeconds} s`,
    );
    overload = await measure(r, overloadHomes, {
      warmUp: 0,
      seconds: overloadSeconds,
      label: 'overload',
      peak: true,
    });
    log(describe(overload));
    await Promise.all(loads.map((load) => load.end()));
    r.console.socket.close();
  } finally {
    await Promise.all(loads.map((load) => load.stop()));
    await hub.stop();
  }

  const best = windows
    .filter((w) => w.sustained)
    .sort((a, b) => a.homes - b.homes)
    .at(-1);
  const figures: Figure[] = [
    {
      label: `largest fleet sustained (no event lost, SOS → console p99 < ${p99LimitMs} ms, ≤ ${100 * maxLoss} % shed)`,
      value: best?.homes ?? 0,
      unit: best
        ? `homes${best.rateFactor !== 1 ? ` (equivalents: ${best.connectedHomes} connected × ${best.rateFactor})` : ''}`
        : 'homes (none)',
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
  if (overload) {
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
  }
  const notes = [
    `Home: a watch (QoS 0 telemetry once a second, ${messageBytes(watchRest)} bytes with 25 Hz accel), a fall radar ` +
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
  return {
    title: 'Full pipeline at growing fleets of homes: SOS to console, CPU and RSS per device, overload at 2×',
    figures,
    notes,
    details: {
      fleets,
      maxConnectedHomes,
      warmUpSeconds,
      sustainSeconds,
      sosPerSecond,
      best: best?.homes ?? 0,
      windows,
      skipped,
      overload,
      connect: rig?.connect,
      idleRssMiB: rig?.idleRssMiB,
    },
  };
});
