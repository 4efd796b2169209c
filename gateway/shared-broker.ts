import aedesPersistenceRedis, { type RedisPersistence } from 'aedes-persistence-redis';
import { Redis } from 'ioredis';
import MQEmitterRedis from 'mqemitter-redis';
import { subscriberOptions } from '../kernel/redis-subscriber.js';

/**
 * What makes the brokers of many hub processes one broker: a message published on one reaches the
 * subscribers of all (mqemitter-redis: one Redis PUBLISH per message that goes through aedes — events,
 * availability, commands; telemetry is taken before aedes and never crosses), and subscriptions,
 * retained messages, QoS 1 deliveries in flight and wills are kept in Redis (aedes-persistence-redis), so
 * a command reaches a device wherever it is connected and the retained availability and hub state are
 * the same everywhere.
 */
export interface SharedBroker {
  mq: unknown;
  persistence: RedisPersistence;
  /** After the broker has closed (it closes `mq` itself, not the persistence's connection). */
  close(): Promise<void>;
}

export function sharedBroker(redisUrl: string, onError: (error: Error) => void): SharedBroker {
  // Its subscribing connection is made here: MQEmitterRedis would make both from the URL alone, with
  // ioredis' defaults, and closes both (quit) when the broker closes.
  const mq = MQEmitterRedis({ connectionString: redisUrl, subConn: new Redis(redisUrl, subscriberOptions) });
  // Redis away: each reconnect attempt's error is reported (an EventEmitter's unheard 'error' throws).
  (mq as unknown as { state: { on(event: 'error', listener: (error: Error) => void): void } }).state.on(
    'error',
    onError,
  );
  const conn = new Redis(redisUrl);
  conn.on('error', onError);
  const persistence = aedesPersistenceRedis({ conn });
  return {
    mq,
    persistence,
    // Not persistence.destroy(): it unsubscribes through the broker's mq, which the broker has closed by
    // then, and would wait for ever. Its only resource is the connection given to it.
    close: async () => {
      conn.disconnect();
    },
  };
}
