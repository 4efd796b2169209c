/**
 * The elder's care record: who to call and in which order, what to watch for, how to get in.
 * The same fields in the district document's elder entry, in `PATCH /api/v1/elders/:id` and in
 * `GET /api/v1/elders/:id`. Only zod is imported: the console compiles this file for its types.
 */
import { z } from 'zod';

/** How a contact is related to the elder; the console words each (zh, en). */
export const relations = [
  'child',
  'spouse',
  'grandchild',
  'sibling',
  'relative',
  'neighbour',
  'friend',
  'keyholder',
  'property',
  'other',
] as const;
/** Relations that make a family link: a gift from this person's account is a gift to a parent. */
export const kinRelations = ['child', 'spouse', 'grandchild', 'sibling', 'relative'] as const;

export const mobilities = ['independent', 'walking_aid', 'wheelchair', 'bedridden'] as const;

/** A number a person at the console can dial: digits, an optional leading +, spaces or dashes. */
export const phoneNumber = z
  .string()
  .trim()
  .regex(
    /^\+?[0-9][0-9 -]{2,22}[0-9]$/,
    'must be a phone number: digits, an optional leading +, spaces or dashes',
  );

const text = (max: number) => z.string().trim().min(1).max(max);
const list = (max: number) => z.array(text(100)).max(max);

/** `YYYY-MM-DD`, a real calendar day, not in the future. */
const birthDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine((day) => {
    const at = new Date(`${day}T00:00:00Z`);
    return !Number.isNaN(at.getTime()) && at.toISOString().startsWith(day) && day >= '1880-01-01';
  }, 'must be a real calendar day after 1880')
  .refine((day) => new Date(`${day}T00:00:00Z`).getTime() <= Date.now(), 'must not be in the future');

export const contactSchema = z
  .object({
    name: text(100),
    relation: z.enum(relations),
    phone: phoneNumber,
    has_key: z.boolean().default(false).describe('holds a key to the home'),
    username: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/)
      .optional()
      .describe('the hub user this contact is (a family login or a volunteer): an explicit family link'),
  })
  .strict();
export type Contact = z.infer<typeof contactSchema>;

/** Consent the elder (or their guardian) gave; recorded as given, false until given. */
export const consentSchema = z
  .object({
    care_record: z.boolean().default(false).describe('keeping this record'),
    share_with_responders: z
      .boolean()
      .default(false)
      .describe('showing on-site facts to an assigned responder'),
    contact_family: z.boolean().default(false).describe('calling the contacts in an emergency'),
  })
  .strict();

/**
 * Every field of the record, each optional: a document or a change names what it sets and
 * leaves the rest as stored; `null` (or `[]`) clears a field.
 */
export const careRecordFields = {
  phone: phoneNumber.nullable().describe('the elder’s own phone, called first'),
  other_phones: z.array(phoneNumber).max(3),
  birth_date: birthDate.nullable(),
  lives_alone: z.boolean().nullable(),
  contacts: z.array(contactSchema).max(10).describe('in calling order'),
  conditions: list(30),
  medicines: list(30),
  allergies: list(30),
  mobility: z.enum(mobilities).nullable(),
  language: text(50).nullable().describe('language or dialect, e.g. 粤语, 潮汕话'),
  access_notes: text(500).nullable().describe('how to get in: door code, key safe, the dog'),
  preferred_hospital: text(100).nullable(),
  consent: consentSchema,
};
export const careRecordChangeSchema = z.object(careRecordFields).partial().strict();
export type CareRecordChange = z.infer<typeof careRecordChangeSchema>;
export type CareRecordChangeInput = z.input<typeof careRecordChangeSchema>;

/** The whole record as stored and answered (a field never given reads as empty). */
export interface CareRecord {
  phone: string | null;
  other_phones: string[];
  birth_date: string | null;
  lives_alone: boolean | null;
  contacts: Contact[];
  conditions: string[];
  medicines: string[];
  allergies: string[];
  mobility: (typeof mobilities)[number] | null;
  language: string | null;
  access_notes: string | null;
  preferred_hospital: string | null;
  consent: z.infer<typeof consentSchema>;
}

export const emptyCareRecord = (): CareRecord => ({
  phone: null,
  other_phones: [],
  birth_date: null,
  lives_alone: null,
  contacts: [],
  conditions: [],
  medicines: [],
  allergies: [],
  mobility: null,
  language: null,
  access_notes: null,
  preferred_hospital: null,
  consent: { care_record: false, share_with_responders: false, contact_family: false },
});

/** The stored record with a change applied: each named field replaced, the others kept. */
export function applyChange(stored: CareRecord, change: CareRecordChange): CareRecord {
  const next: CareRecord = { ...stored };
  for (const [key, value] of Object.entries(change)) {
    if (value !== undefined) (next as unknown as Record<string, unknown>)[key] = value;
  }
  return next;
}

/** The record as answered: every field, and each contact's calling position. */
export const careRecordSchema = z.object({
  ...careRecordFields,
  phone: z.string().nullable(),
  other_phones: z.array(z.string()),
  birth_date: z.string().nullable(),
  contacts: z.array(
    z.object({
      name: z.string(),
      relation: z.enum(relations),
      phone: z.string(),
      has_key: z.boolean(),
      username: z.string().optional(),
    }),
  ),
  consent: z.object({
    care_record: z.boolean(),
    share_with_responders: z.boolean(),
    contact_family: z.boolean(),
  }),
});

/**
 * What helps on site, for a responder assigned to the elder's alert: how to get in (and who holds
 * a key), how they move, what they speak, what to tell the ambulance. No phone numbers of the
 * elder, no birth date, no other contacts.
 */
export const onSiteSchema = z.object({
  access_notes: z.string().nullable(),
  keyholders: z.array(z.object({ name: z.string(), relation: z.enum(relations), phone: z.string() })),
  mobility: z.enum(mobilities).nullable(),
  language: z.string().nullable(),
  lives_alone: z.boolean().nullable(),
  conditions: z.array(z.string()),
  medicines: z.array(z.string()),
  allergies: z.array(z.string()),
});
export type OnSite = z.infer<typeof onSiteSchema>;

export function onSiteOf(record: CareRecord): OnSite {
  return {
    access_notes: record.access_notes,
    keyholders: record.contacts
      .filter((c) => c.has_key)
      .map(({ name, relation, phone }) => ({ name, relation, phone })),
    mobility: record.mobility,
    language: record.language,
    lives_alone: record.lives_alone,
    conditions: record.conditions,
    medicines: record.medicines,
    allergies: record.allergies,
  };
}

/** The care fields of a district document's elder entry (the others are the district record's). */
export function careFieldsOf(entry: Record<string, unknown>): CareRecordChange {
  const change: Record<string, unknown> = {};
  for (const key of Object.keys(careRecordFields)) if (entry[key] !== undefined) change[key] = entry[key];
  return change as CareRecordChange;
}

/** `GET /api/v1/elders/:id` as the unit's staff and the family get it (the console's type). */
export type FullRecordView = CareRecord & {
  view: 'full';
  id: string;
  name: string;
  org_unit_id: string;
  address: string;
  updated_at: number | null;
  updated_by: string | null;
};

/** `GET /api/v1/elders/:id` as an assigned responder gets it (the phone app's type). */
export type OnSiteRecordView = OnSite & {
  view: 'on_site';
  id: string;
  name: string;
  address: string;
  withheld: boolean;
};
