import type { Readable } from 'node:stream';
import aedesPersistenceRedis, { type RedisPersistence } from 'aedes-persistence-redis';
import { Redis } from 'ioredis';
import MQEmitterRedis from 'mqemitter-redis';
import type { Logger } from 'pino';
import { closeRedis, reportOutages, subscriberOptions } from '../kernel/redis-connections.js';

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
  /**
   * Before the broker closes: with Redis away, its connections are ended now, so that what the broker's
   * close sends (each device's unsubscriptions, its will) fails at once instead of waiting out retries.
   */
  endIfAway(): Promise<void>;
  /** After the broker has closed (it closes `mq` itself, not the persistence's connection). */
  close(): Promise<void>;
}

export function sharedBroker(redisUrl: string, logger: Logger): SharedBroker {
  // Both its connections are made here (MQEmitterRedis would make them from the URL alone, with ioredis'
  // defaults), and closed here: its own close waits for an 'end' that ioredis never emits while Redis is
  // away (see closeRedis), and the broker's close, the hub's stop with it, waited for ever.
  const pubConn = new Redis(redisUrl);
  const subConn = new Redis(redisUrl, subscriberOptions);
  const mq = MQEmitterRedis({ pubConn, subConn }) as ReturnType<typeof MQEmitterRedis> & ClosableEmitter;
  mq.close = (done) => {
    mq.closing = true; // its errors from now on are expected, not reported
    void Promise.all([closeRedis(pubConn), closeRedis(subConn)]).then(() => mq._close(done));
  };
  const conn = new Redis(redisUrl);
  for (const connection of [pubConn, subConn, conn]) reportOutages(connection, logger, 'shared broker');
  // The emitter passes its connections' errors on (told above) and its failed publishes (an
  // EventEmitter's unheard 'error' throws): a publish lost while Redis is away is at-most-once anyway.
  (mq as unknown as { state: { on(event: 'error', listener: (error: Error) => void): void } }).state.on(
    'error',
    (error) => logger.debug({ err: error }, 'shared broker: a message not passed on'),
  );
  const persistence = aedesPersistenceRedis({ conn });
  keepRetainedScansFromThrowing(persistence, logger);
  return {
    mq,
    persistence,
    endIfAway: async () => {
      const connections = [pubConn, subConn, conn];
      if (connections.some((c) => c.status !== 'ready')) await Promise.all(connections.map(closeRedis));
    },
    // Not persistence.destroy(): it unsubscribes through the broker's mq, which the broker has closed by
    // then, and would wait for ever. Its only resource is the connection given to it.
    close: () => closeRedis(conn),
  };
}

/** mqemitter-redis' own close, and the base emitter's (`_close`) that ends it once its connections are. */
interface ClosableEmitter {
  closing: boolean;
  close(done: () => void): void;
  _close(done: () => void): void;
}

/**
 * aedes pipes the retained messages a SUBSCRIBE asks for from a stream of the persistence's with no
 * 'error' listener: a scan that Redis could not answer (gone while it was queued, its retries spent or
 * the connection ended at a stop) threw from an EventEmitter and ended the process. Such a scan now
 * only sends no retained message, and says so.
 */
function keepRetainedScansFromThrowing(persistence: RedisPersistence, logger: Logger): void {
  const scans = persistence as unknown as { createRetainedStreamCombi(patterns: string[]): Readable };
  const open = scans.createRetainedStreamCombi.bind(scans);
  scans.createRetainedStreamCombi = (patterns) =>
    open(patterns).on('error', (error: Error) =>
      logger.warn({ err: error }, 'shared broker: retained messages not read (Redis away)'),
    );
}
