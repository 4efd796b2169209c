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
import { authPlugin } from '../kernel/auth-plugin.js';
import { frameworkErrors, installErrorHandler } from '../kernel/http-errors.js';
import type { TokenCheck } from '../kernel/identity.js';
import type { HubMetrics } from '../kernel/metrics.js';
import type { RouteSet } from '../kernel/stage.js';
import { healthRoutes } from './health-routes.js';
import { docsPolicy, docsUiConfig, securityHeaders } from './security-headers.js';

export interface AppOptions {
  logger: Logger;
  accounts: TokenCheck;
  metrics: HubMetrics;
  isReady: () => boolean;
  /** Why the hub cannot serve now (its store does not answer), or null: `/readyz`. */
  unready: () => Promise<string | null>;
  /** What works less well now without the hub being unready (see health-routes.ts). */
  degraded: () => string[];
  /** The bearer `/metrics` asks for; unset, it answers loopback only. */
  metricsToken: string | undefined;
  /** Every domain's routes, each under its own prefix. */
  routes: RouteSet[];
  /** The first console page, served at `/` when the console app is not built. */
  consolePage: string;
  /** The built console app (`console/dist/`): when set it is served at `/`. */
  consoleDist?: string | undefined;
  /** `MAP_TILE_URL`: its origin is the one place the console may load images from besides the hub. */
  mapTileUrl?: string | undefined;
  /** `TRUST_PROXY`: the reverse proxy whose `X-Forwarded-For` names the caller's address. */
  trustProxy?: string | undefined;
}

const version = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** The hub's HTTP API, assembled from the domains' route sets; the HTTP stage only listens. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger.child({ component: 'http' }) as FastifyBaseLogger,
    // Request lines would drown the log at district scale; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    frameworkErrors,
    // Behind a proxy every caller would otherwise be the proxy: one address for the sign-in limit,
    // and "this machine" for /metrics. Only the named proxy's forwarded address is believed.
    ...(options.trustProxy ? { trustProxy: options.trustProxy } : {}),
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);
  await securityHeaders(app, { mapTileUrl: options.mapTileUrl });

  await app.register(swagger, {
    openapi: {
      info: { title: 'Yiyang hub API', description: 'Virtual care home hub (颐养)', version },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: docsUiConfig,
    staticCSP: true,
    transformStaticCSP: docsPolicy,
  });
  await app.register(authPlugin, { accounts: options.accounts });

  const api = app.withTypeProvider<ZodTypeProvider>();
  await api.register(healthRoutes, {
    metrics: options.metrics,
    isReady: options.isReady,
    unready: options.unready,
    degraded: options.degraded,
    metricsToken: options.metricsToken,
  });
  for (const routes of options.routes) await routes.register(app);
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
