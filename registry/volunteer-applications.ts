import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { PersonalDataAccess } from '../kernel/audit.js';
import { dayEndsAt } from '../kernel/calendar-day.js';
import { HttpError } from '../kernel/http-errors.js';
import type { SignedInUser } from '../kernel/identity.js';
import { hashPassword, type ScryptCost } from '../kernel/secret-hash.js';
import type { Database } from '../store/database.js';
import type { Tables, VolunteerApplicationTable } from '../store/schema.js';
import { underPath } from '../store/scope.js';
import type { AgeGroup } from './age-groups.js';
import type { DistrictDirectory } from './district-directory.js';
import type { Skill } from './responder-skills.js';
import type { Application, SignUp } from './volunteer-sign-up.js';

type Actor = Pick<SignedInUser, 'username' | 'role' | 'scopePath'>;

/**
 * A phone number as the duplicate check and the rate limit compare it: digits only, a mainland
 * mobile without its country code (+86 138… and 138… are one phone).
 */
export const phoneKey = (phone: string): string =>
  phone.replace(/[^0-9]/g, '').replace(/^(?:00)?86(?=1\d{10}$)/, '');

/**
 * Volunteers' sign-ups and their vetting: a person applies to a community; a specialist (or
 * admin) of that community approves — the responder, its login and its certificate are written
 * in one transaction — or refuses with a reason. Each decision is in the audit log.
 */
export class VolunteerApplications {
  constructor(
    private readonly deps: {
      db: Database;
      now: () => number;
      passwordCost?: ScryptCost | undefined;
      auditIn: (trx: Transaction<Tables>, access: PersonalDataAccess) => Promise<void>;
      /** An approval adds a responder: every reader of the district reloads. */
      directory: Pick<DistrictDirectory, 'refresh'>;
    },
  ) {}

  /** The communities one may apply to, with their street, by name. */
  async communities(): Promise<Array<{ id: string; name: string; street: string | null }>> {
    const rows = await this.deps.db
      .selectFrom('org_units as c')
      .leftJoin('org_units as s', 's.id', 'c.parent_id')
      .select(['c.id', 'c.name', 's.name as street'])
      .where('c.level', '=', 'community')
      .orderBy('s.name')
      .orderBy('c.name')
      .execute();
    return rows.map((r) => ({ id: r.id, name: r.name, street: r.street }));
  }

  async apply(body: SignUp): Promise<Application> {
    const { db, now } = this.deps;
    const issues: Array<{ path: string; message: string }> = [];
    const community = await db
      .selectFrom('org_units')
      .select(['id', 'level'])
      .where('id', '=', body.community)
      .executeTakeFirst();
    if (community?.level !== 'community')
      issues.push({ path: 'community', message: `no community ${body.community}` });
    const certificate = body.first_aid_certificate;
    if (certificate && dayEndsAt(certificate.expires_on) <= now())
      issues.push({ path: 'first_aid_certificate.expires_on', message: 'the certificate has expired' });
    if (issues.length) {
      throw new HttpError(
        400,
        'invalid_application',
        'the application has invalid entries; nothing was stored',
        issues,
      );
    }
    if (await this.usernameTaken(body.username))
      throw new HttpError(409, 'username_taken', `the username ${body.username} is taken; choose another`);
    const phone = phoneKey(body.phone);
    const waiting = await db
      .selectFrom('volunteer_applications')
      .select('id')
      .where('phone', '=', phone)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (waiting)
      throw new HttpError(
        409,
        'already_applied',
        'an application with this phone number is waiting for a decision',
      );
    const row: VolunteerApplicationTable = {
      id: randomUUID(),
      username: body.username,
      name: body.name,
      phone,
      org_unit_id: body.community,
      age_group: body.age_group,
      skills: JSON.stringify(body.skills),
      certificate_number: certificate?.number ?? null,
      certificate_expires_on: certificate?.expires_on ?? null,
      password_hash: await hashPassword(body.password, this.deps.passwordCost),
      status: 'pending',
      applied_at: now(),
      decided_at: null,
      decided_by: null,
      refusal_reason: null,
    };
    await db.insertInto('volunteer_applications').values(row).execute();
    return viewOf(row);
  }

  /** Applications to communities in the actor's scope, oldest first. */
  async list(actor: Actor, status: Application['status']): Promise<Application[]> {
    const rows = await this.deps.db
      .selectFrom('volunteer_applications as a')
      .innerJoin('org_units as o', 'o.id', 'a.org_unit_id')
      .selectAll('a')
      .where(underPath('o.path', actor.scopePath))
      .where('a.status', '=', status)
      .orderBy('a.applied_at')
      .limit(1000)
      .execute();
    return rows.map(viewOf);
  }

