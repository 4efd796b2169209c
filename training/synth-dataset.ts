/**
 * Writes synthetic recordings from simulators/fall-motion.ts in the falls format
 * (trials.csv + samples.csv), so that falls-eval can score them like any recorded set.
 * Use a seed the training never used (build-dataset derives its own from --seed 1).
 *
 *   npx tsx training/synth-dataset.ts --out DIR [--elderly] [--rates 25,50]
 *       [--per-kind 40] [--seed 90001] [--range 8] [--held-out only]
 *
 * `--held-out only` draws the parameters that training leaves out (HELD_OUT in
 * simulators/fall-motion.ts: slide-fall descent times, older wearers' slowness) only from
 * their held-out bands; without it every parameter spans its full range.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { commandOptions } from '../kernel/command-options.js';
import {
  ADL_KINDS,
  FALL_KINDS,
  FallMotionSimulator,
  type MotionKind,
  MotionRandom,
} from '../simulators/fall-motion.js';

const usage =
  'usage: synth-dataset --out DIR [--elderly] [--rates 25,50] [--per-kind 40] [--seed N] [--range G] [--held-out only|exclude]';
const args = commandOptions(
  {
    options: {
      out: { type: 'string' },
      elderly: { type: 'boolean', default: false },
      rates: { type: 'string', default: '25,50' },
      'per-kind': { type: 'string', default: '40' },
      seed: { type: 'string', default: '90001' },
      range: { type: 'string', default: '8' },
      'held-out': { type: 'string' },
    },
  },
  usage,
);
if (args.out === undefined) {
  console.error(usage);
  process.exit(2);
}

const heldOut = args['held-out'];
if (heldOut !== undefined && heldOut !== 'only' && heldOut !== 'exclude') {
  console.error('--held-out: only | exclude');
  process.exit(2);
}
const seed = Number(args.seed);
const rng = new MotionRandom(seed);
const sim = new FallMotionSimulator(seed * 31 + 7);
const rates = args.rates!.split(',').map(Number);
const perKind = Number(args['per-kind']);
const kinds: MotionKind[] = [...FALL_KINDS, ...ADL_KINDS];
const trials: string[] = ['trial,label,activity,subject,source'];
const samples: string[] = ['trial,t_ms,x_g,y_g,z_g'];
let id = 0;
for (const kind of kinds) {
  for (let i = 0; i < perKind; i++) {
    const rateHz = rng.pick(rates);
    const t = sim.generate({
      kind,
      rateHz,
      elderly: args.elderly,
      durationS: rng.range(12, 25),
      rangeG: Number(args.range),
      noiseG: rng.range(0.003, 0.03),
      jitter: rng.range(0, 0.3),
      dropout: rng.range(0, 0.03),
      heldOut,
    });
    // ten synthetic "wearers" per set, so that subject-wise tools have something to split on
    trials.push(`${id},${t.label},${kind},syn${id % 10},fall-motion seed ${seed} rate ${rateHz}`);
    for (let k = 0; k < t.tMs.length; k++) {
      samples.push(`${id},${t.tMs[k]},${t.x[k]!.toFixed(3)},${t.y[k]!.toFixed(3)},${t.z[k]!.toFixed(3)}`);
    }
    id++;
  }
}
await mkdir(args.out, { recursive: true });
await writeFile(join(args.out, 'trials.csv'), `${trials.join('\n')}\n`);
await writeFile(join(args.out, 'samples.csv'), `${samples.join('\n')}\n`);
console.error(`wrote ${id} trials to ${args.out}`);
