import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { HttpError } from './http-errors.js';

/**
 * Per network address limits on a plugin's routes (each route sets `config.rateLimit`), answered
 * with a 429 that says what was refused and when to try again. Behind a reverse proxy the address
 * is the proxy's unless TRUST_PROXY names it (docs/security.md).
 */
export async function limitPerAddress(app: FastifyInstance, what: string): Promise<void> {
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      new HttpError(
        429,
        'too_many_attempts',
        `too many ${what} from this address; try again in ${Math.ceil(context.ttl / 1000)} s`,
      ),
  });
}
