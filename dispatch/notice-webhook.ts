import { createHmac } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { Logger } from 'pino';
import { type AlertBook, type AlertStatus, isActive } from '../alerts/alert-book.js';
import type { Channel } from '../kernel/channel.js';
import { kinRelations } from '../registry/care-record.js';
import type { CareRecords } from '../registry/care-records.js';
import type { Database } from '../store/database.js';
import type { Tables } from '../store/schema.js';
import type { DispatchNotice } from './dispatch-notices.js';
import type { NewNotice, NoticeDelivery } from './notice-outbox.js';
import { OutboxStage, type OutboxTimings, type SendResult } from './outbox-rounds.js';
import type { FamilyEscalationFacts } from './step-outbox.js';

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

/** The alert a family escalation notice is about (null: another notice). */
function familyAlertOf(d: NoticeDelivery): string | null {
  if (d.type !== 'family_escalation') return null;
  const alertId = (JSON.parse(d.body) as { alert_id?: unknown }).alert_id;
  return typeof alertId === 'string' ? alertId : null;
}

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
 * It is sent only with the elder's consent to contact the family; one given up is noted on the
 * alert's timeline (`family_not_reached`), so the console does not take the family for told.
 */
export class NoticeWebhook extends OutboxStage {
  constructor(
    private readonly deps: {
      db: Database;
      notices: Channel<DispatchNotice>;
      careRecords: CareRecords;
      /** A family escalation given up goes on the alert's timeline. */
      alerts: Pick<AlertBook, 'record' | 'announce'>;
      settings: NoticeWebhookSettings;
      now: () => number;
      logger: Logger;
      /** Counts each attempt's result: delivered, failed (to be retried) or dead (given up). */
      counted: (type: string, result: 'delivered' | 'failed' | 'dead') => void;
    },
  ) {
    super({ ...deps, table: 'notice_deliveries', timings: deps.settings });
  }

  /**
   * Offers and family escalations are kept by the ladder step that makes them, in its transaction
   * (`keepNotice`, `keepFamilyEscalation`): told of one, the outbox is worked at once.
   */
  protected kept(notice: DispatchNotice): boolean {
    return notice.type === 'offer' || (notice.type === 'escalation' && notice.to === 'family');
  }

  /** An offer, as the bridge is told it (a withdrawal it is not: the offer's expiry ends it there). */
  protected async deliveriesOf(notice: DispatchNotice): Promise<NewNotice[]> {
    if (notice.type !== 'offer') return [];
    const { offer } = notice;
    const at = this.deps.now();
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
    return [
      {
        id: `offer-${offer.offer_id}`,
        type: 'offer',
        body: JSON.stringify(body),
        at,
        giveUpAt: offer.expires_at,
      },
    ];
  }

  /**
   * Only when the elder (or their guardian) consented to their family being contacted
   * (`consent.contact_family` of the care record): else the bridge is told nothing, neither the
   * elder's name nor anyone's number; the console and the family's own login still have the escalation.
   */
  async keepFamilyEscalation(trx: Transaction<Tables>, facts: FamilyEscalationFacts): Promise<void> {
    const { record } = await this.deps.careRecords.read(trx, facts.elderId);
    if (!record.consent.contact_family) return;
    const at = this.deps.now();
    const body = {
      type: 'family_escalation',
      alert_id: facts.alertId,
      kind: facts.kind,
      severity: facts.severity,
      reason: 'no_answer',
      elder: { id: facts.elderId, name: facts.elderName },
      contacts: record.contacts
        .filter((c) => kin.has(c.relation))
        .map(({ name, relation, phone }) => ({ name, relation, phone })),
      created_at: at,
    };
    await this.outbox.add(
      {
        id: `family-${facts.alertId}-${facts.step}`,
        type: 'family_escalation',
        body: JSON.stringify(body),
        at,
        giveUpAt: at + this.deps.settings.escalationGiveUpMs,
      },
      trx,
    );
  }

  /** A family escalation given up: the alert's timeline says the family was not reached this way. */
  protected override async recordGiveUp(trx: Transaction<Tables>, d: NoticeDelivery): Promise<void> {
    const alertId = familyAlertOf(d);
    if (!alertId) return;
    const alert = await trx.selectFrom('alerts').select('id').where('id', '=', alertId).executeTakeFirst();
    if (!alert) return; // erased meanwhile
    await this.deps.alerts.record(trx, alertId, {
      actor: 'hub',
      note: { code: 'family_not_reached', params: {} },
    });
  }

  protected override async toldGiveUp(d: NoticeDelivery): Promise<void> {
    const alertId = familyAlertOf(d);
    if (!alertId) return;
    const alert = await this.deps.db
      .selectFrom('alerts')
      .select('status')
      .where('id', '=', alertId)
      .executeTakeFirst();
    // A closed alert stays closed on the console: its timeline has the note.
    if (alert && isActive(alert.status as AlertStatus)) await this.deps.alerts.announce(alertId, 'updated');
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
