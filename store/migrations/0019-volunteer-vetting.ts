import type { Kysely, Migration } from 'kysely';

/**
 * Volunteers who sign up themselves (registry/volunteer-applications.ts): the application a
 * specialist of the community approves or refuses, the first-aid (or other) certificates that
 * make a skill count only until they expire, and the training record.
 */
export default {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('volunteer_applications')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('username', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('phone', 'text', (c) => c.notNull())
      .addColumn('org_unit_id', 'text', (c) => c.notNull().references('org_units.id'))
      .addColumn('age_group', 'text', (c) => c.notNull())
      .addColumn('skills', 'text', (c) => c.notNull())
      .addColumn('certificate_number', 'text')
      .addColumn('certificate_expires_on', 'text')
      // Kept only while pending: it becomes the user's on approval, and is wiped by either decision.
      .addColumn('password_hash', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('applied_at', 'bigint', (c) => c.notNull())
      .addColumn('decided_at', 'bigint')
      .addColumn('decided_by', 'text')
      .addColumn('refusal_reason', 'text')
      .execute();
    await db.schema
      .createIndex('volunteer_applications_unit')
      .on('volunteer_applications')
      .columns(['org_unit_id', 'status', 'applied_at'])
      .execute();
    await db.schema
      .createIndex('volunteer_applications_username')
      .on('volunteer_applications')
      .columns(['username', 'status'])
      .execute();
    await db.schema
      .createIndex('volunteer_applications_phone')
      .on('volunteer_applications')
      .columns(['phone', 'status'])
      .execute();
    await db.schema
      .createTable('volunteer_profiles')
      .addColumn('responder_id', 'text', (c) => c.primaryKey().references('responders.id'))
      .addColumn('phone', 'text', (c) => c.notNull())
      .addColumn('age_group', 'text', (c) => c.notNull())
      .addColumn('application_id', 'text', (c) => c.notNull())
      .addColumn('approved_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('responder_certificates')
      .addColumn('responder_id', 'text', (c) => c.notNull().references('responders.id'))
      // The skill the certificate vouches for (first_aid).
      .addColumn('skill', 'text', (c) => c.notNull())
      .addColumn('number', 'text', (c) => c.notNull())
      .addColumn('expires_on', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_by', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('responder_certificates_pk', ['responder_id', 'skill'])
      .execute();
    await db.schema
      .createTable('volunteer_trainings')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('responder_id', 'text', (c) => c.notNull().references('responders.id'))
      .addColumn('course', 'text', (c) => c.notNull())
      .addColumn('taken_on', 'text', (c) => c.notNull())
      .addColumn('recorded_at', 'bigint', (c) => c.notNull())
      .addColumn('recorded_by', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('volunteer_trainings_responder')
      .on('volunteer_trainings')
      .columns(['responder_id', 'taken_on'])
      .execute();
  },
} satisfies Migration;
