import { readFileSync } from 'node:fs';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { AlertBook } from '../alerts/alert-book.js';
import { alertRoutes } from '../alerts/alert-routes.js';
import { boardRoutes } from '../console/board-routes.js';
import { consoleConfigRoutes } from '../console/config-routes.js';
import { alertActionRoutes } from '../dispatch/alert-actions.js';
import type { Dispatcher } from '../dispatch/dispatcher.js';
import { deviceRoutes } from '../gateway/device-routes.js';
import type { MqttGateway } from '../gateway/mqtt-gateway.js';
import type { VitalsHistory } from '../ingest/vitals-history.js';
import { vitalsRoutes } from '../ingest/vitals-routes.js';
import { authPlugin } from '../kernel/auth-plugin.js';
import { installErrorHandler } from '../kernel/http-errors.js';
import type { HubMetrics } from '../kernel/metrics.js';
import type { Accounts } from '../registry/accounts.js';
import { authRoutes } from '../registry/auth-routes.js';
import type { DeviceRegistry } from '../registry/device-registry.js';
import type { DistrictRegistry } from '../registry/district.js';
import { districtRoutes } from '../registry/district-routes.js';
import type { DistrictReports } from '../reports/report-queries.js';
import { reportRoutes } from '../reports/report-routes.js';
import { serviceLevelRoutes } from '../reports/service-level-routes.js';
import type { ServiceLevels } from '../reports/service-levels.js';
import { serviceOrderRoutes } from '../services/service-order-routes.js';
import type { ServiceOrders } from '../services/service-orders.js';
import type { Database } from '../store/database.js';
import type { Ledger } from '../timebank/ledger.js';
import { timebankRoutes } from '../timebank/routes.js';
import { healthRoutes } from './health-routes.js';

export interface AppOptions {
  logger: Logger;
  accounts: Accounts;
  alerts: AlertBook;
  dispatcher: Dispatcher;
  db: Database;
  ledger: Ledger;
  serviceOrders: ServiceOrders;
  serviceLevels: ServiceLevels;
  reports: DistrictReports;
  district: DistrictRegistry;
  devices: DeviceRegistry;
  gateway: MqttGateway;
  metrics: HubMetrics;
  vitals: VitalsHistory;
  now: () => number;
  isReady: () => boolean;
  /** The first console page, served at `/` when the console app is not built. */
  consolePage: string;
  /** The built console app (`console/dist/`): when set it is served at `/`. */
  consoleDist?: string | undefined;
  /** MAP_TILE_URL: tiles beneath the console's map; unset, the map draws positions only. */
  mapTileUrl?: string | undefined;
}

const version = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** The hub's HTTP API, assembled from feature plugins; the process entry only listens. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger.child({ component: 'http' }) as FastifyBaseLogger,
    // Request lines would drown the log at district scale; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);

  await app.register(swagger, {
    openapi: {
      info: { title: 'Yiyang hub API', description: 'Virtual care home hub (颐养)', version },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(authPlugin, { accounts: options.accounts });

  const api = app.withTypeProvider<ZodTypeProvider>();
  await api.register(healthRoutes, { metrics: options.metrics, isReady: options.isReady });
  await api.register(authRoutes, { prefix: '/api/v1/auth', accounts: options.accounts });
  await api.register(districtRoutes, { prefix: '/api/v1/district', registry: options.district });
  await api.register(deviceRoutes, {
    prefix: '/api/v1/devices',
    devices: options.devices,
    gateway: options.gateway,
  });
  await api.register(alertRoutes, { prefix: '/api/v1/alerts', alerts: options.alerts });
  await api.register(alertActionRoutes, {
    prefix: '/api/v1/alerts',
    alerts: options.alerts,
    dispatcher: options.dispatcher,
  });
  await api.register(boardRoutes, { prefix: '/api/v1', db: options.db });
  await api.register(serviceOrderRoutes, { prefix: '/api/v1/service-orders', orders: options.serviceOrders });
  await api.register(serviceLevelRoutes, {
    prefix: '/api/v1/reports',
    levels: options.serviceLevels,
    now: options.now,
  });
  await api.register(reportRoutes, { prefix: '/api/v1/reports', reports: options.reports, now: options.now });
  await api.register(consoleConfigRoutes, { prefix: '/api/v1/console', mapTileUrl: options.mapTileUrl });
  await api.register(timebankRoutes, { prefix: '/api/v1/timebank', ledger: options.ledger });
  await api.register(vitalsRoutes, { prefix: '/api/v1/elders', history: options.vitals, now: options.now });
  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  if (options.consoleDist) {
    await app.register(fastifyStatic, {
      root: options.consoleDist,
      prefix: '/',
      wildcard: false,
      index: ['index.html'],
      decorateReply: false,
      cacheControl: false,
      // Hashed assets never change; index.html is revalidated so a new build is picked up.
      setHeaders: (res, path) =>
        res.setHeader(
          'cache-control',
          path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
        ),
    });
  } else {
    app.get('/', { schema: { hide: true } }, async (_request, reply) =>
      reply.type('text/html; charset=utf-8').send(options.consolePage),
    );
  }
  return app;
}
