import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { allow, signedIn } from '../kernel/auth-plugin.js';
import { errorBody, HttpError } from '../kernel/http-errors.js';
import { type DistrictRegistry, ElderErasedMeanwhile } from './district.js';
import { districtDocumentSchema } from './district-document.js';

const idLists = z.object({
  org_units: z.array(z.string()),
  elders: z.array(z.string()),
  devices: z.array(z.string()),
  responders: z.array(z.string()),
  users: z.array(z.string()),
});

export const districtRoutes: FastifyPluginAsyncZod<{ registry: DistrictRegistry }> = async (
  app,
  { registry },
) => {
  app.put(
    '/',
    {
      preHandler: allow('admin'),
      schema: {
        tags: ['district'],
        summary:
          'Upsert org units, elders and their devices, responders and users (never deletes). The whole document is checked before anything is written (400 with every invalid entry; nothing changed); it is then written in batches, and applying it again completes one cut short (a stopped hub, or 409 `elder_erased`: an elder erased while it was written)',
        body: districtDocumentSchema,
        response: {
          200: z.object({
            created: idLists,
            updated: idLists,
            issued_secrets: z.record(z.string(), z.string()),
          }),
          400: errorBody,
          401: errorBody,
          403: errorBody,
          409: errorBody,
        },
      },
      // A street or a large community per document (~20,000 elders): parsing and validating more at
      // once would hold the event loop for seconds. A whole district is applied unit by unit.
      bodyLimit: 16 * 1024 * 1024,
    },
    async (request) => {
      const user = signedIn(request);
      const result = await registry
        .apply(request.body, { username: user.username, scopePath: user.scopePath })
        .catch((error: unknown) => {
          if (error instanceof ElderErasedMeanwhile) throw new HttpError(409, 'elder_erased', error.message);
          throw error;
        });
      if (!result.ok) {
        throw new HttpError(
          400,
          'invalid_district',
          `the document has ${result.issues.length} invalid entries; nothing was changed`,
          result.issues,
        );
      }
      return result.change;
    },
  );
};
