import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ServerOptions } from 'socket.io';
import { closeRedis, reportOutages, subscriberOptions } from '../kernel/redis-connections.js';

/**
 * Cluster mode's socket.io: what one process emits to a room reaches that room's sockets on every
 * process (@socket.io/redis-adapter, Redis pub/sub), and `fetchSockets()` counts them all — a console
 * on one process hears an alert raised on another, a responder's phone an offer made anywhere.
 */
export class FeedAdapter {
  private readonly publisher: Redis;
  private readonly subscriber: Redis;

  private reachable = true;
  private closing = false;

  /**
   * `reachability` hears when Redis goes away (this process's sockets then hear only what this
   * process does) and when it is back.
   */
  constructor(redisUrl: string, logger: Logger, reachability: (up: boolean) => void) {
    this.publisher = new Redis(redisUrl, { connectionName: 'yiyang-feeds-pub' });
    this.subscriber = new Redis(redisUrl, { ...subscriberOptions, connectionName: 'yiyang-feeds-sub' });
    for (const connection of [this.publisher, this.subscriber])
      reportOutages(connection, logger, 'live feeds');
    const reached = (up: boolean) => {
      if (up === this.reachable) return;
      this.reachable = up;
      reachability(up);
    };
    this.publisher.on('ready', () => reached(true));
    this.publisher.on('close', () => reached(false));
    // The adapter sends these without waiting for the answer (and (un)subscribes each namespace as it
    // opens and closes): one lost with the connection — Redis restarting, or this process stopping with a
    // command still queued — is reported here, not left as an unhandled rejection.
    // While Redis is away its outage has been said once; each command lost to it is not news.
    const failed = (error: Error) => {
      if (this.closing) return;
      if (this.reachable) logger.warn({ err: error }, 'live feeds: a command to Redis failed');
      else logger.debug({ err: error }, 'live feeds: a command lost while Redis is away');
    };
    answered(this.publisher, ['publish'], failed);
    answered(this.subscriber, ['subscribe', 'psubscribe', 'unsubscribe', 'punsubscribe'], failed);
  }

  /** For socket.io's `adapter` option: set before any namespace is made, which keeps the one it had. */
  get adapter(): NonNullable<ServerOptions['adapter']> {
    return createAdapter(this.publisher, this.subscriber, { key: 'yiyang:feeds', requestsTimeout: 2000 });
  }

  /** Closed in the background: nothing waits on it, and nothing it still had to send matters now. */
  close(): void {
    this.closing = true;
    void Promise.all([closeRedis(this.publisher), closeRedis(this.subscriber)]);
  }
}

/** Wraps a connection's commands so that a failed one is handed to `failed` and resolves to 0. */
function answered(connection: Redis, commands: string[], failed: (error: Error) => void): void {
  const target = connection as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  for (const command of commands) {
    const send = target[command]!.bind(connection);
    target[command] = (...args: unknown[]) =>
      send(...args).catch((error: Error) => {
        failed(error);
        return 0;
      });
  }
}
