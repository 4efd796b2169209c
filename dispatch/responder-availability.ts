/**
 * Whether dispatch may ask a responder now, one answer for the ladder, the boards and the assign
 * list alike (they must never disagree): busy with a task, off duty, on duty but with an app that
 * has been disconnected longer than the grace and no push subscription (an offer would reach
 * nobody), or on duty and reachable.
 */
export type Availability = 'busy' | 'off_duty' | 'app_offline' | 'on_duty';

export interface PresenceState {
  onDuty: boolean;
  taskAlertId: string | null;
  /** When the app lost its connection; null while connected, or when it never connected. */
  appOfflineSince: number | null;
  /** Holds a Web Push subscription: an offer reaches the phone with the app closed. */
  pushReachable?: boolean;
}

export function availability(state: PresenceState, now: number, appOfflineGraceMs: number): Availability {
  if (state.taskAlertId !== null) return 'busy';
  if (!state.onDuty) return 'off_duty';
  // Without push, the app's socket is the only way an offer arrives.
  if (
    state.appOfflineSince !== null &&
    !state.pushReachable &&
    now - state.appOfflineSince >= appOfflineGraceMs
  )
    return 'app_offline';
  return 'on_duty';
}
