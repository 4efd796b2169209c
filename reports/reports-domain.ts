import { routeSet } from '../kernel/stage.js';
import type { Database } from '../store/database.js';
import { DistrictReports } from './report-queries.js';
import { reportRoutes } from './report-routes.js';
import { serviceLevelRoutes } from './service-level-routes.js';
import { ServiceLevels } from './service-levels.js';

/** Reports: service levels, alerts by kind, unit and day, volunteer hours; CSV and Excel downloads. */
export function reportsDomain(deps: { db: Database; now: () => number; utcOffsetMinutes: number }) {
  const levels = new ServiceLevels({ db: deps.db });
  const reports = new DistrictReports({ db: deps.db, levels, utcOffsetMinutes: deps.utcOffsetMinutes });
  return {
    levels,
    reports,
    stages: {},
    routes: [
      routeSet('/api/v1/reports', serviceLevelRoutes, { levels, now: deps.now }),
      routeSet('/api/v1/reports', reportRoutes, { reports, now: deps.now }),
    ],
  };
}
