import type { RedisOptions } from 'ioredis';

/**
 * Options for an ioredis connection that SUBSCRIBEs. ioredis 5.8.2+ may send its connect handshake
 * (CLIENT SETINFO, then the INFO of its ready check) after a SUBSCRIBE queued while connecting; in
 * subscriber mode those are refused, and the refusal surfaced as an uncaught exception that failed CI
 * (redis/ioredis#2037). A subscriber needs neither: it sends nothing else.
 */
export const subscriberOptions: RedisOptions = { enableReadyCheck: false, disableClientInfo: true };
