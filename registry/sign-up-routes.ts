import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { limitPerAddress } from '../kernel/address-limit.js';
import type { FailureLock } from '../kernel/failure-lock.js';
import { errorBody, HttpError } from '../kernel/http-errors.js';
import { phoneKey, type VolunteerApplications } from './volunteer-applications.js';
import { applicationSchema, signUpSchema } from './volunteer-sign-up.js';

const tags = ['volunteers'];

/**
 * A person signs up as a volunteer on the app, before having any login: the communities to
 * choose from, and the application. Attempts are limited per address and per phone number.
 */
export const signUpRoutes: FastifyPluginAsyncZod<{
  applications: VolunteerApplications;
  signUpsPerIpPerHour: number;
  /** Every attempt with a phone number counts, whatever its outcome. */
  perPhone: FailureLock;
}> = async (app, { applications, signUpsPerIpPerHour, perPhone }) => {
  await limitPerAddress(app, 'sign-ups');

  app.get(
    '/communities',
    {
      schema: {
        tags,
        summary: 'The communities a volunteer may sign up to (public: the sign-up screen lists them)',
        security: [],
        response: {
          200: z.object({
            communities: z.array(
              z.object({ id: z.string(), name: z.string(), street: z.string().nullable() }),
            ),
          }),
        },
      },
    },
    async () => ({ communities: await applications.communities() }),
  );

  app.post(
    '/applications',
    {
      config: { rateLimit: { max: signUpsPerIpPerHour, timeWindow: 3_600_000 } },
      schema: {
        tags,
        summary:
          'Sign up as a volunteer (public): the application waits for a specialist of the community; the login works once approved',
        description:
          'A 400 names each bad entry; a 409 says the username is taken or this phone has an application waiting; a 429 says too many attempts from this address or for this phone number. Nothing is stored unless the answer is 201.',
        security: [],
        body: signUpSchema,
        response: { 201: applicationSchema, 400: errorBody, 409: errorBody, 429: errorBody },
      },
    },
    async (request, reply) => {
      const phone = phoneKey(request.body.phone);
      const lockedFor = perPhone.lockedFor(phone);
      if (lockedFor > 0) {
        const retryS = Math.ceil(lockedFor / 1000);
        reply.header('retry-after', retryS);
        throw new HttpError(
          429,
          'too_many_attempts',
          `too many sign-ups for this phone number; try again in ${retryS} s`,
        );
      }
      perPhone.failed(phone);
      return reply.code(201).send(await applications.apply(request.body));
    },
  );
};
