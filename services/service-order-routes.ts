import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { timelineEntrySchema } from '../alerts/timeline-notes.js';
import { allow, signedIn } from '../kernel/auth-plugin.js';
import { errorBody, HttpError } from '../kernel/http-errors.js';
import { LedgerError } from '../timebank/ledger-error.js';
import { requestFields, serviceOrderSchema } from './api-schemas.js';
import { ServiceOrderError, type ServiceOrders, serviceStatuses } from './service-orders.js';

const idParam = z.object({ id: z.string().min(1).max(64) });
const errors = { 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody, 409: errorBody };
const answer = { 200: serviceOrderSchema, ...errors };
const tags = ['service-orders'];

/**
 * Service orders under `/api/v1/service-orders`. Roles are checked here; org-unit scope,
 * the volunteer's community and whose task it is, by `ServiceOrders` on every call.
 */
export const serviceOrderRoutes: FastifyPluginAsyncZod<{ orders: ServiceOrders }> = async (
  app,
  { orders },
) => {
  app.setErrorHandler((error) => {
    if (error instanceof ServiceOrderError) throw new HttpError(error.status, error.code, error.message);
    if (error instanceof LedgerError) throw new HttpError(error.status, error.code, error.message);
    throw error;
  });
  const requesters = allow('admin', 'specialist', 'family');
  const volunteers = allow('responder');

  app.post(
    '/',
    {
      preHandler: requesters,
      schema: {
        tags,
        summary: 'Ask for help for an elder of your org unit',
        body: z.object({
          ...requestFields,
          wanted_at: z.number().int().nonnegative().describe('ms since the Unix epoch'),
        }),
        response: { 201: serviceOrderSchema, ...errors },
      },
    },
    async (request, reply) => reply.code(201).send(await orders.publish(signedIn(request), request.body)),
  );

  app.get(
    '/',
    {
      preHandler: allow('admin', 'specialist', 'family', 'responder'),
      schema: {
        tags,
        summary:
          'Orders in your org unit, newest first; a volunteer: the open requests of their community (whose, hidden) and their own',
        querystring: z.object({
          status: z.enum(serviceStatuses).optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(200),
        }),
        response: { 200: z.object({ orders: z.array(serviceOrderSchema) }), ...errors },
      },
    },
    async (request) => ({ orders: await orders.list(signedIn(request), request.query) }),
  );

  app.get(
    '/:id',
    {
      preHandler: requesters,
      schema: {
        tags,
        summary: 'One order with its timeline (who moved it, when, from what to what)',
        params: idParam,
        response: {
          200: z.object({
            order: serviceOrderSchema,
            timeline: z.array(timelineEntrySchema),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const user = signedIn(request);
      return {
        order: await orders.get(user, request.params.id),
        timeline: await orders.timeline(user, request.params.id),
      };
    },
  );

  const volunteerActions = [
    ['take', 'Take an open request of your community (the first taker wins)', orders.take],
    ['check-in', 'Arrived: the service starts', orders.checkIn],
    ['check-out', 'Finished: the measured time is check-out − check-in', orders.checkOut],
  ] as const;
  for (const [action, summary, act] of volunteerActions) {
    app.post(
      `/:id/${action}`,
      { preHandler: volunteers, schema: { tags, summary, params: idParam, response: answer } },
      async (request) => act.call(orders, signedIn(request), request.params.id),
    );
  }

  app.post(
    '/:id/rate',
    {
      preHandler: requesters,
      schema: {
        tags,
        summary: 'Rate a finished service (the family; a specialist may enter what the elder said by phone)',
        params: idParam,
        body: z.object({
          rating: z.number().int().min(1).max(5),
          comment: z.string().trim().max(2000).optional(),
        }),
        response: answer,
      },
    },
    async (request) => orders.rate(signedIn(request), request.params.id, request.body),
  );

  app.post(
    '/:id/certify',
    {
      preHandler: allow('admin', 'specialist'),
      schema: {
        tags,
        summary:
          'Certify a rated service with the minutes claimed: the ledger pays them, or flags a claim over 1.5× the measured time',
        params: idParam,
        body: z.object({
          claimed_minutes: z
            .number()
            .int()
            .min(0)
            .max(24 * 60),
        }),
        response: answer,
      },
    },
    async (request) => orders.certify(signedIn(request), request.params.id, request.body.claimed_minutes),
  );

  app.post(
    '/:id/reassign',
    {
      preHandler: allow('admin', 'specialist'),
      schema: {
        tags,
        summary:
          'Take a taken order from its volunteer: to another volunteer of the elder’s community, or (volunteer_id null) back to an open request',
        params: idParam,
        body: z.object({ volunteer_id: z.string().min(1).max(64).nullable() }).strict(),
        response: answer,
      },
    },
    async (request) => orders.reassign(signedIn(request), request.params.id, request.body.volunteer_id),
  );

  app.post(
    '/:id/cancel',
    {
      preHandler: requesters,
      schema: {
        tags,
        summary: 'Withdraw a request before the service starts',
        params: idParam,
        // A bare POST (no body) cancels without a reason.
        body: z.object({ reason: z.string().trim().max(2000).optional() }).nullish(),
        response: answer,
      },
    },
    async (request) => orders.cancel(signedIn(request), request.params.id, request.body?.reason),
  );
};
