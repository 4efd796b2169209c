import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Transaction } from 'kysely';
import { z } from 'zod';
import type { PersonalDataAccess } from '../kernel/audit.js';
import { allow, signedIn } from '../kernel/auth-plugin.js';
import { errorBody, HttpError } from '../kernel/http-errors.js';
import type { Database } from '../store/database.js';
import type { Tables } from '../store/schema.js';
import {
  type CareSettingName,
  type CareSettingValues,
  careSettingLimits,
  careSettingNames,
  careSettingsChangeSchema,
  conflictsOf,
  effectiveSettings,
  inheritedSettings,
} from './care-settings.js';
import type { CareSettingsStore } from './care-settings-store.js';
import type { DistrictDirectory } from './district-directory.js';
import { type ElderRow, elderOfStaff, writingForElder } from './elder-lookup.js';

const idParam = z.object({ id: z.string().min(1).max(64) });
const errors = { 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody };

const settingView = z.object({
  value: z.number().describe('what the detectors apply for this elder'),
  source: z.enum(['elder', 'unit']).describe('`elder`: the elder’s own value; `unit`: the unit default'),
  unit_default: z.number().describe('what applies when the elder has no value of their own'),
  unit_default_from: z
    .string()
    .describe(
      'the org unit whose default that is (the nearest on the elder’s path), or `hub`: the hub’s configuration',
    ),
  unit_default_from_name: z.string().nullable().describe('that org unit’s name (null: the hub)'),
  min: z.number(),
  max: z.number(),
  unit: z.string().describe('bpm, %, h (local hour), m, min or s'),
});
const settingsView = z.object({
  elder_id: z.string(),
  org_unit_id: z.string(),
  settings: z.object(
    Object.fromEntries(careSettingNames.map((name) => [name, settingView])) as Record<
      CareSettingName,
      typeof settingView
    >,
  ),
});

/**
 * Per-elder settings under `/api/v1/elders/:id/settings`: the limits and spans the detectors
 * apply, each the elder's own or the unit default. Specialists and admins of the elder's unit
 * read and change them; every change is audited (who, when, each setting old → new) in the
 * change's transaction, and the running detectors take it at once (the directory's `changed`;
 * other nodes at their next catch-up).
 */
export const careSettingsRoutes: FastifyPluginAsyncZod<{
  db: Database;
  settings: CareSettingsStore;
  directory: DistrictDirectory;
  /** The hub's own values: what applies where no unit sets one. */
  hubDefaults: CareSettingValues;
  auditIn: (trx: Transaction<Tables>, access: PersonalDataAccess) => Promise<void>;
  now: () => number;
}> = async (app, { db, settings, directory, hubDefaults, auditIn, now }) => {
  const effectiveOf = async (reader: Database | Transaction<Tables>, elder: ElderRow) => {
    const { own, units } = await settings.of(reader, elder.id, elder.org_unit_path);
    return effectiveSettings(own, inheritedSettings(elder.org_unit_path, units), hubDefaults);
  };
  const viewOf = (elder: ElderRow, effective: Awaited<ReturnType<typeof effectiveOf>>) => ({
    elder_id: elder.id,
    org_unit_id: elder.org_unit_id,
    settings: Object.fromEntries(
      careSettingNames.map((name) => {
        const { min, max, unit } = careSettingLimits[name];
        const fromName = directory.orgUnit(effective[name].unit_default_from)?.name ?? null;
        return [name, { ...effective[name], unit_default_from_name: fromName, min, max, unit }];
      }),
    ) as unknown as z.infer<typeof settingsView>['settings'],
  });

  app.get(
    '/:id/settings',
    {
      preHandler: allow('admin', 'specialist'),
      schema: {
        tags: ['elders'],
        summary: 'An elder’s settings: effective values and where each comes from',
        description:
          'Heart-rate limits, SpO2 low limit, quiet hours (night wandering), geofence radius, inactivity span and fall cancel window, as the detectors apply them to this elder. Each is the elder’s own value (`source: elder`) or the unit default (`source: unit`): the value of the nearest org unit on the elder’s path (family › property › community › street › district) that sets one in the district document (`org_units[].settings`), else the hub’s configuration (`unit_default_from: hub`). For specialists and admins of the elder’s unit; an elder outside it is answered as missing (404).',
        params: idParam,
        response: { 200: settingsView, ...errors },
      },
    },
    async (request) => {
      const elder = await elderOfStaff(db, request.params.id, signedIn(request).scopePath);
      return viewOf(elder, await effectiveOf(db, elder));
    },
  );

  app.patch(
    '/:id/settings',
    {
      preHandler: allow('admin', 'specialist'),
      schema: {
        tags: ['elders'],
        summary: 'Set or clear an elder’s settings (audited, applied without a restart)',
        description:
          'Names one or more settings: a whole number sets the elder’s own value, `null` clears it back to the unit default. Refused with 400 and a reason per setting when a value is out of its plausible range, a name is unknown, or the result does not hold together (heart-rate low not below high; quiet hours starting and ending at the same hour); nothing is written then. Each change is written to the audit log with who, when and each setting’s old and new value, and the running detectors apply it at once.',
        params: idParam,
        body: careSettingsChangeSchema,
        response: { 200: settingsView, ...errors },
      },
    },
    async (request) => {
      const user = signedIn(request);
      const elder = await elderOfStaff(db, request.params.id, user.scopePath);
      const change = request.body;
      const changed = await writingForElder(db, elder.id, async (trx) => {
        const before = await effectiveOf(trx, elder);
        await settings.change(trx, { owner_kind: 'elder', owner_id: elder.id }, change, {
          username: user.username,
          at: now(),
        });
        const after = await effectiveOf(trx, elder);
        const values = Object.fromEntries(
          careSettingNames.map((n) => [n, after[n].value]),
        ) as CareSettingValues;
        const issues = conflictsOf(values);
        // Thrown inside the transaction: nothing of the change is kept.
        if (issues.length > 0) throw new HttpError(400, 'invalid_request', issues[0]!.message, issues);
        const changes = careSettingNames
          .filter((n) => change[n] !== undefined)
          .map((n) => ({
            setting: n,
            old: { value: before[n].value, source: before[n].source },
            new: { value: after[n].value, source: after[n].source },
          }));
        await auditIn(trx, {
          by: user,
          action: 'settings_changed',
          elderId: elder.id,
          orgUnitId: elder.org_unit_id,
          detail: { changes },
        });
        return after;
      });
      // The detectors of this node apply it now; other nodes see the store changed at their catch-up.
      await directory.refresh('settings');
      return viewOf(elder, changed);
    },
  );
};
