import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { limitPerAddress } from '../kernel/address-limit.js';
import { errorBody, HttpError } from '../kernel/http-errors.js';
import type { Accounts } from './accounts.js';
import { meSchema } from './api-schemas.js';
import type { DistrictDirectory } from './district-directory.js';
import type { PeopleNames } from './people-names.js';

export const authRoutes: FastifyPluginAsyncZod<{
  accounts: Accounts;
  signInsPerIpPerMin: number;
  /** Units' names, so that apps say which unit the user watches. */
  directory: Pick<DistrictDirectory, 'orgUnit'>;
  /** People's names, so that apps greet people by name, not username. */
  names: PeopleNames;
}> = async (app, { accounts, signInsPerIpPerMin, directory, names }) => {
  // Per address, over any usernames (the per-name lock is in Accounts): a password spray from one
  // machine is slowed to the limit.
  await limitPerAddress(app, 'sign-ins');
  app.post(
    '/login',
    {
      config: { rateLimit: { max: signInsPerIpPerMin, timeWindow: 60_000 } },
      schema: {
        tags: ['auth'],
        summary: 'Sign in; the token goes in `Authorization: Bearer <token>` on every other call',
        body: z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(256) }),
        response: {
          200: z.object({ token: z.string(), expires_at: z.number() }),
          401: errorBody,
          429: errorBody,
          503: errorBody,
        },
      },
    },
    async (request, reply) => {
      const { username } = request.body;
      const session = await accounts.login(username, request.body.password);
      if (session && 'locked' in session) {
        request.log.warn({ username, ip: request.ip }, 'sign-in refused: too many failures');
        reply.header('retry-after', Math.ceil(session.retryAfterMs / 1000));
        throw new HttpError(
          429,
          'too_many_attempts',
          'too many failed sign-ins for this user; try again later',
        );
      }
      if (session && 'busy' in session) {
        reply.header('retry-after', 1);
        throw new HttpError(503, 'sign_in_busy', 'too many sign-ins at once; try again in a second');
      }
      if (!session) {
        // Audited: who tried, from where (never the password).
        request.log.warn({ username, ip: request.ip }, 'failed sign-in');
        throw new HttpError(401, 'bad_credentials', 'wrong username or password');
      }
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
      const { username, role, orgUnitId } = request.user;
      return {
        username,
        role,
        org_unit_id: orgUnitId,
        org_unit_name: orgUnitId ? (directory.orgUnit(orgUnitId)?.name ?? null) : null,
        name: await names.one(username),
      };
    },
  );
};
