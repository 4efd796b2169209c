import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { HubMetrics } from '../kernel/metrics.js';

export const healthRoutes: FastifyPluginAsyncZod<{ metrics: HubMetrics; isReady: () => boolean }> = async (
  app,
  { metrics, isReady },
) => {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['operations'],
        summary: 'ok once HTTP and MQTT accept connections',
        response: {
          200: z.object({ status: z.literal('ok') }),
          503: z.object({ status: z.literal('starting') }),
        },
      },
    },
    async (_request, reply) =>
      isReady() ? { status: 'ok' as const } : reply.code(503).send({ status: 'starting' as const }),
  );

  app.get(
    '/metrics',
    { schema: { tags: ['operations'], summary: 'Prometheus text format' } },
    async (_request, reply) => {
      reply.header('content-type', metrics.registry.contentType);
      return metrics.registry.metrics();
    },
  );
};
