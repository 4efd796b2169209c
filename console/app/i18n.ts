import { fillIn } from '../../kernel/coded-text';
import * as reportFiles from '../../reports/report-texts';
import { districtWallClock } from './district-time';
import { serviceKindName } from './service-kind-names';
import * as careRecord from './texts/care-record';
import * as careSettings from './texts/care-settings';
import * as notes from './texts/notes';
import * as orders from './texts/orders';
import * as push from './texts/push';
import * as reports from './texts/reports';
import * as serviceKinds from './texts/service-kinds';
import * as timebank from './texts/timebank';
import * as volunteer from './texts/volunteer';
import * as volunteers from './texts/volunteers';
import * as welfare from './texts/welfare';

/** Every string the app shows, in Simplified Chinese (the default) and English; larger screens keep theirs in texts/. */
const coreZh = {
  appTitle: '颐养 · 服务台',
  responderTitle: '颐养 · 响应者',
  familyTitle: '颐养 · 家属',
  otherLanguage: 'English',
  username: '用户名',
  password: '密码',
  signIn: '登录',
  signOut: '退出',
  badLogin: '用户名或密码错误',
  loginLocked: '登录失败次数过多，请 {min} 分钟后再试',
  sessionEnded: '登录已失效，请重新登录',
  networkError: '网络错误，请重试',
  loading: '加载中…',
  nav: '主导航',
  skipToMain: '跳到主要内容',
  amap: '高德地图',
  navQueue: '告警队列',
  navMap: '地图',
  navDevices: '设备',
  navResponders: '响应者',
  enableAlerts: '开启提醒',
  alertsEnabled: '提醒已开启',
  connected: '实时连接',
  disconnected: '连接中断，正在重连…',
  feedsPartial: '实时更新不完整：其他服务进程的变化暂时收不到，列表可能滞后',
  // the alert queue
  queueTitle: '待处理告警',
  queueCount: '共 {n} 条，未确认 {u} 条',
  severity: '级别',
  kind: '类型',
  elder: '老人',
  place: '社区 · 住址',
  yearsOld: '{n} 岁',
  age: '已过',
  status: '状态',
  acknowledged: '已确认',
  notAcknowledged: '未确认',
  noAlerts: '暂无待处理告警',
  newCritical: '新的紧急告警',
  newCriticalToast: '新的紧急告警：{body}',
  escalated: '无人接单，已升级：{kind}（{elder}）',
  taskReturned: '接单人无法到场，重新派单：{kind}（{elder}）',
  // alert detail
  back: '返回队列',
  profile: '老人信息',
  address: '地址',
  devicesHealth: '设备状态',
  evidence: '数据（告警前 6 小时）',
  noVitals: '告警前 6 小时无体征数据',
  details: '详情',
  timeline: '处置记录',
  actions: '操作',
  acknowledge: '确认收到',
  assign: '指派',
  assignTo: '指派给',
  assignNamed: '指派给 {name}',
  assignee: '当前接单人',
  chooseResponder: '请选择响应者',
  chooseResponderFirst: '请先选择要指派的响应者',
  assignedDone: '已指派给 {name}',
  acknowledgedDone: '已确认收到',
  noteEmpty: '备注为空，请先填写',
  noteAdded: '备注已添加',
  chooseOutcome: '请选择结案结果',
  chooseOutcomeFirst: '请先选择结案结果',
  resolveQuestion: '确定以「{outcome}」结案？结案后无法撤回。',
  confirmResolve: '确认结案',
  cancel: '取消',
  resolvedDone: '已结案：{outcome}',
  note: '备注',
  addNote: '添加备注',
  resolve: '结案',
  outcome: '结果',
  coming: '正在赶来',
  comingOnSite: '现场人员',
  comingDone: '处置人员',
  nobodyComing: '尚无人接单',
  away: '距离约 {m} 米',
  arrived: '已到场',
  metres: '{m} 米',
  chartItem: '{name}：{values}',
  chartValueSeparator: '，',
  chartItemSeparator: '；',
  chartNoData: '无数据',
  vitalsChart: '{from} 至 {to} 的生命体征，告警于 {at}：{series}',
  perMinute: '{n} 次/分',
  actor: '操作人',
  done: '操作成功',
  failed: '操作失败：{reason}',
  // map
  mapTitle: '辖区地图',
  homes: '住户',
  openAlerts: '待处理告警',
  respondersOnDuty: '在岗响应者',
  respondersOnDutyFree: '在岗响应者（空闲）',
  respondersOff: '未在岗',
  mapNote: '示意投影（无需联网）',
  mapTilesNote: '底图来自配置的瓦片服务',
  // boards
  devicesTitle: '设备看板',
  all: '全部',
  offline: '离线',
  online: '在线',
  lowBattery: '电量低',
  notWornBoard: '未佩戴',
  device: '设备',
  type: '类型',
  battery: '电量',
  worn: '佩戴',
  lastSeen: '最后上报',
  yes: '是',
  no: '否',
  never: '从未',
  respondersTitle: '响应者看板',
  name: '姓名',
  skills: '技能',
  onDuty: '在岗',
  offDuty: '离岗',
  busy: '执行任务中',
  appOffline: 'App 离线',
  reachable: '状态',
  free: '空闲',
  location: '位置',
  // the responder app
  dutyOn: '上岗',
  dutyOff: '下岗',
  youAreOn: '您在岗，可以接收任务',
  youAreOff: '您已离岗，不会收到任务',
  dutyLoading: '正在读取在岗状态…',
  locating: '正在获取定位…',
  shareLocation: '共享我的位置',
  sharingLocation: '正在共享位置',
  manualLocation: '手动输入位置',
  manualLocationHint: '可粘贴地图应用复制的“纬度, 经度”，或输入度分秒（如 22°33′11″北）',
  badLatitude: '纬度无效：应为 -90 到 90 之间的度数',
  badLongitude: '经度无效：应为 -180 到 180 之间的度数',
  latitude: '纬度',
  longitude: '经度',
  send: '发送',
  locationSent: '位置已更新',
  noGeolocation: '无法获取定位，请手动输入',
  offers: '新任务',
  noOffers: '暂无任务，请保持在岗',
  distance: '约 {m} 米',
  expiresIn: '{s} 秒内有效',
  accept: '接受',
  decline: '拒绝',
  taken: '已被他人接单',
  notPending: '任务已失效',
  busyReason: '您已有任务',
  task: '当前任务',
  navigate: '导航前往',
  checkIn: '到达签到',
  handBack: '无法前往，退回任务',
  handBackConfirm: '确定退回这个任务？系统会马上重新派单。',
  handedBack: '已退回任务，正在重新派单',
  checkedIn: '已签到',
  tooFar: '距离住户还有 {m} 米，请到达后签到',
  taskClosed: '任务已结束，谢谢您！',
  // family
  familyIntro: '您家人的设备与告警',
  recentAlerts: '最近告警',
  noAccess: '暂无权限查看',
  // enums
  'severity.critical': '紧急',
  'severity.high': '高',
  'severity.medium': '中',
  'severity.low': '低',
  'status.open': '待响应',
  'status.assigned': '已派单',
  'status.on_site': '已到场',
  'status.resolved': '已处理',
  'status.cancelled': '已取消',
  'outcome.real_emergency': '真实紧急情况',
  'outcome.false_alarm': '误报',
  'outcome.hospital_transfer': '转送医院',
  'outcome.not_home': '不在家',
  'outcome.help_given': '已提供帮助',
  'outcome.device_fixed': '设备已修复',
  'outcome.other': '其他',
  'outcome.wearer_ok': '佩戴者按下“我没事”',
  'outcome.radar_upright': '雷达见已起身',
  'responder.volunteer': '志愿者',
  'responder.staff': '工作人员',
  'skill.first_aid': '急救',
  'skill.nursing': '护理',
  'skill.visiting': '探访',
  elapsedSeconds: '{n} 秒',
  elapsedMinutes: '{n} 分钟',
  timeAgo: '{time}前',
  elapsedHours: '{n} 小时',
};

