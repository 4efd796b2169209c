/**
 * 10,000 provisioned watches reconnecting at once to a hub process (core 0) from two load processes
 * (core 1). Cold: right after the hub starts, each device costs one slow secret hash. Warm: the hub
 * has verified each device before and only compares a SHA-256 (gateway/device-authenticator.ts).
 * The hub queues at most `MAX_SLOW_SECRET_CHECKS` (default 256) slow checks and answers further CONNECTs
 * CONNACK 3 "server unavailable"; the clients retry as devices do (exponential backoff with full jitter).
 */
import { hashIssuedSecret, hashSecret } from '../kernel/secret-hash.js';
import { type HubProcess, sampleHealth, startHubProcess, tempDataDir } from './lib/hub-process.js';
import { type ConnectReply, deal, LoadProcess } from './lib/load.js';
import { log, pinSelf, sleep } from './lib/processes.js';
import { type Figure, runBench } from './lib/result.js';
import { seedWatches } from './lib/seed.js';
import { cpuMeter, listenOverflows, memoryMiB, percentile, round } from './lib/stats.js';

const devices = Number(process.env.BENCH_STORM_DEVICES ?? 10_000);
/** The cold storm is measured on this many (a slow hash each: ~35 ms of one core here). */
const coldDevices = Math.min(devices, Number(process.env.BENCH_STORM_COLD ?? 1_000));
const loadCount = 2;
const secret = 'bench-storm-secret';
/** Devices' retry policy: a random wait up to base × 2^attempt, at most max (full jitter). */
const retry = {
  baseMs: Number(process.env.BENCH_STORM_RETRY_BASE_MS ?? 500),
  maxMs: Number(process.env.BENCH_STORM_RETRY_MAX_MS ?? 8_000),
};

interface Storm {
  devices: number;
  connected: number;
  failed: number;
  errors: string[];
  /** CONNACK 3 (server unavailable) answers, the devices that got at least one, and all retries. */
  refused: number;
  refusedDevices: number;
  retries: number;
  /** The hub's own count of CONNECTs it refused as busy (`yiyang_mqtt_connects_refused_total`). */
  hubRefusedBusy: number;
  /** First client started → last CONNACK (all connected), across both load processes. */
  seconds: number;
  connectsPerSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
  /** How long the load processes took just to create their clients. */
  spawnSpreadMs: number;
  /** Connection attempts (SYN or handshake ACK) the kernel dropped: the hub's accept queue was full. */
  listenOverflows: number;
  /** Cores the hub kept busy during the storm (it is pinned to one). */
  hubCpu: number;
  /** The same for both load processes together (they share one core). */
  loadCpu: number;
  /** The hub's memory with all of them connected. */
  hubRssMiB: number;
  /** V8 heap in use then (the hub's own /metrics). */
  hubHeapMiB: number;
  /** /healthz answers sampled during the storm: the slowest, and how many. */
  healthzMaxMs: number;
  healthzSamples: number;
}

const refusedBusy = 'yiyang_mqtt_connects_refused_total{reason="busy verifying other devices"}';

