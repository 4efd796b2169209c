import { z } from 'zod';
import { deviceIdPattern, deviceIdRule } from '../devices/catalog.js';
import { roles } from '../kernel/identity.js';
import { careRecordChangeSchema } from './care-record.js';
import { unitSettingsSchema } from './care-settings.js';
import { entityId, personName } from './entity-rules.js';
import { skills } from './responder-skills.js';

export const orgLevels = ['district', 'street', 'community', 'property', 'family'] as const;
export type OrgLevel = (typeof orgLevels)[number];
export const responderKinds = ['volunteer', 'staff'] as const;

const id = entityId;
const name = personName;
const location = z.object({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) });

export const districtDocumentSchema = z.object({
  org_units: z
    .array(
      z.object({
        id,
        name,
        level: z.enum(orgLevels),
        parent: id.optional(),
        // Defaults for the elders below (registry/care-settings.ts); given, they replace the stored ones.
        settings: unitSettingsSchema.optional(),
      }),
    )
    .max(100_000)
    .default([]),
  elders: z
    .array(
      z.object({
        id,
        name,
        org_unit: id,
        address: z.string().trim().min(1).max(200),
        location: location.optional(),
        devices: z
          .array(
            z.object({
              id: z.string().regex(deviceIdPattern, deviceIdRule),
              type: z.string().min(1),
              secret: z.string().min(12, 'must be at least 12 characters').max(256).optional(),
            }),
          )
          .max(32)
          .default([]),
        // The care record's fields (registry/care-record.ts): those given replace the stored ones.
        ...careRecordChangeSchema.shape,
      }),
    )
    .max(200_000)
    .default([]),
  responders: z
    .array(
      z.object({
        id,
        name,
        kind: z.enum(responderKinds),
        org_unit: id,
        skills: z.array(z.enum(skills)).max(skills.length).default([]),
        location: location.optional(),
      }),
    )
    .max(100_000)
    .default([]),
  users: z
    .array(
      z.object({
        username: id,
        /** The person's name, shown wherever they are named (timeline, phone, board); absent: kept as stored. */
        name: z
          .string()
          .trim()
          .min(1, 'must not be empty (leave it out to keep the stored name)')
          .max(100, 'must be at most 100 characters')
          .optional(),
        password: z.string().min(8, 'must be at least 8 characters').max(256).optional(),
        role: z.enum(roles),
        org_unit: id,
      }),
    )
    .max(100_000)
    .default([]),
});

export type DistrictDocument = z.infer<typeof districtDocumentSchema>;
export type DistrictDocumentInput = z.input<typeof districtDocumentSchema>;

/** `elders[3].devices[0].id`: the path form a 400 answer names a bad entry by. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`))
    .join('');
}