const coreEn: Record<keyof typeof coreZh, string> = {
  appTitle: 'Yiyang · Console',
  responderTitle: 'Yiyang · Responder',
  familyTitle: 'Yiyang · Family',
  otherLanguage: '中文',
  username: 'Username',
  password: 'Password',
  signIn: 'Sign in',
  signOut: 'Sign out',
  badLogin: 'Wrong username or password',
  loginLocked: 'Too many failed sign-ins; try again in {min} min',
  sessionEnded: 'Your session ended; please sign in again',
  networkError: 'Network error, please retry',
  loading: 'Loading…',
  nav: 'Main navigation',
  skipToMain: 'Skip to main content',
  amap: 'Amap',
  navQueue: 'Alert queue',
  navMap: 'Map',
  navDevices: 'Devices',
  navResponders: 'Responders',
  enableAlerts: 'Enable alerts',
  alertsEnabled: 'Alerts on',
  connected: 'Live',
  disconnected: 'Disconnected, reconnecting…',
  feedsPartial:
    'Live updates incomplete: changes on other hub processes are not reaching this one; the list may lag',
  queueTitle: 'Open alerts',
  queueCount: '{n} in all, {u} unacknowledged',
  severity: 'Severity',
  kind: 'Kind',
  elder: 'Elder',
  place: 'Community · address',
  yearsOld: 'aged {n}',
  age: 'Waiting',
  status: 'Status',
  acknowledged: 'Acknowledged',
  notAcknowledged: 'Not acknowledged',
  noAlerts: 'No open alerts',
  newCritical: 'New critical alert',
  newCriticalToast: 'New critical alert: {body}',
  escalated: 'Nobody accepted, escalated: {kind} ({elder})',
  taskReturned: 'The responder will not arrive, dispatching again: {kind} ({elder})',
  back: 'Back to the queue',
  profile: 'Profile',
  address: 'Address',
  devicesHealth: 'Devices',
  evidence: 'Evidence (6 h before the alert)',
  noVitals: 'No vitals in the 6 hours before the alert',
  details: 'Details',
  timeline: 'Timeline',
  actions: 'Actions',
  acknowledge: 'Acknowledge',
  assign: 'Assign',
  assignTo: 'Assign to',
  assignNamed: 'Assign to {name}',
  assignee: 'current assignee',
  chooseResponder: 'Choose a responder',
  chooseResponderFirst: 'Choose whom to assign first',
  assignedDone: 'Assigned to {name}',
  acknowledgedDone: 'Acknowledged',
  noteEmpty: 'The note is empty: write it first',
  noteAdded: 'Note added',
  chooseOutcome: 'Choose the outcome',
  chooseOutcomeFirst: 'Choose the outcome first',
  resolveQuestion: 'Close the alert as “{outcome}”? This cannot be undone.',
  confirmResolve: 'Close the alert',
  cancel: 'Cancel',
  resolvedDone: 'Closed: {outcome}',
  note: 'Note',
  addNote: 'Add note',
  resolve: 'Resolve',
  outcome: 'Outcome',
  coming: 'On the way',
  comingOnSite: 'On site',
  comingDone: 'Handled by',
  nobodyComing: 'Nobody has accepted yet',
  away: 'about {m} m away',
  arrived: 'On site',
  metres: '{m} m',
  chartItem: '{name}: {values}',
  chartValueSeparator: ', ',
  chartItemSeparator: '; ',
  chartNoData: 'no data',
  vitalsChart: 'Vital signs from {from} to {to}, the alert opened at {at}: {series}',
  perMinute: '{n}/min',
  actor: 'By',
  done: 'Done',
  failed: 'Failed: {reason}',
  mapTitle: 'District map',
  homes: 'Homes',
  openAlerts: 'Open alerts',
  respondersOnDuty: 'Responders on duty',
  respondersOnDutyFree: 'Responders on duty (free)',
  respondersOff: 'Off duty',
  mapNote: 'Plain projection (works offline)',
  mapTilesNote: 'Base map from the configured tile server',
  devicesTitle: 'Device board',
  all: 'All',
  offline: 'Offline',
  online: 'Online',
  lowBattery: 'Low battery',
  notWornBoard: 'Not worn',
  device: 'Device',
  type: 'Type',
  battery: 'Battery',
  worn: 'Worn',
  lastSeen: 'Last seen',
  yes: 'Yes',
  no: 'No',
  never: 'Never',
  respondersTitle: 'Responder board',
  name: 'Name',
  skills: 'Skills',
  onDuty: 'On duty',
  offDuty: 'Off duty',
  busy: 'On a task',
  appOffline: 'App offline',
  reachable: 'State',
  free: 'Free',
  location: 'Location',
  dutyOn: 'Go on duty',
  dutyOff: 'Go off duty',
  youAreOn: 'You are on duty and can receive tasks',
  youAreOff: 'You are off duty: no tasks will come',
  dutyLoading: 'Reading your duty state…',
  locating: 'Finding your position…',
  shareLocation: 'Share my location',
  sharingLocation: 'Sharing location',
  manualLocation: 'Enter location by hand',
  manualLocationHint:
    'Paste “latitude, longitude” as a map app copies it, or type degrees, minutes and seconds (22°33′11″N)',
  badLatitude: 'Invalid latitude: degrees between -90 and 90',
  badLongitude: 'Invalid longitude: degrees between -180 and 180',
  latitude: 'Latitude',
  longitude: 'Longitude',
  send: 'Send',
  locationSent: 'Location updated',
  noGeolocation: 'No position available: enter it by hand',
  offers: 'New tasks',
  noOffers: 'No tasks yet: stay on duty',
  distance: 'about {m} m',
  expiresIn: 'valid for {s} s',
  accept: 'Accept',
  decline: 'Decline',
  taken: 'Someone else took it',
  notPending: 'The offer is no longer valid',
  busyReason: 'You already have a task',
  task: 'Current task',
  navigate: 'Navigate',
  checkIn: 'Check in on arrival',
  handBack: 'Cannot go: give the task back',
  handBackConfirm: 'Give this task back? It is dispatched again at once.',
  handedBack: 'Task given back; dispatching again',
  checkedIn: 'Checked in',
  tooFar: 'Still {m} m from the home: check in when you arrive',
  taskClosed: 'The task is closed. Thank you!',
  familyIntro: "Your family member's devices and alerts",
  recentAlerts: 'Recent alerts',
  noAccess: 'Not available to you',
  'severity.critical': 'Critical',
  'severity.high': 'High',
  'severity.medium': 'Medium',
  'severity.low': 'Low',
  'status.open': 'Open',
  'status.assigned': 'Assigned',
  'status.on_site': 'On site',
  'status.resolved': 'Resolved',
  'status.cancelled': 'Cancelled',
  'outcome.real_emergency': 'Real emergency',
  'outcome.false_alarm': 'False alarm',
  'outcome.hospital_transfer': 'Hospital transfer',
  'outcome.not_home': 'Not at home',
  'outcome.help_given': 'Help given',
  'outcome.device_fixed': 'Device fixed',
  'outcome.other': 'Other',
  'outcome.wearer_ok': '"I\'m OK" pressed',
  'outcome.radar_upright': 'Radar saw them up',
  'responder.volunteer': 'Volunteer',
  'responder.staff': 'Staff',
  'skill.first_aid': 'First aid',
  'skill.nursing': 'Nursing',
  'skill.visiting': 'Visiting',
  elapsedSeconds: '{n} s',
  elapsedMinutes: '{n} min',
  timeAgo: '{time} ago',
  elapsedHours: '{n} h',
};

