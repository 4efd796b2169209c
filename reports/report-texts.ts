/**
 * The words of the report files and the alert kinds, in both languages. Plain data and the alert
 * kinds' own labels (Node-free), because the console's dictionary spreads it too: a download and
 * the screen agree.
 */
import { type AlertKind, alertKindSpecs, type ReportGroup } from '../alerts/alert-kinds.js';
import { serviceKindLabels } from '../services/api-schemas.js';

type KindKey = `kind.${AlertKind}`;
const kindWords = (lang: 'zh' | 'en') =>
  Object.fromEntries(
    Object.entries(alertKindSpecs).map(([kind, spec]) => [`kind.${kind}`, spec.label[lang]]),
  ) as Record<KindKey, string>;

/** The hub's own service kinds; the menu's kinds are named by the stored list (`kind_names`). */
const serviceWords = (lang: 'zh' | 'en') =>
  Object.fromEntries(
    Object.entries(serviceKindLabels).map(([kind, label]) => [`service.${kind}`, label[lang]]),
  ) as Record<`service.${keyof typeof serviceKindLabels}`, string>;

const groupZh: Record<`group.${ReportGroup}`, string> = {
  'group.emergency': '紧急求助',
  'group.health': '健康',
  'group.safety': '安全',
  'group.device': '设备',
};
const groupEn: Record<`group.${ReportGroup}`, string> = {
  'group.emergency': 'emergencies',
  'group.health': 'health',
  'group.safety': 'safety',
  'group.device': 'devices',
};

export const zh = {
  ...kindWords('zh'),
  ...serviceWords('zh'),
  ...groupZh,
  'report.summary': '汇总',
  'report.serviceLevels': '服务水平',
  'report.byKind': '各类告警',
  'report.byUnit': '各单位',
  'report.byDay': '每日告警',
  'report.volunteerHours': '志愿服务时长',
  'report.orgUnit': '单位',
  'report.from': '开始',
  'report.to': '结束',
  'report.alerts': '告警',
  'report.closed': '已结案',
  'report.falseAlarms': '误报',
  'report.falseAlarmShare': '误报率',
  'report.services': '服务次数',
  'report.volunteerMinutes': '志愿服务分钟',
  'report.measure': '指标',
  'report.value': '数值',
  'report.target': '目标',
  'report.ack60': '60 秒内确认',
  'report.ack180': '180 秒内确认',
  'report.onSite45': '45 分钟内到场',
  'report.ackMedian': '确认用时中位数',
  'report.ackP90': '确认用时 P90',
  'report.acceptMedian': '接单用时中位数',
  'report.acceptP90': '接单用时 P90',
  'report.arriveMedian': '到场用时中位数',
  'report.arriveP90': '到场用时 P90',
  'report.kind': '类型',
  'report.group': '分组',
  'report.day': '日期',
  'report.volunteer': '志愿者',
  'report.minutes': '分钟',
  'report.hours': '小时',
  'report.feedback': '服务评价',
  'report.feedbackByUnit': '各单位服务评价',
  'report.feedbackByKind': '各类服务',
  'report.feedbackByVolunteer': '志愿者评价',
  'report.complaints': '投诉',
  'report.requested': '需求数',
  'report.fulfilled': '已完成',
  'report.cancelled': '已取消',
  'report.unmet': '未满足',
  'report.pending': '待服务',
  'report.fulfilledShare': '完成率',
  'report.ratings': '评价数',
  'report.averageRating': '平均评分',
  'report.eldersServed': '服务老人数',
  'report.creditsIssued': '发放时间币（分钟）',
  'report.creditsRedeemed': '兑换时间币（分钟）',
  'report.rating': '评分',
  'report.comment': '评价内容',
  'report.elder': '老人',
  'report.wantedAt': '需求时间',
  'report.order': '服务单',
};

export type ReportTextKey = keyof typeof zh;

