import { type Cell, csvText, type Sheet, xlsxWorkbook } from '../timebank/xlsx.js';
import type { DistrictReport } from './report-queries.js';

const share = (value: number | null): Cell => (value === null ? '' : Math.round(value * 10_000) / 10_000);
const seconds = (value: number | null): Cell => (value === null ? '' : value);

/**
 * A report as spreadsheet tables: one sheet per table in Excel, the same tables one after
 * another (a title row, a header, the rows, a blank line) in CSV. Headers are English.
 */
export function reportSheets(report: DistrictReport): Sheet[] {
  const levels = report.service_levels;
  const day = (t: number) => new Date(t + report.utc_offset_minutes * 60_000).toISOString().slice(0, 10);
  return [
    {
      name: 'summary',
      rows: [
        [
          'org unit',
          'from',
          'to',
          'alerts',
          'closed',
          'false alarms',
          'false alarm share',
          'services',
          'volunteer minutes',
        ],
        [
          report.org_unit.id,
          day(report.from),
          day(report.to - 1),
          report.totals.alerts,
          report.totals.closed,
          report.totals.false_alarms,
          share(report.totals.false_alarm_share),
          report.totals.services,
          report.totals.volunteer_minutes,
        ],
      ],
    },
    {
      name: 'service levels',
      rows: [
        ['measure', 'value', 'target'],
        ['acknowledged within 60 s', share(levels.acknowledged_within_60s), levels.targets.answered_60s],
        ['acknowledged within 180 s', share(levels.acknowledged_within_180s), levels.targets.answered_180s],
        ['on site within 45 min', share(levels.on_site_within_45min), ''],
        ['acknowledge median s', seconds(levels.acknowledge.median_s), ''],
        ['acknowledge p90 s', seconds(levels.acknowledge.p90_s), ''],
        ['accept median s', seconds(levels.accept.median_s), ''],
        ['accept p90 s', seconds(levels.accept.p90_s), ''],
        ['arrive median s', seconds(levels.arrive.median_s), ''],
        ['arrive p90 s', seconds(levels.arrive.p90_s), ''],
      ],
    },
    {
      name: 'alerts by kind',
      rows: [
        ['kind', 'alerts', 'closed', 'false alarms', 'false alarm share'],
        ...report.by_kind.map((k) => [
          k.kind,
          k.alerts,
          k.closed,
          k.false_alarms,
          share(k.false_alarm_share),
        ]),
      ],
    },
    {
      name: 'by org unit',
      rows: [
        [
          'org unit',
          'name',
          'alerts',
          'false alarms',
          'false alarm share',
          'acknowledged within 60 s',
          'services',
          'volunteer minutes',
        ],
        ...report.by_unit.map((u) => [
          u.org_unit_id,
          u.name,
          u.alerts,
          u.false_alarms,
          share(u.false_alarm_share),
          share(u.acknowledged_within_60s),
          u.services,
          u.volunteer_minutes,
        ]),
      ],
    },
    {
      name: 'by day',
      rows: [
        ['day', 'alerts', 'false alarms', 'false alarm share'],
        ...report.by_day.map((d) => [d.day, d.alerts, d.false_alarms, share(d.false_alarm_share)]),
      ],
    },
    {
      name: 'volunteer hours',
      rows: [
        ['volunteer', 'name', 'services', 'minutes', 'hours'],
        ...report.volunteers.map((v) => [
          v.volunteer_id,
          v.name ?? '',
          v.services,
          v.minutes,
          Math.round((v.minutes / 60) * 100) / 100,
        ]),
      ],
    },
  ];
}

export function reportCsv(report: DistrictReport): string {
  return csvText(reportSheets(report).flatMap((sheet) => [[sheet.name], ...sheet.rows, []]));
}

export function reportXlsx(report: DistrictReport): Buffer {
  return xlsxWorkbook(reportSheets(report));
}

export function reportFileName(report: DistrictReport, extension: string): string {
  const day = (t: number) => new Date(t + report.utc_offset_minutes * 60_000).toISOString().slice(0, 10);
  const unit = report.org_unit.id.replace(/[^A-Za-z0-9._-]/g, '_');
  return `report-${unit}-${day(report.from)}-${day(report.to - 1)}.${extension}`;
}
