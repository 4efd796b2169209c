import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { alertKinds } from '../alerts/alert-book.js';
import { allow, signedIn } from '../kernel/auth-plugin.js';
import { errorBody, HttpError } from '../kernel/http-errors.js';
import { ServiceOrderError } from '../services/service-orders.js';
import { serviceLevelReportSchema } from './api-schemas.js';
import { maxReportRangeMs, type ServiceLevels } from './service-levels.js';

const defaultRangeMs = 30 * 86_400_000;

/** Reports under `/api/v1/reports`: how quickly alerts were answered. */
export const serviceLevelRoutes: FastifyPluginAsyncZod<{ levels: ServiceLevels; now: () => number }> = async (
  app,
  { levels, now },
) => {
  app.setErrorHandler((error) => {
    if (error instanceof ServiceOrderError) throw new HttpError(error.status, error.code, error.message);
    throw error;
  });

  app.get(
    '/service-levels',
    {
      preHandler: allow('admin', 'specialist'),
      schema: {
        tags: ['reports'],
        summary:
          'Time to acknowledge, accept and arrive for the alerts opened in a range (at most 92 days), against the social-alarm targets',
        querystring: z
          .object({
            org_unit: z.string().min(1).max(64).optional().describe('default: your org unit'),
            from: z.coerce
              .number()
              .int()
              .nonnegative()
              .optional()
              .describe('ms, over opened_at; default to − 30 days'),
            to: z.coerce.number().int().positive().optional().describe('ms, exclusive; default now'),
            kind: z
              .union([z.enum(alertKinds), z.array(z.enum(alertKinds))])
              .optional()
              .describe('only these alert kinds (repeat the parameter); default all'),
          })
          .transform((q, ctx) => {
            const to = q.to ?? now();
            const from = q.from ?? to - defaultRangeMs;
            if (from >= to)
              ctx.addIssue({ code: 'custom', path: ['from'], message: 'from must be before to' });
            if (to - from > maxReportRangeMs) {
              ctx.addIssue({ code: 'custom', path: ['from'], message: 'the range is at most 92 days' });
            }
            const kinds = q.kind === undefined ? undefined : [q.kind].flat();
            return { org_unit: q.org_unit, from, to, kinds };
          }),
        response: {
          200: serviceLevelReportSchema,
          400: errorBody,
          401: errorBody,
          403: errorBody,
          404: errorBody,
        },
      },
    },
    async (request) => levels.report(signedIn(request), request.query),
  );
};
