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
  /** Claims, deadlines and alerts: never behind a send (a watch's broker may hang for long). */
  private running: Promise<void> | null = null;
  private sending: Promise<void> | null = null;

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
    await Promise.all([this.running, this.sending]);
  }

  /**
   * Takes what is due, closes what is overdue and raises its alerts; then sends what is unsent.
   * The sends run on their own: a tick while they still wait closes deadlines all the same.
   * Resolves once both are done. Public for tests with a set clock.
   */
  async tick(): Promise<void> {
    this.running ??= this.step()
      .catch((error: unknown) => this.deps.logger.error({ err: error }, 'welfare tick failed; retried'))
      .finally(() => {
        this.running = null;
      });
    await this.running;
    this.sending ??= this.sendUnsent()
      .catch((error: unknown) => this.deps.logger.error({ err: error }, 'welfare sends failed; retried'))
      .finally(() => {
        this.sending = null;
      });
    await this.sending;
  }

  async handleEvent(event: StoredEvent): Promise<void> {
    const commandId = event.data.command_id;
    if (typeof commandId !== 'string') return;
    await this.deps.book.acknowledge(commandId, event.deviceId, event.elderId, event.receivedAt);
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
    await book.missDue(now());
    for (const row of await book.unalerted()) if (this.owns(row.elder_id)) await this.raise(row);
  }

  /** By the occurrence's elder: it goes only to their watch, wherever the one it was addressed to is now. */
  private async sendUnsent(): Promise<void> {
    for (const row of await this.deps.book.unsent()) if (this.owns(row.elder_id)) await this.send(row);
  }

  private owns(elderId: string): boolean {
    return this.deps.owns?.(elderId) ?? true;
  }

  /**
   * The watch it was addressed to while that is still the elder's; else — handed on or taken away
   * since it was scheduled, and its new wearer must not be asked nor answer for them — the elder's
   * watch now; null: they have none.
   */
  private recipient(row: WelfareOccurrenceTable): string | null {
    const { district } = this.deps;
    if (row.device_id !== null && district.elderOfDevice(row.device_id) === row.elder_id)
      return row.device_id;
    return notifiedDevice(district, row.elder_id);
  }

  private async send(row: WelfareOccurrenceTable): Promise<void> {
    const { book, now, logger } = this.deps;
    const deviceId = this.recipient(row);
    if (deviceId !== row.device_id) {
      if (!(await book.readdress(row, deviceId, now()))) return;
      if (deviceId === null) {
        // Its wait runs all the same: missed, it raises for the elder.
        logger.warn(
          { occurrence: row.id, elder: row.elder_id },
          'welfare check-in not deliverable: no watch',
        );
        return;
      }
    }
    if (deviceId === null) return;
    try {
      await this.deps.send(deviceId, { command: 'notify', text: row.text, level: 'info' }, row.id);
    } catch (error) {
      logger.warn({ err: error, device: deviceId }, 'welfare notify not sent; retried');
      return;
    }
    await book.sent(row, now());
  }

  /**
   * Raised for the occurrence's elder, whatever became of the watch (it may have been handed on or
   * taken away within the wait), before it is marked: a crash between raises it again, which updates
   * the same open alert. Not raised (the store failed): left unmarked, tried again at the next tick.
   */
  private async raise(row: WelfareOccurrenceTable): Promise<void> {
    const { alerts, book, now, logger } = this.deps;
    try {
      const raised = await alerts.raise({
        kind: 'welfare_check',
        severity: 'medium',
        elderId: row.elder_id,
        deviceId: row.device_id,
        details: {
          check_in_text: row.text,
          due_at: row.due_at,
          sent_at: row.sent_at,
          answer_wait_ms: row.wait_minutes * 60_000,
        },
      });
      // Null only for an elder no longer stored (erased with their occurrences meanwhile): nobody to tell.
      if (raised === null) logger.warn({ occurrence: row.id }, 'welfare alert not raised: no such elder');
    } catch (error) {
      logger.warn({ err: error, occurrence: row.id }, 'welfare alert not raised; retried');
      return;
    }
    await book.alerted(row.id, now());
  }
}
