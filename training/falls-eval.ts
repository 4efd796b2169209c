/**
 * Scores a falls dataset (DIR/trials.csv + DIR/samples.csv, see ../shared/data/falls/README.md)
 * with the hub's own detector code: every trial is streamed sample by sample through a
 * FallStream, its candidate windows are scored by FallDetector and the decision rule
 * (threshold, refractory period) is applied. A fall trial is detected when the detector fires no
 * earlier than 1 s before its impact (an alarm earlier than that fired on what the wearer did before
 * falling: it is counted as a false alarm on that motion, not as the fall's detection); an activity
 * trial is a false alarm when the detector fires at all. Printed: each activity's share alarmed, the
 * early alarms, and when each detected fall's first alarm came relative to its impact. The last line
 * printed is one JSON object.
 *
 *   npx tsx training/falls-eval.ts --data DIR
 *       final model (inference/models/fall.onnx)
 *   npx tsx training/falls-eval.ts --data DIR --cv inference/models/folds/manifest.json
 *       each trial scored by the fold model that never saw its subject
 *   --watch HZ      replay every trial as another watch would give it: a random orientation on
 *                   the wrist and HZ sampling with jittered timestamps (generalisation check)
 *   --range G       clip every axis to ±G g (another sensor range)
 *   --tail S        the wearer stays still for S s after the recording ends: its last reading
 *                   repeated (recordings stop where life goes on; the pool tests do the same)
 *   --seed N        seed of those random choices
 *   --threshold P   alarm at this probability instead of the card's (or the fold manifest's)
 *   --any-alarm     a fall trial counts as detected whenever it alarms, early or not (synthetic
 *                   sets: their largest magnitude is often getting up afterwards, not the fall)
 *   --alarms        print every alarm: trial, activity, subject, impact peak time (s from the
 *                   start; for falls also from the impact), recording length, score
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { FallBatch } from '../inference/fall/batch.js';
import { FallDetector } from '../inference/fall/detector.js';
import { type FallTrial, readFallTrials } from '../inference/fall/falls-data.js';
import { FallFeatures } from '../inference/fall/features.js';
import { FallStream } from '../inference/fall/stream.js';
import { peakTimeMs, scanRecording } from '../inference/fall/trial-scan.js';
import { commandOptions } from '../kernel/command-options.js';
import { MotionRandom } from '../simulators/fall-motion.js';
import { type Recording, watchTransforms } from './augment.js';

/** An alarm this much before the impact fired on the motion before the fall, not on the fall. */
const EARLY_MS = 1000;

const FoldManifest = z.object({
  featureVersion: z.string(),
  threshold: z.number(),
  folds: z.array(z.object({ model: z.string(), heldOutSubjects: z.array(z.string()) })),
});

const usage =
  'usage: falls-eval --data DIR [--cv MANIFEST] [--model FILE] [--watch HZ] [--range G] [--tail S] [--seed N]\n' +
  '                  [--threshold P] [--quiet] [--alarms] [--any-alarm]';
const args = commandOptions(
  {
    options: {
      data: { type: 'string' },
      cv: { type: 'string' },
      model: { type: 'string', default: 'inference/models/fall.onnx' },
      watch: { type: 'string' },
      range: { type: 'string' },
      tail: { type: 'string' },
      seed: { type: 'string', default: '7' },
      threshold: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      alarms: { type: 'boolean', default: false },
      'any-alarm': { type: 'boolean', default: false },
    },
  },
  usage,
);
if (args.data === undefined) {
  console.error(usage);
  process.exit(2);
}

/** The dataset's name in a fold manifest: its folder's name. */
const dataset = basename(args.data.replace(/\/+$/, ''));

/** Which detector scores a subject's trials. */
async function openDetectors(): Promise<{ pick: (subject: string) => FallDetector; all: FallDetector[] }> {
  const threshold = args.threshold === undefined ? undefined : Number(args.threshold);
  if (threshold !== undefined && !(threshold >= 0 && threshold <= 1)) {
    console.error(`--threshold ${args.threshold}: a probability from 0 to 1`);
    process.exit(2);
  }
  const final = await FallDetector.open(args.model!, { threshold });
  if (args.cv === undefined) return { pick: () => final, all: [final] };
  const manifest = FoldManifest.parse(JSON.parse(await readFile(args.cv, 'utf8')));
  const bySubject = new Map<string, FallDetector>();
  const all = [final];
  for (const fold of manifest.folds) {
    // fold models share the final model's window and features, with the CV threshold
    const d = await FallDetector.open(join(dirname(args.cv), fold.model), {
      cardPath: args.model!.replace(/\.onnx$/, '.json'),
      threshold: threshold ?? manifest.threshold,
    });
    all.push(d);
    for (const s of fold.heldOutSubjects) bySubject.set(s, d);
  }
  return {
    pick: (subject) => {
      // the manifest names subjects `dataset/subject` (several datasets number them alike)
      const d = bySubject.get(`${dataset}/${subject}`);
      if (d === undefined) throw new Error(`subject ${dataset}/${subject} is in no fold of ${args.cv}`);
      return d;
    },
    all,
  };
}

