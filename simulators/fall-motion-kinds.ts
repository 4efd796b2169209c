/**
 * What the fall-motion generator can make and what it gives back: the kinds of fall and daily
 * activity, how a fall happens, the parameter bands held out of training, the options of one
 * trial and the trial itself.
 */

export const FALL_KINDS = ['fall_forward', 'fall_backward', 'fall_lateral'] as const;
export const ADL_KINDS = [
  'standing',
  'walking',
  'jogging',
  'stairs_up',
  'stairs_down',
  'sitting_down',
  'sitting_heavily',
  'lying_on_bed',
  'clapping',
  'hand_waving',
  'picking_up',
  'hopping',
  'making_call',
  'opening_door',
  'table_bump',
  'walker',
  'transfer',
] as const;
export type FallKind = (typeof FALL_KINDS)[number];
export type AdlKind = (typeof ADL_KINDS)[number];
export type MotionKind = FallKind | AdlKind;

/**
 * How a fall happens. `trip`: a trip or slip, fast descent with a free-fall dip and a clear
 * impact. `slide`: a slow collapse or slide down (fainting, legs giving way, sliding off a
 * chair or along a wall), common in people over 75: long descent, little free fall, a wrist
 * peak of only 1.5–3 g. `furniture`: an incomplete fall that meets a chair, bed or table on the
 * way down: two smaller contacts, or one, ending half on the furniture.
 */
export const FALL_MECHANISMS = ['trip', 'slide', 'furniture'] as const;
export type FallMechanism = (typeof FALL_MECHANISMS)[number];

/**
 * Parameter bands kept out of training so that a test set can measure generalisation to
 * movement speeds the model never saw: the descent time of slow falls and the slowness of
 * older wearers. `heldOut: 'exclude'` never draws inside them, `'only'` only inside.
 */
export const HELD_OUT = {
  /** Descent of a `slide` fall (s); its full range is 0.9–2.6 s. */
  slideDescentS: [1.3, 1.65],
  /** Time stretch of an older wearer's movements; full range 1.2–1.8. */
  elderlySlow: [1.45, 1.6],
} as const;

export interface MotionOptions {
  kind: MotionKind;
  /** Output sampling rate, 10–200 Hz. */
  rateHz: number;
  durationS?: number;
  /** Slower movements, lower peaks, tremor, shorter steps. */
  elderly?: boolean;
  /** Sensor range per axis (g); readings are clipped to it. */
  rangeG?: number;
  /** Sensor noise, standard deviation per axis (g). */
  noiseG?: number;
  /** Timestamp jitter as a fraction of the period. */
  jitter?: number;
  /** Share of samples lost (in short bursts). */
  dropout?: number;
  /** Watch worn in a random orientation (default true). */
  randomMount?: boolean;
  /** Parameter bands of `HELD_OUT`: left out ('exclude', training) or only ('only', testing). */
  heldOut?: 'exclude' | 'only';
  /** Force a fall mechanism (default: drawn; older wearers slide or meet furniture more often). */
  mechanism?: FallMechanism;
}

export interface MotionTrial {
  label: 'fall' | 'adl';
  activity: MotionKind;
  rateHz: number;
  elderly: boolean;
  tMs: Float64Array;
  x: Float32Array;
  y: Float32Array;
  z: Float32Array;
  /** Time of the impact peak (falls only). */
  impactMs: number | null;
  /** Fall followed by getting up within the recording. */
  recovered: boolean;
  /** How the fall happened (falls only). */
  mechanism: FallMechanism | null;
}
