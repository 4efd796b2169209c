import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { allow, signedIn } from '../kernel/auth-plugin.js';
import { errorBody, HttpError } from '../kernel/http-errors.js';
import { elderPlaceSchema } from '../registry/api-schemas.js';
import { elderInScope } from '../registry/elder-lookup.js';
import type { Database } from '../store/database.js';
import type { AuditLog } from './audit-log.js';
import type { ElderErasure } from './elder-erasure.js';
import type { ElderExport } from './elder-export.js';

const idParam = z.object({ id: z.string().min(1).max(64) });
const rows = z.array(z.record(z.string(), z.unknown()));

/** The export document (streamed; the sections in this order). */
export const elderExportSchema = z.object({
  format: z.literal('yiyang-elder-export/1'),
  exported_at: z.number(),
  exported_by: z.string(),
  elder: elderPlaceSchema
    .extend({
      updated_at: z.number(),
      erased_at: z.number().nullable(),
      org_unit: z.record(z.string(), z.unknown()).nullable(),
    })
    .describe('the district record'),
  care_record: z
    .object({
      record: z.record(z.string(), z.unknown()),
      updated_at: z.number().nullable(),
      updated_by: z.string().nullable(),
    })
    .nullable()
    .describe('the care record (contacts, conditions, access notes…); null: never given'),
  care_settings: rows.describe(
    'their own settings (limits, quiet hours, spans), each with who set it and when',
  ),
  devices: rows.describe('devices at their home now, with their health'),
  device_events: rows.describe('raw events of those devices still kept (see EVENT_RETENTION_DAYS)'),
  rollups_1m: rows.describe('one-minute summaries of vitals and activity'),
  alerts: rows.describe('alerts about them, each with `timeline` and `offers`'),
  pending_falls: rows,
  welfare: z
    .object({ schedules: rows, occurrences: rows })
    .describe('welfare check-in and medication schedules, and each occurrence: answered, missed, alerted'),
  service_orders: rows.describe('service orders for them, each with `timeline`'),
  recurring_requests: rows.describe(
    'requests that publish themselves for them (a weekly meal…), running or stopped; their orders are in `service_orders`',
  ),
  timebank: z.object({ accounts: rows, transfers: rows, service_credits: rows }),
  record_reads: rows.describe('who read their record, and when (the audit log)'),
});

const erasedSchema = z.object({
  elder_id: z.string(),
  erased: z.object({
    devices_detached: z.number(),
    device_events: z.number(),
    rollups_1m: z.number(),
    alerts_cleared: z.number(),
    service_orders_cleared: z.number(),
    ledger_transfers_cleared: z.number(),
    welfare_records: z.number(),
    recurring_requests_cleared: z.number().describe('recurring requests stopped, their notes replaced'),
    webhook_notices_deleted: z
      .number()
      .describe('family escalation notices for the webhook receiver about their alerts'),
  }),
});

const refusals = {
  already_erased: 'this elder was already erased',
  alert_active: 'an alert about this elder is still active: close it first',
  fall_pending: 'a fall of this elder is in its cancel window: wait until it ends',
  order_open: 'a service order for this elder is still under way: finish or cancel it first',
} as const;

/** A file name made of safe characters only (the id comes from the district document). */
const fileName = (id: string) => `elder-${id.replace(/[^A-Za-z0-9._-]/g, '_')}.json`;

/** One person's data on request, under `/api/v1/elders`: a copy of everything, or its erasure. Admins only, audited. */
export const elderRecordRoutes: FastifyPluginAsyncZod<{
  db: Database;
  audit: AuditLog;
  exporter: ElderExport;
  erasure: ElderErasure;
}> = async (app, { db, audit, exporter, erasure }) => {
  app.get(
    '/:id/export',
    {
      preHandler: allow('admin'),
      schema: {
        tags: ['privacy'],
        summary: 'Everything held about one elder of your org unit, as one JSON document (audited)',
        params: idParam,
        response: { 200: elderExportSchema, 401: errorBody, 403: errorBody, 404: errorBody },
      },
    },
    async (request, reply) => {
      const user = signedIn(request);
      const elder = await elderInScope(db, request.params.id, user.scopePath);
      if (!elder) throw new HttpError(404, 'not_found', `no elder ${request.params.id} in your org unit`);
      // Recorded before the first byte: an export that cannot be audited is not given.
      await audit.record({
        by: user,
        action: 'elder_exported',
        elderId: elder.id,
        orgUnitId: elder.org_unit_id,
      });
      return stream(reply, fileName(elder.id), Readable.from(exporter.document(elder, user.username)));
    },
  );

  app.post(
    '/:id/erase',
    {
      preHandler: allow('admin'),
      schema: {
        tags: ['privacy'],
        summary:
          'Erase one elder of your org unit (audited): health data and events deleted, personal fields replaced; the ledger keeps its rows and balances',
        params: idParam,
        body: z.object({
          confirm: z.string().max(64).describe('the elder’s id again: erasing cannot be undone'),
        }),
        response: {
          200: erasedSchema,
          400: errorBody,
          401: errorBody,
          403: errorBody,
          404: errorBody,
          409: errorBody,
        },
      },
    },
    async (request) => {
      const { id } = request.params;
      if (request.body.confirm !== id) {
        throw new HttpError(400, 'confirmation_mismatch', `confirm must repeat the elder's id (${id})`);
      }
      const result = await erasure.erase(id, signedIn(request));
      if (!result.ok) {
        if (result.reason === 'not_found')
          throw new HttpError(404, 'not_found', `no elder ${id} in your org unit`);
        throw new HttpError(409, result.reason, refusals[result.reason]);
      }
      return { elder_id: id, erased: result.erased };
    },
  );
};

function stream(reply: FastifyReply, name: string, body: Readable) {
  reply.header('content-disposition', `attachment; filename="${name}"`);
  reply.header('cache-control', 'no-store');
  return reply.type('application/json; charset=utf-8').send(body);
}
