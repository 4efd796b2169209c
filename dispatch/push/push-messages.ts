import { alertKindSpecs } from '../../alerts/alert-kinds.js';
import type { DispatchNotice } from '../dispatch-notices.js';

/**
 * What the service worker shows (console/app/public/sw.js): the words, where a tap goes, and how
 * loudly. Only the alert's kind, severity and distance: never the elder's name or address, which
 * pass through push services the district does not run (encrypted, but kept there until delivered).
 */
export interface PushMessage {
  type: 'offer' | 'withdrawn' | 'task' | 'task_closed';
  title: string;
  body: string;
  /** One notification per offer or task: a later push about it replaces the earlier one. */
  tag: string;
  /** The responder app's page a tap opens. */
  url: string;
  /** Stays until answered, sounds and vibrates again when replaced (where the platform allows). */
  critical: boolean;
  offer_id?: string;
  alert_id: string;
  kind?: string;
  severity?: string;
  distance_m?: number;
  expires_at?: number;
}

type Lang = 'zh' | 'en';
const severities: Record<string, { zh: string; en: string }> = {
  critical: { zh: '紧急', en: 'Critical' },
  high: { zh: '高', en: 'High' },
  medium: { zh: '中', en: 'Medium' },
  low: { zh: '低', en: 'Low' },
};
const words = {
  zh: {
    offer: '新任务',
    distance: (m: number) => `约 ${m} 米，点开接单`,
    withdrawn: '任务已撤回',
    withdrawnBody: '已由他人接单或无需前往',
    task: '任务已指派给您',
    taskBody: '点开查看地址与导航',
    closed: '任务已结束',
    closedBody: '感谢您的帮助',
  },
  en: {
    offer: 'New task',
    distance: (m: number) => `about ${m} m: open to accept`,
    withdrawn: 'Task withdrawn',
    withdrawnBody: 'Someone else took it, or nobody needs to go',
    task: 'A task is yours',
    taskBody: 'Open for the address and the way',
    closed: 'Task closed',
    closedBody: 'Thank you for helping',
  },
};

function kindWord(kind: string, lang: Lang): string {
  return (alertKindSpecs as Record<string, { label: { zh: string; en: string } }>)[kind]?.label[lang] ?? kind;
}

/** A push that only tells (a withdrawal, a closed task): it replaces the one of its tag, quietly. */
function quiet(type: 'withdrawn' | 'task_closed', title: string, body: string, tag: string, alertId: string) {
  return { type, title, body, tag, url: '/', critical: false, alert_id: alertId };
}

/** The push for a dispatch notice to a responder, in their app's language; null for notices no responder is pushed. */
export function pushMessage(notice: DispatchNotice, lang: Lang): PushMessage | null {
  const w = words[lang];
  switch (notice.type) {
    case 'offer': {
      const { offer } = notice;
      const severity = severities[offer.severity]?.[lang] ?? offer.severity;
      return {
        ...offer,
        type: 'offer',
        title: `${w.offer} · ${severity} · ${kindWord(offer.kind, lang)}`,
        body: w.distance(offer.distance_m),
        tag: `offer-${offer.offer_id}`,
        url: `/#/offer/${encodeURIComponent(offer.offer_id)}`,
        critical: true,
      };
    }
    case 'withdrawn':
      return {
        ...quiet('withdrawn', w.withdrawn, w.withdrawnBody, `offer-${notice.offerId}`, notice.alertId),
        offer_id: notice.offerId,
      };
    case 'task':
      // The task view names the elder and the home: the push says only that the task is theirs.
      return {
        type: 'task',
        title: `${w.task} · ${kindWord(notice.task.kind, lang)}`,
        body: w.taskBody,
        tag: `task-${notice.task.alert_id}`,
        url: '/',
        critical: true,
        alert_id: notice.task.alert_id,
        kind: notice.task.kind,
        severity: notice.task.severity,
      };
    case 'task_closed':
      return quiet('task_closed', w.closed, w.closedBody, `task-${notice.alertId}`, notice.alertId);
    default:
      return null;
  }
}
