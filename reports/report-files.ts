import { type Cell, csvText, type Sheet, xlsxWorkbook } from '../kernel/xlsx.js';
import type { Language } from '../timebank/statement-files.js';
import type { DistrictReport } from './report-queries.js';
import type { FeedbackCount } from './report-texts.js';
import * as texts from './report-texts.js';

/**
 * A report as spreadsheet tables: one sheet per table in Excel, the same tables one after
 * another (a title row, a header, the rows, a blank line) in CSV. Written for the person who
 * reads it, in their language: org units and volunteers by name (not id), shares as
 * percentages, durations in minutes and seconds, as the console shows them.
 */
export function reportSheets(report: DistrictReport, lang: Language): Sheet[] {
  const share = (value: number | null): Cell => texts.formatShare(value);
  const seconds = (value: number | null): Cell => texts.formatDuration(value, lang);
  const words = lang === 'en' ? texts.en : texts.zh;
  const w = (key: string) => words[`report.${key}` as texts.ReportTextKey];
  const header = (...keys: string[]) => keys.map(w);
  const kindName = (kind: string) => words[`kind.${kind}` as texts.ReportTextKey] ?? kind;
  const serviceName = (kind: string) => report.feedback.kind_names[kind]?.[lang] ?? kind;
  const rating = (value: number | null): Cell => (value === null ? '' : value);
  const time = (t: number) =>
    new Date(t + report.utc_offset_minutes * 60_000).toISOString().slice(0, 16).replace('T', ' ');
  const { feedback } = report;
  const counts = texts.feedbackCountColumns;
  const countCells = (c: FeedbackCount): Cell[] => texts.feedbackCountCells(c, '');
  const levels = report.service_levels;
  const day = (t: number) => new Date(t + report.utc_offset_minutes * 60_000).toISOString().slice(0, 10);
  return [
    {
      name: w('summary'),
      rows: [
        header(
          'orgUnit',
          'from',
          'to',
          'alerts',
          'closed',
          'falseAlarms',
          'falseAlarmShare',
          'services',
          'volunteerMinutes',
        ),
        [
          report.org_unit.name,
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
      name: w('serviceLevels'),
      rows: [
        header('measure', 'value', 'target'),
        [w('ack60'), share(levels.acknowledged_within_60s), share(levels.targets.answered_60s)],
        [w('ack180'), share(levels.acknowledged_within_180s), share(levels.targets.answered_180s)],
        [w('onSite45'), share(levels.on_site_within_45min), ''],
        [w('ackMedian'), seconds(levels.acknowledge.median_s), ''],
        [w('ackP90'), seconds(levels.acknowledge.p90_s), ''],
        [w('acceptMedian'), seconds(levels.accept.median_s), ''],
        [w('acceptP90'), seconds(levels.accept.p90_s), ''],
        [w('arriveMedian'), seconds(levels.arrive.median_s), ''],
        [w('arriveP90'), seconds(levels.arrive.p90_s), ''],
      ],
    },
    {
      name: w('byKind'),
      rows: [
        header('kind', 'alerts', 'closed', 'falseAlarms', 'falseAlarmShare', 'group'),
        ...report.by_kind.map((k) => [
          kindName(k.kind),
          k.alerts,
          k.closed,
          k.false_alarms,
          share(k.false_alarm_share),
          words[`group.${k.group}`],
        ]),
      ],
    },
    {
      name: w('byUnit'),
      rows: [
        header(
          'orgUnit',
          'alerts',
          'falseAlarms',
          'falseAlarmShare',
          'ack60',
          'services',
          'volunteerMinutes',
        ),
        ...report.by_unit.map((u) => [
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
      name: w('byDay'),
      rows: [
        header('day', 'alerts', 'falseAlarms', 'falseAlarmShare'),
        ...report.by_day.map((d) => [d.day, d.alerts, d.false_alarms, share(d.false_alarm_share)]),
      ],
    },
    {
      name: w('volunteerHours'),
      rows: [
        header('volunteer', 'services', 'minutes', 'hours'),
        ...report.volunteers.map((v) => [
          v.name ?? v.volunteer_id,
          v.services,
          v.minutes,
          Math.round((v.minutes / 60) * 100) / 100,
        ]),
      ],
    },
    {
      name: w('feedbackByUnit'),
      rows: [
        header('orgUnit', ...counts, 'eldersServed', 'creditsIssued', 'creditsRedeemed'),
        ...feedback.by_unit.map((u) => [
          u.name,
          ...countCells(u),
          u.elders_served,
          u.credits_issued_minutes,
          u.credits_redeemed_minutes,
        ]),
      ],
    },
    {
      name: w('feedbackByKind'),
      rows: [
        header('kind', ...counts),
        ...feedback.by_kind.map((k) => [serviceName(k.kind), ...countCells(k)]),
      ],
    },
    {
      name: w('feedbackByVolunteer'),
      rows: [
        header('volunteer', 'fulfilled', 'ratings', 'averageRating'),
        ...feedback.by_volunteer.map((v) => [
          v.name ?? v.volunteer_id,
          v.fulfilled,
          v.ratings,
          rating(v.average_rating),
        ]),
      ],
    },
    {
      name: w('complaints'),
      rows: [
        header('kind', 'orgUnit', 'elder', 'volunteer', 'rating', 'comment', 'wantedAt'),
        ...feedback.complaints.map((c) => [
          serviceName(c.kind),
          c.org_unit_name,
          c.elder_name ?? c.elder_id,
          c.volunteer_name ?? c.volunteer_id ?? '',
          c.rating,
          c.comment ?? '',
          time(c.wanted_at),
        ]),
      ],
    },
  ];
}

export function reportCsv(report: DistrictReport, lang: Language): string {
  return csvText(reportSheets(report, lang).flatMap((sheet) => [[sheet.name], ...sheet.rows, []]));
}

export function reportXlsx(report: DistrictReport, lang: Language): Buffer {
  return xlsxWorkbook(reportSheets(report, lang));
}

export function reportFileName(report: DistrictReport, extension: string): string {
  const day = (t: number) => new Date(t + report.utc_offset_minutes * 60_000).toISOString().slice(0, 10);
  const unit = report.org_unit.id.replace(/[^A-Za-z0-9._-]/g, '_');
  return `report-${unit}-${day(report.from)}-${day(report.to - 1)}.${extension}`;
}