// Alert kinds (and the report files' words) come from the hub's, as its report downloads use them.
const zhParts = [
  coreZh,
  reportFiles.zh,
  notes.zh,
  timebank.zh,
  orders.zh,
  reports.zh,
  careRecord.zh,
  careSettings.zh,
  welfare.zh,
  volunteers.zh,
  serviceKinds.zh,
  volunteer.zh,
  push.zh,
];

/**
 * Keys defined by more than one of the dictionaries joined below: the later one silently replaces
 * the earlier, so one screen's text shows on another (the phone's offline notice once stood on the
 * device board as the word "offline"). Checked by a test ([I18N-KEYS-ONCE]).
 */
export function textKeysDefinedTwice(parts: ReadonlyArray<Record<string, string>> = zhParts): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const part of parts)
    for (const key of Object.keys(part)) {
      if (seen.has(key)) twice.add(key);
      seen.add(key);
    }
  return [...twice];
}

const zh = {
  ...coreZh,
  ...reportFiles.zh,
  ...notes.zh,
  ...timebank.zh,
  ...orders.zh,
  ...reports.zh,
  ...careRecord.zh,
  ...careSettings.zh,
  ...welfare.zh,
  ...volunteers.zh,
  ...serviceKinds.zh,
  ...volunteer.zh,
  ...push.zh,
};
const en: Record<TextKey, string> = {
  ...coreEn,
  ...reportFiles.en,
  ...notes.en,
  ...timebank.en,
  ...orders.en,
  ...reports.en,
  ...careRecord.en,
  ...careSettings.en,
  ...welfare.en,
  ...volunteers.en,
  ...serviceKinds.en,
  ...volunteer.en,
  ...push.en,
};
export type TextKey = keyof typeof zh;

