import { setTimeout as delay } from 'node:timers/promises';
import type { Redis, RedisOptions } from 'ioredis';
import type { Logger } from 'pino';

const quitEndWaitMs = 1000;

/**
 * Options for an ioredis connection that SUBSCRIBEs. ioredis 5.8.2+ may send its connect handshake
 * (CLIENT SETINFO, then the INFO of its ready check) after a SUBSCRIBE queued while connecting; in
 * subscriber mode those are refused, and the refusal surfaced as an uncaught exception that failed CI
 * (redis/ioredis#2037). A subscriber needs neither: it sends nothing else.
 */
export const subscriberOptions: RedisOptions = { enableReadyCheck: false, disableClientInfo: true };

/**
 * Closes a connection for good, whatever state Redis left it in: QUIT when it is up (what it sent is
 * answered first), else dropped at once, and ended. ioredis alone does not end a connection closed while
 * it waits to reconnect (Redis away): no 'end' is emitted and what it had queued is never answered
 * (redis/ioredis#1247, #2169) — mqemitter-redis' close waited for that 'end', and a hub stopped during an
 * outage hung in its MQTT stage (CI, 2026-12-05); with no offline queue, `quit()` is even refused there
 * and the connection went on reconnecting for ever.
 */
export async function closeRedis(connection: Redis): Promise<void> {
  if (connection.status === 'end') return;
  if (connection.status === 'ready') {
    const ended = new Promise<void>((resolve) => connection.once('end', () => resolve()));
    const quit = await connection.quit().then(
      () => true,
      () => false,
    );
    // Answered OK, the server then closes the socket: 'end' follows (bounded all the same).
    if (quit) await Promise.race([ended, delay(quitEndWaitMs, undefined, { ref: false })]);
    if ((connection.status as string) === 'end') return;
  }
  const waiting = connection.status === 'reconnecting' || connection.status === 'close';
  connection.disconnect(); // cancels the pending reconnect; ends a connection under way
  if (waiting) {
    // Its socket is gone and no event will come: ended as ioredis' own close handler would end it.
    const ending = connection as unknown as {
      setStatus(status: 'end'): void;
      flushQueue(error: Error): void;
    };
    ending.setStatus('end');
    ending.flushQueue(new Error('Connection is closed.'));
  }
}

/**
 * Logs a connection's outage once: its first error (warn, with the error), then its return (info, with
 * the errors in between), instead of a line for each reconnect attempt — every few seconds for each
 * connection, thousands of lines in an hour without Redis. Also the 'error' listener ioredis needs.
 */
export function reportOutages(connection: Redis, logger: Logger, what: string): void {
  let errors = 0;
  connection.on('error', (error: Error) => {
    if (errors++ === 0)
      logger.warn({ err: error }, `${what}: Redis unreachable (said once until it is back)`);
  });
  connection.on('ready', () => {
    if (errors > 0) logger.info({ errors }, `${what}: Redis reachable again`);
    errors = 0;
  });
}
