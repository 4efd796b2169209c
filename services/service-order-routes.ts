import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { timelineEntrySchema } from '../alerts/timeline-notes.js';
import { allow, signedIn } from '../kernel/auth-plugin.js';
import { errorBody, HttpError } from '../kernel/http-errors.js';
import { LedgerError } from '../timebank/ledger-error.js';
import { requestFields, serviceOrderSchema, volunteerRecordSchema } from './api-schemas.js';
import { ServiceOrderError, type ServiceOrders, serviceStatuses } from './service-orders.js';

const idParam = z.object({ id: z.string().min(1).max(64) });
/** Where the volunteer stands (the phone's location), WGS 84. */
const position = z.object({
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
});
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
    [
      'hand-back',
      'Give back a taken order you cannot serve after all (before check-in): it is open to your community again at once',
      orders.handBack,
    ],
  ] as const;
  for (const [action, summary, act] of volunteerActions) {
    app.post(
      `/:id/${action}`,
      { preHandler: volunteers, schema: { tags, summary, params: idParam, response: answer } },
      async (request) => act.call(orders, signedIn(request), request.params.id),
    );
  }

  app.get(
    '/mine',
    {
      preHandler: volunteers,
      schema: {
        tags,
        summary:
          'A volunteer’s own record: upcoming and past services, minutes measured and credited, a summary by month, skills',
        response: { 200: volunteerRecordSchema, ...errors },
      },
    },
    async (request) => orders.record.of(signedIn(request)),
  );

  app.post(
    '/:id/check-in',
    {
      preHandler: volunteers,
      schema: {
        tags,
        summary:
          'Arrived: the service starts. Refused (409 `too_far`, with the distance) beyond 100 m of the elder’s home; the elder’s watch then shows the visit’s confirmation code (a `notify` command)',
        params: idParam,
        body: position,
        response: answer,
      },
    },
    async (request) => orders.checkIn(signedIn(request), request.params.id, request.body),
  );

  app.post(
    '/:id/check-out',
    {
      preHandler: volunteers,
      schema: {
        tags,
        summary:
          'Finished, within 100 m of the home: measured time is check-out − check-in. With the code the elder read out, the visit is confirmed (a wrong code: 409 `wrong_code`, 5 tries); without it, certifying waits for a specialist’s decision',
        params: idParam,
        body: position.extend({
          code: z
            .string()
            .trim()
            .regex(/^\d{4}$/, 'the code is 4 digits')
            .optional()
            .describe('the confirmation code shown on the elder’s watch at check-in'),
        }),
        response: answer,
      },
    },
    async (request) => {
      const { code, ...at } = request.body;
      return orders.checkOut(signedIn(request), request.params.id, at, code);
    },
  );

  app.post(
    '/:id/confirm',
    {
      preHandler: allow('family'),
      schema: {
        tags,
        summary:
          'The elder’s family confirms the visit happened (in progress or finished, before certification), instead of the elder’s code',
        params: idParam,
        response: answer,
      },
    },
    async (request) => orders.confirm(signedIn(request), request.params.id),
  );

  app.post(
    '/:id/decision',
    {
      preHandler: allow('admin', 'specialist'),
      schema: {
        tags,
        summary:
          'Decide a flagged certified service (unconfirmed, or claimed over 1.5× the measured time): approve pays `minutes` (default: the measured time, at most the claim) within the caps; reject pays nothing. Audited',
        params: idParam,
        body: z
          .object({
            approve: z.boolean(),
            minutes: z
              .number()
              .int()
              .min(1)
              .max(24 * 60)
              .optional(),
          })
          .strict(),
        response: answer,
      },
    },
    async (request) => orders.decide(signedIn(request), request.params.id, request.body),
  );

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