async function storm(hub: HubProcess, loads: LoadProcess[], ids: string[]): Promise<Storm> {
  const health = sampleHealth(hub, 250);
  const [hubCpu, loadMeter] = [cpuMeter(hub.pid), cpuMeter(...loads.map((l) => l.pid))];
  const overflowsBefore = listenOverflows();
  const busyBefore = await hub.metric(refusedBusy);
  const replies: ConnectReply[] = await Promise.all(
    deal(ids, loads.length).map((hand, k) =>
      loads[k]!.connect({
        url: hub.mqttUrl,
        clients: hand.map((id) => ({ id, secret })),
        connectTimeoutMs: 240_000,
        retry,
      }),
    ),
  );
  const [cpu, loadCpu] = [hubCpu(), loadMeter()];
  const overflows = listenOverflows() - overflowsBefore;
  const hubRefusedBusy = (await hub.metric(refusedBusy)) - busyBefore;
  const { maxMs, samples } = await health.stop();
  const hubRssMiB = memoryMiB(hub.pid).rss;
  const hubHeapMiB = round((await hub.metric('nodejs_heap_size_used_bytes')) / 2 ** 20, 1);
  const startedAt = Math.min(...replies.map((r) => r.startedAt));
  const seconds = (Math.max(...replies.map((r) => r.lastConnackAt)) - startedAt) / 1000;
  const latencies = replies.flatMap((r) => r.latenciesMs);
  const connected = latencies.length;
  await Promise.all(loads.map((load) => load.end()));
  // Wait until the hub has seen every client go, so that the next storm starts from nothing.
  const deadline = Date.now() + 30_000;
  while ((await hub.metric('yiyang_mqtt_connections')) > 0 && Date.now() < deadline) await sleep(100);
  return {
    devices: ids.length,
    connected,
    failed: ids.length - connected,
    errors: replies.flatMap((r) => r.errors).slice(0, 5),
    refused: replies.reduce((n, r) => n + r.refused, 0),
    refusedDevices: replies.reduce((n, r) => n + r.refusedClients, 0),
    retries: replies.reduce((n, r) => n + r.retries, 0),
    hubRefusedBusy,
    seconds: round(seconds, 3),
    connectsPerSecond: Math.round(connected / seconds),
    latencyMs: {
      p50: round(percentile(latencies, 50)),
      p99: round(percentile(latencies, 99)),
      max: round(percentile(latencies, 100)),
    },
    spawnSpreadMs: round(Math.max(...replies.map((r) => r.createdAt - r.startedAt))),
    listenOverflows: overflows,
    hubCpu: cpu,
    loadCpu,
    hubRssMiB,
    hubHeapMiB,
    healthzMaxMs: maxMs,
    healthzSamples: samples,
  };
}

function stormFigures(name: string, s: Storm, brief = false): Figure[] {
  const figures: Figure[] = [
    { label: `${name}: all connected`, value: s.seconds, unit: `s (${s.connected} of ${s.devices})` },
    {
      label: `${name}: refused (CONNACK 3), retried`,
      value: s.refused,
      unit: `answers to ${s.refusedDevices} devices; ${s.retries} retries`,
    },
    { label: `${name}: connects/s`, value: s.connectsPerSecond, unit: '/s' },
    { label: `${name}: p50 connect`, value: s.latencyMs.p50, unit: 'ms' },
    { label: `${name}: p99 connect`, value: s.latencyMs.p99, unit: 'ms' },
  ];
  if (brief) return figures;
  return [
    ...figures,
    { label: `${name}: accept-queue drops`, value: s.listenOverflows, unit: 'SYN/ACK' },
    { label: `${name}: CPU hub / load processes`, value: s.hubCpu, unit: `/ ${s.loadCpu} cores` },
    { label: `${name}: slowest /healthz`, value: s.healthzMaxMs, unit: 'ms' },
  ];
}

function describe(name: string, s: Storm): string {
  return (
    `${name}: ${s.connected}/${s.devices} (${s.refused} CONNACK 3 to ${s.refusedDevices} devices, ${s.retries} retries, ` +
    `${s.listenOverflows} accept-queue drops) in ${s.seconds} s = ${s.connectsPerSecond}/s, ` +
    `p50 ${s.latencyMs.p50} ms p99 ${s.latencyMs.p99} ms, hub RSS ${s.hubRssMiB} MiB (heap ${s.hubHeapMiB}), CPU hub ${s.hubCpu} load ${s.loadCpu}, healthz max ${s.healthzMaxMs} ms`
  );
}

