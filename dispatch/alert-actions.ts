import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type Alert, type AlertBook, activeStatuses } from '../alerts/alert-book.js';
import { outcomes } from '../alerts/alert-model.js';
import { alertSchema } from '../alerts/alert-routes.js';
import { timelineEntrySchema } from '../alerts/timeline-notes.js';
import type { AuditTrail } from '../kernel/audit.js';
import { allow, signedIn } from '../kernel/auth-plugin.js';
import { errorBody, HttpError } from '../kernel/http-errors.js';
import { anyErased } from '../registry/elder-lookup.js';
import type { PeopleNames } from '../registry/people-names.js';
import type { Dispatcher } from './dispatcher.js';

const idParam = z.object({ id: z.string().min(1).max(64) });
const errors = { 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody, 409: errorBody };

/** A specialist's actions on an alert: acknowledge, assign by hand, note, resolve, cancel; and its detail with the timeline. */
export const alertActionRoutes: FastifyPluginAsyncZod<{
  alerts: AlertBook;
  dispatcher: Dispatcher;
  audit: AuditTrail;
  names: Pick<PeopleNames, 'of'>;
}> = async (app, { alerts, dispatcher, audit, names }) => {
  const inScope = async (id: string, scopePath: string): Promise<Alert> => {
    const alert = await alerts.find(id, scopePath);
    if (!alert) throw new HttpError(404, 'not_found', `no alert ${id} in your org unit`);
    return alert;
  };
  const specialists = allow('admin', 'specialist');

  app.get(
    '/:id',
    {
      preHandler: allow('admin', 'specialist', 'family'),
      schema: {
        tags: ['alerts'],
        summary: 'One alert with its timeline (offers, declines, escalations, transitions) and offers',
        params: idParam,
        response: {
          200: z.object({
            alert: alertSchema,
            timeline: z.array(timelineEntrySchema),
            people: z
              .record(z.string(), z.string())
              .describe(
                'the names of the people the alert and its timeline name (who acknowledged, was assigned, acted), by username or responder id; one without a name is left out: show the id',
              ),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const user = signedIn(request);
      const alert = await inScope(request.params.id, user.scopePath);
      // The detail names the person and their evidence: a read of their record, audited.
      if (alert.elder_id) {
        await audit.record({
          by: user,
          action: 'alert_viewed',
          elderId: alert.elder_id,
          orgUnitId: alert.org_unit_id,
          target: alert.id,
        });
      }
      const timeline = await alerts.timeline(alert.id);
      const named = [alert.acknowledged_by, alert.assignee_id, ...timeline.map((e) => e.actor)];
      for (const e of timeline)
        if (typeof e.params?.responder_id === 'string') named.push(e.params.responder_id);
      return { alert, timeline, people: await names.of(named.filter((id) => id !== null)) };
    },
  );

  app.post(
    '/:id/acknowledge',
    {
      preHandler: specialists,
      schema: {
        tags: ['alerts'],
        summary: 'I have seen it',
        params: idParam,
        response: { 200: alertSchema, ...errors },
      },
    },
    async (request) => {
      const alert = await inScope(request.params.id, signedIn(request).scopePath);
      return (await alerts.acknowledge(alert.id, signedIn(request).username)) ?? alert;
    },
  );

  app.post(
    '/:id/notes',
    {
      preHandler: specialists,
      schema: {
        tags: ['alerts'],
        summary: 'Add a note to the timeline',
        params: idParam,
        body: z.object({ text: z.string().trim().min(1).max(2000) }),
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      const alert = await inScope(request.params.id, signedIn(request).scopePath);
      const written = await alerts.db.transaction().execute(async (trx) => {
        // A note about an erased elder would bring back what the erasure took off the timeline;
        // held first, so it is not written beside the erasure either.
        if (alert.elder_id && (await anyErased(trx, [alert.elder_id]))) return false;
        await alerts.record(trx, alert.id, { actor: signedIn(request).username, note: request.body.text });
        return true;
      });
      if (!written)
        throw new HttpError(
          409,
          'elder_erased',
          'the elder of this alert was erased on request: its timeline takes no new notes',
        );
      await alerts.announce(alert.id, 'updated');
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/:id/assign',
    {
      preHandler: specialists,
      schema: {
        tags: ['alerts'],
        summary: 'Assign or reassign a responder by hand',
        params: idParam,
        body: z.object({ responder_id: z.string().min(1).max(64) }),
        response: { 200: alertSchema, ...errors },
      },
    },
    async (request) => {
      const user = signedIn(request);
      const alert = await inScope(request.params.id, user.scopePath);
      // Only responders of the specialist's own unit or below: a hidden one and a missing one look the same.
      const responderPath = dispatcher.responderPath(request.body.responder_id);
      if (!responderPath?.startsWith(user.scopePath)) {
        throw new HttpError(404, 'not_found', `no responder ${request.body.responder_id} in your org unit`);
      }
      const result = await dispatcher.assign(alert.id, request.body.responder_id, user.username);
      if (!result.ok) throw new HttpError(409, result.reason, `cannot assign: ${result.reason}`);
      return inScope(alert.id, user.scopePath);
    },
  );

  for (const [action, to] of [
    ['resolve', 'resolved'],
    ['cancel', 'cancelled'],
  ] as const) {
    app.post(
      `/:id/${action}`,
      {
        preHandler: specialists,
        schema: {
          tags: ['alerts'],
          summary: action === 'resolve' ? 'Close with an outcome' : 'Close: no help was needed',
          params: idParam,
          body: z.object({
            outcome: z.enum(outcomes).default(action === 'cancel' ? 'false_alarm' : 'help_given'),
            note: z.string().max(2000).optional(),
          }),
          response: { 200: alertSchema, ...errors },
        },
      },
      async (request) => {
        const user = signedIn(request);
        const alert = await inScope(request.params.id, user.scopePath);
        const closed = await alerts.transition(alert.id, {
          from: activeStatuses,
          to,
          actor: user.username,
          note: {
            code: 'closed',
            params: {
              outcome: request.body.outcome,
              ...(request.body.note ? { text: request.body.note } : {}),
            },
          },
          set: { outcome: request.body.outcome },
        });
        if (!closed) throw new HttpError(409, 'already_closed', `alert ${alert.id} is ${alert.status}`);
        return closed;
      },
    );
  }
};
