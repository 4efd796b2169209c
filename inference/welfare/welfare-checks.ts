import type { Logger } from 'pino';
import type { AlertBook } from '../../alerts/alert-book.js';
import type { EventHandler } from '../../alerts/event-alerts.js';
import type { StoredEvent } from '../../ingest/event-log.js';
import type { DistrictDirectory } from '../../registry/district-directory.js';
import { notifiedDevice } from '../../registry/wearer-device.js';
import type { WelfareOccurrenceTable } from '../../store/schema.js';
import type { WelfareBook } from './welfare-book.js';

export interface WelfareRules {
  /** Local time of the schedules: the hub's UTC offset (China: +480, no daylight saving). */
  utcOffsetMinutes: number;
  /** A check-in whose time passed while the hub was down is still sent this late, the same local day. */
  lateSendMinutes: number;
  tickMs: number;
}

export const defaultWelfareRules: Omit<WelfareRules, 'utcOffsetMinutes'> = {
  lateSendMinutes: 120,
  tickMs: 5000,
};

/** Sends a command to a device with the given `command_id`. */
export type SendCommand = (
  deviceId: string,
  command: { command: string; [field: string]: unknown },
  commandId: string,
) => Promise<unknown>;

const dayMs = 86_400_000;

/**
 * Welfare checks and medication reminders through the watch. At each schedule's local time the
 * elder's watch gets a `notify` whose `command_id` is the occurrence's id; the wearer's
 * `command_ack` (handed over by the event alerts, live and replayed after a crash) acknowledges it.
 * Unanswered by the deadline it is missed, and a missed check-in raises one `welfare_check` alert.
 * Everything it has to do next is in the store, so a restart picks up where it stopped.
 */
export class WelfareChecks implements EventHandler {
  readonly eventTypes = ['command_ack'] as const;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;

  constructor(
    private readonly deps: {
      book: WelfareBook;
      alerts: AlertBook;
      district: DistrictDirectory;
      send: SendCommand;
      now: () => number;
      logger: Logger;
      rules: WelfareRules;
      /** Cluster mode: the schedules of this process's elders only (each sent once, by one). All, when unset. */
      owns?: (elderId: string) => boolean;
    },
  ) {}

  /**
   * Started after the event alerts have replayed stored events: an answer stored before a restart
   * is counted before any deadline is checked. The first tick comes `tickMs` later.
   */
  start(): void {
    this.timer = setInterval(() => void this.tick(), this.deps.rules.tickMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Sends what is due, then closes what is overdue; one at a time. Public for tests with a set clock. */
  tick(): Promise<void> {
    this.running ??= this.step()
      .catch((error: unknown) => this.deps.logger.error({ err: error }, 'welfare tick failed; retried'))
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  async handleEvent(event: StoredEvent): Promise<void> {
    const commandId = event.data.command_id;
    if (typeof commandId !== 'string') return;
    await this.deps.book.acknowledge(commandId, event.deviceId, event.receivedAt);
  }

  private async step(): Promise<void> {
    const { book, now, rules } = this.deps;
    const at = now();
    const local = at + rules.utcOffsetMinutes * 60_000;
    const day = new Date(local).toISOString().slice(0, 10);
    const midnight = Math.floor(local / dayMs) * dayMs - rules.utcOffsetMinutes * 60_000;
    const minute = Math.floor((at - midnight) / 60_000);
    for (const schedule of await book.due(day, minute - rules.lateSendMinutes, minute)) {
      if (!this.owns(schedule.elder_id)) continue;
      const dueAt = midnight + schedule.minute_of_day * 60_000;
      // A time set after it had passed today begins tomorrow.
      if (dueAt < schedule.updated_at) continue;
      await book.claim({ schedule, day, dueAt }, notifiedDevice(this.deps.district, schedule.elder_id), at);
    }
    for (const row of await book.unsent()) if (this.ownsDevice(row.device_id)) await this.send(row);
    await book.missDue(now());
    for (const row of await book.unalerted()) if (this.ownsDevice(row.device_id)) await this.raise(row);
  }

  private owns(elderId: string): boolean {
    return this.deps.owns?.(elderId) ?? true;
  }

  /** A watch of no elder any more (moved, revoked) is left to whichever process sees it. */
  private ownsDevice(deviceId: string | null): boolean {
    const elderId = deviceId === null ? null : this.deps.district.elderOfDevice(deviceId);
    return elderId === null || this.owns(elderId);
  }

  private async send(row: WelfareOccurrenceTable): Promise<void> {
    if (row.device_id === null) return;
    try {
      await this.deps.send(row.device_id, { command: 'notify', text: row.text, level: 'info' }, row.id);
    } catch (error) {
      this.deps.logger.warn({ err: error, device: row.device_id }, 'welfare notify not sent; retried');
      return;
    }
    await this.deps.book.sent(row, this.deps.now());
  }

  /** Raised before it is marked: a crash between raises it again, which updates the same open alert. */
  private async raise(row: WelfareOccurrenceTable): Promise<void> {
    const { alerts, book, now } = this.deps;
    if (row.device_id === null) return;
    await alerts.raise({
      kind: 'welfare_check',
      severity: 'medium',
      deviceId: row.device_id,
      details: {
        check_in_text: row.text,
        due_at: row.due_at,
        sent_at: row.sent_at,
        answer_wait_ms: row.wait_minutes * 60_000,
      },
    });
    await book.alerted(row.id, now());
  }
}
