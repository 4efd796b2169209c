import type { Server } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod';

/**
 * A stage: `start()` subscribes and loads what it keeps, `stop()` releases it. The composition
 * root starts its stages in one ordered list and stops them in reverse.
 */
export interface Stage {
  start(): unknown;
  stop(): unknown;
}

/** One feature's HTTP routes: a fastify plugin with its options, registered under its own prefix. */
export interface RouteSet {
  readonly prefix: string;
  register(app: FastifyInstance): Promise<void>;
}

export function routeSet<Options extends object>(
  prefix: string,
  plugin: FastifyPluginAsyncZod<Options>,
  options: Options,
): RouteSet {
  return {
    prefix,
    async register(app) {
      await app.withTypeProvider<ZodTypeProvider>().register(plugin, { ...options, prefix });
    },
  };
}

/** Something served on the HTTP port beside the API (socket.io, MQTT over WebSocket). */
export interface HttpUpgrade {
  /** The paths it takes upgrades on (`/mqtt`, `/socket.io/`…); any other upgrade is refused. */
  readonly paths: readonly string[];
  attach(server: Server): void;
  /** Drops its connections before the HTTP server closes (they would hold it open). */
  close(): void;
}
