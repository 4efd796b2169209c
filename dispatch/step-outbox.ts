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

/** What one responder is told: an offer, its withdrawal, a task given or closed. */
export type ResponderNotice = Extract<DispatchNotice, { responderId: string }>;

/**
 * Where notices that must not be lost are kept (the webhook's and the pushes' outboxes), in the
 * transaction of the dispatch step that decides them (a ladder step, an acceptance, a hand
 * assignment, a close): committed together, or not at all.
 */
export interface StepOutbox {
  /** Keeps what this outbox sends for the notice; nothing, when it sends none of its kind. */
  keepNotice(trx: Transaction<Tables>, notice: ResponderNotice): Promise<void>;
  /** Only an outbox that tells families has this (the webhook). */
  keepFamilyEscalation?(trx: Transaction<Tables>, facts: FamilyEscalationFacts): Promise<void>;
}
