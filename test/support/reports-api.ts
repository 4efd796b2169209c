import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { DistrictReports } from '../../reports/report-queries.js';
import { reportRoutes } from '../../reports/report-routes.js';
import { ServiceLevels } from '../../reports/service-levels.js';
import type { Dialect } from './databases.js';
import { ledgerWithDistrict, signInAll, timebankApp } from './timebank-district.js';

/** The reports' routes at `/api/v1/reports` over the time bank's test district, its users signed in. */
export async function reportsApi(dialect: Dialect) {
  const t = await ledgerWithDistrict(dialect, { withPasswords: true });
  const { db } = t.store;
  const reports = new DistrictReports({ db, levels: new ServiceLevels({ db }), utcOffsetMinutes: 480 });
  const { app, login } = await timebankApp(t, async (a) => {
    await a
      .withTypeProvider<ZodTypeProvider>()
      .register(reportRoutes, { prefix: '/api/v1/reports', reports, now: () => t.clock.now });
  });
  return { t, app, as: await signInAll(login) };
}
