import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer } from '../test/support/redis-server.js';
import { subscriberOptions } from './redis-subscriber.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await RedisServer.start();
});
afterAll(async () => {
  await redis?.kill();
});

describe('a subscribing Redis connection', () => {
  it('[REDIS-SUBSCRIBE-ON-CONNECT] subscribes the moment it connects (as a reconnect resubscribes): no handshake command refused, and the message comes', async () => {
    // The CI failure: a SUBSCRIBE written while the connect handshake is under way, then the ready
    // check's INFO refused in subscriber mode. Twenty connections, to meet the race every time.
    const refusals: string[] = [];
    const onUncaught = (error: Error) => refusals.push(error.message);
    process.on('uncaughtException', onUncaught);
    const publisher = new Redis(redis.url);
    try {
      for (let i = 0; i < 20; i++) {
        const subscriber = new Redis(redis.url, subscriberOptions);
        subscriber.on('error', (error: Error) => refusals.push(error.message));
        const subscribed = new Promise<void>((resolve, reject) =>
          subscriber.once('connect', () => subscriber.subscribe(`ch-${i}`).then(() => resolve(), reject)),
        );
        const message = new Promise<string>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`nothing on ch-${i} within 3 s`)), 3000);
          subscriber.on('message', (_channel: string, text: string) => {
            clearTimeout(timer);
            resolve(text);
          });
        });
        await subscribed;
        await publisher.publish(`ch-${i}`, `hello ${i}`);
        expect(await message).toBe(`hello ${i}`);
        subscriber.disconnect();
      }
      expect(refusals).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
      publisher.disconnect();
    }
  });
});
