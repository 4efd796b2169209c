import { z } from 'zod';
import { accountKinds, transferKinds } from './ledger-kinds.js';

/** The ids of the district document: letters, digits, dots, dashes, underscores. */
export const ownerId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be an id of the district document');
const minutes = z.number().int();

export const accountRefSchema = z.object({
  owner_id: ownerId,
  kind: z
    .enum(accountKinds)
    .optional()
    .describe('volunteer, elder, family or fund; default: the first of these the owner id exists as'),
});

export const idempotencyHeaders = z.looseObject({
  'idempotency-key': z
    .string()
    .min(8)
    .max(200)
    .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
    .describe(
      'unique per intended write: a retry with the same key returns the original answer and pays nothing',
    ),
});

/** A memo: English text, and for the ledger's own memos a code with parameters to render in any language. */
const memoFields = {
  memo: z.string().describe('English; for the ledger’s own memos the fallback of `memo_code`'),
  memo_code: z
    .string()
    .nullable()
    .default(null)
    .describe('the ledger’s own memos: a stable code to render in any language; null for a typed memo'),
  memo_params: z
    .record(z.string(), z.unknown())
    .nullable()
    .default(null)
    .describe('the parameters of `memo_code`'),
};

export const accountSchema = z.object({
  id: z.string(),
  kind: z.enum(accountKinds),
  owner_id: z.string(),
  org_unit_id: z.string(),
  overdraft_minutes: minutes,
  balance_minutes: minutes,
});

export const postingSchema = z.object({
  account_id: z.string(),
  owner_id: z.string(),
  account_kind: z.string(),
  entry_no: minutes,
  amount_minutes: minutes.describe('signed: the postings of a transfer sum to zero'),
  balance_after_minutes: minutes,
});

export const transferSchema = z.object({
  id: z.string(),
  kind: z.enum(transferKinds),
  org_unit_id: z.string(),
  ...memoFields,
  corrects_id: z.string().nullable(),
  created_by: z.string(),
  created_at: z.number().describe('ms since the Unix epoch'),
  details: z.record(z.string(), z.unknown()),
  postings: z.array(postingSchema),
});

export const entrySchema = z.object({
  at: z.number().describe('ms since the Unix epoch'),
  account_id: z.string(),
  account_kind: z.string(),
  owner_id: z.string(),
  owner_name: z.string().nullable().describe("the volunteer's, elder's or org unit's name"),
  entry_no: minutes,
  transfer_id: z.string(),
  transfer_kind: z.string(),
  ...memoFields,
  amount_minutes: minutes,
  balance_after_minutes: minutes,
  counterparties: z.array(z.string()),
  corrects_id: z.string().nullable(),
});

/** An account's balance and latest entries. */
export const accountViewSchema = z.object({
  balance_minutes: z.number().int(),
  entries: z.array(entrySchema),
  account: accountSchema,
});

export const statementSchema = z.object({
  subject: z.string(),
  from: z.number(),
  to: z.number(),
  accounts: z.array(
    z.object({
      account_id: z.string(),
      account_kind: z.string(),
      owner_id: z.string(),
      owner_name: z.string().nullable().describe("the volunteer's, elder's or org unit's name"),
      org_unit_id: z.string(),
      org_unit_name: z.string(),
      opening_balance_minutes: minutes,
      closing_balance_minutes: minutes,
      minutes_in: minutes,
      minutes_out: minutes,
    }),
  ),
  entries: z.array(entrySchema),
});

/** The language of a downloaded file (reports too): the console passes its own. */
export const fileLanguage = z
  .enum(['zh', 'en'])
  .default('zh')
  .describe('csv and xlsx: the language of column headers, kinds and memos');

export const statementQuery = z.object({
  from: z.coerce
    .number()
    .int()
    .min(0)
    .optional()
    .describe('ms since the epoch, inclusive; default: 31 days before `to`'),
  to: z.coerce.number().int().min(0).optional().describe('ms since the epoch, exclusive; default: now'),
  format: z.enum(['json', 'csv', 'xlsx']).default('json').describe('csv and xlsx download a file'),
  lang: fileLanguage,
});

export const claimSchema = z.object({
  service_id: z.string(),
  volunteer_id: z.string(),
  org_unit_id: z.string(),
  claimed_minutes: minutes,
  measured_minutes: minutes,
  credited_minutes: minutes.nullable(),
  status: z.string(),
  certified_by: z.string(),
  created_at: z.number(),
});

export const catalogItemSchema = z.object({
  id: z.string(),
  org_unit_id: z.string(),
  name: z.string(),
  price_minutes: minutes,
  stock: minutes,
  active: z.boolean(),
  created_at: z.number(),
  updated_at: z.number(),
});

export const accountListingSchema = z.object({
  id: z.string(),
  kind: z.enum(accountKinds),
  owner_id: z.string(),
  owner_name: z.string().nullable().describe("the volunteer's, elder's or org unit's name"),
  org_unit_id: z.string(),
  balance_minutes: minutes,
  overdraft_minutes: minutes,
  entries: minutes,
});

export const redemptionRecordSchema = z.object({
  transfer_id: z.string(),
  at: z.number().describe('ms since the Unix epoch'),
  org_unit_id: z.string().describe('the community whose catalog it came from'),
  payer: z.object({ kind: z.string(), owner_id: z.string(), name: z.string().nullable() }),
  item_id: z.string().nullable(),
  item_name: z.string().nullable(),
  quantity: z.number().int().nullable(),
  minutes: minutes,
  created_by: z.string(),
  corrected_by: z.string().nullable().describe('the correction that reversed it, if any'),
});
