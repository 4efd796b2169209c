import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { HttpError } from '../kernel/http-errors.js';
import type { HubMetrics } from '../kernel/metrics.js';

const loopback = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * `/healthz` for anyone (a load balancer); `/metrics` only for the scraper: with the bearer
 * `METRICS_TOKEN` when one is set, else only from this machine (loopback).
 */
export const healthRoutes: FastifyPluginAsyncZod<{
  metrics: HubMetrics;
  isReady: () => boolean;
  metricsToken: string | undefined;
}> = async (app, { metrics, isReady, metricsToken }) => {
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
    {
      schema: {
        tags: ['operations'],
        summary:
          'Prometheus text format: with `Authorization: Bearer <METRICS_TOKEN>`, or from loopback when none is set',
        security: [],
      },
    },
    async (request, reply) => {
      const allowed = metricsToken
        ? request.headers.authorization === `Bearer ${metricsToken}`
        : loopback.has(request.ip);
      if (!allowed) {
        throw new HttpError(
          403,
          'forbidden',
          metricsToken
            ? 'metrics need the METRICS_TOKEN bearer'
            : 'metrics are served to this machine only; set METRICS_TOKEN',
        );
      }
      reply.header('content-type', metrics.registry.contentType);
      return metrics.registry.metrics();
    },
  );
};
