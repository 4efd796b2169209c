import type { Transaction } from 'kysely';
import type { Channel } from '../kernel/channel.js';
import type { Database } from '../store/database.js';
import type { Tables } from '../store/schema.js';
import type { DispatchNotice } from './dispatch-notices.js';
import type { FamilyEscalationFacts, ResponderNotice, StepOutbox } from './step-outbox.js';

/** Tells a responder something, in the transaction that decides it. */
export type Tell = (notice: ResponderNotice) => Promise<void>;

/**
 * How dispatch tells responders what it decides (offers, withdrawals, tasks given or closed): each
 * notice is kept in every outbox (push, the webhook's) in the transaction that decides it, and
 * published once that commits (the live apps; the outboxes send theirs at once). Kept after the
 * commit instead, a crash or a failed write in between would lose it for good: a volunteer assigned
 * by hand with the app closed would never hear of the task.
 */
export class ResponderTelling {
  constructor(
    private readonly deps: {
      db: Database;
      notices: Channel<DispatchNotice>;
      outboxes: readonly StepOutbox[];
    },
  ) {}

  /**
   * Runs `work` in one transaction; what it tells is published after the commit, and nothing when it
   * rolls back (a retried transaction tells afresh).
   */
  async transaction<T>(work: (trx: Transaction<Tables>, tell: Tell) => Promise<T>): Promise<T> {
    const told: ResponderNotice[] = [];
    const result = await this.deps.db.transaction().execute((trx) =>
      work(trx, async (notice) => {
        for (const o of this.deps.outboxes) await o.keepNotice(trx, notice);
        told.push(notice);
      }),
    );
    for (const n of told) this.deps.notices.publish(n);
    return result;
  }

  /** A ladder step's escalation to the family, kept by each outbox that tells families, in the step's transaction. */
  async keepFamilyEscalation(trx: Transaction<Tables>, facts: FamilyEscalationFacts): Promise<void> {
    for (const o of this.deps.outboxes) await o.keepFamilyEscalation?.(trx, facts);
  }
}
