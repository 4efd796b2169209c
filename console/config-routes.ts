import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { allow } from '../kernel/auth-plugin.js';
import { errorBody } from '../kernel/http-errors.js';

/** What the console app needs of the hub's configuration, under `/api/v1/console`. */
export const consoleConfigRoutes: FastifyPluginAsyncZod<{ mapTileUrl: string | undefined }> = async (
  app,
  { mapTileUrl },
) => {
  app.get(
    '/config',
    {
      preHandler: allow('admin', 'specialist', 'responder', 'family'),
      schema: {
        tags: ['console'],
        summary:
          "The console's settings: the map tile URL template (MAP_TILE_URL), null when the map is offline",
        response: {
          200: z.object({
            map_tile_url: z
              .string()
              .nullable()
              .describe('`{z}`, `{x}`, `{y}` filled in per tile (Web Mercator, 256 px)'),
          }),
          401: errorBody,
          403: errorBody,
        },
      },
    },
    async () => ({ map_tile_url: mapTileUrl ?? null }),
  );
};
