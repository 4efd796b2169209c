/**
 * The shape of an elder's vitals series as the API answers it (OpenAPI is generated from it).
 * Only zod is imported, because the console compiles this file too for its types.
 */
import { z } from 'zod';

const range = z.object({
  min: z.number().nullable(),
  mean: z.number().nullable(),
  max: z.number().nullable(),
});

/** One step of the series, from the one-minute rollups. */
export const vitalsPointSchema = z.object({
  t: z.number(),
  heart_rate: range,
  spo2: range,
  breathing_rate: range,
  steps: z.number().nullable(),
  presence_ms: z.number(),
  posture_ms: z.object({ standing: z.number(), sitting: z.number(), lying: z.number() }),
  door_openings: z.number(),
});
