import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AuditTrail } from '../kernel/audit.js';
import { allow, signedIn } from '../kernel/auth-plugin.js';
import { errorBody, HttpError } from '../kernel/http-errors.js';
import { vitalsPointSchema } from './api-schemas.js';
import type { VitalsHistory } from './vitals-history.js';

const maxPoints = 5000;
/**
 * The rollups are read minute by minute on the connection that stores events before their
 * PUBACK: one request reads at most this span (a week is ~10,000 minutes of each device).
 */
const maxSpanMs = 7 * 86_400_000;

export const vitalsRoutes: FastifyPluginAsyncZod<{
  history: VitalsHistory;
  now: () => number;
  audit: AuditTrail;
}> = async (app, { history, now, audit }) => {
  app.get(
    '/:id/vitals',
    {
      preHandler: allow('admin', 'specialist', 'family'),
      schema: {
        tags: ['elders'],
        summary: 'Vitals, activity and door openings of an elder, per step, from the one-minute rollups',
        params: z.object({ id: z.string().min(1).max(64) }),
        querystring: z
          .object({
            from: z.coerce
              .number()
              .int()
              .min(0)
              .optional()
              .describe('ms since the epoch; default: 24 h before `to`'),
            to: z.coerce.number().int().min(0).optional().describe('ms since the epoch; default: now'),
            step: z.coerce
              .number()
              .int()
              .min(60)
              .max(86_400 * 31)
              .default(300)
              .describe('seconds, a multiple of 60'),
          })
          .refine((q) => q.step % 60 === 0, {
            message: 'step must be a multiple of 60 seconds',
            path: ['step'],
          }),
        response: {
          200: z.object({
            elder_id: z.string(),
            from: z.number(),
            to: z.number(),
            step: z.number(),
            points: z.array(vitalsPointSchema),
          }),
          400: errorBody,
          401: errorBody,
          403: errorBody,
          404: errorBody,
        },
      },
    },
    async (request) => {
      const to = request.query.to ?? now();
      const from = request.query.from ?? to - 86_400_000;
      const stepMs = request.query.step * 1000;
      if (from >= to) throw new HttpError(400, 'invalid_range', '`from` must be before `to`');
      if (to - from > maxSpanMs) {
        throw new HttpError(400, 'range_too_long', 'at most 7 days per request: ask again for the next week');
      }
      if ((to - from) / stepMs > maxPoints) {
        throw new HttpError(
          400,
          'too_many_points',
          `at most ${maxPoints} points: widen the step or narrow the range`,
        );
      }
      const user = signedIn(request);
      if (!(await history.visible(request.params.id, user.scopePath))) {
        throw new HttpError(404, 'not_found', `no elder ${request.params.id} in your org unit`);
      }
      await audit.record({
        by: user,
        action: 'vitals_viewed',
        elderId: request.params.id,
        detail: { from, to, step: request.query.step },
      });
      const points = await history.series(request.params.id, from, to, stepMs);
      return { elder_id: request.params.id, from, to, step: request.query.step, points };
    },
  );
};
