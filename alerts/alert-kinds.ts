/**
 * Every alert kind in one typed record: its words, who it is about, the severity it is raised
 * with unless its detector grades it, the dispatch ladder, and its group in the reports.
 * A kind missing any of them does not compile. No Node imports: the console reads it too.
 */
import { type Ladder, ladders } from './ladders.js';

export type Severity = 'critical' | 'high' | 'medium' | 'low';
export const reportGroups = ['emergency', 'health', 'safety', 'device'] as const;
export type ReportGroup = (typeof reportGroups)[number];

export interface AlertKindSpec {
  label: { zh: string; en: string };
  /** One active alert per elder (what happens to a person) or per device (what happens to a device). */
  per: 'elder' | 'device';
  severity: Severity;
  /** Who is offered the task, step by step; a critical alert of any kind takes `ladders.critical`. */
  ladder: Ladder;
  reportGroup: ReportGroup;
}

export const alertKindSpecs = {
  fall: {
    label: { zh: '跌倒', en: 'Fall' },
    per: 'elder',
    severity: 'critical',
    ladder: ladders.critical,
    reportGroup: 'emergency',
  },
  sos: {
    label: { zh: '一键呼救', en: 'SOS' },
    per: 'elder',
    severity: 'critical',
    ladder: ladders.critical,
    reportGroup: 'emergency',
  },
  vitals: {
    label: { zh: '体征异常', en: 'Vitals' },
    per: 'elder',
    severity: 'high',
    ladder: ladders.health,
    reportGroup: 'health',
  },
  wandering: {
    label: { zh: '夜间走失', en: 'Wandering' },
    per: 'elder',
    severity: 'high',
    ladder: ladders.local,
    reportGroup: 'safety',
  },
  inactivity: {
    label: { zh: '长时间无活动', en: 'Inactivity' },
    per: 'elder',
    severity: 'medium',
    ladder: ladders.local,
    reportGroup: 'safety',
  },
  // A scheduled check-in the wearer did not answer on the watch (inference/welfare/).
  welfare_check: {
    label: { zh: '问安未回应', en: 'Check-in unanswered' },
    per: 'elder',
    severity: 'medium',
    ladder: ladders.local,
    reportGroup: 'safety',
  },
  device_offline: {
    label: { zh: '设备离线', en: 'Device offline' },
    per: 'device',
    severity: 'medium',
    ladder: ladders.device,
    reportGroup: 'device',
  },
  low_battery: {
    label: { zh: '电量低', en: 'Low battery' },
    per: 'device',
    severity: 'low',
    ladder: ladders.device,
    reportGroup: 'device',
  },
  not_worn: {
    label: { zh: '未佩戴', en: 'Not worn' },
    per: 'device',
    severity: 'low',
    ladder: ladders.device,
    reportGroup: 'device',
  },
} as const satisfies Record<string, AlertKindSpec>;

export type AlertKind = keyof typeof alertKindSpecs;
export const alertKinds = Object.keys(alertKindSpecs) as [AlertKind, ...AlertKind[]];

/** The ladder an alert climbs: its kind's, or the critical one whatever its kind when critical. */
export function ladderFor(kind: AlertKind, severity: Severity): Ladder {
  return severity === 'critical' ? ladders.critical : alertKindSpecs[kind].ladder;
}
