/**
 * The shapes of the boards' JSON answers (OpenAPI is generated from them). Only zod is imported,
 * because the console app compiles this file too for its types.
 */
import { z } from 'zod';

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
});

/** An elder on the board: home and devices. */
export const boardElderSchema = z.object({
  id: z.string(),
  name: z.string(),
  org_unit_id: z.string(),
  address: z.string(),
  lat: z.number().nullable(),
  lon: z.number().nullable(),
  devices: z.array(z.object({ id: z.string(), type: z.string() })),
});