export const en: Record<ReportTextKey, string> = {
  ...kindWords('en'),
  ...serviceWords('en'),
  ...groupEn,
  'report.summary': 'summary',
  'report.serviceLevels': 'service levels',
  'report.byKind': 'alerts by kind',
  'report.byUnit': 'by org unit',
  'report.byDay': 'by day',
  'report.volunteerHours': 'volunteer hours',
  'report.orgUnit': 'org unit',
  'report.from': 'from',
  'report.to': 'to',
  'report.alerts': 'alerts',
  'report.closed': 'closed',
  'report.falseAlarms': 'false alarms',
  'report.falseAlarmShare': 'false alarm share',
  'report.services': 'services',
  'report.volunteerMinutes': 'volunteer minutes',
  'report.measure': 'measure',
  'report.value': 'value',
  'report.target': 'target',
  'report.ack60': 'acknowledged within 60 s',
  'report.ack180': 'acknowledged within 180 s',
  'report.onSite45': 'on site within 45 min',
  'report.ackMedian': 'acknowledge median',
  'report.ackP90': 'acknowledge p90',
  'report.acceptMedian': 'accept median',
  'report.acceptP90': 'accept p90',
  'report.arriveMedian': 'arrive median',
  'report.arriveP90': 'arrive p90',
  'report.kind': 'kind',
  'report.group': 'group',
  'report.day': 'day',
  'report.volunteer': 'volunteer',
  'report.minutes': 'minutes',
  'report.hours': 'hours',
  'report.feedback': 'service feedback',
  'report.feedbackByUnit': 'service feedback by org unit',
  'report.feedbackByKind': 'services by kind',
  'report.feedbackByVolunteer': 'ratings by volunteer',
  'report.complaints': 'complaints',
  'report.requested': 'requested',
  'report.fulfilled': 'fulfilled',
  'report.cancelled': 'cancelled',
  'report.unmet': 'unmet',
  'report.pending': 'pending',
  'report.fulfilledShare': 'fulfilled share',
  'report.ratings': 'ratings',
  'report.averageRating': 'average rating',
  'report.eldersServed': 'elders served',
  'report.creditsIssued': 'credits issued (min)',
  'report.creditsRedeemed': 'credits redeemed (min)',
  'report.rating': 'rating',
  'report.comment': 'comment',
  'report.elder': 'elder',
  'report.wantedAt': 'wanted for',
  'report.order': 'order',
};

/* The feedback counts live here (Node-free) because the console formats them as the files do. */
/** How the service requests of a period went, and what the people served thought of them. */
export interface FeedbackCount {
  requested: number;
  /** Done, rated or certified. */
  fulfilled: number;
  cancelled: number;
  /** Still open although the time it was wanted for lies before the period's end. */
  unmet: number;
  /** Open and wanted after the period's end: not late yet. */
  pending: number;
  /** fulfilled / (fulfilled + cancelled + unmet); null when none of those. */
  fulfilled_share: number | null;
  ratings: number;
  /** Mean of the 1–5 ratings; null when none. */
  average_rating: number | null;
}

/** The columns of a feedback count (report.<key> names each), on screen and in the files alike. */
export const feedbackCountColumns = [
  'requested',
  'fulfilled',
  'cancelled',
  'unmet',
  'pending',
  'fulfilledShare',
  'ratings',
  'averageRating',
];

/** A feedback count's cells under `feedbackCountColumns`; `empty` where there is no share or rating. */
export function feedbackCountCells(c: FeedbackCount, empty: string): Array<string | number> {
  return [
    c.requested,
    c.fulfilled,
    c.cancelled,
    c.unmet,
    c.pending,
    formatShare(c.fulfilled_share, empty),
    c.ratings,
    c.average_rating ?? empty,
  ];
}

/** A share as a percentage with one decimal ("33.3%"); `empty` when there is none. */
export function formatShare(value: number | null, empty = ''): string {
  return value === null ? empty : `${(value * 100).toFixed(1)}%`;
}

const durationUnits = {
  zh: { h: '小时', min: '分', s: '秒' },
  en: { h: 'h', min: 'min', s: 's' },
};

/**
 * A duration in the reader's words, to the second under an hour and to the minute above:
 * "2 分 43 秒", "1 小时 5 分", "45 s". `empty` when there is none.
 */
export function formatDuration(seconds: number | null, lang: 'zh' | 'en', empty = ''): string {
  if (seconds === null) return empty;
  const u = durationUnits[lang];
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole} ${u.s}`;
  if (whole < 3600) {
    const s = whole % 60;
    return `${Math.floor(whole / 60)} ${u.min}${s ? ` ${s} ${u.s}` : ''}`;
  }
  const minutes = Math.round(whole / 60);
  const m = minutes % 60;
  return `${Math.floor(minutes / 60)} ${u.h}${m ? ` ${m} ${u.min}` : ''}`;
}