runBench('reconnect-storm', async () => {
  pinSelf(1);
  const ids = Array.from({ length: devices }, (_, i) => `w-${String(i + 1).padStart(5, '0')}`);
  const [coldIds, otherIds] = [ids.slice(0, coldDevices), ids.slice(coldDevices)];
  const dataDir = tempDataDir();
  const slow = await hashSecret(secret);
  await seedWatches(dataDir, [
    ...coldIds.map((id) => ({ id, secretHash: slow })),
    ...otherIds.map((id) => ({ id, secretHash: hashIssuedSecret(secret) })),
  ]);
  log(
    `seeded ${devices} watches (${coldDevices} with a secret someone chose: scrypt; the rest hub-issued: SHA-256)`,
  );
  const openFiles = devices + 4096;
  const hub = await startHubProcess({ dataDir, openFiles });
  const loads = await Promise.all(
    Array.from({ length: loadCount }, () =>
      LoadProcess.start({ openFiles: Math.ceil(devices / loadCount) + 4096, maxLifetimeMs: 600_000 }),
    ),
  );
  const idle = memoryMiB(hub.pid);
  log(`hub pid ${hub.pid} up, RSS ${idle.rss} MiB`);

  const storms: Record<string, Storm> = {};
  const phase = async (name: string, phaseIds: string[]): Promise<Storm> => {
    const result = await storm(hub, loads, phaseIds);
    log(describe(name, result));
    storms[name] = result;
    return result;
  };
  let cold: Storm;
  let warmSame: Storm;
  let coldIssued: Storm | undefined;
  let warm: Storm;
  let peak: ReturnType<typeof memoryMiB>;
  try {
    cold = await phase('cold', coldIds);
    warmSame = await phase('warm (same devices)', coldIds);
    if (otherIds.length > 0) coldIssued = await phase('cold, hub-issued secrets', otherIds);
    warm = await phase('warm (all)', ids);
    peak = memoryMiB(hub.pid);
  } finally {
    await Promise.all(loads.map((load) => load.stop()));
    await hub.stop();
  }

  const coldAllSeconds = Math.round(devices / cold.connectsPerSecond);
  const figures: Figure[] = [
    ...stormFigures(`cold, ${cold.devices} devices (chosen secrets: scrypt)`, cold),
    ...stormFigures(`warm, same ${warmSame.devices}`, warmSame, true),
    ...(coldIssued
      ? stormFigures(`cold, ${coldIssued.devices} devices (hub-issued secrets: SHA-256)`, coldIssued)
      : []),
    ...stormFigures(`warm, all ${warm.devices}`, warm),
    {
      label: 'cold / warm (same devices): time',
      value: round(cold.seconds / warmSame.seconds, 1),
      unit: '×',
    },
    {
      label: `cold / warm (all ${warm.devices}): time per connect`,
      value: round(warm.connectsPerSecond / cold.connectsPerSecond, 1),
      unit: '×',
    },
    { label: 'hub RSS idle', value: idle.rss, unit: 'MiB' },
    { label: `hub RSS, ${cold.devices} connected (cold)`, value: cold.hubRssMiB, unit: 'MiB' },
    { label: `hub RSS, ${warm.devices} connected`, value: warm.hubRssMiB, unit: 'MiB' },
    { label: `hub V8 heap used, ${warm.devices} connected`, value: warm.hubHeapMiB, unit: 'MiB' },
    { label: 'hub RSS peak (VmHWM)', value: peak.peak, unit: 'MiB' },
  ];
  return {
    title: `Reconnect storm: ${devices} watches at once, cold and warm`,
    figures,
    notes: [
      `cold with chosen secrets (scrypt, N=2^14) measured on ${coldDevices} of ${devices} devices: at ${cold.connectsPerSecond}/s ` +
        `all ${devices} would take ~${coldAllSeconds} s (${coldAllSeconds > 180 ? 'over' : 'under'} the 3-minute budget).`,
      `The other ${otherIds.length} devices carry secrets the hub issued (192 random bits, stored as salted SHA-256, as ` +
        'provisioning stores them): their cold storm needs no slow hash. The warm storm of all devices is then cache hits only.',
      `${loadCount} load processes (core 1) each create their share of mqtt.js clients in one loop ` +
        "(clean session, no will, no subscription); latency is a device's first attempt → its CONNACK, retries included.",
      `Devices retry as real ones do: on CONNACK 3 (the hub verifies at most MAX_SLOW_SECRET_CHECKS = 256 secrets at a ` +
        `time and refuses further CONNECTs as busy) or a connection lost before its CONNACK, after a random wait of up to ` +
        `${retry.baseMs} ms × 2^attempt, at most ${retry.maxMs} ms (full jitter), for up to 240 s.`,
      'All devices share one secret; the hub still verifies and caches each device id separately.',
      'accept-queue drops: TcpExt ListenOverflows during the storm (the hub listens with a backlog of 4,096); a dropped SYN ' +
        'is retried by the kernel after 1 s, 3 s, 7 s…',
    ],
    details: {
      devices,
      coldDevices,
      retry,
      loadCount,
      hubIdle: idle,
      hubPeak: peak,
      coldAllSecondsEstimate: coldAllSeconds,
      storms,
    },
  };
});
