import type { Transaction } from 'kysely';
import type { Tables } from '../store/schema.js';
import type { OfferView } from './dispatch-notices.js';

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

/**
 * Where notices that must not be lost are kept in the same transaction as the step that makes them
 * (the webhook's outbox): committed together, or retried together at the next tick.
 */
export interface StepOutbox {
  keepOffer(trx: Transaction<Tables>, responderId: string, offer: OfferView): Promise<void>;
  keepFamilyEscalation(trx: Transaction<Tables>, facts: FamilyEscalationFacts): Promise<void>;
}
