import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { HttpError } from './http-errors.js';
import type { Role, SignedInUser, TokenCheck } from './identity.js';

declare module 'fastify' {
  interface FastifyRequest {
    user: SignedInUser | null;
  }
}

/** Reads the bearer token of every request; routes then ask for the roles they allow. */
export const authPlugin = fp(async (app: FastifyInstance, options: { accounts: TokenCheck }) => {
  app.decorateRequest('user', null);
  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization;
    if (header?.startsWith('Bearer '))
      request.user = await options.accounts.authenticate(header.slice(7).trim());
  });
});

/** A preHandler that lets through only signed-in users of the given roles. */
export function allow(...roles: Role[]) {
  return async (request: FastifyRequest) => {
    if (!request.user)
      throw new HttpError(401, 'unauthorized', 'sign in first: Authorization: Bearer <token>');
    if (!roles.includes(request.user.role)) {
      throw new HttpError(403, 'forbidden', `this needs one of the roles: ${roles.join(', ')}`);
    }
  };
}

export function signedIn(request: FastifyRequest): SignedInUser {
  if (!request.user) throw new HttpError(401, 'unauthorized', 'sign in first');
  return request.user;
}
