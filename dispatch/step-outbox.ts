import type { Transaction } from 'kysely';
import type { Tables } from '../store/schema.js';
import type { DispatchNotice } from './dispatch-notices.js';

/** An escalation to the family as the step that makes it knows it (before anything is announced). */
export interface FamilyEscalationFacts {
  alertId: string;
  elderId: string;
  elderName: string;
  kind: string;
  severity: string;
  /** The ladder step that escalated (nobody answered its offers: only the ladder escalates to a family). */
  step: number;
}

/** What a ladder step tells one responder: the offer it makes, or the withdrawal of one it let expire. */
export type StepNotice = Extract<DispatchNotice, { type: 'offer' | 'withdrawn' }>;

/**
 * Where notices that must not be lost are kept in the same transaction as the step that makes them
 * (the webhook's and the pushes' outboxes): committed together, or retried together at the next tick.
 */
export interface StepOutbox {
  /** Keeps what this outbox sends for the notice; nothing, when it sends none of its kind. */
  keepNotice(trx: Transaction<Tables>, notice: StepNotice): Promise<void>;
  /** Only an outbox that tells families has this (the webhook). */
  keepFamilyEscalation?(trx: Transaction<Tables>, facts: FamilyEscalationFacts): Promise<void>;
}
