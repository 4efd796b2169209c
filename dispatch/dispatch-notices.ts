import type { Alert } from '../alerts/alert-model.js';

/** What responders and the console are told as dispatch goes on. */
export type DispatchNotice =
  | { type: 'offer'; responderId: string; offer: OfferView }
  | { type: 'withdrawn'; responderId: string; offerId: string; alertId: string }
  | {
      type: 'escalation';
      alert: Alert;
      orgUnitPath: string;
      to: 'console' | 'family';
      /** The ladder step that escalated; -1 when a task came back (`reason`). */
      step: number;
      /** Why people must act: nobody answered the ladder, or the one who took it will not come. */
      reason?: 'no_answer' | 'checkin_overdue' | 'handed_back';
    }
  | { type: 'task'; responderId: string; task: TaskView }
  | { type: 'task_closed'; responderId: string; alertId: string };

/** An offer as the responder sees it before accepting: what and how far, nobody's name. */
export interface OfferView {
  offer_id: string;
  alert_id: string;
  kind: string;
  severity: string;
  /** Rounded to 100 m: enough to decide, not enough to locate a home. */
  distance_m: number;
  expires_at: number;
}

/** Revealed to the responder who accepts, and only while the task is theirs. */
export interface TaskView {
  alert_id: string;
  kind: string;
  severity: string;
  elder: { id: string; name: string; address: string; lat: number | null; lon: number | null };
  /** Checked in at the door: an app that connects (again, or a second device) shows that, not a check-in. */
  on_site: boolean;
}

export type AcceptResult =
  | { ok: true; task: TaskView }
  | { ok: false; reason: 'not_found' | 'not_pending' | 'taken' | 'busy' };

/** The distance an offer shows: at least 100 m, in steps of 100 m. */
export function offeredDistance(distanceM: number): number {
  return Math.max(100, Math.round(distanceM / 100) * 100);
}
