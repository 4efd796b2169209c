import { io, type Socket } from 'socket.io-client';
import type { Api } from './api';
import { onSessionEnd } from './session-end';
import { liveTransports } from './socket-options';
import { type Alert, activeStatuses } from './types';

export interface Escalation {
  alert: Alert;
  to: 'console' | 'family';
  step: number;
  /** Nobody answered the ladder; or the one who took the task gave it back or did not arrive. */
  reason: 'no_answer' | 'handed_back' | 'checkin_overdue';
}

export interface StoreChange {
  /** Alerts added, changed or closed since the last flush. */
  changed: Set<string>;
  /** Ids seen for the first time (a new alert, not a reload). */
  fresh: Set<string>;
}

/**
 * The alerts of the user's org unit, live: loaded over REST, then kept current by the
 * `/console` socket. Updates are batched and handed to views once per animation frame,
 * so 10 updates a second over 1,000 rows cost one small DOM pass each, never a rebuild.
 */
export class AlertStore {
  readonly alerts = new Map<string, Alert>();
  private readonly listeners = new Set<(change: StoreChange) => void>();
  private readonly escalationListeners = new Set<(e: Escalation) => void>();
  private readonly connectionListeners = new Set<(up: boolean) => void>();
  private pending: StoreChange = { changed: new Set(), fresh: new Set() };
  private scheduled = false;
  private socket: Socket | undefined;
  loaded = false;
  connected = false;
  /** The live feed misses other hub processes' changes now (the list may lag until it is whole again). */
  partial = false;

  constructor(
    private readonly api: Api,
    private readonly token: string,
    /** Closed alerts are kept (the family view lists them); the console drops them. */
    private readonly keepClosed = false,
    /** Called once the hub ends the session (expired, signed out elsewhere, access changed). */
    private readonly sessionEnded: () => void = () => undefined,
  ) {}

  start(): void {
    const socket = io('/console', { auth: { token: this.token }, ...liveTransports });
    socket.on('alert', (alert: Alert) => this.put(alert, !this.alerts.has(alert.id) && this.loaded));
    socket.on('escalation', (e: Escalation) => {
      this.put(e.alert, false);
      for (const listener of this.escalationListeners) listener(e);
    });
    // Every (re)connect reloads: updates missed while away are then in the list.
    socket.on('connect', () => {
      this.setConnected(true);
      void this.reload();
    });
    socket.on('disconnect', () => this.setConnected(false));
    // Cluster mode, Redis away: this hub process hears only its own changes; then all of them again.
    socket.on('feeds', ({ complete }: { complete: boolean }) => {
      this.partial = !complete;
      this.setConnected(socket.connected);
      if (complete) void this.reload();
    });
    onSessionEnd(socket, this.sessionEnded);
    this.socket = socket;
  }

  stop(): void {
    this.socket?.close();
  }

  private async reload(): Promise<void> {
    const lists = this.keepClosed
      ? [await this.api.recentAlerts(200)]
      : await Promise.all(activeStatuses.map((s) => this.api.alerts(s)));
    for (const list of lists) for (const alert of list) this.put(alert, false);
    this.loaded = true;
    this.schedule();
  }

  put(alert: Alert, fresh: boolean): void {
    const known = this.alerts.get(alert.id);
    if (known && known.updated_at > alert.updated_at) return;
    if (!this.keepClosed && !activeStatuses.includes(alert.status)) this.alerts.delete(alert.id);
    else this.alerts.set(alert.id, alert);
    this.pending.changed.add(alert.id);
    if (fresh) this.pending.fresh.add(alert.id);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      const change = this.pending;
      this.pending = { changed: new Set(), fresh: new Set() };
      for (const listener of this.listeners) listener(change);
    });
  }

  private setConnected(up: boolean): void {
    this.connected = up;
    for (const listener of this.connectionListeners) listener(up);
  }

  subscribe(listener: (change: StoreChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onEscalation(listener: (e: Escalation) => void): () => void {
    this.escalationListeners.add(listener);
    return () => this.escalationListeners.delete(listener);
  }

  onConnection(listener: (up: boolean) => void): () => void {
    this.connectionListeners.add(listener);
    return () => this.connectionListeners.delete(listener);
  }
}
