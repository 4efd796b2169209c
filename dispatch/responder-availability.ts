/**
 * Whether dispatch may ask a responder now, one answer for the ladder, the boards and the assign
 * list alike (they must never disagree): busy with a task, off duty, on duty but with an app that
 * has been disconnected longer than the grace (an offer would reach nobody), or on duty and reachable.
 */
export type Availability = 'busy' | 'off_duty' | 'app_offline' | 'on_duty';

export interface PresenceState {
  onDuty: boolean;
  taskAlertId: string | null;
  /** When the app lost its connection; null while connected, or when it never connected. */
  appOfflineSince: number | null;
}

export function availability(state: PresenceState, now: number, appOfflineGraceMs: number): Availability {
  if (state.taskAlertId !== null) return 'busy';
  if (!state.onDuty) return 'off_duty';
  // There is no push channel (SMS, vendor push) yet: the app's socket is the only way an offer arrives.
  if (state.appOfflineSince !== null && now - state.appOfflineSince >= appOfflineGraceMs)
    return 'app_offline';
  return 'on_duty';
}
