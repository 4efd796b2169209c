import pg from 'pg';
import type { Logger } from 'pino';
import { RetryUntilDone } from '../kernel/retry-until-done.js';

/**
 * News between the hub processes sharing one PostgreSQL store, on one NOTIFY channel: a process
 * that changed something `tell()`s, and every process (itself too) hears it at once, instead of
 * at its next look at the store. A process that lost its listening connection hears once when it
 * is back, for what it may have missed meanwhile. Never needed for correctness: each reader still
 * looks at the store on its own clock; this makes the others see a change in a second, not in a
 * minute (a user moved out of a unit keeps no live feed of it on another process meanwhile).
 */
export class StoreNews {
  private listener: pg.Client | undefined;
  private teller: pg.Client | undefined;
  private running = false;
  private readonly reconnect: RetryUntilDone;

  constructor(
    private readonly deps: {
      databaseUrl: string;
      /** A PostgreSQL identifier: letters, digits and underscores. */
      channel: string;
      /** Something changed (maybe): read the store again. */
      heard: () => void;
      logger: Logger;
    },
  ) {
    if (!/^[a-z_][a-z0-9_]*$/.test(deps.channel)) throw new Error(`not a channel name: ${deps.channel}`);
    this.reconnect = new RetryUntilDone({
      onFailure: (error, retryInMs) =>
        deps.logger.warn({ err: error, retryInMs }, 'store news: could not listen; trying again'),
    });
  }

  async start(): Promise<void> {
    this.running = true;
    this.reconnect.start();
    await this.reconnect.run((attempt) => this.listen(attempt > 0));
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.reconnect.stop();
    await Promise.all([this.listener, this.teller].map((c) => c?.end().catch(() => undefined)));
    this.listener = undefined;
    this.teller = undefined;
  }

  /** Tells every process (best effort: one not told still finds the change at its next look). */
  tell(): void {
    if (!this.running) return;
    void this.notify().catch((error: unknown) => {
      // The next tell connects afresh.
      void this.teller?.end().catch(() => undefined);
      this.teller = undefined;
      this.deps.logger.warn({ err: error }, 'store news: could not tell the other processes');
    });
  }

  private async notify(): Promise<void> {
    if (!this.teller) {
      const client = this.client();
      this.teller = client;
      await client.connect();
    }
    await this.teller.query(`notify ${this.deps.channel}`);
  }

  /** `missed`: listening again (after a failed first try, or a lost connection): hear once when back. */
  private async listen(missed: boolean): Promise<void> {
    if (!this.running) return;
    const client = this.client();
    client.on('notification', () => this.deps.heard());
    try {
      await client.connect();
      await client.query(`listen ${this.deps.channel}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    this.listener = client;
    // Back after a loss: whatever was told meanwhile went unheard.
    if (missed) this.deps.heard();
    client.once('end', () => {
      if (!this.running || this.listener !== client) return;
      this.listener = undefined;
      this.deps.logger.warn('store news: the listening connection ended; listening again');
      void this.reconnect.run(() => this.listen(true));
    });
  }

  private client(): pg.Client {
    // A server that does not answer must not hold up a stop (it waits for the try under way).
    const client = new pg.Client({
      connectionString: this.deps.databaseUrl,
      connectionTimeoutMillis: 10_000,
    });
    // An error ends the connection ('end' follows); unheard, it would kill the process.
    client.on('error', () => undefined);
    return client;
  }
}
