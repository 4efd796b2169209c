import type { Logger } from 'pino';
import type { EventLog, StoredEvent } from '../ingest/event-log.js';
import type { Channel } from '../kernel/channel.js';
import { LoopShare } from '../kernel/loop-share.js';
import type { AlertBook } from './alert-book.js';
import { type AlertKind, alertKindSpecs } from './alert-kinds.js';

/** Device events that open an alert by themselves. Detectors (inference) add the rest. */
const eventAlerts: Record<string, AlertKind> = { sos: 'sos' };

/**
 * Turns stored device events into alerts. At start it first replays events that
 * were stored (and acknowledged) but not yet handled when the hub last stopped.
 */
export interface EventHandler {
  readonly eventTypes: readonly string[];
  /** Resolves once the event's effect is stored. */
  handleEvent(event: StoredEvent): Promise<void>;
}

export class EventAlerts {
  private unsubscribe: (() => void) | undefined;
  /** Events being handled now: the sweep must not hand the same one over twice. */
  private readonly inFlight = new Set<string>();
  private sweepTimer: NodeJS.Timeout | undefined;
  /** An event is handled as it is stored, while the sockets are being read: alerts wait their turn. */
  private readonly turns = new LoopShare();

  constructor(
    private readonly deps: {
      events: Channel<StoredEvent>;
      eventLog: EventLog;
      alerts: AlertBook;
      logger: Logger;
      /** The hub's clock, which stamped `receivedAt` (the district simulator's runs faster than the wall's). */
      now: () => number;
      /** Cluster mode: whether the event's elder is this process's (the others replay theirs). All, when unset. */
      owns?: (event: StoredEvent) => boolean;
    },
  ) {}

  /** Stages that answer some event types themselves (falls, "I'm OK") register here before the start. */
  private readonly handlers: EventHandler[] = [];

  answerWith(handler: EventHandler): void {
    this.handlers.push(handler);
  }

  async start(): Promise<void> {
    this.unsubscribe = this.deps.events.subscribe((event) => this.handle(event));
    await this.replay(Number.POSITIVE_INFINITY);
    // An event whose handling failed (say, the store was briefly locked) is retried, not forgotten.
    this.sweepTimer = setInterval(() => {
      this.replay(this.deps.now() - 5_000).catch((error: unknown) =>
        this.deps.logger.error({ err: error }, 'replaying unhandled events failed'),
      );
    }, 10_000);
    this.sweepTimer.unref();
  }

  stop(): void {
    this.unsubscribe?.();
    clearInterval(this.sweepTimer);
  }

  /**
   * Partitions changed hands (cluster mode): the events of the elders taken over that their last owner
   * stored, or was carrying here, and nobody handled are handled now.
   */
  takeOver(): Promise<void> {
    return this.replay(Number.POSITIVE_INFINITY);
  }

  /** Handles stored events of this process's elders that no alert rule has seen yet, received before `before`. */
  private async replay(before: number): Promise<void> {
    const owns = this.deps.owns ?? (() => true);
    let after: StoredEvent | undefined;
    for (;;) {
      const page = await this.deps.eventLog.unhandled(500, after);
      after = page.at(-1);
      const due = page.filter((e) => e.receivedAt < before && owns(e));
      if (due.length > 0)
        this.deps.logger.info({ count: due.length }, 'handling events stored but not yet handled');
      // Each event once per replay: one that stays unhandled (in flight, or failing) waits for the next.
      for (const event of due) {
        try {
          await this.handle(event);
        } catch (error) {
          // One event that cannot be handled now must not hold back the others (nor the hub's start).
          this.deps.logger.error(
            { err: error, device: event.deviceId, event: event.eventId },
            'handling an event failed; tried again later',
          );
        }
      }
      if (!after || page.length < 500 || after.receivedAt >= before) return;
    }
  }

  async handle(event: StoredEvent): Promise<void> {
    const key = `${event.deviceId}/${event.eventId}`;
    if (this.inFlight.has(key)) return;
    this.inFlight.add(key);
    try {
      await this.turns.share();
      await this.route(event);
    } finally {
      this.inFlight.delete(key);
    }
  }

  private async route(event: StoredEvent): Promise<void> {
    const kind = eventAlerts[event.type];
    if (kind) {
      // For whoever had the device when the event was stored: replayed after a crash, with the watch
      // refitted meanwhile, an SOS must not send help to the next wearer's door. One sent while the
      // device was nobody's (elder null) has nobody to help.
      const raised = await this.deps.alerts.raise({
        kind,
        severity: alertKindSpecs[kind].severity,
        elderId: event.elderId,
        deviceId: event.deviceId,
        event,
        details: {
          event_id: event.eventId,
          event_type: event.type,
          device_ts: event.ts,
          received_at: event.receivedAt,
        },
      });
      if (!raised) {
        this.deps.logger.warn(
          { device: event.deviceId, event: event.eventId },
          'no alert: device has no elder, or event already handled',
        );
      }
      return;
    }
    // Handed over, and marked handled only once the handler has stored what it does with it.
    for (const handler of this.handlers) {
      if (handler.eventTypes.includes(event.type)) await handler.handleEvent(event);
    }
    await this.deps.alerts.markHandled(event);
  }
}
