import { createHmac } from 'node:crypto';
import type { Logger } from 'pino';
import type { Channel } from '../kernel/channel.js';
import { kinRelations } from '../registry/care-record.js';
import type { CareRecords } from '../registry/care-records.js';
import type { Database } from '../store/database.js';
import type { DispatchNotice } from './dispatch-notices.js';
import type { NoticeDelivery } from './notice-outbox.js';
import { OutboxStage, type OutboxTimings, type SendResult } from './outbox-rounds.js';

/** Where the district's bridge (SMS, WeChat) listens, the secret both sides sign with, and the retries. */
export interface NoticeWebhookSettings extends OutboxTimings {
  url: string;
  secret: string;
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
export class NoticeWebhook extends OutboxStage {
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
    super({ ...deps, table: 'notice_deliveries', timings: deps.settings });
  }

  protected async keep(notice: DispatchNotice): Promise<boolean> {
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
    } else return false;
    return true;
  }

  /** Taken when the receiver answered 2xx. */
  protected async send(d: NoticeDelivery): Promise<SendResult> {
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
      return response.ok ? { ok: true } : { ok: false, error: `HTTP ${response.status}` };
    } catch (error) {
      return { ok: false, error: (error as Error).message };
    }
  }
}
