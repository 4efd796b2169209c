import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { allow, signedIn } from '../kernel/auth-plugin.js';
import { errorBody } from '../kernel/http-errors.js';
import type { Database } from '../store/database.js';
import { underPath } from '../store/scope.js';
import { boardElderSchema, boardResponderSchema } from './api-schemas.js';

/** Boards: responders (on duty, busy, where) and elders of the caller's org unit. */
export const boardRoutes: FastifyPluginAsyncZod<{ db: Database }> = async (app, { db }) => {
  app.get(
    '/responders',
    {
      preHandler: allow('admin', 'specialist'),
      schema: {
        tags: ['responders'],
        summary: 'Responders of your org unit with duty, live location and current task',
        response: {
          200: z.object({
            responders: z.array(boardResponderSchema),
          }),
          401: errorBody,
          403: errorBody,
        },
      },
    },
    async (request) => {
      const rows = await db
        .selectFrom('responders as r')
        .innerJoin('org_units as o', 'o.id', 'r.org_unit_id')
        .leftJoin('responder_state as s', 's.responder_id', 'r.id')
        .select(['r.id', 'r.name', 'r.kind', 'r.org_unit_id', 'r.skills', 'r.lat', 'r.lon'])
        .select(['s.on_duty', 's.lat as live_lat', 's.lon as live_lon', 's.located_at', 's.task_alert_id'])
        .where(underPath('o.path', signedIn(request).scopePath))
        .orderBy('r.id')
        .execute();
      return {
        responders: rows.map((r) => ({
          id: r.id,
          name: r.name,
          kind: r.kind,
          org_unit_id: r.org_unit_id,
          skills: JSON.parse(r.skills) as string[],
          on_duty: r.on_duty === 1,
          lat: r.live_lat ?? r.lat,
          lon: r.live_lon ?? r.lon,
          located_at: r.located_at ?? null,
          task_alert_id: r.task_alert_id ?? null,
        })),
      };
    },
  );

  app.get(
    '/elders',
    {
      preHandler: allow('admin', 'specialist', 'family'),
      schema: {
        tags: ['elders'],
        summary: 'Elders of your org unit: home, devices',
        response: {
          200: z.object({
            elders: z.array(boardElderSchema),
          }),
          401: errorBody,
          403: errorBody,
        },
      },
    },
    async (request) => {
      const scope = signedIn(request).scopePath;
      const elders = await db
        .selectFrom('elders as e')
        .innerJoin('org_units as o', 'o.id', 'e.org_unit_id')
        .select(['e.id', 'e.name', 'e.org_unit_id', 'e.address', 'e.lat', 'e.lon'])
        .where(underPath('o.path', scope))
        .orderBy('e.id')
        .execute();
      const devices = await db
        .selectFrom('devices as d')
        .innerJoin('elders as e', 'e.id', 'd.elder_id')
        .innerJoin('org_units as o', 'o.id', 'e.org_unit_id')
        .select(['d.id', 'd.type', 'd.elder_id'])
        .where(underPath('o.path', scope))
        .where('d.revoked_at', 'is', null)
        .execute();
      const byElder = new Map<string, Array<{ id: string; type: string }>>();
      for (const d of devices)
        byElder.set(d.elder_id!, [...(byElder.get(d.elder_id!) ?? []), { id: d.id, type: d.type }]);
      return { elders: elders.map((e) => ({ ...e, devices: byElder.get(e.id) ?? [] })) };
    },
  );
};
