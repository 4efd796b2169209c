import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { allow, signedIn } from '../kernel/auth-plugin.js';
import { errorBody, HttpError } from '../kernel/http-errors.js';
import {
  serviceKindChangeSchema,
  serviceKindInput,
  serviceKindRename,
  serviceKindSchema,
} from './api-schemas.js';
import type { ServiceKinds } from './service-kinds.js';
import { ServiceOrderError } from './service-order-model.js';

const tags = ['service-orders'];
const errors = { 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody, 409: errorBody };
const codeParam = z.object({ code: z.string().min(1).max(64) });
const admins = allow('admin');

/** The menu of service kinds under `/api/v1/service-kinds`: everyone reads it, the district's admins keep it. */
export const serviceKindRoutes: FastifyPluginAsyncZod<{ kinds: ServiceKinds }> = async (app, { kinds }) => {
  app.setErrorHandler((error) => {
    if (error instanceof ServiceOrderError) throw new HttpError(error.status, error.code, error.message);
    throw error;
  });

  app.get(
    '/',
    {
      preHandler: allow('admin', 'specialist', 'family', 'responder'),
      schema: {
        tags,
        summary: 'The kinds of service one may request, in the menu’s order; retired ones too (active false)',
        response: { 200: z.object({ kinds: z.array(serviceKindSchema) }), ...errors },
      },
    },
    async () => ({ kinds: await kinds.list() }),
  );

  app.post(
    '/',
    {
      preHandler: admins,
      schema: {
        tags,
        summary: 'Add a kind to the menu (district admins; audited)',
        description:
          'A stable snake_case code and a name in Chinese and in English. 400 `duplicate_code` when the code is taken (a retired kind keeps its code: restore it), `duplicate_label` when another kind has that name, `invalid_request` for an empty label or a malformed code; 403 `not_district_admin` for an admin below the district.',
        body: serviceKindInput,
        response: { 201: serviceKindSchema, ...errors },
      },
    },
    async (request, reply) => reply.code(201).send(await kinds.add(signedIn(request), request.body)),
  );

  app.patch(
    '/:code',
    {
      preHandler: admins,
      schema: {
        tags,
        summary:
          'Rename a kind, in one language or both (district admins; audited); its orders take the new name',
        params: codeParam,
        body: serviceKindRename,
        response: { 200: serviceKindSchema, ...errors },
      },
    },
    async (request) => kinds.rename(signedIn(request), request.params.code, request.body),
  );

  const states = [
    [
      'retire',
      'Retire a kind (district admins; audited): no new requests of it (400 retired_kind), its orders and reports keep its name; 409 kind_in_use while a recurring request of it still publishes',
      kinds.retire,
    ],
    ['restore', 'Bring a retired kind back on the menu (district admins; audited)', kinds.restore],
  ] as const;
  for (const [action, summary, change] of states) {
    app.post(
      `/:code/${action}`,
      {
        preHandler: admins,
        schema: { tags, summary, params: codeParam, response: { 200: serviceKindSchema, ...errors } },
      },
      async (request) => change.call(kinds, signedIn(request), request.params.code),
    );
  }

  app.get(
    '/changes',
    {
      preHandler: admins,
      schema: {
        tags,
        summary: 'Who added, renamed, retired or restored which kind, when; newest first',
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(200) }),
        response: { 200: z.object({ changes: z.array(serviceKindChangeSchema) }), ...errors },
      },
    },
    async (request) => ({ changes: await kinds.changes(request.query.limit) }),
  );
};
