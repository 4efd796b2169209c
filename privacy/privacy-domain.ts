import type { Logger } from 'pino';
import type { EventLog } from '../ingest/event-log.js';
import { routeSet } from '../kernel/stage.js';
import type { CareRecords } from '../registry/care-records.js';
import type { DistrictDirectory } from '../registry/district-directory.js';
import type { Database } from '../store/database.js';
import type { AuditLog } from './audit-log.js';
import { auditRoutes } from './audit-routes.js';
import { type CorrectionMemo, ElderErasure } from './elder-erasure.js';
import { ElderExport } from './elder-export.js';
import { elderRecordRoutes } from './elder-record-routes.js';
import { Retention, type RetentionSettings } from './retention.js';

export type { RetentionSettings } from './retention.js';

/**
 * Privacy (PIPL): the audit log of reads of a person's record and its API, one person's data
 * exported or erased on request, and the retention sweep. The audit log itself is built by the
 * composition root before the other domains, which are given it to record their reads.
 */
export function privacyDomain(deps: {
  db: Database;
  audit: AuditLog;
  eventLog: EventLog;
  directory: Pick<DistrictDirectory, 'refresh'>;
  careRecords: CareRecords;
  /** The time bank's wording of a correction's memo (an erasure replaces its typed reason). */
  correctionMemo: CorrectionMemo;
  retention: RetentionSettings;
  now: () => number;
  logger: Logger;
  /** Cluster mode: whether this process sweeps (see Retention). */
  leads?: (() => boolean) | undefined;
}) {
  const { db, audit, now } = deps;
  const retention = new Retention({
    db,
    eventLog: deps.eventLog,
    settings: deps.retention,
    now,
    logger: deps.logger,
    leads: deps.leads,
  });
  const exporter = new ElderExport({ db, now, careRecords: deps.careRecords });
  const erasure = new ElderErasure({
    db,
    careRecords: deps.careRecords,
    eventLog: deps.eventLog,
    audit,
    districtChanged: () => deps.directory.refresh('erased'),
    correctionMemo: deps.correctionMemo,
    now,
  });
  return {
    retention,
    erasure,
    stages: { retention },
    routes: [
      routeSet('/api/v1/elders', elderRecordRoutes, { db, audit, exporter, erasure }),
      routeSet('/api/v1/audit', auditRoutes, { audit }),
    ],
  };
}
