/**
 * Inference figures, in one run:
 *  1. windows/s of the fall model with batches of 256 and 1024 windows vs one window per
 *     `session.run` (one session, one thread, the hub's detector code), measured side by side;
 *  2. the main thread's event-loop delay while the inference pool takes 10,000 watches
 *     streaming 25 Hz acceleration (one reading a watch a second, generated in this process
 *     from a few pre-built one-second payloads, through ingest's hot windows as in the hub);
 *  3. among those watches, some replay a recorded fall: the time from the reading carrying the
 *     impact being published on the readings channel to the alarm leaving the pool, and the
 *     part of it after the reading that completed the detector's 4 s look-ahead.
 *
 *   npx tsx bench/inference.bench.ts [--watches 10000] [--seconds 20] [--falls DIR]
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { FallBatch, FallDetector, FallFeatures, FallStream } from '../inference/fall/index.js';
import { type FallModelAlarm, InferencePool } from '../inference/pool/index.js';
import { type AccelSecond, impactSecond, watchSeconds } from '../inference/pool/watch-replay.js';
import { HotWindows } from '../ingest/hot-windows.js';
import type { Reading } from '../ingest/readings.js';
import { Channel } from '../kernel/channel.js';
import { FallMotionSimulator } from '../simulators/fall-motion.js';
import { type Figure, runBench } from './lib/result.js';
import { median, percentile, round } from './lib/stats.js';

const { values: args } = parseArgs({
  options: {
    watches: { type: 'string', default: '10000' },
    seconds: { type: 'string', default: '20' },
    falls: { type: 'string', default: '../shared/data/falls/umafall-wrist' },
  },
});
const WATCHES = Number(args.watches);
const SECONDS = Number(args.seconds);
const MODEL = fileURLToPath(new URL('../inference/models/fall.onnx', import.meta.url));
const HZ = 25;
/** Every FALL_EVERY-th watch replays the fall once. */
const FALL_EVERY = 250;
const WARM_UP_S = 3;

// ---------------------------------------------------------------- 1. batched vs one by one

/** Feature rows of real candidate windows (synthetic motion through the hub's stream code). */
function candidateRows(detector: FallDetector, features: FallFeatures, n: number): Float32Array {
  const batch = new FallBatch(features.count, n);
  const kinds = [
    'walking',
    'clapping',
    'fall_forward',
    'sitting_heavily',
    'fall_lateral',
    'hopping',
  ] as const;
  for (let seed = 1; batch.size < n; seed++) {
    const t = new FallMotionSimulator(seed).generate({ kind: kinds[seed % kinds.length]!, rateHz: 50 });
    const stream = new FallStream({ spec: detector.window, features });
    for (let i = 0; i < t.tMs.length; i++) stream.push(t.tMs[i]!, t.x[i]!, t.y[i]!, t.z[i]!, batch);
  }
  return batch.rows().slice(0, n * features.count);
}

function batchOf(rows: Float32Array, size: number, features: FallFeatures, owner: FallStream): FallBatch {
  const batch = new FallBatch(features.count, size);
  for (let i = 0; i < size; i++) batch.reserve(owner, 0, 0);
  batch.input.set(rows.subarray(0, size * features.count));
  return batch;
}

async function windowsPerSecond(detector: FallDetector, batch: FallBatch, ms: number): Promise<number> {
  let windows = 0;
  const started = performance.now();
  while (performance.now() - started < ms) {
    await detector.score(batch);
    windows += batch.size;
  }
  return windows / ((performance.now() - started) / 1000);
}

async function batching(): Promise<Record<'one' | 'b256' | 'b1024', number>> {
  const detector = await FallDetector.open(MODEL);
  const features = new FallFeatures(detector.window);
  const rows = candidateRows(detector, features, 1024);
  const owner = new FallStream({ spec: detector.window, features });
  const sizes = { one: 1, b256: 256, b1024: 1024 } as const;
  const runs: Record<keyof typeof sizes, number[]> = { one: [], b256: [], b1024: [] };
  const batches = Object.fromEntries(
    Object.entries(sizes).map(([k, n]) => [k, batchOf(rows, n, features, owner)]),
  ) as Record<keyof typeof sizes, FallBatch>;
  for (const k of Object.keys(sizes) as (keyof typeof sizes)[])
    await windowsPerSecond(detector, batches[k], 300);
  // interleaved rounds: both sides see the same machine state
  for (let round = 0; round < 3; round++) {
    for (const k of Object.keys(sizes) as (keyof typeof sizes)[]) {
      runs[k].push(await windowsPerSecond(detector, batches[k], 700));
    }
  }
  await detector.close();
  return { one: median(runs.one), b256: median(runs.b256), b1024: median(runs.b1024) };
}

// ---------------------------------------------------------------- 2. and 3. the pool under a fleet

