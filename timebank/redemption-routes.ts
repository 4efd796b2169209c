import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { allow, signedIn } from '../kernel/auth-plugin.js';
import { errorBody, HttpError } from '../kernel/http-errors.js';
import { redemptionRecordSchema } from './api-schemas.js';
import type { Ledger } from './ledger.js';

const errors = { 400: errorBody, 401: errorBody, 403: errorBody };

/** The redemptions of your org unit and below, for the console (the writes are in transfer-routes). */
export const redemptionRoutes: FastifyPluginAsyncZod<{ ledger: Ledger }> = async (app, { ledger }) => {
  app.get(
    '/redemptions',
    {
      preHandler: allow('admin', 'specialist'),
      schema: {
        tags: ['timebank'],
        summary:
          'Redemptions of your org unit and below, newest first: item, payer, minutes, and whether corrected',
        querystring: z.object({
          from: z.coerce
            .number()
            .int()
            .min(0)
            .optional()
            .describe('ms, inclusive; default 31 days before `to`'),
          to: z.coerce.number().int().min(0).optional().describe('ms, exclusive; default now'),
          limit: z.coerce.number().int().min(1).max(5000).default(500),
        }),
        response: { 200: z.object({ redemptions: z.array(redemptionRecordSchema) }), ...errors },
      },
    },
    async (request) => {
      // Exclusive: by default up to and including this millisecond.
      const to = request.query.to ?? ledger.now() + 1;
      const from = request.query.from ?? to - 31 * 86_400_000;
      if (from >= to) throw new HttpError(400, 'invalid_range', '`from` must be before `to`');
      return {
        redemptions: await ledger.redemptionLog.list(signedIn(request).scopePath, {
          from,
          to,
          limit: request.query.limit,
        }),
      };
    },
  );
};
