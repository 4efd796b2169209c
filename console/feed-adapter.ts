import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import type { ServerOptions } from 'socket.io';
import { subscriberOptions } from '../kernel/redis-subscriber.js';

/**
 * Cluster mode's socket.io: what one process emits to a room reaches that room's sockets on every
 * process (@socket.io/redis-adapter, Redis pub/sub), and `fetchSockets()` counts them all — a console
 * on one process hears an alert raised on another, a responder's phone an offer made anywhere.
 */
export class FeedAdapter {
  private readonly publisher: Redis;
  private readonly subscriber: Redis;

  private reachable = true;

  /**
   * `reachability` hears when Redis goes away (this process's sockets then hear only what this
   * process does) and when it is back.
   */
  constructor(redisUrl: string, onError: (error: Error) => void, reachability: (up: boolean) => void) {
    this.publisher = new Redis(redisUrl, { connectionName: 'yiyang-feeds-pub' });
    this.subscriber = new Redis(redisUrl, { ...subscriberOptions, connectionName: 'yiyang-feeds-sub' });
    for (const connection of [this.publisher, this.subscriber]) connection.on('error', onError);
    const reached = (up: boolean) => {
      if (up === this.reachable) return;
      this.reachable = up;
      reachability(up);
    };
    this.publisher.on('ready', () => reached(true));
    this.publisher.on('close', () => reached(false));
    // The adapter publishes without waiting for the answer: one lost with the connection (Redis
    // restarting) is reported here, not left as an unhandled rejection.
    const publish = this.publisher.publish.bind(this.publisher) as (...args: unknown[]) => Promise<number>;
    Object.assign(this.publisher, {
      publish: (...args: unknown[]) =>
        publish(...args).catch((error: Error) => {
          onError(error);
          return 0;
        }),
    });
  }

  /** For socket.io's `adapter` option: set before any namespace is made, which keeps the one it had. */
  get adapter(): NonNullable<ServerOptions['adapter']> {
    return createAdapter(this.publisher, this.subscriber, { key: 'yiyang:feeds', requestsTimeout: 2000 });
  }

  close(): void {
    this.publisher.disconnect();
    this.subscriber.disconnect();
  }
}
