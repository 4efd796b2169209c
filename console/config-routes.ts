import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { DeviceCatalog } from '../devices/catalog.js';
import { allow } from '../kernel/auth-plugin.js';
import { errorBody } from '../kernel/http-errors.js';
import { consoleConfigSchema } from './api-schemas.js';

/** What the console app needs of the hub's configuration, under `/api/v1/console`. */
export const consoleConfigRoutes: FastifyPluginAsyncZod<{
  mapTileUrl: string | undefined;
  utcOffsetMinutes: number;
  catalog: DeviceCatalog;
}> = async (app, { mapTileUrl, utcOffsetMinutes, catalog }) => {
  // The catalog does not change while the hub runs: its words are answered as they were read.
  const deviceTypes = catalog.all().map((type) => ({
    name: type.name,
    label: type.label,
    icon: type.icon,
    metrics: type.metrics.map((m) => ({ field: m.field, label: m.label, unit: m.unit ?? null })),
  }));
  app.get(
    '/config',
    {
      preHandler: allow('admin', 'specialist', 'responder', 'family'),
      schema: {
        tags: ['console'],
        summary:
          "The console's settings: the map tile URL template (MAP_TILE_URL), null when the map is offline, the district's UTC offset, and the device types' words",
        response: { 200: consoleConfigSchema, 401: errorBody, 403: errorBody },
      },
    },
    async () => ({
      map_tile_url: mapTileUrl ?? null,
      utc_offset_minutes: utcOffsetMinutes,
      device_types: deviceTypes,
    }),
  );
};
