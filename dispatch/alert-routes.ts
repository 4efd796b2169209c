import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { allow, signedIn } from '../gateway/http/auth-plugin.js';
import { errorBody } from '../gateway/http/errors.js';
import { type AlertBook, alertKinds, alertStatuses, severities } from './alert-book.js';

export const alertSchema = z.object({
  id: z.string(),
  elder_id: z.string().nullable(),
  elder_name: z.string().nullable(),
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
        summary: 'Alerts in your org unit, newest first',
        querystring: z.object({
          status: z.enum(alertStatuses).optional(),
          limit: z.coerce.number().int().min(1).max(5000).default(500),
        }),
        response: {
          200: z.object({ alerts: z.array(alertSchema) }),
          400: errorBody,
          401: errorBody,
          403: errorBody,
        },
      },
    },
    async (request) => ({
      alerts: await alerts.list(signedIn(request).scopePath, request.query),
    }),
  );
};
