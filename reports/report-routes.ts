import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { allow, signedIn } from '../kernel/auth-plugin.js';
import { errorBody } from '../kernel/http-errors.js';
import { fileLanguage } from '../timebank/api-schemas.js';
import type { Language } from '../timebank/statement-files.js';
import { districtReportSchema, orgUnitSchema } from './api-schemas.js';
import { reportCsv, reportFileName, reportXlsx } from './report-files.js';
import type { DistrictReport, DistrictReports } from './report-queries.js';
import { maxReportRangeMs } from './service-levels.js';

const errors = { 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody };
const defaultRangeMs = 30 * 86_400_000;

/** The console's reports under `/api/v1/reports`, as JSON for charts or as CSV and Excel files. */
export const reportRoutes: FastifyPluginAsyncZod<{ reports: DistrictReports; now: () => number }> = async (
  app,
  { reports, now },
) => {
  app.get(
    '/org-units',
    {
      preHandler: allow('admin', 'specialist'),
      schema: {
        tags: ['reports'],
        summary: 'The org units you may report on (yours and those below it, families left out)',
        response: { 200: z.object({ org_units: z.array(orgUnitSchema) }), ...errors },
      },
    },
    async (request) => ({ org_units: await reports.orgUnits(signedIn(request)) }),
  );

  app.get(
    '/summary',
    {
      preHandler: allow('admin', 'specialist'),
      schema: {
        tags: ['reports'],
        summary:
          'Alerts by kind, by org unit and by day with the false-alarm share, service levels, certified volunteer time, and service feedback (requests fulfilled, cancelled and unmet; ratings per unit, kind and volunteer; elders served; credits issued and redeemed; complaints), for an org unit and a period (at most 92 days); format=csv or xlsx downloads the same tables',
        querystring: z
          .object({
            org_unit: z.string().min(1).max(64).optional().describe('default: your org unit'),
            from: z.coerce.number().int().nonnegative().optional().describe('ms; default to − 30 days'),
            to: z.coerce.number().int().positive().optional().describe('ms, exclusive; default now'),
            format: z.enum(['json', 'csv', 'xlsx']).default('json'),
            lang: fileLanguage,
          })
          .transform((q, ctx) => {
            const to = q.to ?? now();
            const from = q.from ?? to - defaultRangeMs;
            if (from >= to)
              ctx.addIssue({ code: 'custom', path: ['from'], message: 'from must be before to' });
            if (to - from > maxReportRangeMs)
              ctx.addIssue({ code: 'custom', path: ['from'], message: 'the range is at most 92 days' });
            return { org_unit: q.org_unit, from, to, format: q.format, lang: q.lang };
          }),
        response: {
          200: districtReportSchema,
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const { format, lang, ...query } = request.query;
      const report = await reports.report(signedIn(request), query);
      return format === 'json' ? report : download(reply, report, format, lang);
    },
  );
};

function download(reply: FastifyReply, report: DistrictReport, format: 'csv' | 'xlsx', lang: Language) {
  reply.header('content-disposition', `attachment; filename="${reportFileName(report, format)}"`);
  if (format === 'csv') return reply.type('text/csv; charset=utf-8').send(reportCsv(report, lang));
  return reply
    .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
    .send(reportXlsx(report, lang));
}
