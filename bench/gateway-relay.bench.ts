/**
 * The same watch telemetry pushed (1) through the hub's gateway, which authenticates, validates and
 * ingests each message (nobody subscribes), and (2) through mosquitto, which relays each to a
 * subscriber that counts them; QoS 1 and QoS 0, side by side. Then the hub alone at paced (open-loop)
 * rates, to find what it ingests before its load shedder starts dropping telemetry.
 * Brokers on core 0; load processes and the subscriber on core 1.
 */
import { hashSecret } from '../kernel/secret-hash.js';
import { type HubProcess, startHubProcess, tempDataDir } from './lib/hub-process.js';
import { type Credentials, deal, LoadProcess, type PublishReply } from './lib/load.js';
import { type Mosquitto, startMosquitto, startRelayCounter } from './lib/mosquitto.js';
import { log, pinSelf, sleep } from './lib/processes.js';
import { type Figure, runBench } from './lib/result.js';
import { seedWatches } from './lib/seed.js';
import { cpuMeter, median, round } from './lib/stats.js';

const loadCount = 2;
const clientsPerLoad = 5;
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
/** Each comparison run lasts this long (or stops at `cap` messages), up to `window` QoS 1 publishes unacknowledged per client. */
const runSeconds = 3;
const cap = 1_000_000;
const window = 100;
/** Offered rates (msg/s, all clients together) for the paced runs through the hub. */
const pacedRates = [20_000, 30_000, 40_000, 60_000, 80_000];
const pacedSeconds = 3;
/** Calm before each hub run, so that its shedding starts from nothing (it takes everything again within ~1 s). */
const settleMs = 5_000;
const warmUp = 30_000;
const telemetryCounter = 'yiyang_mqtt_messages_in_total{kind="telemetry"}';

/** Watch telemetry as the protocol describes it (no accel), padded to 200 bytes. */
function watchTelemetry(bytes = 200): string {
  const reading = {
    ts: Date.now(),
    heart_rate: 72,
    spo2: 97,
    steps: 1043,
    battery: 81,
    worn: true,
    location: { lat: 22.5431, lon: 114.0579, accuracy_m: 12 },
  };
  const bare = JSON.stringify({ ...reading, pad: '' });
  return JSON.stringify({ ...reading, pad: 'x'.repeat(Math.max(0, bytes - bare.length)) });
}

interface Run {
  broker: 'hub' | 'mosquitto';
  qos: 0 | 1;
  /** Offered msg/s for a paced run. */
  offered?: number;
  /** What the load processes published (QoS 1: had acknowledged). */
  published: number;
  /** What the broker handled: the hub validated and passed on (shed excluded), mosquitto delivered. */
  handled: number;
  seconds: number;
  msgsPerSecond: number;
  /** The load processes' rate, up to their last PUBACK or write. */
  publishRate: number;
  /** Hub: telemetry acknowledged but dropped unparsed by its load shedder. */
  shed?: number;
  /** Hub: a run on a hub capped at 1 telemetry message a second, to see what a shed message costs. */
  capped?: boolean;
  rejected?: number;
  /** Cores kept busy (1 = one core): the broker, the load processes together. */
  brokerCpu: number;
  loadCpu: number;
  errors: string[];
}

interface Rig {
  hub: HubProcess;
  mosquitto: Mosquitto;
  loads: LoadProcess[];
  watches: Credentials[][];
  payload: string;
}

async function connectAll(rig: Rig, url: string, anonymous: boolean): Promise<void> {
  await Promise.all(
    rig.loads.map((load, k) =>
      load.connect({
        url,
        clients: rig.watches[k]!.map((w) => (anonymous ? { id: w.id } : w)),
        connectTimeoutMs: 10_000,
      }),
    ),
  );
}