function fallSeconds(): { seconds: AccelSecond[]; source: string } {
  const dir = args.falls!;
  if (existsSync(join(dir, 'samples.csv'))) {
    // UMAFall trial 56: subject 02, forward fall (~20 Hz, replayed at 25 Hz)
    const rec = { tMs: [] as number[], x: [] as number[], y: [] as number[], z: [] as number[] };
    for (const line of readFileSync(join(dir, 'samples.csv'), 'utf8').split('\n')) {
      if (!line.startsWith('56,')) continue;
      const c = line.split(',');
      rec.tMs.push(Number(c[1]));
      rec.x.push(Number(c[2]));
      rec.y.push(Number(c[3]));
      rec.z.push(Number(c[4]));
    }
    return { seconds: watchSeconds(rec, HZ, 6), source: 'UMAFall trial 56 (forward fall)' };
  }
  const t = new FallMotionSimulator(3).generate({ kind: 'fall_forward', rateHz: HZ, durationS: 15 });
  return { seconds: watchSeconds(t, HZ, 6), source: 'synthetic forward fall (seed 3)' };
}

interface FleetResult {
  loopDelay: { p50: number; p99: number; max: number; mean: number };
  eventLoopUtilization: number;
  processCores: number;
  readingsPerSecond: number;
  samplesPerSecond: number;
  falls: number;
  detected: number;
  falseAlarms: number;
  totalMs: number[];
  afterLookAheadMs: number[];
  pool: ReturnType<InferencePool['stats']>;
  fallSource: string;
}

async function fleet(): Promise<FleetResult> {
  const readings = new Channel<Reading>((e) => console.error(e));
  const alarms = new Channel<FallModelAlarm>((e) => console.error(e));
  const hotWindows = new HotWindows();
  readings.subscribe((r) => hotWindows.add(r)); // ingest's subscriber, as in the hub
  const pool = new InferencePool({ readings, hotWindows, alarms, logger: pino({ level: 'warn' }) });
  await pool.start();

  // pre-built one-second payloads, shared by every watch: at rest, walking (every 5th watch)
  const sim = (kind: 'standing' | 'walking', seed: number) =>
    watchSeconds(new FallMotionSimulator(seed).generate({ kind, rateHz: HZ, durationS: 20 }), HZ);
  const rest = sim('standing', 21).slice(0, 20);
  const walking = sim('walking', 22).slice(0, 20);
  const fall = fallSeconds();
  const impact = impactSecond(fall.seconds);

  // fall watches: each replays the fall once, starting at a staggered second
  const fallStart = new Map<number, number>();
  // the last falls start early enough for their alarm (impact + 4.5 s) to come within the run
  const starts = Math.max(1, SECONDS - impact - 7 - WARM_UP_S + 1);
  for (let w = 0, k = 0; w < WATCHES; w += FALL_EVERY, k++) fallStart.set(w, WARM_UP_S + (k % starts));
  const impactAt = new Map<string, number>();
  const published = new Map<string, number[]>(); // publish times of the fall watches' readings
  const alarmAt = new Map<string, number>();
  let falseAlarms = 0;
  alarms.subscribe((a) => {
    if (impactAt.has(a.deviceId) && !alarmAt.has(a.deviceId)) alarmAt.set(a.deviceId, performance.now());
    else falseAlarms++;
  });

  const ids = Array.from({ length: WATCHES }, (_, i) => `w-${String(i).padStart(5, '0')}`);
  const epoch = Date.now();
  const started = performance.now();
  let sent = 0; // readings published so far; reading n is watch n % WATCHES in second ⌊n / WATCHES⌋
  const total = WATCHES * SECONDS;
  let eluStart = performance.eventLoopUtilization();
  let cpuStart = process.cpuUsage();
  let measuredFrom = started;
  let measuredReadings = 0;

  await new Promise<void>((resolve) => {
    const generator = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * WATCHES));
      for (; sent < due; sent++) {
        const w = sent % WATCHES;
        const second = Math.floor(sent / WATCHES);
        if (w === 0 && second === WARM_UP_S) {
          pool.resetEventLoopDelay();
          eluStart = performance.eventLoopUtilization();
          cpuStart = process.cpuUsage();
          measuredFrom = performance.now();
          measuredReadings = 0;
        }
        const start = fallStart.get(w);
        const into = start === undefined ? -1 : second - start;
        let accel: AccelSecond;
        if (into >= 0 && into < fall.seconds.length) accel = fall.seconds[into]!;
        else accel = w % 5 === 0 ? walking[second % 20]! : rest[second % 20]!;
        const ts = epoch + second * 1000 + Math.floor((w / WATCHES) * 1000);
        const id = ids[w]!;
        readings.publish({
          deviceId: id,
          deviceType: 'watch',
          elderId: null,
          ts,
          receivedAt: ts,
          clockSkewed: false,
          data: { ts, accel },
        });
        measuredReadings++;
        if (start !== undefined) {
          const now = performance.now();
          let times = published.get(id);
          if (times === undefined) {
            times = [];
            published.set(id, times);
          }
          times.push(now);
          if (into === impact) impactAt.set(id, now);
        }
      }
      if (sent >= total) {
        clearInterval(generator);
        resolve();
      }
    }, 10);
  });
  const elu = performance.eventLoopUtilization(eluStart).utilization;
  const wallS = (performance.now() - measuredFrom) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const loopDelay = pool.eventLoopDelay();
  await pool.drain(10_000);
  const stats = pool.stats();
  await pool.stop();

  const totalMs: number[] = [];
  const afterLookAheadMs: number[] = [];
  for (const [id, at] of alarmAt) {
    const impactPublished = impactAt.get(id);
    if (impactPublished === undefined) continue;
    totalMs.push(at - impactPublished);
    // the reading that completed the look-ahead: the last one of this watch before the alarm
    const before = published.get(id)!.filter((t) => t <= at);
    afterLookAheadMs.push(at - before[before.length - 1]!);
  }
  return {
    loopDelay,
    eventLoopUtilization: round(elu, 3),
    processCores: round((cpu.user + cpu.system) / 1e6 / wallS, 2),
    readingsPerSecond: Math.round(measuredReadings / wallS),
    samplesPerSecond: Math.round((measuredReadings * HZ) / wallS),
    falls: impactAt.size,
    detected: totalMs.length,
    falseAlarms,
    totalMs,
    afterLookAheadMs,
    pool: stats,
    fallSource: fall.source,
  };
}

