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

  constructor(redisUrl: string) {
    this.publisher = new Redis(redisUrl, { connectionName: 'yiyang-feeds-pub' });
    this.subscriber = new Redis(redisUrl, { ...subscriberOptions, connectionName: 'yiyang-feeds-sub' });
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
