import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { allow, signedIn } from '../kernel/auth-plugin.js';
import { errorBody } from '../kernel/http-errors.js';
import { encodeTimeCursor, timeCursorSchema } from '../kernel/page-cursor.js';
import { type AlertBook, alertKinds, alertStatuses, severities } from './alert-book.js';

export const alertSchema = z.object({
  id: z.string(),
  elder_id: z.string().nullable(),
  elder_name: z.string().nullable(),
  elder_address: z.string().nullable(),
  community_name: z.string().nullable().describe('the community the alert lies in'),
  elder_birth_date: z
    .string()
    .nullable()
    .describe("the elder's birth date from the care record (YYYY-MM-DD)"),
  device_id: z.string().nullable(),
  org_unit_id: z.string(),
  kind: z.enum(alertKinds),
  severity: z.enum(severities),
  status: z.enum(alertStatuses),
  opened_at: z.number().describe('ms since the Unix epoch'),
  updated_at: z.number(),
  closed_at: z.number().nullable(),
  outcome: z.string().nullable(),
  acknowledged_at: z.number().nullable(),
  acknowledged_by: z.string().nullable(),
  assignee_id: z.string().nullable(),
  accepted_at: z.number().nullable(),
  on_site_at: z.number().nullable(),
  details: z.record(z.string(), z.unknown()),
});

export const alertRoutes: FastifyPluginAsyncZod<{ alerts: AlertBook }> = async (app, { alerts }) => {
  app.get(
    '/',
    {
      // Responders see an alert only through an offer: never the list with names.
      preHandler: allow('admin', 'specialist', 'family'),
      schema: {
        tags: ['alerts'],
        summary: 'Alerts in your org unit, newest first, a page at a time',
        description:
          'At most `limit` alerts. When there are more, `next_cursor` is set: pass it as `cursor` (with the same `status`) for the next page; `null` on the last page.',
        querystring: z.object({
          status: z.enum(alertStatuses).optional(),
          limit: z.coerce.number().int().min(1).max(5000).default(500),
          cursor: timeCursorSchema.optional().describe('`next_cursor` of the previous page'),
        }),
        response: {
          200: z.object({
            alerts: z.array(alertSchema),
            next_cursor: z.string().nullable().describe('the next page’s `cursor`; null: no more alerts'),
          }),
          400: errorBody,
          401: errorBody,
          403: errorBody,
        },
      },
    },
    async (request) => {
      const { status, limit, cursor } = request.query;
      const after = cursor && { openedAt: cursor.at, id: cursor.id };
      const page = await alerts.list(signedIn(request).scopePath, { status, limit, after });
      return {
        alerts: page.alerts,
        next_cursor: page.next ? encodeTimeCursor(page.next.openedAt, page.next.id) : null,
      };
    },
  );
};
