import { z } from 'zod';

/**
 * What devices can measure, each by the telemetry field that carries it (protocol v1 names).
 * A device type declares which of these it measures; every stage after the gateway reads
 * readings by capability — the vitals rules take any `heart_rate`, the rollups any `steps` —
 * never by the name of a device type.
 */

/** Samples in g; ±64 g covers every wrist sensor range (±4 to ±16 g) with room for vendors' quirks. */
const axisLimit = { g: 64, samples: 1000 };

/** Why `value` is not an axis of samples, or undefined when it is. */
function axisProblem(value: unknown): string | undefined {
  if (!Array.isArray(value)) return 'expected an array of samples';
  if (value.length > axisLimit.samples) return `at most ${axisLimit.samples} samples (got ${value.length})`;
  for (let k = 0; k < value.length; k++) {
    const sample = value[k];
    if (typeof sample !== 'number' || !(sample >= -axisLimit.g && sample <= axisLimit.g)) {
      // what was sent instead, cut short: the answer goes back to the device
      const got = String(JSON.stringify(sample)).slice(0, 40);
      return `sample ${k} must be a number from -${axisLimit.g} to ${axisLimit.g} g (got ${got})`;
    }
  }
  return undefined;
}

/**
 * Checked in one pass: zod's check of each sample took 7.7 of the 10 µs a watch's message spent in
 * validation (75 samples), the largest part of handling it. A failing axis is looked at twice (once
 * to fail, once for the message): a `superRefine` that kept the first answer cost every watch message
 * 1.1 µs more (2.5 against 1.4 µs for the whole telemetry check, 200,000 messages).
 */
const axis = z.custom<number[]>((value) => axisProblem(value) === undefined, {
  error: (issue) => axisProblem(issue.input),
});

export const postures = ['none', 'standing', 'sitting', 'lying'] as const;
export type Posture = (typeof postures)[number];

export const capabilitySchemas = {
  /** Beats per minute. */
  heart_rate: z.number().min(0).max(300),
  /** Blood oxygen saturation, percent. */
  spo2: z.number().min(0).max(100),
  /** Steps counted today (resets daily). */
  steps: z.number().int().min(0).max(1_000_000),
  /** Percent. */
  battery: z.number().min(0).max(100),
  /** On the body (a wearable): what it measures is the wearer's only while true. */
  worn: z.boolean(),
  /** WGS-84 degrees. */
  location: z.object({
    lat: z.number().min(-90).max(90),
    lon: z.number().min(-180).max(180),
    accuracy_m: z.number().min(0).max(100_000).optional(),
  }),
  /** Someone in view (a room sensor): what it measures is a person's only while true. */
  presence: z.boolean(),
  posture: z.enum(postures),
  /** Breaths per minute. */
  breathing_rate: z.number().min(0).max(80),
  /** People in view. */
  targets: z.number().int().min(0).max(16),
  /** A door's contact. */
  contact: z.enum(['open', 'closed']),
  /** Acceleration in g at `hz`; sample k at `ts + k*1000/hz`. */
  accel: z
    .object({ hz: z.number().min(10).max(200), x: axis, y: axis, z: axis })
    .refine((a) => a.x.length === a.y.length && a.y.length === a.z.length, {
      message: 'x, y and z must be equally long',
    })
    .refine((a) => a.x.length <= Math.ceil(a.hz * 5), { message: 'at most 5 s of samples' }),
};

export type Capability = keyof typeof capabilitySchemas;
export const capabilityNames = Object.keys(capabilitySchemas) as Capability[];

/** What one reading measured: each capability present only if measured (never 0 for "not"). */
export type Measurements = { [K in Capability]?: z.output<(typeof capabilitySchemas)[K]> };

/** How the console shows a number a device measures: words and unit (charts, boards). */
export interface MetricDisplay {
  label: { zh: string; en: string };
  unit?: string;
}

export const capabilityDisplay: Partial<Record<Capability, MetricDisplay>> = {
  heart_rate: { label: { zh: '心率', en: 'Heart rate' }, unit: 'bpm' },
  spo2: { label: { zh: '血氧', en: 'SpO₂' }, unit: '%' },
  breathing_rate: { label: { zh: '呼吸', en: 'Breathing' }, unit: '/min' },
  steps: { label: { zh: '步数', en: 'Steps' } },
  battery: { label: { zh: '电量', en: 'Battery' }, unit: '%' },
  targets: { label: { zh: '人数', en: 'People' } },
};