export type Language = 'zh' | 'en';
const dictionaries: Record<Language, Record<TextKey, string>> = { zh, en };
const listeners = new Set<() => void>();

let language: Language = localStorage.getItem('lang') === 'en' ? 'en' : 'zh';

export const currentLanguage = (): Language => language;
export const locale = (): string => (language === 'zh' ? 'zh-CN' : 'en-GB');

/** A string of the dictionary, `{name}` placeholders filled in. */
export function t(key: TextKey, values: Record<string, string | number> = {}): string {
  return fillIn(dictionaries[language][key] ?? key, values);
}

type Words = { zh: string; en: string };
/** Device types' and measurements' words, from the hub's catalog (`/console/config`). */
const deviceWords = new Map<string, Words>();
const metricWords = new Map<string, Words>();

export function learnDeviceTypes(
  types: ReadonlyArray<{
    name: string;
    label: Words;
    metrics: ReadonlyArray<{ field: string; label: Words }>;
  }>,
): void {
  for (const type of types) {
    deviceWords.set(type.name, type.label);
    for (const metric of type.metrics) metricWords.set(metric.field, metric.label);
  }
}

/** What a measurement (`heart_rate`…) is called, as the device catalog words it. */
export function metricName(field: string): string {
  return metricWords.get(field)?.[language] ?? field;
}

