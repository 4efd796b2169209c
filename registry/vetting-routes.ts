import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { allow, signedIn } from '../kernel/auth-plugin.js';
import { errorBody } from '../kernel/http-errors.js';
import type { VolunteerApplications } from './volunteer-applications.js';
import type { VolunteerRecords } from './volunteer-records.js';
import {
  applicationSchema,
  certificateSchema,
  trainingSchema,
  volunteerSchema,
} from './volunteer-sign-up.js';

const tags = ['volunteers'];
const errors = { 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody, 409: errorBody };
const params = z.object({ id: z.string().min(1).max(64) });

/**
 * Vetting by the community's specialists (and admins): applications approved or refused, the
 * volunteers' certificates and training record. Each is within the caller's org unit; one
 * outside it is a 404, as everywhere.
 */
export const vettingRoutes: FastifyPluginAsyncZod<{
  applications: VolunteerApplications;
  records: VolunteerRecords;
}> = async (app, { applications, records }) => {
  const staff = allow('admin', 'specialist');

  app.get(
    '/applications',
    {
      preHandler: staff,
      schema: {
        tags,
        summary:
          'Applications to the communities of your org unit, oldest first (pending unless `status` says)',
        querystring: z.object({ status: z.enum(['pending', 'approved', 'refused']).default('pending') }),
        response: { 200: z.object({ applications: z.array(applicationSchema) }), ...errors },
      },
    },
    async (request) => ({
      applications: await applications.list(signedIn(request), request.query.status),
    }),
  );

  app.post(
    '/applications/:id/approve',
    {
      preHandler: staff,
      schema: {
        tags,
        summary:
          'Approve: the person becomes a volunteer responder of the community with the login asked for (audited)',
        params,
        response: { 200: applicationSchema, ...errors },
      },
    },
    async (request) => applications.approve(request.params.id, signedIn(request)),
  );

  app.post(
    '/applications/:id/refuse',
    {
      preHandler: staff,
      schema: {
        tags,
        summary: 'Refuse with a reason: no login is made (audited)',
        params,
        body: z
          .object({
            reason: z.string().trim().min(1, 'must say why').max(500, 'must be at most 500 characters'),
          })
          .strict(),
        response: { 200: applicationSchema, ...errors },
      },
    },
    async (request) => applications.refuse(request.params.id, signedIn(request), request.body.reason),
  );

  app.get(
    '/',
    {
      preHandler: staff,
      schema: {
        tags,
        summary:
          'The volunteers of your org unit with their certificates (expired or not) and training record',
        response: { 200: z.object({ volunteers: z.array(volunteerSchema) }), ...errors },
      },
    },
    async (request) => ({ volunteers: await records.list(signedIn(request)) }),
  );

  app.put(
    '/:id/certificate',
    {
      preHandler: staff,
      schema: {
        tags,
        summary:
          'Record a new or renewed first-aid certificate: first aid counts in matching until its last day (audited)',
        params,
        body: certificateSchema,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await records.setCertificate(request.params.id, request.body, signedIn(request));
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/:id/trainings',
    {
      preHandler: staff,
      schema: {
        tags,
        summary: 'Add a course the volunteer took to their training record (audited)',
        params,
        body: trainingSchema,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await records.addTraining(request.params.id, request.body, signedIn(request));
      return reply.code(204).send(null);
    },
  );
};
