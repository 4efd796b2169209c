import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { HttpError } from '../kernel/http-errors.js';
import type { HubMetrics } from '../kernel/metrics.js';

const loopback = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * `/healthz` (the process is up and listening) and `/readyz` (it can also store: an event would be
 * acknowledged) for anyone, a load balancer or a watchdog; `/metrics` only for the scraper: with
 * the bearer `METRICS_TOKEN` when one is set, else only from this machine (loopback).
 */
export const healthRoutes: FastifyPluginAsyncZod<{
  metrics: HubMetrics;
  isReady: () => boolean;
  /** Why the hub cannot serve now (the store does not answer), or null when it can. */
  unready: () => Promise<string | null>;
  /**
   * What works less well without stopping events being stored and alarms raised (the
   * time-series server down: lines wait in the retry buffer). Reported, never a 503: every hub
   * shares that server, and a balancer taking all hubs out for it would stop the alarms too.
   */
  degraded: () => string[];
  metricsToken: string | undefined;
}> = async (app, { metrics, isReady, unready, degraded, metricsToken }) => {
  const whyUnready = async () => (isReady() ? await unready() : 'starting');
  // The same answer as /readyz, for rules: a hub that is up but cannot store events.
  metrics.sampleAtScrape(async () => metrics.ready.set((await whyUnready()) === null ? 1 : 0));

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['operations'],
        summary:
          'ready when started and the store answers within 2 s, listing what is degraded (the time-series server down); else 503 with the reason',
        response: {
          200: z.object({ status: z.literal('ready'), degraded: z.array(z.string()) }),
          503: z.object({ status: z.literal('unready'), reason: z.string() }),
        },
      },
    },
    async (_request, reply) => {
      const reason = await whyUnready();
      return reason === null
        ? { status: 'ready' as const, degraded: degraded() }
        : reply.code(503).send({ status: 'unready' as const, reason });
    },
  );

  app.get(
    '/healthz',
    {
      schema: {
        tags: ['operations'],
        summary:
          'ok once HTTP and MQTT accept connections, with the pid of the hub process that answered (HUB_PROCESSES share the port)',
        response: {
          200: z.object({ status: z.literal('ok'), pid: z.number().int() }),
          503: z.object({ status: z.literal('starting') }),
        },
      },
    },
    async (_request, reply) =>
      isReady()
        ? { status: 'ok' as const, pid: process.pid }
        : reply.code(503).send({ status: 'starting' as const }),
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
      return metrics.exposition();
    },
  );
};
