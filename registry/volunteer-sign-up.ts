import { z } from 'zod';
import { calendarDay } from '../kernel/calendar-day.js';
import { ageGroups } from './age-groups.js';
import { phoneNumber } from './care-record.js';
import { entityId, personName } from './entity-rules.js';
import { skills } from './responder-skills.js';

export const certificateSchema = z
  .object({
    number: z
      .string()
      .trim()
      .min(4, 'must be at least 4 characters')
      .max(40, 'must be at most 40 characters')
      .describe('as printed on the certificate'),
    expires_on: calendarDay.describe('the last day it is valid (YYYY-MM-DD, district time)'),
  })
  .strict();

/** What a person gives when signing up as a volunteer on the app. */
export const signUpSchema = z
  .object({
    name: personName,
    phone: phoneNumber.describe('a mobile number the community can call'),
    community: entityId.describe('the id of a community (`GET /api/v1/volunteers/communities`)'),
    age_group: z.enum(ageGroups).describe('senior 夕阳红, middle 中坚, young 种子力量'),
    skills: z
      .array(z.enum(skills))
      .max(skills.length)
      .refine((list) => new Set(list).size === list.length, 'must not name a skill twice')
      .default([]),
    first_aid_certificate: certificateSchema
      .optional()
      .describe('needed with the first_aid skill: first aid counts only while it is valid'),
    username: entityId.describe('the login asked for (also the responder id once approved)'),
    password: z.string().min(8, 'must be at least 8 characters').max(256),
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.skills.includes('first_aid') && !body.first_aid_certificate) {
      ctx.addIssue({
        code: 'custom',
        path: ['first_aid_certificate'],
        message: 'first aid needs a certificate: its number and expiry date',
      });
    }
  });
export type SignUp = z.infer<typeof signUpSchema>;

/** An application as the community's specialists see it (never the password). */
export const applicationSchema = z.object({
  id: z.string(),
  username: z.string(),
  name: z.string(),
  phone: z.string(),
  org_unit_id: z.string(),
  age_group: z.enum(ageGroups),
  skills: z.array(z.enum(skills)),
  first_aid_certificate: z.object({ number: z.string(), expires_on: z.string() }).nullable(),
  status: z.enum(['pending', 'approved', 'refused']),
  applied_at: z.number(),
  decided_at: z.number().nullable(),
  decided_by: z.string().nullable(),
  refusal_reason: z.string().nullable(),
});
export type Application = z.infer<typeof applicationSchema>;

/** A volunteer with what vetting keeps of them: certificates and the training record. */
export const volunteerSchema = z.object({
  id: z.string(),
  name: z.string(),
  org_unit_id: z.string(),
  skills: z.array(z.enum(skills)),
  phone: z.string().nullable().describe('null: registered by the district document, not by sign-up'),
  age_group: z.enum(ageGroups).nullable(),
  certificates: z.array(
    z.object({
      skill: z.enum(skills),
      number: z.string(),
      expires_on: z.string(),
      expired: z.boolean().describe('past its last day: the skill no longer counts in matching'),
    }),
  ),
  trainings: z.array(z.object({ id: z.string(), course: z.string(), taken_on: z.string() })),
});
export type Volunteer = z.infer<typeof volunteerSchema>;

export const trainingSchema = z
  .object({
    course: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters'),
    taken_on: calendarDay,
  })
  .strict();