  /** Approves: the person gets a volunteer responder of the community and can sign in at once. */
  async approve(id: string, actor: Actor): Promise<Application> {
    const row = await this.pending(id, actor);
    const { db, now } = this.deps;
    if (await this.usernameTaken(row.username, row.id)) {
      throw new HttpError(
        409,
        'username_taken',
        `the username ${row.username} was taken since the application; refuse it and ask the person to apply again`,
      );
    }
    const at = now();
    await db.transaction().execute(async (trx) => {
      await trx
        .insertInto('responders')
        .values({
          id: row.username,
          name: row.name,
          kind: 'volunteer',
          org_unit_id: row.org_unit_id,
          skills: row.skills,
          // No home base: the app shares where the volunteer is while on duty.
          lat: null,
          lon: null,
          updated_at: at,
        })
        .execute();
      await trx
        .insertInto('users')
        .values({
          username: row.username,
          password_hash: row.password_hash!,
          role: 'responder',
          org_unit_id: row.org_unit_id,
          display_name: row.name,
          updated_at: at,
        })
        .execute();
      await trx
        .insertInto('volunteer_profiles')
        .values({
          responder_id: row.username,
          phone: row.phone,
          age_group: row.age_group,
          application_id: row.id,
          approved_at: at,
        })
        .execute();
      if (row.certificate_number && row.certificate_expires_on) {
        await trx
          .insertInto('responder_certificates')
          .values({
            responder_id: row.username,
            skill: 'first_aid',
            number: row.certificate_number,
            expires_on: row.certificate_expires_on,
            updated_at: at,
            updated_by: actor.username,
          })
          .execute();
      }
      await this.decide(trx, row, actor, 'approved', null);
    });
    await this.deps.directory.refresh('volunteers');
    return { ...viewOf(row), status: 'approved', decided_at: at, decided_by: actor.username };
  }

  async refuse(id: string, actor: Actor, reason: string): Promise<Application> {
    const row = await this.pending(id, actor);
    await this.deps.db.transaction().execute((trx) => this.decide(trx, row, actor, 'refused', reason));
    return {
      ...viewOf(row),
      status: 'refused',
      decided_at: this.deps.now(),
      decided_by: actor.username,
      refusal_reason: reason,
    };
  }

  /** Marks the decision (only over a still pending row: two specialists cannot both decide) and audits it. */
  private async decide(
    trx: Transaction<Tables>,
    row: VolunteerApplicationTable,
    actor: Actor,
    status: 'approved' | 'refused',
    reason: string | null,
  ): Promise<void> {
    const done = await trx
      .updateTable('volunteer_applications')
      .set({
        status,
        decided_at: this.deps.now(),
        decided_by: actor.username,
        refusal_reason: reason,
        password_hash: null,
      })
      .where('id', '=', row.id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (Number(done.numUpdatedRows) !== 1) throw alreadyDecided(row.id);
    await this.deps.auditIn(trx, {
      by: actor,
      action: status === 'approved' ? 'volunteer_approved' : 'volunteer_refused',
      elderId: row.username,
      orgUnitId: row.org_unit_id,
      target: row.id,
      detail: reason ? { reason } : {},
    });
  }

  /** The pending application, if its community lies in the actor's scope (else, as elsewhere, a 404). */
  private async pending(id: string, actor: Actor): Promise<VolunteerApplicationTable> {
    const row = await this.deps.db
      .selectFrom('volunteer_applications as a')
      .innerJoin('org_units as o', 'o.id', 'a.org_unit_id')
      .selectAll('a')
      .where('a.id', '=', id)
      .where(underPath('o.path', actor.scopePath))
      .executeTakeFirst();
    if (!row) throw new HttpError(404, 'not_found', `no application ${id} in your org unit`);
    if (row.status !== 'pending') throw alreadyDecided(id);
    return row;
  }

  /** A user, a responder, or another application waiting for (or granted) the name. */
  private async usernameTaken(username: string, except?: string): Promise<boolean> {
    const { db } = this.deps;
    const [user, responder, application] = await Promise.all([
      db.selectFrom('users').select('username').where('username', '=', username).executeTakeFirst(),
      db.selectFrom('responders').select('id').where('id', '=', username).executeTakeFirst(),
      db
        .selectFrom('volunteer_applications')
        .select('id')
        .where('username', '=', username)
        .where('status', 'in', ['pending', 'approved'])
        .$if(except !== undefined, (q) => q.where('id', '!=', except!))
        .executeTakeFirst(),
    ]);
    return !!(user || responder || application);
  }
}

const alreadyDecided = (id: string) =>
  new HttpError(409, 'already_decided', `the application ${id} was decided already`);

function viewOf(row: VolunteerApplicationTable): Application {
  return {
    id: row.id,
    username: row.username,
    name: row.name,
    phone: row.phone,
    org_unit_id: row.org_unit_id,
    age_group: row.age_group as AgeGroup,
    skills: JSON.parse(row.skills) as Skill[],
    first_aid_certificate:
      row.certificate_number && row.certificate_expires_on
        ? { number: row.certificate_number, expires_on: row.certificate_expires_on }
        : null,
    status: row.status as Application['status'],
    applied_at: Number(row.applied_at),
    decided_at: row.decided_at === null ? null : Number(row.decided_at),
    decided_by: row.decided_by,
    refusal_reason: row.refusal_reason,
  };
}
