import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Availability, PresenceState } from '../dispatch/responder-availability.js';
import { allow, signedIn } from '../kernel/auth-plugin.js';
import { errorBody } from '../kernel/http-errors.js';
import { pageOf } from '../kernel/page-cursor.js';
import type { Database } from '../store/database.js';
import { underPath } from '../store/scope.js';
import { boardElderSchema, boardResponderSchema } from './api-schemas.js';

/**
 * A board is read a page at a time, by id: one query never holds the store (and the events waiting
 * to be stored behind it) for a whole district.
 */
const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(2000).default(500),
  cursor: z.string().max(128).optional().describe('`next_cursor` of the previous page'),
});
const nextCursor = z.string().nullable().describe('the next page’s `cursor`; null: no more rows');
const pageDescription =
  'At most `limit` rows, by id. When there are more, `next_cursor` is set: pass it as `cursor` for the next page; `null` on the last page.';

/** Boards: responders (on duty, busy, where) and elders of the caller's org unit. */
export const boardRoutes: FastifyPluginAsyncZod<{
  db: Database;
  /** Dispatch's own answer, so that the board and the ladder never disagree. */
  availabilityOf: (state: PresenceState) => Availability;
}> = async (app, { db, availabilityOf }) => {
  app.get(
    '/responders',
    {
      preHandler: allow('admin', 'specialist'),
      schema: {
        tags: ['responders'],
        summary: 'Responders of your org unit with duty, live location and current task, a page at a time',
        description: pageDescription,
        querystring: pageQuery,
        response: {
          200: z.object({
            responders: z.array(boardResponderSchema),
            next_cursor: nextCursor,
          }),
          400: errorBody,
          401: errorBody,
          403: errorBody,
        },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      const read = await db
        .selectFrom('responders as r')
        .innerJoin('org_units as o', 'o.id', 'r.org_unit_id')
        .leftJoin('responder_state as s', 's.responder_id', 'r.id')
        .select(['r.id', 'r.name', 'r.kind', 'r.org_unit_id', 'r.skills', 'r.lat', 'r.lon'])
        .select(['s.on_duty', 's.lat as live_lat', 's.lon as live_lon', 's.located_at', 's.task_alert_id'])
        .select('s.app_offline_since')
        .select(({ exists, selectFrom }) =>
          exists(
            selectFrom('push_subscriptions as p')
              .select('p.endpoint')
              .whereRef('p.responder_id', '=', 'r.id'),
          ).as('push'),
        )
        .where(underPath('o.path', signedIn(request).scopePath))
        .$if(cursor !== undefined, (q) => q.where('r.id', '>', cursor!))
        .orderBy('r.id')
        .limit(limit + 1)
        .execute();
      const { rows, next } = pageOf(read, limit, (last) => last.id);
      return {
        next_cursor: next,
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
          availability: availabilityOf({
            onDuty: r.on_duty === 1,
            taskAlertId: r.task_alert_id ?? null,
            appOfflineSince: r.app_offline_since ?? null,
            pushReachable: Boolean(r.push),
          }),
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
        summary: 'Elders of your org unit: home, devices, a page at a time',
        description: pageDescription,
        querystring: pageQuery,
        response: {
          200: z.object({
            elders: z.array(boardElderSchema),
            next_cursor: nextCursor,
          }),
          400: errorBody,
          401: errorBody,
          403: errorBody,
        },
      },
    },
    async (request) => {
      const scope = signedIn(request).scopePath;
      const { limit, cursor } = request.query;
      const read = await db
        .selectFrom('elders as e')
        .innerJoin('org_units as o', 'o.id', 'e.org_unit_id')
        .select(['e.id', 'e.name', 'e.org_unit_id', 'e.address', 'e.lat', 'e.lon'])
        .where(underPath('o.path', scope))
        .$if(cursor !== undefined, (q) => q.where('e.id', '>', cursor!))
        .orderBy('e.id')
        .limit(limit + 1)
        .execute();
      const { rows: elders, next } = pageOf(read, limit, (last) => last.id);
      const devices = elders.length
        ? await db
            .selectFrom('devices as d')
            .select(['d.id', 'd.type', 'd.elder_id'])
            .where(
              'd.elder_id',
              'in',
              elders.map((e) => e.id),
            )
            .where('d.revoked_at', 'is', null)
            .execute()
        : [];
      const byElder = new Map<string, Array<{ id: string; type: string }>>();
      for (const d of devices)
        byElder.set(d.elder_id!, [...(byElder.get(d.elder_id!) ?? []), { id: d.id, type: d.type }]);
      return { elders: elders.map((e) => ({ ...e, devices: byElder.get(e.id) ?? [] })), next_cursor: next };
    },
  );
};
