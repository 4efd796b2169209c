import { createHmac } from 'node:crypto';
import type { Logger } from 'pino';
import type { Channel } from '../kernel/channel.js';
import { kinRelations } from '../registry/care-record.js';
import type { CareRecords } from '../registry/care-records.js';
import type { Database } from '../store/database.js';
import type { DispatchNotice } from './dispatch-notices.js';
import { type NoticeDelivery, NoticeOutbox } from './notice-outbox.js';

/** Where the district's bridge (SMS, WeChat) listens, and the secret both sides sign with. */
export interface NoticeWebhookSettings {
  url: string;
  secret: string;
  /** The first retry waits this long, each next one twice as long, up to `retryMaxMs`. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** One POST's answer, at most. */
  timeoutMs: number;
  pollMs: number;
  /** A family escalation not delivered within this is given up (the console has had it all along). */
  escalationGiveUpMs: number;
}

/**
 * `sha256=` and the hex HMAC-SHA256 of `<timestamp>.<body>` under the shared secret: what a receiver
 * recomputes to know the notice is the hub's, and (with the timestamp) not a replay of an old one.
 */
export function noticeSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

const kin: ReadonlySet<string> = new Set(kinRelations);
/** Delivered and dead notices are kept this long for an operator to look at, then deleted. */
const keepSettledMs = 7 * 24 * 3600_000;

/**
 * Each offer and each escalation to the family, POSTed as signed JSON to the district's receiver, so
 * that it reaches people whose phones push does not (a closed app, a network without browser push).
 * The notice is kept in the store first (NoticeOutbox) and retried with backoff until the receiver
 * answers 2xx; an offer is given up at its expiry, an escalation after `escalationGiveUpMs` — each
 * give-up counted as a dead letter.
 *
 * An offer notice carries what push may show: kind, severity, distance; never the elder's name or
 * address. A family escalation carries the elder's name and the kin contacts of the care record, in
 * calling order: the bridge is the district's own, and it cannot text a family without their number.
 */
export class NoticeWebhook {
  private readonly outbox: NoticeOutbox;
  private unsubscribe: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private lastForget = 0;
  private again = false;
  private stopped = false;

  constructor(
    private readonly deps: {
      db: Database;
      notices: Channel<DispatchNotice>;
      careRecords: CareRecords;
      settings: NoticeWebhookSettings;
      now: () => number;
      logger: Logger;
      /** Counts each attempt's result: delivered, failed (to be retried) or dead (given up). */
      counted: (type: string, result: 'delivered' | 'failed' | 'dead') => void;
    },
  ) {
    this.outbox = new NoticeOutbox(deps.db);
  }

  start(): void {
    this.stopped = false;
    this.unsubscribe = this.deps.notices.subscribe((notice) => this.keep(notice));
    this.timer = setInterval(() => this.poll(), this.deps.settings.pollMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    clearInterval(this.timer);
    await this.round;
  }

  /** Notices waiting for the receiver (for /metrics). */
  waiting(): Promise<number> {
    return this.outbox.waiting();
  }

  private async keep(notice: DispatchNotice): Promise<void> {
    const at = this.deps.now();
    if (notice.type === 'offer') {
      const { offer } = notice;
      const body = {
        type: 'offer',
        responder_id: notice.responderId,
        offer_id: offer.offer_id,
        alert_id: offer.alert_id,
        kind: offer.kind,
        severity: offer.severity,
        distance_m: offer.distance_m,
        expires_at: offer.expires_at,
        created_at: at,
      };
      await this.outbox.add({
        id: `offer-${offer.offer_id}`,
        type: 'offer',
        body: JSON.stringify(body),
        at,
        giveUpAt: offer.expires_at,
      });
    } else if (notice.type === 'escalation' && notice.to === 'family') {
      const { alert } = notice;
      const record = alert.elder_id
        ? (await this.deps.careRecords.read(this.deps.db, alert.elder_id)).record
        : null;
      const body = {
        type: 'family_escalation',
        alert_id: alert.id,
        kind: alert.kind,
        severity: alert.severity,
        reason: notice.reason ?? 'no_answer',
        elder: { id: alert.elder_id, name: alert.elder_name },
        contacts: (record?.contacts ?? [])
          .filter((c) => kin.has(c.relation))
          .map(({ name, relation, phone }) => ({ name, relation, phone })),
        created_at: at,
      };
      await this.outbox.add({
        id: `family-${alert.id}-${notice.step}`,
        type: 'family_escalation',
        body: JSON.stringify(body),
        at,
        giveUpAt: at + this.deps.settings.escalationGiveUpMs,
      });
    } else return;
    this.poll(); // at once, not at the next tick: an offer lives 45 s
  }

  /** One round at a time; a round asked for during one runs right after it. */
  private poll(): void {
    if (this.stopped) return;
    if (this.round) {
      this.again = true;
      return;
    }
    this.round = this.sendDue()
      .catch((error) => this.deps.logger.warn({ err: error }, 'notice webhook: the outbox could not be read'))
      .finally(() => {
        this.round = undefined;
        if (this.again) {
          this.again = false;
          this.poll();
        }
      });
  }

  private async sendDue(): Promise<void> {
    const now = this.deps.now();
    if (now - this.lastForget > 60_000) {
      this.lastForget = now;
      await this.outbox.forgetSettled(now - keepSettledMs);
    }
    const due = await this.outbox.due(now, 20);
    await Promise.all(due.map((d) => this.attempt(d, now)));
  }

  private async attempt(d: NoticeDelivery, now: number): Promise<void> {
    const { settings } = this.deps;
    if (now >= d.give_up_at) {
      if (await this.outbox.dead(d.id, now)) {
        this.deps.counted(d.type, 'dead');
        this.deps.logger.warn(
          { delivery: d.id, attempts: d.attempts },
          'notice webhook: given up (dead letter)',
        );
      }
      return;
    }
    if (!(await this.outbox.claim(d, now + settings.timeoutMs + 1000))) return;
    const error = await this.post(d);
    if (error === null) {
      await this.outbox.delivered(d.id, this.deps.now());
      this.deps.counted(d.type, 'delivered');
      return;
    }
    const wait = Math.min(settings.retryMaxMs, settings.retryBaseMs * 2 ** d.attempts);
    await this.outbox.failed(d.id, error, this.deps.now() + wait);
    this.deps.counted(d.type, 'failed');
    this.deps.logger.warn(
      { delivery: d.id, attempt: d.attempts + 1, error },
      'notice webhook: not taken; will retry',
    );
  }

  /** null when the receiver took it (2xx), else why not. */
  private async post(d: NoticeDelivery): Promise<string | null> {
    const timestamp = String(this.deps.now());
    try {
      const response = await fetch(this.deps.settings.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-yiyang-delivery': d.id,
          'x-yiyang-timestamp': timestamp,
          'x-yiyang-signature': noticeSignature(this.deps.settings.secret, timestamp, d.body),
        },
        body: d.body,
        signal: AbortSignal.timeout(this.deps.settings.timeoutMs),
      });
      await response.body?.cancel();
      return response.ok ? null : `HTTP ${response.status}`;
    } catch (error) {
      return (error as Error).message;
    }
  }
}
