/**
 * A call made about an alert (the specialist working the elder's contact list): whom, reached or
 * not, and what came of it. Kept on the alert's timeline as the coded note `called`. Only zod is
 * imported: the console compiles this file for its lists.
 */
import { z } from 'zod';

/** What came of a call that reached the person. */
export const reachedOutcomes = ['all_well', 'going_there', 'needs_help', 'will_call_back', 'other'] as const;
/** What came of a call that did not. */
export const unreachedOutcomes = ['no_answer', 'busy', 'wrong_number', 'switched_off'] as const;
export const callOutcomes = [...reachedOutcomes, ...unreachedOutcomes] as const;
export type CallOutcome = (typeof callOutcomes)[number];

export const callRequestSchema = z
  .object({
    callee: z.enum(['elder', 'contact']).describe('the elder themselves, or one of their contacts'),
    contact: z
      .number()
      .int()
      .min(1)
      .max(10)
      .optional()
      .describe('the contact’s position in calling order (1 = first); needed when callee is contact'),
    reached: z.boolean(),
    outcome: z.enum(callOutcomes),
    note: z.string().trim().min(1).max(500).optional(),
  })
  .strict()
  .superRefine((call, ctx) => {
    if (call.callee === 'contact' && call.contact === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['contact'],
        message: 'which contact: their position in calling order',
      });
    if (call.callee === 'elder' && call.contact !== undefined)
      ctx.addIssue({ code: 'custom', path: ['contact'], message: 'only for callee contact' });
    const fits = (call.reached ? reachedOutcomes : unreachedOutcomes) as readonly string[];
    if (!fits.includes(call.outcome))
      ctx.addIssue({
        code: 'custom',
        path: ['outcome'],
        message: `a call that ${call.reached ? 'reached' : 'did not reach'} the person ends in one of: ${fits.join(', ')}`,
      });
  });
export type CallRequest = z.infer<typeof callRequestSchema>;

/** The `called` note's parameters: who was called at which number, as the record said then. */
export interface CallNote {
  callee: 'elder' | 'contact';
  /** Position in calling order (contacts only). */
  position?: number;
  /** Name and number as the record said then; both are removed when the elder is erased. */
  name?: string;
  relation?: string;
  phone?: string;
  reached: boolean;
  outcome: CallOutcome;
  text?: string;
}
