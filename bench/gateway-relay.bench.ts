/**
 * The same QoS 1 (and QoS 0) watch telemetry pushed through the hub's gateway, which authenticates,
 * validates and ingests each message (nobody subscribes), and through mosquitto, which relays each
 * to a subscriber that counts them. Brokers on core 0, load processes and the subscriber on core 1.
 */
import { hashSecret } from '../store/secret-hash.js';
import { type HubProcess, startHubProcess, tempDataDir } from './lib/hub-process.js';
import { type Credentials, deal, LoadProcess, type PublishReply } from './lib/load.js';
import { type Mosquitto, startMosquitto, startRelayCounter } from './lib/mosquitto.js';
import { log } from './lib/processes.js';
import { type Figure, runBench } from './lib/result.js';
import { seedWatches } from './lib/seed.js';
import { median, round } from './lib/stats.js';

const loadCount = 2;
const clientsPerLoad = 5;
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
const plan = {
  1: { total: 100_000, maxSeconds: 20, window: 100 },
  0: { total: 200_000, maxSeconds: 20, window: 0 },
} as const;
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
  /** What the load processes published (QoS 1: had acknowledged) and what the broker took in or relayed. */
  published: number;
  handled: number;
  seconds: number;
  msgsPerSecond: number;
  /** The load processes' own rate, up to their last PUBACK or write. */
  publishRate: number;
  rejected?: number;
  errors: string[];
}

interface Rig {
  hub: HubProcess;
  mosquitto: Mosquitto;
  loads: LoadProcess[];
  watches: Credentials[][];
  payload: string;
}

/** Connects every load process's clients, publishes, disconnects; returns the combined replies. */
async function push(rig: Rig, url: string, anonymous: boolean, qos: 0 | 1) {
  const { total, maxSeconds, window } = plan[qos];
  const clients = rig.loads.length * clientsPerLoad;
  await Promise.all(
    rig.loads.map((load, k) =>
      load.connect({
        url,
        clients: rig.watches[k]!.map((w) => (anonymous ? { id: w.id } : w)),
        connectTimeoutMs: 10_000,
      }),
    ),
  );
  const until = Date.now() + maxSeconds * 1000;
  const replies: PublishReply[] = await Promise.all(
    rig.loads.map((load) =>
      load.publish({
        qos,
        perClient: Math.ceil(total / clients),
        until,
        window,
        payload: rig.payload,
        fence: qos === 0,
      }),
    ),
  );
  await Promise.all(rig.loads.map((load) => load.end()));
  const sum = (key: 'sent' | 'acked' | 'fences') => replies.reduce((s, r) => s + r[key], 0);
  return {
    published: qos === 1 ? sum('acked') : sum('sent') + sum('fences'),
    startedAt: Math.min(...replies.map((r) => r.startedAt)),
    finishedAt: Math.max(...replies.map((r) => r.finishedAt)),
    errors: replies.flatMap((r) => r.errors),
  };
}

async function throughHub(rig: Rig, qos: 0 | 1): Promise<Run> {
  const [inBefore, rejectedBefore] = [
    await rig.hub.metric(telemetryCounter),
    await rig.hub.metric('yiyang_mqtt_rejected_total'),
  ];
  const pushed = await push(rig, rig.hub.mqttUrl, false, qos);
  // QoS 1: a PUBACK follows validation. QoS 0: each client's closing QoS 1 fence was acknowledged
  // after everything it sent before, so the hub had read all of it by `finishedAt`.
  const seconds = (pushed.finishedAt - pushed.startedAt) / 1000;
  const handled = (await rig.hub.metric(telemetryCounter)) - inBefore;
  return {
    broker: 'hub',
    qos,
    published: pushed.published,
    handled,
    seconds: round(seconds, 3),
    msgsPerSecond: Math.round(handled / seconds),
    publishRate: Math.round(pushed.published / seconds),
    rejected: (await rig.hub.metric('yiyang_mqtt_rejected_total')) - rejectedBefore,
    errors: pushed.errors,
  };
}