/** Every load process publishes at once (paced if `rate` is given); returns what they did together. */
async function publishAll(rig: Rig, qos: 0 | 1, options: { total: number; seconds: number; rate?: number }) {
  const clients = rig.loads.length * clientsPerLoad;
  const command = {
    qos,
    perClient: Math.ceil(options.total / clients),
    until: Date.now() + options.seconds * 1000,
    window,
    payload: rig.payload,
    fence: qos === 0,
    ratePerClient: options.rate ? options.rate / clients : undefined,
  };
  const replies: PublishReply[] = await Promise.all(rig.loads.map((load) => load.publish(command)));
  const sum = (key: 'sent' | 'acked' | 'fences') => replies.reduce((s, r) => s + r[key], 0);
  return {
    published: qos === 1 ? sum('acked') : sum('sent') + sum('fences'),
    startedAt: Math.min(...replies.map((r) => r.startedAt)),
    finishedAt: Math.max(...replies.map((r) => r.finishedAt)),
    errors: replies.flatMap((r) => r.errors),
  };
}

/** The hub's own counts: telemetry received, shed unparsed under overload, still queued, rejected. */
async function hubCounters(hub: HubProcess) {
  const [received, shed, queued, rejected] = await hub.metrics([
    telemetryCounter,
    'yiyang_ingest_shed_total',
    'yiyang_ingest_telemetry_queued',
    'yiyang_mqtt_rejected_total',
  ]);
  return { received: received!, shed: shed!, queued: queued!, rejected: rejected! };
}

async function throughHub(rig: Rig, qos: 0 | 1, rate?: number): Promise<Run> {
  await sleep(settleMs); // let the shedder forget the previous run
  const before = await hubCounters(rig.hub);
  await connectAll(rig, rig.hub.mqttUrl, false);
  const [hubCpu, loadMeter] = [cpuMeter(rig.hub.pid), cpuMeter(...rig.loads.map((l) => l.pid))];
  const seconds = rate ? pacedSeconds : runSeconds;
  const pushed = await publishAll(rig, qos, { total: cap, seconds, rate });
  // QoS 1: a PUBACK follows validation. QoS 0: each client's closing QoS 1 fence was acknowledged
  // after everything it sent before, so the hub had read all of it by `finishedAt`.
  const [brokerCpu, loadCpu] = [hubCpu(), loadMeter()];
  await Promise.all(rig.loads.map((load) => load.end()));
  const after = await hubCounters(rig.hub);
  const elapsed = (pushed.finishedAt - pushed.startedAt) / 1000;
  const shed = after.shed - before.shed;
  // Taken but not handled yet when the last PUBACK came (QoS 0: the fence may have been shed) is not passed on.
  const handled = after.received - before.received - shed - after.queued;
  return {
    broker: 'hub',
    qos,
    offered: rate,
    published: pushed.published,
    handled,
    seconds: round(elapsed, 3),
    msgsPerSecond: Math.round(handled / elapsed),
    publishRate: Math.round(pushed.published / elapsed),
    shed,
    rejected: after.rejected - before.rejected,
    brokerCpu,
    loadCpu,
    errors: pushed.errors,
  };
}

async function throughMosquitto(rig: Rig, qos: 0 | 1): Promise<Run> {
  const counter = await startRelayCounter(rig.mosquitto.port, 'care/+/telemetry', qos);
  try {
    await connectAll(rig, rig.mosquitto.url, true);
    const [brokerMeter, loadMeter] = [cpuMeter(rig.mosquitto.pid), cpuMeter(...rig.loads.map((l) => l.pid))];
    const pushed = await publishAll(rig, qos, { total: cap, seconds: runSeconds });
    await counter.waitFor(pushed.published, 3000);
    const [brokerCpu, loadCpu] = [brokerMeter(), loadMeter()];
    await Promise.all(rig.loads.map((load) => load.end()));
    const elapsed = (counter.lastAt - pushed.startedAt) / 1000;
    return {
      broker: 'mosquitto',
      qos,
      published: pushed.published,
      handled: counter.count,
      seconds: round(elapsed, 3),
      msgsPerSecond: Math.round(counter.count / elapsed),
      publishRate: Math.round(pushed.published / ((pushed.finishedAt - pushed.startedAt) / 1000)),
      brokerCpu,
      loadCpu,
      errors: pushed.errors,
    };
  } finally {
    await counter.stop();
  }
}

function describe(run: Run): string {
  const what = run.offered ? `paced ${run.offered}/s` : `QoS ${run.qos}`;
  const shed = run.shed ? ` (${run.shed} shed)` : '';
  return (
    `${what} ${run.broker}: ${run.handled}/${run.published}${shed} in ${run.seconds} s = ${run.msgsPerSecond} msg/s, ` +
    `cpu: broker ${run.brokerCpu}, load ${run.loadCpu}`
  );
}

