import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer } from '../test/support/redis-server.js';
import { until } from '../test/support/wait.js';
import { closeRedis, reportOutages, subscriberOptions } from './redis-connections.js';

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

describe('closing a connection', () => {
  it('[REDIS-CLOSE-AWAY] a connection waiting to reconnect (Redis away) is ended at once: what it queued fails, and it never connects again', async () => {
    const queued = new Redis(redis.url, { connectionName: 'close-queued' });
    const unqueued = new Redis(redis.url, { connectionName: 'close-unqueued', enableOfflineQueue: false });
    const closing = new Redis(redis.url, { connectionName: 'close-ready' });
    for (const c of [queued, unqueued, closing]) c.on('error', () => undefined);
    await Promise.all(
      [queued, unqueued, closing].map((c) => (c.status === 'ready' ? undefined : once(c, 'ready'))),
    );
    await closeRedis(closing);
    expect(closing.status, 'a connection that is up is QUIT').toBe('end');

    await redis.kill();
    try {
      // Both now wait to reconnect, between attempts ('connecting' for the instant each one lasts).
      const waiting = await until(
        async () => [queued.status, unqueued.status],
        (s) => s.every((status) => status === 'reconnecting'),
        5000,
      );
      expect(waiting).toEqual(['reconnecting', 'reconnecting']);
      const answer = queued.get('k').then(
        () => 'answered',
        (error: Error) => error.message,
      );
      const ended = [once(queued, 'end'), once(unqueued, 'end')];
      await closeRedis(queued);
      await closeRedis(unqueued);
      expect([queued.status, unqueued.status]).toEqual(['end', 'end']);
      expect(await Promise.race([answer, delay(1000).then(() => 'still waiting')])).toMatch(/closed/i);
      expect(
        await Promise.race([Promise.all(ended).then(() => 'end'), delay(1000).then(() => 'no end')]),
      ).toBe('end');
    } finally {
      await redis.resume();
    }
    // Longer than any retry delay it had reached: neither came back.
    await delay(1500);
    const admin = new Redis(redis.url);
    try {
      const clients = String(await admin.call('CLIENT', 'LIST'));
      expect(clients).not.toMatch(/name=close-/);
    } finally {
      admin.disconnect();
    }
  });
});

describe('a connection’s outage in the log', () => {
  it('[REDIS-OUTAGE-LOG] Redis away for 3 s: one warning when it goes, one line when it is back, not one per reconnect attempt', async () => {
    const lines: Array<{ level: number; msg: string; errors?: number }> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const connection = new Redis(redis.url);
    reportOutages(connection, logger, 'feeds');
    await (connection.status === 'ready' ? undefined : once(connection, 'ready'));
    let attempts = 0;
    connection.on('reconnecting', () => attempts++);
    await redis.kill();
    try {
      await delay(3000);
    } finally {
      await redis.resume();
    }
    await (connection.status === 'ready' ? undefined : once(connection, 'ready'));
    connection.disconnect();
    expect(attempts, 'ioredis tried again and again meanwhile').toBeGreaterThan(5);
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [40, 'feeds: Redis unreachable (said once until it is back)'],
      [30, 'feeds: Redis reachable again'],
    ]);
    expect(lines[1]!.errors).toBeGreaterThan(5);
  });
});

function once(connection: Redis, event: string): Promise<void> {
  return new Promise((resolve) => connection.once(event, () => resolve()));
}
