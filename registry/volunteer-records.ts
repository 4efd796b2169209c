import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { PersonalDataAccess } from '../kernel/audit.js';
import { dayEndsAt, districtDay } from '../kernel/calendar-day.js';
import { HttpError } from '../kernel/http-errors.js';
import type { SignedInUser } from '../kernel/identity.js';
import type { Database } from '../store/database.js';
import type { Tables } from '../store/schema.js';
import { underPath } from '../store/scope.js';
import type { AgeGroup } from './age-groups.js';
import type { DistrictDirectory } from './district-directory.js';
import type { Skill } from './responder-skills.js';
import type { Volunteer } from './volunteer-sign-up.js';

type Actor = Pick<SignedInUser, 'username' | 'role' | 'scopePath'>;

/**
 * What vetting keeps of a volunteer after approval: certificates (number, last valid day) and the
 * training record, entered by a specialist of the volunteer's community. Each change is audited.
 */
export class VolunteerRecords {
  constructor(
    private readonly deps: {
      db: Database;
      now: () => number;
      auditIn: (trx: Transaction<Tables>, access: PersonalDataAccess) => Promise<void>;
      /** A renewed certificate changes matching: every reader of the district reloads. */
      directory: Pick<DistrictDirectory, 'refresh'>;
    },
  ) {}

  /** The volunteers of the actor's scope (signed up or from the district document), by name. */
  async list(actor: Actor): Promise<Volunteer[]> {
    const { db } = this.deps;
    const rows = await db
      .selectFrom('responders as r')
      .innerJoin('org_units as o', 'o.id', 'r.org_unit_id')
      .leftJoin('volunteer_profiles as p', 'p.responder_id', 'r.id')
      .select(['r.id', 'r.name', 'r.org_unit_id', 'r.skills', 'p.phone', 'p.age_group'])
      .where('r.kind', '=', 'volunteer')
      .where(underPath('o.path', actor.scopePath))
      .orderBy('r.name')
      .orderBy('r.id')
      .limit(5000)
      .execute();
    const papers = await volunteerPapers(
      db,
      rows.map((r) => r.id),
      this.deps.now(),
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      org_unit_id: r.org_unit_id,
      skills: JSON.parse(r.skills) as Skill[],
      phone: r.phone,
      age_group: r.age_group as AgeGroup | null,
      ...(papers.get(r.id) ?? { certificates: [], trainings: [] }),
    }));
  }

  async addTraining(id: string, training: { course: string; taken_on: string }, actor: Actor): Promise<void> {
    const unit = await this.volunteerUnit(id, actor);
    if (training.taken_on > districtDay(this.deps.now())) {
      throw new HttpError(400, 'invalid_training', 'the training has invalid entries; nothing was stored', [
        { path: 'taken_on', message: 'must not be in the future' },
      ]);
    }
    await this.deps.db.transaction().execute(async (trx) => {
      const recordId = randomUUID();
      await trx
        .insertInto('volunteer_trainings')
        .values({
          id: recordId,
          responder_id: id,
          course: training.course,
          taken_on: training.taken_on,
          recorded_at: this.deps.now(),
          recorded_by: actor.username,
        })
        .execute();
      await this.deps.auditIn(trx, {
        by: actor,
        action: 'volunteer_training_added',
        elderId: id,
        orgUnitId: unit,
        target: recordId,
      });
    });
  }

  /** A new or renewed first-aid certificate: the skill counts again until its last day. */
  async setCertificate(
    id: string,
    certificate: { number: string; expires_on: string },
    actor: Actor,
  ): Promise<void> {
    const unit = await this.volunteerUnit(id, actor);
    const at = this.deps.now();
    await this.deps.db.transaction().execute(async (trx) => {
      const values = { ...certificate, updated_at: at, updated_by: actor.username };
      await trx
        .insertInto('responder_certificates')
        .values({ responder_id: id, skill: 'first_aid', ...values })
        .onConflict((oc) => oc.columns(['responder_id', 'skill']).doUpdateSet(values))
        .execute();
      // A certificate is the skill: one who signed up without first aid gains it here, until its last
      // day. Other hub nodes notice master data changes by the responders' latest change.
      const row = await trx
        .selectFrom('responders')
        .select('skills')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      const skills = JSON.parse(row.skills) as string[];
      await trx
        .updateTable('responders')
        .set({
          updated_at: at,
          ...(skills.includes('first_aid') ? {} : { skills: JSON.stringify([...skills, 'first_aid']) }),
        })
        .where('id', '=', id)
        .execute();
      await this.deps.auditIn(trx, {
        by: actor,
        action: 'volunteer_certificate_changed',
        elderId: id,
        orgUnitId: unit,
        detail: { expires_on: certificate.expires_on },
      });
    });
    await this.deps.directory.refresh('volunteers');
  }

  /** The volunteer's org unit, if it lies in the actor's scope (else, as elsewhere, a 404). */
  private async volunteerUnit(id: string, actor: Actor): Promise<string> {
    const row = await this.deps.db
      .selectFrom('responders as r')
      .innerJoin('org_units as o', 'o.id', 'r.org_unit_id')
      .select('r.org_unit_id')
      .where('r.id', '=', id)
      .where('r.kind', '=', 'volunteer')
      .where(underPath('o.path', actor.scopePath))
      .executeTakeFirst();
    if (!row) throw new HttpError(404, 'not_found', `no volunteer ${id} in your org unit`);
    return row.org_unit_id;
  }
}

/** Volunteers' certificates (with whether each has expired at `now`) and training, by responder id. */
export async function volunteerPapers(
  db: Database,
  ids: string[],
  now: number,
): Promise<Map<string, Pick<Volunteer, 'certificates' | 'trainings'>>> {
  const papers = new Map<string, Pick<Volunteer, 'certificates' | 'trainings'>>();
  if (ids.length === 0) return papers;
  const of = (id: string) => {
    const p = papers.get(id) ?? { certificates: [], trainings: [] };
    papers.set(id, p);
    return p;
  };
  const [certificates, trainings] = await Promise.all([
    db.selectFrom('responder_certificates').selectAll().where('responder_id', 'in', ids).execute(),
    db
      .selectFrom('volunteer_trainings')
      .select(['id', 'responder_id', 'course', 'taken_on'])
      .where('responder_id', 'in', ids)
      .orderBy('taken_on', 'desc')
      .execute(),
  ]);
  for (const c of certificates) {
    of(c.responder_id).certificates.push({
      skill: c.skill as Skill,
      number: c.number,
      expires_on: c.expires_on,
      expired: dayEndsAt(c.expires_on) <= now,
    });
  }
  for (const t of trainings) {
    of(t.responder_id).trainings.push({ id: t.id, course: t.course, taken_on: t.taken_on });
  }
  return papers;
}
