import { statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** An operator-facing failure of a backup or a restore: its message says what happened and what to do. */
export class BackupFailure extends Error {}

/** Rows per table, for the tables an operator checks a copy by. */
export type TableCounts = Record<string, number>;

/** What a backup wrote or a restore put in place, printed for the operator. */
export interface StoreCopyReport {
  /** The backup file written or read. */
  file: string;
  bytes: number;
  ms: number;
  /** Where the data lives, e.g. `SQLite store data/yiyang.sqlite`. */
  store: string;
  /** How the copy was proven whole before it was called done. */
  verified: string;
  counts: TableCounts;
  /** The newest schema migration the copy has run. */
  schema: string | undefined;
  /** Anything else the operator must know (the store a forced restore moved aside). */
  notes: string[];
}

/** The report on a backup file written or read since `started` (performance.now()). */
export function copyReport(
  file: string,
  started: number,
  details: Pick<StoreCopyReport, 'store' | 'verified' | 'counts' | 'schema'> & { notes?: string[] },
): StoreCopyReport {
  return {
    file,
    bytes: statSync(file).size,
    ms: performance.now() - started,
    notes: [],
    ...details,
  };
}

/**
 * The tables an operator checks a copy by: devices' events, alerts, the time bank's
 * transfers and postings, and the district's people and devices.
 */
export const keyTables = [
  'device_events',
  'alerts',
  'timebank_transfers',
  'timebank_postings',
  'elders',
  'devices',
  'users',
] as const;

/** The table kysely records migrations in: the mark of a hub store. */
export const migrationTable = 'kysely_migration';

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}

/** The report's lines below its headline: verification, schema, row counts, notes. */
export function reportDetails(report: StoreCopyReport): string[] {
  const counts = Object.entries(report.counts)
    .map(([table, rows]) => `${table} ${rows}`)
    .join(', ');
  return [
    `  ${formatBytes(report.bytes)} in ${(report.ms / 1000).toFixed(2)} s; ${report.verified}`,
    `  schema: ${report.schema ?? 'no migrations recorded'}`,
    `  rows: ${counts}`,
    ...report.notes.map((note) => `  ${note}`),
  ];
}
