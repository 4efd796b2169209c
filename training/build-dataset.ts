/**
 * Builds the fall model's training table by streaming recordings through the detector's
 * own windowing and feature code (inference/fall), so training sees exactly what the hub
 * computes. Rows are candidate windows (slot peaks above the pre-filter):
 *   label 1: a fall trial's window aligned within ±0.5 s of the impact,
 *   label 0: any window of a daily-activity trial,
 *   label 0: a fall trial's window more than 1 s before the impact (3 s for slow slides and
 *            falls onto furniture): what the wearer did before falling,
 *   label -1: other windows of fall trials (just before or after the impact; left out).
 * Recordings also get tails (stillness or more of the same activity) so that windows near
 * their end are seen with what follows, as the hub sees them.
 *
 * npx tsx training/build-dataset.ts --data DIR[,DIR…] --out DIR [--variants 5] [--synthetic 1]
 * Writes X.f32 (rows × features, float32 little-endian) and rows.csv; with --channels each
 * row also carries the window itself after the features (WindowChannels), for
 * transfer-probe.py. Several datasets may be given; a recorded trial's subject is named
 * `dataset/subject` (the folder's name), since datasets number their volunteers alike.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { RowWriter } from '../inference/fall/aligned-window.js';
import { FallBatch } from '../inference/fall/batch.js';
import { readFallTrials } from '../inference/fall/falls-data.js';
import { FallFeatures, FEATURE_NAMES, FEATURE_VERSION } from '../inference/fall/features.js';
import { FALL_WINDOW } from '../inference/fall/spec.js';
import { FallStream } from '../inference/fall/stream.js';
import { peakTimeMs, scanRecording } from '../inference/fall/trial-scan.js';
import { commandOptions } from '../kernel/command-options.js';
import { ADL_KINDS, FALL_KINDS, FallMotionSimulator, MotionRandom } from '../simulators/fall-motion.js';
import { applyWatchProfile, drawWatchProfile, type Recording, watchTransforms } from './augment.js';
import { CHANNEL_NAMES, WindowChannels } from './window-channels.js';

const args = commandOptions(
  {
    options: {
      data: { type: 'string', default: '../shared/data/falls/umafall-wrist' },
      out: { type: 'string', default: '/tmp/yiyang-falls/dataset' },
      variants: { type: 'string', default: '5' },
      synthetic: { type: 'string', default: '1' },
      seed: { type: 'string', default: '1' },
      channels: { type: 'boolean', default: false },
    },
  },
  'usage: build-dataset [--data DIR,DIR] [--out DIR] [--variants 5] [--synthetic 1] [--seed 1] [--channels]',
);

interface RowMeta {
  label: number;
  trial: string;
  group: string;
  origin: string;
  variant: number;
  activity: string;
  elderly: number;
  rateHz: number;
  peakG: number;
  dtMs: number;
}

/**
 * A fall trial's candidates more than this before the impact are what the wearer did before
 * falling (walking, standing up): negatives, so that the detector does not alarm early.
 */
const PRE_FALL_MS = 1000;
/** Same for synthetic slow slides and falls onto furniture, whose descent or first contact
 * comes up to 2.6 s before the impact that ends them. */
const PRE_FALL_SLOW_MS = 3000;

const hand = new FallFeatures(FALL_WINDOW);
// with --channels: the hand features followed by the window itself (transfer-probe.py's CNN)
const channels = args.channels ? new WindowChannels(FALL_WINDOW) : undefined;
const features: RowWriter = channels
  ? {
      count: hand.count + channels.count,
      writeFromRing(ring, peakAbs, out, offset) {
        hand.writeFromRing(ring, peakAbs, out, offset);
        channels.writeFromRing(ring, peakAbs, out, offset + hand.count);
      },
    }
  : hand;
const F = features.count;
const chunks: Float32Array[] = [];
const rows: RowMeta[] = [];
const batch = new FallBatch(F, 1024);
const trialList: string[] = [];

/** Streams one recording and records its candidate rows. */
function addRecording(
  r: Recording,
  impactMs: number | null,
  meta: Omit<RowMeta, 'label' | 'peakG' | 'dtMs'>,
  preFallMs = PRE_FALL_MS,
): void {
  trialList.push(
    [
      meta.trial,
      meta.variant,
      meta.origin,
      meta.group,
      meta.activity,
      impactMs === null ? 0 : 1,
      meta.elderly,
    ].join(','),
  );
  batch.clear();
  scanRecording(r, new FallStream({ spec: FALL_WINDOW, features }), batch);
  chunks.push(batch.rows().slice());
  for (let i = 0; i < batch.size; i++) {
    const dt = impactMs === null ? Number.NaN : batch.peakMs[i]! - impactMs;
    const label = impactMs === null ? 0 : Math.abs(dt) <= 500 ? 1 : dt < -preFallMs ? 0 : -1;
    rows.push({ ...meta, label, peakG: batch.peakG[i]!, dtMs: Number.isNaN(dt) ? 0 : Math.round(dt) });
  }
}

const seed = Number(args.seed);
const rng = new MotionRandom(seed);
const variants = Number(args.variants);

