/**
 * The shapes of the gateway's own JSON answers: who is signed in, devices (OpenAPI is generated
 * from them). Only zod is imported, because the console compiles this file too for its types.
 */
import { z } from 'zod';

/** Who a token belongs to. */
export const meSchema = z.object({
  username: z.string(),
  role: z.string(),
  org_unit_id: z.string().nullable(),
  org_unit_name: z.string().nullable().describe('the name of the org unit the user watches'),
  name: z
    .string()
    .nullable()
    .describe(
      "the person's name: the account's display name, else a responder's own name; null when neither is set (show the username)",
    ),
});

/** A device with its health. */
export const deviceSchema = z.object({
  id: z.string(),
  type: z.string(),
  elder_id: z.string().nullable(),
  org_unit_id: z.string().nullable(),
  revoked_at: z.number().nullable(),
  created_at: z.number(),
  last_seen_at: z.number().nullable(),
  online: z.boolean(),
  battery: z.number().nullable(),
  worn: z.boolean().nullable(),
});

/** An elder's place in the district: who, in which org unit, where they live. */
export const elderPlaceSchema = z.object({
  id: z.string(),
  name: z.string(),
  org_unit_id: z.string(),
  address: z.string(),
  lat: z.number().nullable(),
  lon: z.number().nullable(),
});