function comparisonFigures(runs: Run[], qos: 0 | 1): { figures: Figure[]; summary: object } {
  const of = (broker: Run['broker']) =>
    runs.filter((r) => r.qos === qos && r.broker === broker && !r.offered && !r.capped);
  const [hubRuns, mosquittoRuns] = [of('hub'), of('mosquitto')];
  const ratios = hubRuns.map((h, i) => h.msgsPerSecond / mosquittoRuns[i]!.msgsPerSecond);
  const summary = {
    hubMsgsPerSecond: median(hubRuns.map((r) => r.msgsPerSecond)),
    hubAckedPerSecond: median(hubRuns.map((r) => r.publishRate)),
    hubShedPercent: round(median(hubRuns.map((r) => (100 * (r.shed ?? 0)) / r.published)), 1),
    mosquittoMsgsPerSecond: median(mosquittoRuns.map((r) => r.msgsPerSecond)),
    mosquittoIntakePerSecond: median(mosquittoRuns.map((r) => r.publishRate)),
    hubOverMosquitto: round(median(ratios), 2),
    ratiosPerRound: ratios.map((r) => round(r, 2)),
  };
  const intake = qos === 1 ? 'PUBACKs' : 'writes';
  const figures: Figure[] = [
    { label: `QoS ${qos} hub: validated and passed on`, value: summary.hubMsgsPerSecond, unit: 'msg/s' },
    { label: `QoS ${qos} hub: ${intake} incl. shed`, value: summary.hubAckedPerSecond, unit: 'msg/s' },
    { label: `QoS ${qos} hub: shed by its load shedder`, value: summary.hubShedPercent, unit: '%' },
    {
      label: `QoS ${qos} mosquitto: relayed to subscriber`,
      value: summary.mosquittoMsgsPerSecond,
      unit: 'msg/s',
    },
    { label: `QoS ${qos} mosquitto: ${intake}`, value: summary.mosquittoIntakePerSecond, unit: 'msg/s' },
    { label: `QoS ${qos} hub / mosquitto (passed on / relayed)`, value: summary.hubOverMosquitto, unit: '×' },
  ];
  return { figures, summary };
}

