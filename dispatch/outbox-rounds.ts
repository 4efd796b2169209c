import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Channel } from '../kernel/channel.js';
import type { Database } from '../store/database.js';
import type { Tables } from '../store/schema.js';
import type { DispatchNotice } from './dispatch-notices.js';
import { type NewNotice, type NoticeDelivery, NoticeOutbox, type OutboxTable } from './notice-outbox.js';
import type { ResponderNotice, StepOutbox } from './step-outbox.js';

/** How an outbox is worked: polled, each notice tried with backoff until taken or given up. */
export interface OutboxTimings {
  /** The first retry waits this long, each next one twice as long, up to `retryMaxMs`. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** One attempt's answer, at most. */
  timeoutMs: number;
  pollMs: number;
}

/**
 * One attempt's result: taken; not taken, to be tried again; or refused for good (`final`: a push
 * subscription the push service says is gone), which is given up at once.
 */
export type SendResult = { ok: true } | { ok: false; error: string; final?: boolean };

/** What a given-up notice means to the people waiting on it. */
export interface DeadLetterHandling {
  /** Written in the give-up's own transaction (e.g. a timeline note): both or neither. */
  record: (trx: Transaction<Tables>, d: NoticeDelivery) => Promise<void>;
  /** After the commit (e.g. the console told). */
  told: (d: NoticeDelivery) => Promise<void>;
}

/** Delivered and dead notices are kept this long for an operator to look at, then deleted. */
const keepSettledMs = 7 * 24 * 3600_000;

/**
 * Works an outbox: each due notice is claimed, sent, and marked delivered, retried with backoff, or
 * given up at its give-up time (a dead letter, counted). One round at a time; a round asked for
 * during one runs right after it, so a notice added now goes out now, not at the next poll.
 */
export class OutboxRounds {
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private lastForget = 0;
  private again = false;
  private stopped = false;

  constructor(
    private readonly deps: {
      outbox: NoticeOutbox;
      send: (d: NoticeDelivery) => Promise<SendResult>;
      timings: OutboxTimings;
      now: () => number;
      logger: Logger;
      /** Counts each attempt's result: delivered, failed (to be retried) or dead (given up). */
      counted: (type: string, result: 'delivered' | 'failed' | 'dead') => void;
      /** What a give-up means beyond the counter: written with it (`record`), told after it (`told`). */
      deadLetter?: DeadLetterHandling;
    },
  ) {}

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => this.poll(), this.deps.timings.pollMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.round;
  }

  poll(): void {
    if (this.stopped) return;
    if (this.round) {
      this.again = true;
      return;
    }
    this.round = this.sendDue()
      .catch((error) => this.deps.logger.warn({ err: error }, 'the outbox could not be read'))
      .finally(() => {
        this.round = undefined;
        if (this.again) {
          this.again = false;
          this.poll();
        }
      });
  }

  private async sendDue(): Promise<void> {
    const { outbox } = this.deps;
    const now = this.deps.now();
    if (now - this.lastForget > 60_000) {
      this.lastForget = now;
      await outbox.forgetSettled(now - keepSettledMs);
    }
    const due = await outbox.due(now, 20);
    await Promise.all(due.map((d) => this.attempt(d, now)));
  }

  private async attempt(d: NoticeDelivery, now: number): Promise<void> {
    const { outbox, timings } = this.deps;
    if (now >= d.give_up_at) {
      await this.giveUp(d, now, 'given up (dead letter)');
      return;
    }
    if (!(await outbox.claim(d, now + timings.timeoutMs + 1000))) return;
    const result = await this.deps.send(d);
    if (result.ok) {
      await outbox.delivered(d.id, this.deps.now());
      this.deps.counted(d.type, 'delivered');
      return;
    }
    if (result.final) {
      await outbox.failed(d.id, result.error, this.deps.now());
      await this.giveUp(d, this.deps.now(), `refused for good: ${result.error}`);
      return;
    }
    const wait = Math.min(timings.retryMaxMs, timings.retryBaseMs * 2 ** d.attempts);
    await outbox.failed(d.id, result.error, this.deps.now() + wait);
    this.deps.counted(d.type, 'failed');
    this.deps.logger.warn(
      { delivery: d.id, attempt: d.attempts + 1, error: result.error },
      'not taken; will retry',
    );
  }

  private async giveUp(d: NoticeDelivery, now: number, why: string): Promise<void> {
    const handling = this.deps.deadLetter;
    if (await this.deps.outbox.dead(d.id, now, handling && ((trx) => handling.record(trx, d)))) {
      this.deps.counted(d.type, 'dead');
      this.deps.logger.warn({ delivery: d.id, attempts: d.attempts }, why);
      await handling
        ?.told(d)
        .catch((error) => this.deps.logger.warn({ err: error, delivery: d.id }, 'a give-up was not told'));
    }
  }
}

/**
 * A stage that passes dispatch notices on through an outbox (the webhook, Web Push): `deliveriesOf`
 * says what a notice means for its receivers, the dispatch step that decides it keeps that in its
 * transaction (`keepNotice`), `send` makes one attempt; the rounds do the rest.
 */
export abstract class OutboxStage implements StepOutbox {
  protected readonly outbox: NoticeOutbox;
  private readonly rounds: OutboxRounds;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly base: {
      db: Database;
      table: OutboxTable;
      notices: Channel<DispatchNotice>;
      timings: OutboxTimings;
      now: () => number;
      logger: Logger;
      counted: (type: string, result: 'delivered' | 'failed' | 'dead') => void;
    },
  ) {
    this.outbox = new NoticeOutbox(base.db, base.table);
    this.rounds = new OutboxRounds({
      ...base,
      outbox: this.outbox,
      send: (d) => this.send(d),
      deadLetter: { record: (trx, d) => this.recordGiveUp(trx, d), told: (d) => this.toldGiveUp(d) },
    });
  }

  start(): void {
    this.unsubscribe = this.base.notices.subscribe((notice) => {
      // At once, not at the next poll: an offer lives 45 s.
      if (this.kept(notice)) this.rounds.poll();
    });
    this.rounds.start();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    await this.rounds.stop();
  }

  /** Notices waiting for their receiver (for /metrics). */
  waiting(): Promise<number> {
    return this.outbox.waiting();
  }

  /**
   * Kept in the transaction of the dispatch step that decides the notice (a ladder step, an
   * acceptance, a hand assignment, a close): kept after it, a crash or a failed write in between
   * would lose it for good, while the step stayed taken.
   */
  async keepNotice(trx: Transaction<Tables>, notice: ResponderNotice): Promise<void> {
    for (const d of await this.deliveriesOf(notice, trx)) await this.outbox.add(d, trx);
  }

  /** What the notice is to send, read through `db` (the step's transaction, or the store); none: not ours. */
  protected abstract deliveriesOf(notice: DispatchNotice, db: Kysely<Tables>): Promise<NewNotice[]>;

  /**
   * Whether the step that published the notice (after its commit) kept something for this outbox:
   * nothing is stored here, where a crash or a failed write would lose it.
   */
  protected abstract kept(notice: DispatchNotice): boolean;

  protected abstract send(d: NoticeDelivery): Promise<SendResult>;

  /** What a given-up notice leaves on record, in the give-up's transaction: nothing, unless a stage says. */
  protected async recordGiveUp(_trx: Transaction<Tables>, _d: NoticeDelivery): Promise<void> {}

  /** Whom a given-up notice is told to, after it: nobody, unless a stage says. */
  protected async toldGiveUp(_d: NoticeDelivery): Promise<void> {}
}
