import { z } from 'zod';

/**
 * How the fall model sees the world. Every number here is shared by training (the dataset
 * builder), evaluation and the hub, so a model file and this spec travel together: the
 * model's sidecar JSON repeats them and the detector refuses a sidecar that disagrees.
 */
export interface FallWindowSpec {
  /** Model rate: every stream is resampled to this grid (Hz). */
  readonly rateHz: number;
  /** Samples kept before the impact peak (free fall, pre-fall motion). */
  readonly preSamples: number;
  /** Samples after the impact peak (lying still or recovering); also the decision delay. */
  readonly postSamples: number;
  /** Windows are cut every hop; each hop-long slot is searched once for an impact peak. */
  readonly hopSamples: number;
  /** Windows whose slot peak stays under this magnitude (g) are never sent to the model. */
  readonly prefilterG: number;
}

export const FALL_WINDOW: FallWindowSpec = {
  rateHz: 20,
  preSamples: 80, // 4 s: raising the arms before dropping them looks like a fall without it
  postSamples: 80, // 4 s: also the decision delay (and what the pool's rebuild from hot windows covers)
  hopSamples: 10, // 0.5 s
  prefilterG: 1.4, // older people's slow falls peak at 1.5–3 g at the wrist; the model rejects the rest
};

/** Samples a stream keeps: the aligned window may sit anywhere in one slot. */
export function windowSamples(spec: FallWindowSpec): number {
  return spec.preSamples + spec.hopSamples + spec.postSamples;
}

/** Sidecar of a model file (`fall.json` next to `fall.onnx`). */
export const FallModelCard = z.object({
  featureVersion: z.string(),
  featureCount: z.number().int().positive(),
  window: z.object({
    rateHz: z.number().positive(),
    preSamples: z.number().int().positive(),
    postSamples: z.number().int().positive(),
    hopSamples: z.number().int().positive(),
    prefilterG: z.number().positive(),
  }),
  threshold: z.number().min(0).max(1),
  refractoryMs: z.number().int().nonnegative(),
  inputName: z.string(),
  outputName: z.string(),
});
export type FallModelCard = z.infer<typeof FallModelCard>;