runBench('gateway-relay', async () => {
  pinSelf(1);
  const secret = 'bench-watch-secret';
  const watches: Credentials[] = Array.from({ length: loadCount * clientsPerLoad }, (_, i) => ({
    id: `w-${String(i + 1).padStart(4, '0')}`,
    secret,
  }));
  const dataDir = tempDataDir();
  const secretHash = await hashSecret(secret);
  await seedWatches(
    dataDir,
    watches.map((w) => ({ id: w.id, secretHash })),
  );
  // Ten clients stand for a whole fleet here: each may send as fast as it can (no per-device limit).
  const hub = await startHubProcess({ dataDir, env: { DEVICE_TELEMETRY_PER_S: '1000000' } });
  const mosquitto = await startMosquitto();
  const loads = await Promise.all(Array.from({ length: loadCount }, () => LoadProcess.start()));
  const rig: Rig = { hub, mosquitto, loads, watches: deal(watches, loadCount), payload: watchTelemetry() };
  log(`hub pid ${hub.pid}, mosquitto pid ${mosquitto.pid}, payload ${rig.payload.length} bytes`);

  const runs: Run[] = [];
  const record = (run: Run) => {
    log(describe(run));
    runs.push(run);
  };
  try {
    log(`warming up: ${warmUp} QoS 1 messages through each`);
    for (const [url, anonymous] of [
      [hub.mqttUrl, false],
      [mosquitto.url, true],
    ] as const) {
      await connectAll(rig, url, anonymous);
      await publishAll(rig, 1, { total: warmUp, seconds: 20 });
      await Promise.all(loads.map((load) => load.end()));
    }
    for (const qos of [1, 0] as const) {
      for (let round = 0; round < rounds; round++) {
        // Alternate who goes first, so that drift on this noisy machine falls on both.
        if (round % 2 === 0) record(await throughHub(rig, qos));
        record(await throughMosquitto(rig, qos));
        if (round % 2 === 1) record(await throughHub(rig, qos));
      }
    }
    for (const rate of pacedRates) record(await throughHub(rig, 1, rate));
    await hub.stop();
    // What a shed message costs with many messages a read: the same clients flooding a hub that sheds all.
    const capped = await startHubProcess({
      dataDir,
      env: { DEVICE_TELEMETRY_PER_S: '1000000', TELEMETRY_MAX_PER_S: '1' },
    });
    try {
      record({ ...(await throughHub({ ...rig, hub: capped }, 0)), capped: true });
    } finally {
      await capped.stop();
    }
  } finally {
    await Promise.all(loads.map((l) => l.stop()));
    await mosquitto.stop();
    await hub.stop();
  }

  const qos1 = comparisonFigures(runs, 1);
  const qos0 = comparisonFigures(runs, 0);
  const paced = runs.filter((r) => r.offered);
  const flood = runs.find((r) => r.capped);
  // Taken whole: next to nothing shed, and passed on at the offered pace (a backlog is not "taken").
  const firstMiss = paced.findIndex(
    (r) => (r.shed ?? 0) > 0.01 * r.published || r.msgsPerSecond < 0.95 * r.offered!,
  );
  const wholeUpTo = firstMiss === 0 ? 0 : paced[(firstMiss < 0 ? paced.length : firstMiss) - 1]!.offered!;
  const figures: Figure[] = [
    ...qos1.figures,
    ...qos0.figures,
    ...paced.map((r) => ({
      label: `hub paced QoS 1, offered ${r.offered! / 1000}k msg/s: passed on (shed %)`,
      value: r.msgsPerSecond,
      unit: `msg/s (${round((100 * (r.shed ?? 0)) / r.published, 1)} % shed)`,
    })),
    {
      label: 'hub: taken whole (≤ 1 % shed, ≥ 95 % of the pace) at every rate up to',
      value: wholeUpTo,
      unit: 'msg/s',
      track: { key: 'paced.wholeUpTo', worse: 'lower' },
    },
    ...(flood
      ? [
          {
            label:
              'CPU per shed message, 10 clients flooding QoS 0 (many messages a read), hub capped at 1 msg/s',
            value: round((flood.brokerCpu * flood.seconds * 1e6) / Math.max(1, flood.shed ?? 0), 2),
            unit: `µs (${flood.shed} shed in ${flood.seconds} s, hub ${flood.brokerCpu} cores)`,
            track: { key: 'shed.floodMicrosPerMessage', worse: 'higher' as const },
          },
        ]
      : []),
  ];
  return {
    title: 'Gateway ingest vs mosquitto relay (same load), and hub capacity before shedding',
    figures,
    notes: [
      `${loadCount} load processes × ${clientsPerLoad} mqtt.js clients on core 1, broker on core 0; ` +
        `${rig.payload.length}-byte watch telemetry to care/<id>/telemetry.`,
      `Comparison: ${runSeconds}-s runs as fast as acknowledged (QoS 1, up to ${window} unacknowledged per client) ` +
        'or as fast as each socket drains (QoS 0; the hub run ends at the PUBACK of one QoS 1 fence per client).',
      'Hub: provisioned watches, nobody subscribes; "passed on" leaves out what its load shedder acknowledged but ' +
        'dropped unparsed (yiyang_ingest_shed_total). mosquitto: anonymous, max_inflight/queued 0, ' +
        'mosquitto_sub (core 1) counts deliveries. Medians over rounds; the ratio is the median of per-round ratios.',
      `Paced: QoS 1 at a fixed offered rate for ${pacedSeconds} s (open loop, as real devices send), ` +
        `each hub run after ${settleMs / 1000} s of calm so that the shedder starts from zero.`,
      'Shed cost: a second hub with TELEMETRY_MAX_PER_S=1 (all but one message a second shed), the ten clients ' +
        'flooding QoS 0 for 3 s: hub CPU / messages shed (the idle hub included).',
    ],
    details: {
      rounds,
      runSeconds,
      window,
      payloadBytes: rig.payload.length,
      summary: { qos1: qos1.summary, qos0: qos0.summary },
      runs,
    },
  };
});
