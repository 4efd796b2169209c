import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AlertBook } from '../alerts/alert-book.js';
import { type CallNote, callRequestSchema } from '../alerts/call-log.js';
import { timelineEntrySchema } from '../alerts/timeline-notes.js';
import { allow, signedIn } from '../kernel/auth-plugin.js';
import { errorBody, HttpError } from '../kernel/http-errors.js';
import type { CareRecords } from '../registry/care-records.js';

const idParam = z.object({ id: z.string().min(1).max(64) });

/**
 * The call log of an alert: a specialist calls the elder back, then their contacts in order, and
 * writes down each call. A call is a coded note on the alert's timeline, with the name and number
 * the care record held at that moment (the record may change later; the trace must not).
 */
export const callLogRoutes: FastifyPluginAsyncZod<{ alerts: AlertBook; records: CareRecords }> = async (
  app,
  { alerts, records },
) => {
  app.post(
    '/:id/calls',
    {
      preHandler: allow('admin', 'specialist'),
      schema: {
        tags: ['alerts'],
        summary: 'Log a call made about the alert: whom, reached or not, the outcome (on the timeline)',
        description:
          'Reached: `all_well`, `going_there`, `needs_help`, `will_call_back`, `other`; not reached: `no_answer`, `busy`, `wrong_number`, `switched_off`. The callee is the elder (their `phone`) or a contact by position in calling order.',
        params: idParam,
        body: callRequestSchema,
        response: {
          201: z.object({ call: timelineEntrySchema }),
          400: errorBody,
          401: errorBody,
          403: errorBody,
          404: errorBody,
        },
      },
    },
    async (request, reply) => {
      const user = signedIn(request);
      const alert = await alerts.find(request.params.id, user.scopePath);
      if (!alert) throw new HttpError(404, 'not_found', `no alert ${request.params.id} in your org unit`);
      if (!alert.elder_id)
        throw new HttpError(
          400,
          'no_elder',
          `alert ${alert.id} is about a device, not a person: nobody to call`,
        );
      const body = request.body;
      const { record } = await records.read(alerts.db, alert.elder_id);
      let callee: Pick<CallNote, 'name' | 'phone' | 'relation' | 'position'>;
      if (body.callee === 'elder') {
        if (!record.phone) throw unknownNumber('phone', 'the elder has no phone in their care record');
        callee = { name: alert.elder_name ?? alert.elder_id, phone: record.phone };
      } else {
        const contact = record.contacts[body.contact! - 1];
        if (!contact)
          throw unknownNumber(
            'contact',
            `the care record has ${record.contacts.length} contacts, not ${body.contact}`,
          );
        callee = {
          position: body.contact!,
          name: contact.name,
          relation: contact.relation,
          phone: contact.phone,
        };
      }
      const params: CallNote = {
        callee: body.callee,
        ...callee,
        reached: body.reached,
        outcome: body.outcome,
        ...(body.note ? { text: body.note } : {}),
      };
      await alerts.record(alerts.db, alert.id, { actor: user.username, note: { code: 'called', params } });
      await alerts.announce(alert.id, 'updated');
      const timeline = await alerts.timeline(alert.id);
      const call = timeline.filter((e) => e.code === 'called' && e.actor === user.username).at(-1)!;
      return reply.code(201).send({ call });
    },
  );
};

function unknownNumber(path: string, message: string): HttpError {
  return new HttpError(400, 'invalid_request', message, [{ path, message }]);
}
