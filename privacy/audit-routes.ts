import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditActions } from '../kernel/audit.js';
import { allow, signedIn } from '../kernel/auth-plugin.js';
import { errorBody } from '../kernel/http-errors.js';
import { encodeTimeCursor, timeCursorSchema } from '../kernel/page-cursor.js';
import type { AuditLog } from './audit-log.js';

export const auditEntrySchema = z.object({
  id: z.string(),
  at: z.number().describe('ms since the Unix epoch'),
  actor: z.string().describe('the username who read'),
  actor_role: z.string(),
  action: z.string().describe(`${auditActions.join(', ')}`),
  elder_id: z.string().describe('whose record'),
  org_unit_id: z.string().describe('the elder’s org unit at the time'),
  target: z.string().nullable().describe('what was read when not the record itself, e.g. an alert id'),
  detail: z.record(z.string(), z.unknown()),
});

/** The audit log under `/api/v1/audit`: admins read who looked at the records of their unit. */
export const auditRoutes: FastifyPluginAsyncZod<{ audit: AuditLog }> = async (app, { audit }) => {
  app.get(
    '/',
    {
      preHandler: allow('admin'),
      schema: {
        tags: ['privacy'],
        summary:
          'Reads of a person’s record in your org unit (who, when, what), newest first, a page at a time',
        description:
          'At most `limit` entries. When there are more, `next_cursor` is set: pass it as `cursor` (with the same filters) for the next page.',
        querystring: z.object({
          elder_id: z.string().min(1).max(64).optional(),
          actor: z.string().min(1).max(64).optional().describe('a username'),
          action: z.enum(auditActions).optional(),
          from: z.coerce.number().int().min(0).optional().describe('ms since the epoch, inclusive'),
          to: z.coerce.number().int().min(0).optional().describe('ms since the epoch, exclusive'),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
          cursor: timeCursorSchema.optional().describe('`next_cursor` of the previous page'),
        }),
        response: {
          200: z.object({
            entries: z.array(auditEntrySchema),
            next_cursor: z.string().nullable().describe('the next page’s `cursor`; null: no more entries'),
          }),
          400: errorBody,
          401: errorBody,
          403: errorBody,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const page = await audit.page(signedIn(request).scopePath, {
        elderId: q.elder_id,
        actor: q.actor,
        action: q.action,
        from: q.from,
        to: q.to,
        limit: q.limit,
        after: q.cursor,
      });
      return {
        entries: page.entries,
        next_cursor: page.next ? encodeTimeCursor(page.next.at, page.next.id) : null,
      };
    },
  );
};