/** An enum value (kind, status…) through the dictionary; unknown values show as they are. */
export function term(
  group:
    | 'severity'
    | 'kind'
    | 'status'
    | 'outcome'
    | 'device'
    | 'responder'
    | 'skill'
    | 'ageGroup'
    | 'credit'
    | 'escalateTo'
    | 'actor'
    | 'service'
    | 'orderStatus'
    | 'account'
    | 'transfer',
  value: string,
): string {
  if (group === 'device') return deviceWords.get(value)?.[language] ?? value;
  const named = group === 'service' ? serviceKindName(value, language) : undefined;
  if (named) return named;
  const key = `${group}.${value}` as TextKey;
  return key in zh ? t(key) : value;
}

export function setLanguage(next: Language): void {
  language = next;
  localStorage.setItem('lang', next);
  document.documentElement.lang = locale();
  for (const listener of listeners) listener();
}

export function onLanguageChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** "12 s", "3 min", "2 h": how long something has lasted (an alert's wait). */
export function elapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return t('elapsedSeconds', { n: s });
  if (s < 3600) return t('elapsedMinutes', { n: Math.floor(s / 60) });
  return t('elapsedHours', { n: Math.floor(s / 3600) });
}

/** "3 min ago": when a device or a responder was last heard of. */
export const ago = (ms: number): string => t('timeAgo', { time: elapsed(ms) });

/** A moment as the district's clock shows it, whatever the browser's zone. */
export const formatTime = (at: number): string =>
  districtWallClock(at).toLocaleString(locale(), { hour12: false, timeZone: 'UTC' });

/** The district's time of day alone ("14:05"), for labels inside a chart. */
export const formatClock = (at: number): string =>
  districtWallClock(at).toLocaleTimeString(locale(), {
    hour12: false,
    hour: '2-digit',
    minute: '2-digit',
    timeZone: 'UTC',
  });