// recorded trials: the original and `variants` watch profiles each
const trials = (
  await Promise.all(
    args.data!.split(',').map(async (dir) => {
      const name = basename(dir.replace(/\/+$/, ''));
      return (await readFallTrials(dir)).map((t) => ({
        ...t,
        trial: `${name}/${t.trial}`,
        subject: `${name}/${t.subject}`,
      }));
    }),
  )
).flat();
for (const t of trials) {
  const rec: Recording = t;
  const impact = t.label === 'fall' ? peakTimeMs(rec) : null;
  const base = { trial: t.trial, group: t.subject, origin: 'rec', activity: t.activity, elderly: 0 };
  addRecording(rec, impact, { ...base, variant: 0, rateHz: 20 });
  for (let v = 1; v <= variants; v++) {
    const p = drawWatchProfile(rng);
    const r = applyWatchProfile(rec, p, rng);
    addRecording(r, impact === null ? null : (impact - rec.tMs[0]!) * p.stretch, {
      ...base,
      variant: v,
      rateHz: p.rateHz ?? 20,
      elderly: p.stretch > 1 || p.soften < 1 ? 1 : 0,
    });
  }
  // as a 25 Hz watch streams it in the hub, followed by a still wrist whose last reading
  // repeats (the recording stops; the wearer stands or lies still)
  const held = watchTransforms.toRate(watchTransforms.tail(rec, 'hold', 6, 0, rng), 25, 0, rng);
  addRecording(held, impact, { ...base, variant: variants + 1, rateHz: 25 });
}
console.error(`recorded: ${trials.length} trials, ${rows.length} rows`);

// synthetic trials: every kind, many rates, ranges and wearers (half of them older)
const scale = Number(args.synthetic);
const sim = new FallMotionSimulator(seed * 7919 + 13);
const rates = [10, 12.5, 20, 25, 25, 30, 40, 50, 50, 60, 100, 200];
let synth = 0;
const plan: [string, number][] = [
  ...FALL_KINDS.map((k): [string, number] => [k, Math.round(300 * scale)]),
  // sitting down heavily is the daily activity closest to an older person's fall onto a
  // chair at the wrist (an impact, then seated): three times as many, of every wearer
  ...ADL_KINDS.map((k): [string, number] => [k, Math.round((k === 'sitting_heavily' ? 360 : 120) * scale)]),
];
for (const [kind, count] of plan) {
  for (let i = 0; i < count; i++) {
    const elderly = rng.next() < 0.5;
    const rateHz = rng.pick(rates);
    const trial = sim.generate({
      kind: kind as (typeof FALL_KINDS)[number],
      rateHz,
      elderly,
      durationS: rng.range(12, 25),
      rangeG: rng.pick([4, 8, 8, 16]),
      noiseG: rng.range(0.003, 0.03),
      jitter: rng.range(0, 0.3),
      dropout: rng.range(0, 0.03),
      heldOut: 'exclude', // HELD_OUT bands stay unseen, for the held-out synthetic test
    });
    // half of them go on after the generated span: still, or more of the same
    const u = rng.next();
    const tailed =
      u < 0.5
        ? trial
        : watchTransforms.tail(
            trial,
            u < 0.65 ? 'hold' : u < 0.85 ? 'rest' : 'mirror',
            rng.range(4, 8),
            rng.range(0, 0.02),
            rng,
          );
    const slow = trial.mechanism === 'slide' || trial.mechanism === 'furniture';
    addRecording(
      tailed,
      trial.impactMs,
      {
        trial: `syn${synth}`,
        group: `syn${synth % 6}`,
        origin: 'syn',
        variant: 0,
        activity: kind,
        elderly: elderly ? 1 : 0,
        rateHz,
      },
      slow ? PRE_FALL_SLOW_MS : PRE_FALL_MS,
    );
    synth++;
  }
}
console.error(`synthetic: ${synth} trials; total ${rows.length} rows`);

await mkdir(args.out!, { recursive: true });
const X = new Float32Array(rows.length * F);
let o = 0;
for (const c of chunks) {
  X.set(c, o);
  o += c.length;
}
await writeFile(join(args.out!, 'X.f32'), Buffer.from(X.buffer));
const head = 'label,trial,group,origin,variant,activity,elderly,rate_hz,peak_g,dt_ms';
const body = rows.map((r) =>
  [
    r.label,
    r.trial,
    r.group,
    r.origin,
    r.variant,
    r.activity,
    r.elderly,
    r.rateHz,
    r.peakG.toFixed(3),
    r.dtMs,
  ].join(','),
);
await writeFile(join(args.out!, 'rows.csv'), `${head}\n${body.join('\n')}\n`);
await writeFile(
  join(args.out!, 'trials.csv'),
  `trial,variant,origin,group,activity,fall,elderly\n${trialList.join('\n')}\n`,
);
await writeFile(
  join(args.out!, 'features.json'),
  JSON.stringify(
    {
      featureVersion: FEATURE_VERSION,
      names: FEATURE_NAMES,
      window: FALL_WINDOW,
      ...(channels ? { channels: CHANNEL_NAMES, channelLength: channels.length } : {}),
    },
    null,
    2,
  ),
);
console.error(`wrote ${rows.length} rows × ${F} features to ${args.out}`);
