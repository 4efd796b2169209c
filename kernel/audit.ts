import type { SignedInUser } from './identity.js';

/**
 * Reads and changes of one person's record that the audit log keeps (PIPL: who looked at an
 * older person's health and whereabouts, and when), and changes of their care record.
 */
export const auditActions = [
  'alert_viewed',
  'vitals_viewed',
  'elder_exported',
  'elder_erased',
  'record_viewed',
  'record_changed',
  'settings_changed',
  'welfare_viewed',
  'welfare_changed',
  // A volunteer's vetting (registry/volunteer-applications.ts): `elderId` then names the volunteer.
  'volunteer_approved',
  'volunteer_refused',
  'volunteer_certificate_changed',
  'volunteer_training_added',
] as const;
export type AuditAction = (typeof auditActions)[number];

export interface PersonalDataAccess {
  by: Pick<SignedInUser, 'username' | 'role'>;
  action: AuditAction;
  elderId: string;
  /** The elder's org unit (who may read the entry); looked up when not given. */
  orgUnitId?: string | undefined;
  /** What was read when it is not the record itself, e.g. an alert id. */
  target?: string | undefined;
  /** A few facts about the access (a time range, counts): never the personal data itself. */
  detail?: Record<string, unknown> | undefined;
}

/**
 * Where stages report a read of a person's record. Given to them as a dependency (the audit log
 * lives in `privacy/`); a read that cannot be recorded fails rather than goes unrecorded.
 */
export interface AuditTrail {
  record(access: PersonalDataAccess): Promise<void>;
}