function asWatch(t: FallTrial, rng: MotionRandom): Recording {
  let r: Recording = t;
  if (args.watch !== undefined) {
    r = watchTransforms.rotate(r, rng);
    r = watchTransforms.toRate(r, Number(args.watch), 0.15, rng);
  }
  if (args.range !== undefined) r = watchTransforms.clip(r, Number(args.range));
  if (args.tail !== undefined) r = watchTransforms.tail(r, 'hold', Number(args.tail), 0, rng);
  return r;
}

/** Detected falls counted by when their alarm came, relative to the impact (its peak is the window's). */
class AlarmTimes {
  private static readonly edges = [-EARLY_MS, -500, 0, 500, 1000, 2000];
  private readonly counts = new Array<number>(AlarmTimes.edges.length).fill(0);

  add(ms: number): void {
    let i = AlarmTimes.edges.length - 1;
    while (i > 0 && ms < AlarmTimes.edges[i]!) i--;
    this.counts[i]!++;
  }

  line(): string {
    const e = AlarmTimes.edges.map((ms) => (ms / 1000).toFixed(1));
    return this.counts
      .map((n, i) => `${i + 1 < e.length ? `${e[i]}…${e[i + 1]} s` : `≥ ${e[i]} s`} ${n}`)
      .join(', ');
  }
}

const trials = await readFallTrials(args.data);
const { pick, all } = await openDetectors();
const features = new FallFeatures(all[0]!.window);
const batch = new FallBatch(features.count, 256);
const rng = new MotionRandom(Number(args.seed));
const perActivity = new Map<string, { n: number; alarms: number }>();
let falls = 0;
let fallsDetected = 0;
let adls = 0;
let adlQuiet = 0;
let runs = 0;
let rowsScored = 0;
let scoreNs = 0n;
// a fall trial's alarms more than 1 s before its impact (largest magnitude): early alarms
const early: string[] = [];
/** Detected falls by when their first alarm at or after (impact − 1 s) came, relative to the impact. */
const alarmTimes = new AlarmTimes();

for (const t of trials) {
  const detector = pick(t.subject);
  const stream = new FallStream({ spec: detector.window, features, key: t.trial });
  batch.clear();
  scanRecording(asWatch(t, rng), stream, batch);
  let alarms = 0;
  /** The first alarm no earlier than 1 s before the impact (ms from the impact), for falls. */
  let onTimeMs = Number.NaN;
  if (batch.size > 0) {
    const t0 = process.hrtime.bigint();
    const scores = await detector.score(batch);
    scoreNs += process.hrtime.bigint() - t0;
    runs++;
    rowsScored += batch.size;
    const impactMs = t.label === 'fall' ? peakTimeMs(t) - t.tMs[0]! : Number.NaN;
    const endMs = t.tMs[t.tMs.length - 1]! - t.tMs[0]!;
    alarms = detector.decide(batch, scores, (a) => {
      if (args.alarms) {
        const rel = Number.isNaN(impactMs) ? '' : ` (impact ${((a.peakMs - impactMs) / 1000).toFixed(1)} s)`;
        console.log(
          `alarm ${t.trial} ${t.activity} s${t.subject} at ${(a.peakMs / 1000).toFixed(1)} s${rel} of ${(endMs / 1000).toFixed(1)} s, ${a.peakG.toFixed(2)} g, score ${a.score.toFixed(2)}`,
        );
      }
      if (a.peakMs < impactMs - EARLY_MS && !args['any-alarm'])
        early.push(`${t.trial} (${((a.peakMs - impactMs) / 1000).toFixed(1)} s)`);
      else if (Number.isNaN(onTimeMs)) onTimeMs = a.peakMs - impactMs;
    });
  }
  const hit = t.label === 'fall' ? !Number.isNaN(onTimeMs) : alarms > 0;
  const a = perActivity.get(t.activity) ?? { n: 0, alarms: 0 };
  a.n++;
  if (hit) a.alarms++;
  perActivity.set(t.activity, a);
  if (t.label === 'fall') {
    falls++;
    if (hit) {
      fallsDetected++;
      alarmTimes.add(onTimeMs);
    }
  } else {
    adls++;
    if (alarms === 0) adlQuiet++;
  }
}

if (!args.quiet) {
  for (const [activity, a] of [...perActivity].sort()) {
    console.log(
      `${activity.padEnd(28)} trials ${String(a.n).padStart(4)}  alarmed ${(a.alarms / a.n).toFixed(3)}`,
    );
  }
  console.log(
    `falls alarmed more than 1 s before the impact (a false alarm on the motion; the fall counts only if a later alarm came): ${early.length} ${early.join(' ')}`.trim(),
  );
  console.log(`detected falls, first alarm from the impact: ${alarmTimes.line()}`);
  console.log(
    `model runs ${runs}, windows scored ${rowsScored}, mean ${(Number(scoreNs) / 1e3 / Math.max(1, runs)).toFixed(1)} µs per run`,
  );
}
for (const d of all) await d.close();
const round = (v: number) => Math.round(v * 10000) / 10000;
console.log(
  JSON.stringify({
    trials: trials.length,
    falls,
    sensitivity: round(falls > 0 ? fallsDetected / falls : Number.NaN),
    specificity: round(adls > 0 ? adlQuiet / adls : Number.NaN),
  }),
);
