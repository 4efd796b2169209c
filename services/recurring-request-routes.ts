import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { allow, signedIn } from '../kernel/auth-plugin.js';
import { calendarDay } from '../kernel/calendar-day.js';
import { errorBody, HttpError } from '../kernel/http-errors.js';
import { recurringRequestSchema, requestFields } from './api-schemas.js';
import type { RecurringRequests } from './recurring-requests.js';
import { ServiceOrderError } from './service-order-model.js';

const tags = ['service-orders'];
const errors = { 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody };
const day = calendarDay;

/** Requests that publish themselves, under `/api/v1/recurring-requests`. */
export const recurringRequestRoutes: FastifyPluginAsyncZod<{ recurring: RecurringRequests }> = async (
  app,
  { recurring },
) => {
  app.setErrorHandler((error) => {
    if (error instanceof ServiceOrderError) throw new HttpError(error.status, error.code, error.message);
    throw error;
  });
  const requesters = allow('admin', 'specialist', 'family');

  app.post(
    '/',
    {
      preHandler: requesters,
      schema: {
        tags,
        summary:
          'A request that publishes itself for an elder of your org unit: on the given weekdays at a local time, each order published lead_hours before',
        body: z
          .object({
            ...requestFields,
            weekdays: z
              .array(z.number().int().min(1).max(7))
              .min(1, 'name at least one weekday (1 Monday … 7 Sunday)')
              .max(7),
            time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a local time HH:MM (00:00–23:59)'),
            lead_hours: z.number().int().min(1).max(168).default(24),
            starts_on: day.optional().describe('default: today'),
            ends_on: day.optional().describe('default: until stopped'),
          })
          .strict()
          .refine((b) => !b.starts_on || !b.ends_on || b.starts_on <= b.ends_on, {
            path: ['ends_on'],
            message: 'ends_on must not be before starts_on',
          }),
        response: { 201: recurringRequestSchema, ...errors },
      },
    },
    async (request, reply) => reply.code(201).send(await recurring.create(signedIn(request), request.body)),
  );

  app.get(
    '/',
    {
      preHandler: requesters,
      schema: {
        tags,
        summary: 'The recurring requests of your org unit, newest first',
        querystring: z.object({ elder_id: z.string().min(1).max(64).optional() }),
        response: { 200: z.object({ recurring_requests: z.array(recurringRequestSchema) }), ...errors },
      },
    },
    async (request) => ({
      recurring_requests: await recurring.list(signedIn(request), request.query.elder_id),
    }),
  );

  app.post(
    '/:id/stop',
    {
      preHandler: requesters,
      schema: {
        tags,
        summary: 'No more orders from it (those published stay; cancel them one by one)',
        params: z.object({ id: z.string().min(1).max(64) }),
        response: { 200: recurringRequestSchema, ...errors },
      },
    },
    async (request) => recurring.stopRule(signedIn(request), request.params.id),
  );
};
