/** aedes-persistence-redis 12 ships no types: what the gateway uses of it. */
declare module 'aedes-persistence-redis' {
  import type { Redis } from 'ioredis';

  export type RedisPersistence = object;
  export default function aedesPersistenceRedis(options: {
    conn?: Redis;
    maxSessionDelivery?: number;
  }): RedisPersistence;
}