async function throughMosquitto(rig: Rig, qos: 0 | 1): Promise<Run> {
  const counter = await startRelayCounter(rig.mosquitto.port, 'care/+/telemetry', qos);
  try {
    const pushed = await push(rig, rig.mosquitto.url, true, qos);
    await counter.waitFor(pushed.published, 3000);
    const seconds = (counter.lastAt - pushed.startedAt) / 1000;
    return {
      broker: 'mosquitto',
      qos,
      published: pushed.published,
      handled: counter.count,
      seconds: round(seconds, 3),
      msgsPerSecond: Math.round(counter.count / seconds),
      publishRate: Math.round(pushed.published / ((pushed.finishedAt - pushed.startedAt) / 1000)),
      errors: pushed.errors,
    };
  } finally {
    await counter.stop();
  }
}

runBench('gateway-relay', async () => {
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
  const hub = await startHubProcess({ dataDir });
  const mosquitto = await startMosquitto();
  const loads = await Promise.all(Array.from({ length: loadCount }, () => LoadProcess.start()));
  const rig: Rig = { hub, mosquitto, loads, watches: deal(watches, loadCount), payload: watchTelemetry() };
  log(`hub pid ${hub.pid}, mosquitto pid ${mosquitto.pid}, payload ${rig.payload.length} bytes`);

  const runs: Run[] = [];
  try {
    for (const qos of [1, 0] as const) {
      for (let round = 0; round < rounds; round++) {
        // Alternate who goes first, so that drift on this noisy machine falls on both.
        const order = round % 2 === 0 ? [throughHub, throughMosquitto] : [throughMosquitto, throughHub];
        for (const through of order) {
          const run = await through(rig, qos);
          log(`QoS ${qos} ${run.broker}: ${run.handled}/${run.published} in ${run.seconds} s = ${run.msgsPerSecond} msg/s`);
          runs.push(run);
        }
      }
    }
  } finally {
    await Promise.all(loads.map((l) => l.stop()));
    await mosquitto.stop();
    await hub.stop();
  }

  const figures: Figure[] = [];
  const summary: Record<string, unknown> = {};
  for (const qos of [1, 0] as const) {
    const rate = (broker: Run['broker']) =>
      runs.filter((r) => r.qos === qos && r.broker === broker).map((r) => r.msgsPerSecond);
    const [hubRates, mosquittoRates] = [rate('hub'), rate('mosquitto')];
    const ratios = hubRates.map((h, i) => h / mosquittoRates[i]!);
    const entry = {
      hubMsgsPerSecond: median(hubRates),
      mosquittoMsgsPerSecond: median(mosquittoRates),
      hubOverMosquitto: round(median(ratios), 2),
      ratiosPerRound: ratios.map((r) => round(r, 2)),
    };
    summary[`qos${qos}`] = entry;
    figures.push(
      { label: `QoS ${qos} hub gateway (ingest)`, value: entry.hubMsgsPerSecond, unit: 'msg/s' },
      { label: `QoS ${qos} mosquitto relay`, value: entry.mosquittoMsgsPerSecond, unit: 'msg/s' },
      { label: `QoS ${qos} hub / mosquitto`, value: entry.hubOverMosquitto, unit: '×' },
    );
  }
  return {
    title: 'Gateway ingest vs mosquitto relay (same load)',
    figures,
    notes: [
      `${loadCount} load processes × ${clientsPerLoad} mqtt.js clients on core 1, broker on core 0; ` +
        `${rig.payload.length}-byte watch telemetry to care/<id>/telemetry.`,
      `QoS 1: ${plan[1].total} messages per run (or ${plan[1].maxSeconds} s), up to ${plan[1].window} unacknowledged per client; ` +
        'the hub rate counts PUBACKs (each after validation), mosquitto counts deliveries to a QoS 1 subscriber.',
      `QoS 0: ${plan[0].total} messages per run (or ${plan[0].maxSeconds} s), written as fast as each socket drains; ` +
        'the hub run ends at the PUBACK of one QoS 1 fence per client, mosquitto at the last delivery.',
      'Hub: provisioned watches, nobody subscribes. mosquitto: anonymous, max_inflight/queued 0, ' +
        'mosquitto_sub (core 1) counts. Rates are medians over rounds; the ratio is the median of per-round ratios.',
    ],
    details: { rounds, plan, payloadBytes: rig.payload.length, summary, runs },
  };
});
