/**
 * The shapes of the boards' JSON answers (OpenAPI is generated from them). Only zod is imported,
 * because the console app compiles this file too for its types.
 */
import { z } from 'zod';
import { elderPlaceSchema } from '../registry/api-schemas.js';

/** A responder on the board: duty, live location (else home base) and current task. */
export const boardResponderSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.string(),
  org_unit_id: z.string(),
  skills: z.array(z.string()),
  on_duty: z.boolean(),
  lat: z.number().nullable(),
  lon: z.number().nullable(),
  located_at: z.number().nullable(),
  task_alert_id: z.string().nullable(),
  availability: z
    .enum(['busy', 'off_duty', 'app_offline', 'on_duty'])
    .describe(
      'whether dispatch may ask them now: `app_offline` is on duty with an app disconnected past the grace period',
    ),
});

/** An elder on the board: home and devices. */
export const boardElderSchema = elderPlaceSchema.extend({
  devices: z.array(z.object({ id: z.string(), type: z.string() })),
});

const words = z.object({ zh: z.string(), en: z.string() });

/** The console's settings and the device catalog's words (the console keeps none of its own). */
export const consoleConfigSchema = z.object({
  map_tile_url: z
    .string()
    .nullable()
    .describe('`{z}`, `{x}`, `{y}` filled in per tile (Web Mercator, 256 px)'),
  utc_offset_minutes: z
    .number()
    .int()
    .describe(
      "the district's clock (TIMEBANK_UTC_OFFSET_MINUTES, 480 = China's time): every time the console shows",
    ),
  device_types: z.array(
    z.object({
      name: z.string(),
      label: words,
      icon: z.string(),
      metrics: z
        .array(z.object({ field: z.string(), label: words, unit: z.string().nullable() }))
        .describe('what it measures that the console charts and lists'),
    }),
  ),
});
