import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../store/database.js';
import type { NoticeDeliveryTable, Tables } from '../store/schema.js';

/** A notice as a sender reads it: what to send, and how often it was tried. */
export interface NoticeDelivery {
  id: string;
  type: string;
  body: string;
  attempts: number;
  next_attempt_at: number;
  give_up_at: number;
}

/** A notice as it is kept: its id makes a replay (the same notice kept twice) a no-op. */
export interface NewNotice {
  id: string;
  type: string;
  body: string;
  at: number;
  giveUpAt: number;
}

/** The tables of this shape: the webhook's notices, and the pushes (dispatch/push/). */
export type OutboxTable = 'notice_deliveries' | 'push_deliveries';

/**
 * Notices in the store, from the moment dispatch tells them until the receiver (the webhook's, a
 * push service) took them or the hub gave up. Every change of a row is conditional on what was
 * read, so two senders (two hub processes on one store) never send the same attempt twice.
 */
export class NoticeOutbox {
  // Both tables have one shape: the queries are written once, against the first one's name.
  private readonly db: Kysely<{ notice_deliveries: NoticeDeliveryTable }>;
  private readonly table: 'notice_deliveries';

  constructor(
    private readonly store: Database,
    table: OutboxTable = 'notice_deliveries',
  ) {
    this.db = store as unknown as Kysely<{ notice_deliveries: NoticeDeliveryTable }>;
    this.table = table as 'notice_deliveries';
  }

  /**
   * A notice told twice (a replay) is kept once. `trx`: kept in the caller's transaction (committed
   * with what the notice tells of, or not at all).
   */
  async add(notice: NewNotice, trx?: Transaction<Tables>): Promise<void> {
    const db = (trx ?? this.db) as unknown as Kysely<{ notice_deliveries: NoticeDeliveryTable }>;
    await db
      .insertInto(this.table)
      .values({
        id: notice.id,
        type: notice.type,
        body: notice.body,
        created_at: notice.at,
        next_attempt_at: notice.at,
        give_up_at: notice.giveUpAt,
        delivered_at: null,
        dead_at: null,
        last_error: null,
      })
      .onConflict((c) => c.column('id').doNothing())
      .execute();
  }

  async due(now: number, limit: number): Promise<NoticeDelivery[]> {
    return this.db
      .selectFrom(this.table)
      .select(['id', 'type', 'body', 'attempts', 'next_attempt_at', 'give_up_at'])
      .where('delivered_at', 'is', null)
      .where('dead_at', 'is', null)
      .where('next_attempt_at', '<=', now)
      .orderBy('next_attempt_at')
      .limit(limit)
      .execute();
  }

  /**
   * Takes a due notice for one attempt: it is not due again before `until` (a sender that dies
   * mid-attempt leaves it to be tried again then). False when another sender took it first.
   */
  async claim(d: NoticeDelivery, until: number): Promise<boolean> {
    const result = await this.db
      .updateTable(this.table)
      .set({ attempts: d.attempts + 1, next_attempt_at: until })
      .where('id', '=', d.id)
      .where('attempts', '=', d.attempts)
      .where('delivered_at', 'is', null)
      .where('dead_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async delivered(id: string, at: number): Promise<void> {
    await this.db
      .updateTable(this.table)
      .set({ delivered_at: at, last_error: null })
      .where('id', '=', id)
      .execute();
  }

  async failed(id: string, error: string, retryAt: number): Promise<void> {
    await this.db
      .updateTable(this.table)
      .set({ last_error: error.slice(0, 500), next_attempt_at: retryAt })
      .where('id', '=', id)
      .where('delivered_at', 'is', null)
      .execute();
  }

  /**
   * Given up: false when it was delivered or given up meanwhile. `alongside` writes what the give-up
   * means (a timeline note) in the same transaction: both or neither.
   */
  async dead(
    id: string,
    at: number,
    alongside?: (trx: Transaction<Tables>) => Promise<void>,
  ): Promise<boolean> {
    return this.store.transaction().execute(async (trx) => {
      const result = await (trx as unknown as Kysely<{ notice_deliveries: NoticeDeliveryTable }>)
        .updateTable(this.table)
        .set({ dead_at: at })
        .where('id', '=', id)
        .where('delivered_at', 'is', null)
        .where('dead_at', 'is', null)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return false;
      await alongside?.(trx);
      return true;
    });
  }

  /** Delivered and dead notices older than `before` go: they carry family phone numbers. */
  async forgetSettled(before: number): Promise<void> {
    await this.db
      .deleteFrom(this.table)
      .where((eb) => eb.or([eb('delivered_at', '<', before), eb('dead_at', '<', before)]))
      .execute();
  }

  /** What waits, for /metrics. */
  async waiting(): Promise<number> {
    const row = await this.db
      .selectFrom(this.table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('delivered_at', 'is', null)
      .where('dead_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