runBench('inference', async () => {
  const b = await batching();
  const ratio256 = b.b256 / b.one;
  const ratio1024 = b.b1024 / b.one;
  const f = await fleet();
  const ms = (v: number) => round(v, 1);
  const figures: Figure[] = [
    { label: 'windows/s, one window per session.run', value: Math.round(b.one), unit: 'windows/s' },
    { label: 'windows/s, batches of 256', value: Math.round(b.b256), unit: 'windows/s' },
    { label: 'windows/s, batches of 1024', value: Math.round(b.b1024), unit: 'windows/s' },
    { label: 'batch 256 vs one per run', value: round(ratio256, 1), unit: '×' },
    { label: 'batch 1024 vs one per run', value: round(ratio1024, 1), unit: '×' },
    { label: `event-loop delay p99, ${WATCHES} watches at 25 Hz`, value: f.loopDelay.p99, unit: 'ms' },
    { label: 'event-loop delay max', value: f.loopDelay.max, unit: 'ms' },
    { label: 'impact reading → alarm, median', value: ms(median(f.totalMs)), unit: 'ms' },
    { label: 'impact reading → alarm, max', value: ms(Math.max(...f.totalMs)), unit: 'ms' },
    { label: 'look-ahead complete → alarm, median', value: ms(median(f.afterLookAheadMs)), unit: 'ms' },
    { label: 'look-ahead complete → alarm, p99', value: ms(percentile(f.afterLookAheadMs, 99)), unit: 'ms' },
  ];
  const summary = [
    'Inference bench',
    `  fall model, one session, one thread: ${Math.round(b.one)} windows/s one per run, ` +
      `${Math.round(b.b256)} with batches of 256 (${round(ratio256, 1)}×), ` +
      `${Math.round(b.b1024)} with 1024 (${round(ratio1024, 1)}×)`,
    `  ${WATCHES} watches, ${f.readingsPerSecond} readings/s, ${f.samplesPerSecond} samples/s, ` +
      `${f.pool.workers} worker(s), ${SECONDS} s (${WARM_UP_S} s warm-up not measured):`,
    `    main-thread event-loop delay p50 ${f.loopDelay.p50} ms, p99 ${f.loopDelay.p99} ms, max ${f.loopDelay.max} ms; ` +
      `main-thread utilisation ${f.eventLoopUtilization}, process ${f.processCores} cores`,
    `    ${f.pool.windows} windows scored in ${f.pool.runs} runs (${round(f.pool.inferenceMs)} ms of inference), ` +
      `${f.pool.batches} batches, ${f.pool.droppedSamples} samples dropped`,
    `  falls (${f.fallSource}): ${f.detected}/${f.falls} detected, ${f.falseAlarms} alarms from the other watches`,
    `    impact reading → alarm: median ${ms(median(f.totalMs))} ms, max ${ms(Math.max(...f.totalMs))} ms ` +
      '(includes the 4 s look-ahead and the watch sending one reading a second)',
    `    reading completing the look-ahead → alarm: median ${ms(median(f.afterLookAheadMs))} ms, ` +
      `p99 ${ms(percentile(f.afterLookAheadMs, 99))} ms (batching every 100 ms + worker + model)`,
  ];
  for (const line of summary) console.log(line);
  return {
    title: 'Fall inference: batching, event loop under a fleet, impact-to-alarm latency',
    figures,
    notes: [
      'Batching: the hub’s FallDetector.score on real candidate windows, one onnxruntime session with intraOpNumThreads 1, sizes interleaved over 3 rounds, median.',
      `Fleet: generated in the bench's main thread (its cost counts in the delay), readings through ingest's HotWindows and the pool; ${100 / 5}% of watches walking, the rest at rest, one in ${FALL_EVERY} replays a fall.`,
      'Impact → alarm counts from the publish of the reading holding the impact sample; the watch itself sends once a second, so the sample is up to 1 s older.',
    ],
    details: {
      batching: b,
      ratio256,
      ratio1024,
      fleet: { ...f, totalMs: f.totalMs.map(ms), afterLookAheadMs: f.afterLookAheadMs.map(ms) },
    },
  };
});
