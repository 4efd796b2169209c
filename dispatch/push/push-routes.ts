import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { allow, signedIn } from '../../kernel/auth-plugin.js';
import { errorBody, HttpError } from '../../kernel/http-errors.js';
import { type PushSubscriptions, subscriptionSchema } from './push-subscriptions.js';
import type { VapidKeys } from './vapid-keys.js';

const errors = { 400: errorBody, 401: errorBody, 403: errorBody };

/**
 * The responder app's Web Push: the hub's public key to subscribe with, and the signed-in
 * responder's own subscriptions (a responder user's username is the responder id).
 */
export const pushRoutes: FastifyPluginAsyncZod<{
  keys: VapidKeys;
  subscriptions: PushSubscriptions;
  serviceHosts: string[];
  /** Whether dispatch may count on push for this responder (they hold a subscription or not). */
  reachable: (responderId: string, reachable: boolean) => Promise<void>;
}> = async (app, { keys, subscriptions, serviceHosts, reachable }) => {
  const responders = allow('responder');
  const subscription = subscriptionSchema(serviceHosts);

  app.get(
    '/public-key',
    {
      preHandler: responders,
      schema: {
        tags: ['push'],
        summary: "The hub's VAPID public key, for pushManager.subscribe",
        description:
          'base64url, made at the hub’s first start and kept in the store: pass it as `applicationServerKey`.',
        response: { 200: z.object({ public_key: z.string() }), ...errors },
      },
    },
    async () => ({ public_key: keys.publicKey }),
  );

  app.put(
    '/subscription',
    {
      preHandler: responders,
      schema: {
        tags: ['push'],
        summary: "Register this browser's push subscription for your offers",
        description:
          'The body is `PushSubscription.toJSON()` and the app’s language (`zh` or `en`, the pushes’ words). ' +
          'From now offers, withdrawals and task changes are also pushed here, and you count as reachable ' +
          'for offers while the app is closed. The endpoint must be https on an allowed push service ' +
          '(`PUSH_SERVICE_HOSTS`); a browser registered by another responder before becomes yours.',
        body: subscription,
        response: { 200: z.object({ ok: z.literal(true), endpoint: z.string() }), ...errors },
      },
    },
    async (request) => {
      const responderId = signedIn(request).username;
      const { previous } = await subscriptions.save(responderId, request.body);
      await reachable(responderId, true);
      if (previous) await reachable(previous, await subscriptions.held(previous));
      return { ok: true as const, endpoint: request.body.endpoint };
    },
  );

  app.delete(
    '/subscription',
    {
      preHandler: responders,
      schema: {
        tags: ['push'],
        summary: "Unregister one of your browser's push subscriptions",
        description: 'Only your own: another responder’s endpoint, or an unknown one, is 404.',
        body: z.object({ endpoint: z.string().min(1).max(2000) }),
        response: { 200: z.object({ removed: z.literal(true) }), 404: errorBody, ...errors },
      },
    },
    async (request) => {
      const responderId = signedIn(request).username;
      if (!(await subscriptions.remove(responderId, request.body.endpoint)))
        throw new HttpError(404, 'not_found', 'you have no push subscription at that endpoint');
      await reachable(responderId, await subscriptions.held(responderId));
      return { removed: true as const };
    },
  );
};
