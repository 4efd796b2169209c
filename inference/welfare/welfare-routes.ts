import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Transaction } from 'kysely';
import { z } from 'zod';
import type { AuditTrail, PersonalDataAccess } from '../../kernel/audit.js';
import { allow, signedIn } from '../../kernel/auth-plugin.js';
import { errorBody, HttpError } from '../../kernel/http-errors.js';
import type { SignedInUser } from '../../kernel/identity.js';
import type { DistrictDirectory } from '../../registry/district-directory.js';
import { type ElderRow, elderOfStaff, writingForElder } from '../../registry/elder-lookup.js';
import type { Database } from '../../store/database.js';
import type { Tables } from '../../store/schema.js';
import type { WelfareBook } from './welfare-book.js';
import {
  occurrenceSchema,
  scheduleChangeSchema,
  scheduleCreateSchema,
  scheduleSchema,
} from './welfare-schedule.js';

const elderParam = z.object({ id: z.string().min(1).max(64) });
const scheduleParam = elderParam.extend({ schedule: z.string().min(1).max(64) });
const errors = { 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody };
const tags = ['welfare'];

/**
 * An elder's welfare check-ins and medication reminders under `/api/v1/elders/:id/welfare/…`:
 * specialists and admins of the elder's unit list, create, change and delete the schedules and read
 * the occurrences (taken, missed). Changes and reads of the occurrences (health data) are audited;
 * a hidden elder and a missing one get the same 404.
 */
export const welfareRoutes: FastifyPluginAsyncZod<{
  db: Database;
  book: WelfareBook;
  district: DistrictDirectory;
  audit: AuditTrail;
  auditIn: (trx: Transaction<Tables>, access: PersonalDataAccess) => Promise<void>;
  now: () => number;
}> = async (app, { db, book, district, audit, auditIn, now }) => {
  const visible = (user: SignedInUser, id: string): Promise<ElderRow> => elderOfStaff(db, id, user.scopePath);
  const found = async (elderId: string, id: string) => {
    const schedule = await book.schedule(elderId, id);
    if (!schedule) throw new HttpError(404, 'not_found', `elder ${elderId} has no welfare schedule ${id}`);
    return schedule;
  };
  /** A change and its audit entry commit together. */
  const changing = (
    user: SignedInUser,
    elder: ElderRow,
    what: string,
    work: (trx: Transaction<Tables>) => Promise<unknown>,
  ) =>
    writingForElder(db, elder.id, async (trx) => {
      await work(trx);
      await auditIn(trx, {
        by: user,
        action: 'welfare_changed',
        elderId: elder.id,
        orgUnitId: elder.org_unit_id,
        detail: { change: what },
      });
    });

  app.get(
    '/:id/welfare/schedules',
    {
      preHandler: allow('admin', 'specialist'),
      schema: {
        tags,
        summary: 'An elder’s welfare check-ins and medication reminders',
        params: elderParam,
        response: { 200: z.object({ schedules: z.array(scheduleSchema) }), ...errors },
      },
    },
    async (request) => {
      const elder = await visible(signedIn(request), request.params.id);
      return { schedules: await book.schedules(elder.id) };
    },
  );

  app.post(
    '/:id/welfare/schedules',
    {
      preHandler: allow('admin', 'specialist'),
      schema: {
        tags,
        summary: 'Schedule a daily check-in or medication reminder on the elder’s watch (audited)',
        description:
          'Every day at `time` (local, the hub’s UTC offset) the elder’s watch shows `text` as a `notify` command; the wearer presses confirm (`command_ack`). Unanswered within `wait_minutes`: a missed check-in raises one `welfare_check` alert on the community ladder; a missed medication is recorded as missed and raises nothing. A time already past today begins tomorrow. The elder must have a device the wearer answers on (a watch): else 400 `no_watch`.',
        params: elderParam,
        body: scheduleCreateSchema,
        response: { 201: scheduleSchema, ...errors },
      },
    },
    async (request, reply) => {
      const user = signedIn(request);
      const elder = await visible(user, request.params.id);
      const answers = district
        .elder(elder.id)
        ?.devices.some((d) => d.type.answeredByWearer?.includes('notify'));
      if (!answers)
        throw new HttpError(400, 'no_watch', `elder ${elder.id} has no watch to answer a check-in on`);
      let id = '';
      await changing(user, elder, 'created', async (trx) => {
        id = await book.create(trx, elder.id, request.body, { username: user.username, at: now() });
      });
      return reply.code(201).send(await found(elder.id, id));
    },
  );

  app.patch(
    '/:id/welfare/schedules/:schedule',
    {
      preHandler: allow('admin', 'specialist'),
      schema: {
        tags,
        summary: 'Change a welfare schedule: its time, text, wait, or pause it (audited)',
        description:
          'Names the fields to set; the others stay. A schedule fires at most once a local day: one that already fired today does not fire again after its time is changed; a time set after it has passed today begins tomorrow.',
        params: scheduleParam,
        body: scheduleChangeSchema,
        response: { 200: scheduleSchema, ...errors },
      },
    },
    async (request) => {
      const user = signedIn(request);
      const elder = await visible(user, request.params.id);
      const { schedule } = request.params;
      await found(elder.id, schedule);
      await changing(user, elder, 'changed', (trx) =>
        book.change(trx, elder.id, schedule, request.body, { username: user.username, at: now() }),
      );
      return found(elder.id, schedule);
    },
  );

  app.delete(
    '/:id/welfare/schedules/:schedule',
    {
      preHandler: allow('admin', 'specialist'),
      schema: {
        tags,
        summary: 'Delete a welfare schedule (audited); its occurrences stay on record',
        params: scheduleParam,
        response: { 200: z.object({ deleted: z.string() }), ...errors },
      },
    },
    async (request) => {
      const user = signedIn(request);
      const elder = await visible(user, request.params.id);
      const { schedule } = request.params;
      await found(elder.id, schedule);
      await changing(user, elder, 'deleted', (trx) => book.delete(trx, elder.id, schedule));
      return { deleted: schedule };
    },
  );

  app.get(
    '/:id/welfare/occurrences',
    {
      preHandler: allow('admin', 'specialist'),
      schema: {
        tags,
        summary: 'An elder’s recent check-ins and reminders: answered, missed, alerted (audited)',
        params: elderParam,
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }),
        response: { 200: z.object({ occurrences: z.array(occurrenceSchema) }), ...errors },
      },
    },
    async (request) => {
      const user = signedIn(request);
      const elder = await visible(user, request.params.id);
      // Whether a medication was taken is health data: the read is recorded before the answer.
      await audit.record({
        by: user,
        action: 'welfare_viewed',
        elderId: elder.id,
        orgUnitId: elder.org_unit_id,
      });
      return { occurrences: await book.occurrences(elder.id, request.query.limit) };
    },
  );
};
