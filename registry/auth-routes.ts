import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorBody, HttpError } from '../kernel/http-errors.js';
import type { Accounts } from './accounts.js';
import { meSchema } from './api-schemas.js';

export const authRoutes: FastifyPluginAsyncZod<{ accounts: Accounts }> = async (app, { accounts }) => {
  app.post(
    '/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign in; the token goes in `Authorization: Bearer <token>` on every other call',
        body: z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(256) }),
        response: { 200: z.object({ token: z.string(), expires_at: z.number() }), 401: errorBody },
      },
    },
    async (request) => {
      const session = await accounts.login(request.body.username, request.body.password);
      if (!session) throw new HttpError(401, 'bad_credentials', 'wrong username or password');
      return { token: session.token, expires_at: session.expiresAt };
    },
  );

  app.post(
    '/logout',
    { schema: { tags: ['auth'], summary: 'End this token', response: { 204: z.null() } } },
    async (request, reply) => {
      const header = request.headers.authorization;
      if (header?.startsWith('Bearer ')) await accounts.logout(header.slice(7).trim());
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/me',
    {
      schema: {
        tags: ['auth'],
        summary: 'Who the token belongs to',
        response: {
          200: meSchema,
          401: errorBody,
        },
      },
    },
    async (request) => {
      if (!request.user) throw new HttpError(401, 'unauthorized', 'sign in first');
      return {
        username: request.user.username,
        role: request.user.role,
        org_unit_id: request.user.orgUnitId,
      };
    },
  );
};
