import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Transaction } from 'kysely';
import { z } from 'zod';
import type { AuditTrail, PersonalDataAccess } from '../kernel/audit.js';
import { allow, signedIn } from '../kernel/auth-plugin.js';
import { errorBody, HttpError } from '../kernel/http-errors.js';
import type { SignedInUser } from '../kernel/identity.js';
import type { Database } from '../store/database.js';
import type { Tables } from '../store/schema.js';
import { elderPlaceSchema } from './api-schemas.js';
import { careRecordChangeSchema, careRecordSchema, onSiteOf, onSiteSchema } from './care-record.js';
import type { CareRecords, StoredCareRecord } from './care-records.js';
import { type ElderRow, elderInScope, elderOfStaff, writingForElder } from './elder-lookup.js';

const idParam = z.object({ id: z.string().min(1).max(64) });
const errors = { 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody };

const person = elderPlaceSchema.shape;
/** The whole record: specialists and admins of the elder's unit, and their family. */
const fullView = z.object({
  view: z.literal('full'),
  ...person,
  ...careRecordSchema.shape,
  updated_at: z.number().nullable().describe('when the care record last changed; null: never given'),
  updated_by: z.string().nullable(),
});
/** What a responder assigned to the elder's alert sees, while assigned. */
const onSiteView = z.object({
  view: z.literal('on_site'),
  ...person,
  ...onSiteSchema.shape,
  withheld: z
    .boolean()
    .describe(
      'true: the elder has not consented to share on-site facts with responders; they are left empty',
    ),
});

/**
 * The elder's care record under `/api/v1/elders`: read by those allowed (each read audited with who,
 * when and which view), changed by specialists and admins of the elder's unit (audited, with the
 * fields named). A hidden elder and a missing one get the same 404.
 */
export const careRecordRoutes: FastifyPluginAsyncZod<{
  db: Database;
  records: CareRecords;
  audit: AuditTrail;
  /** The audit log written in the change's own transaction: a change and its entry commit together. */
  auditIn: (trx: Transaction<Tables>, access: PersonalDataAccess) => Promise<void>;
  /** The elder of the responder's current task (assigned or on site), if any: dispatch knows it. */
  taskElderOf: (responderId: string) => Promise<string | null>;
  now: () => number;
}> = async (app, { db, records, audit, auditIn, taskElderOf, now }) => {
  /** The elder as the user may see them: by scope, a family link, or a responder's task. */
  const visible = async (user: SignedInUser, id: string): Promise<ElderRow> => {
    if (user.role === 'responder') {
      const elder = (await taskElderOf(user.username)) === id ? await elderInScope(db, id, '/') : undefined;
      if (!elder) throw new HttpError(404, 'not_found', `no elder ${id} among your tasks`);
      return elder;
    }
    const kin = user.role === 'family' && (await records.kinOf(db, user.username)).includes(id);
    return elderOfStaff(db, id, kin ? '/' : user.scopePath);
  };
  const personOf = (e: ElderRow) => ({
    id: e.id,
    name: e.name,
    org_unit_id: e.org_unit_id,
    address: e.address,
    lat: e.lat,
    lon: e.lon,
  });
  const fullOf = (e: ElderRow, stored: StoredCareRecord) => ({
    view: 'full' as const,
    ...personOf(e),
    ...stored.record,
    updated_at: stored.updated_at,
    updated_by: stored.updated_by,
  });

  app.get(
    '/:id',
    {
      preHandler: allow('admin', 'specialist', 'family', 'responder'),
      schema: {
        tags: ['elders'],
        summary: 'One elder with their care record (audited)',
        description:
          'Specialists and admins of the elder’s org unit and their family get the whole record (`view: full`): phones, contacts in calling order, birth date, living alone, conditions, medicines, allergies, mobility, language, access notes, preferred hospital, consent. A responder gets only what helps on site (`view: on_site`: access notes, keyholders, mobility, language, conditions, medicines, allergies), only while assigned to an alert about the elder, and only with the elder’s consent. Every read is written to the audit log first.',
        params: idParam,
        querystring: z.object({
          alert: z
            .string()
            .min(1)
            .max(64)
            .optional()
            .describe('the alert the record is read for (kept in the audit log)'),
        }),
        response: { 200: z.discriminatedUnion('view', [fullView, onSiteView]), ...errors },
      },
    },
    async (request) => {
      const user = signedIn(request);
      const elder = await visible(user, request.params.id);
      const stored = await records.read(db, elder.id);
      const view = user.role === 'responder' ? ('on_site' as const) : ('full' as const);
      // Recorded before the answer: a read that cannot be audited is not given.
      await audit.record({
        by: user,
        action: 'record_viewed',
        elderId: elder.id,
        orgUnitId: elder.org_unit_id,
        target: request.query.alert,
        detail: { view },
      });
      if (view === 'full') return fullOf(elder, stored);
      const consented = stored.record.consent.share_with_responders;
      const onSite = onSiteOf(consented ? stored.record : { ...stored.record, ...withheldFacts });
      return { view: 'on_site' as const, ...personOf(elder), ...onSite, withheld: !consented };
    },
  );

  app.patch(
    '/:id',
    {
      preHandler: allow('admin', 'specialist'),
      schema: {
        tags: ['elders'],
        summary: 'Change an elder’s care record (audited)',
        description:
          'Names the fields to set; the others stay as stored. `null` (or `[]`) clears a field; `contacts` is the whole list in calling order. A bad field is answered 400 naming it, and nothing is written.',
        params: idParam,
        body: careRecordChangeSchema,
        response: { 200: fullView, ...errors },
      },
    },
    async (request) => {
      const user = signedIn(request);
      const elder = await visible(user, request.params.id);
      const change = request.body;
      const named = (change.contacts ?? []).flatMap((c, i) => (c.username ? [{ i, u: c.username }] : []));
      const unlinkable = await records.unlinkable(
        db,
        named.map((n) => n.u),
      );
      const issues = named
        .filter((n) => unlinkable.has(n.u))
        .map((n) => ({ path: `contacts[${n.i}].username`, message: `no family or responder user ${n.u}` }));
      if (issues.length > 0)
        throw new HttpError(400, 'invalid_request', `the body has ${issues.length} invalid entries`, issues);
      const at = now();
      await writingForElder(db, elder.id, async (trx) => {
        await records.change(trx, elder.id, change, { username: user.username, at });
        // The entry names the fields changed, never their values: the log holds no health data.
        await auditIn(trx, {
          by: user,
          action: 'record_changed',
          elderId: elder.id,
          orgUnitId: elder.org_unit_id,
          detail: { fields: Object.keys(change).sort() },
        });
      });
      return fullOf(elder, await records.read(db, elder.id));
    },
  );
};

/** Without consent an assigned responder gets the elder's name and address (the task) and nothing more. */
const withheldFacts = {
  access_notes: null,
  contacts: [],
  mobility: null,
  language: null,
  lives_alone: null,
  conditions: [],
  medicines: [],
  allergies: [],
};
