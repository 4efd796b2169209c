import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer } from '../test/support/redis-server.js';
import { until } from '../test/support/wait.js';
import { PartitionBus } from './partition-bus.js';
import { partitionOf } from './partitions.js';

interface Item {
  elderId: string;
  n: number;
}

const partitions = 8;
let redis: RedisServer;
beforeAll(async () => {
  redis = await RedisServer.start();
});
afterAll(async () => {
  await redis?.kill();
});

/** A process's end of the bus: the partitions it owns and what reached its per-elder work. */
function node(prefix: string, owned: Set<number>) {
  const delivered: Item[] = [];
  const bus = new PartitionBus<Item>({
    redisUrl: redis.url,
    channelPrefix: prefix,
    partitionOf: (item) => partitionOf(item.elderId, partitions),
    owns: (p) => owned.has(p),
    encode: (item) => JSON.stringify(item),
    decode: (text) => JSON.parse(text) as Item,
    deliver: (item) => delivered.push(item),
    logger: pino({ level: 'silent' }),
  });
  return { bus, owned, delivered };
}

/** Two processes on one channel prefix, started, each listening to its half of the partitions. */
async function twoProcesses(prefix: string) {
  const a = node(prefix, new Set([0, 1, 2, 3]));
  const b = node(prefix, new Set([4, 5, 6, 7]));
  await Promise.all([a.bus.start(), b.bus.start()]);
  await a.bus.acquired([...a.owned]);
  await b.bus.acquired([...b.owned]);
  return [a, b] as const;
}

/** An elder id whose partition is `p`. */
function elderIn(p: number): string {
  for (let i = 0; ; i++) if (partitionOf(`elder-${i}`, partitions) === p) return `elder-${i}`;
}

describe('partition bus over a real Redis', () => {
  it('[PARTITION-BUS] an item reaches the owner of its partition once: in process when owned here, else through Redis', async () => {
    const [a, b] = await twoProcesses('t1');
    a.bus.send({ elderId: elderIn(1), n: 1 });
    a.bus.send({ elderId: elderIn(5), n: 2 });
    b.bus.send({ elderId: elderIn(2), n: 3 });
    await until(
      async () => a.delivered.length + b.delivered.length,
      (n) => n >= 3,
    );
    await new Promise((r) => setTimeout(r, 100)); // anything delivered twice would have come by now
    expect(a.delivered.map((i) => i.n).sort()).toEqual([1, 3]);
    expect(b.delivered.map((i) => i.n)).toEqual([2]);
    // Only the two items for another process's partition crossed Redis.
    expect(a.bus.published + b.bus.published).toBe(2);
    expect(a.bus.undelivered + b.bus.undelivered).toBe(0);
    await Promise.all([a.bus.stop(), b.bus.stop()]);
  });

  it('[PARTITION-BUS] a partition that changes hands is delivered to its new owner; meanwhile nothing reaches the old one', async () => {
    const [a, b] = await twoProcesses('t2');
    // b gives partition 6 up; until a takes it, items for it are heard by nobody and counted.
    b.owned.delete(6);
    await b.bus.released([6]);
    a.bus.send({ elderId: elderIn(6), n: 1 });
    await until(
      async () => a.bus.undelivered,
      (n) => n === 1,
    );
    expect(a.bus.undelivered).toBe(1);
    a.owned.add(6);
    await a.bus.acquired([6]);
    b.bus.send({ elderId: elderIn(6), n: 2 });
    await until(
      async () => a.delivered.length,
      (n) => n === 1,
    );
    expect(a.delivered.map((i) => i.n)).toEqual([2]);
    expect(b.delivered).toEqual([]);
    await Promise.all([a.bus.stop(), b.bus.stop()]);
  });

  it('[PARTITION-BUS-OUTAGE] while Redis is down items are counted and dropped, not queued; after it returns they flow again', async () => {
    const [a, b] = await twoProcesses('t3');
    await redis.kill();
    await new Promise((r) => setTimeout(r, 200));
    for (let n = 0; n < 1000; n++) a.bus.send({ elderId: elderIn(4), n });
    expect(a.bus.undelivered).toBe(1000);
    await redis.resume();
    // ioredis reconnects both ends and subscribes b again by itself.
    const arrived = await until(
      async () => {
        a.bus.send({ elderId: elderIn(4), n: -1 });
        return b.delivered.length;
      },
      (n) => n > 0,
      15_000,
    );
    expect(arrived).toBeGreaterThan(0);
    // Nothing sent during the outage arrived late.
    expect(b.delivered.every((i) => i.n === -1)).toBe(true);
    await Promise.all([a.bus.stop(), b.bus.stop()]);
  });
});
