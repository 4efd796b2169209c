import { createHash } from 'node:crypto';
import type { Agent as HttpsAgent } from 'node:https';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import webpush, { WebPushError } from 'web-push';
import type { Channel } from '../../kernel/channel.js';
import type { Database } from '../../store/database.js';
import type { Tables } from '../../store/schema.js';
import type { DispatchNotice } from '../dispatch-notices.js';
import type { NewNotice, NoticeDelivery } from '../notice-outbox.js';
import { OutboxStage, type OutboxTimings, type SendResult } from '../outbox-rounds.js';
import { pushMessage } from './push-messages.js';
import type { PushSubscriptions } from './push-subscriptions.js';
import type { VapidKeys } from './vapid-keys.js';

/** Web Push: who the hub says it is, where it may send, and the retries. */
export interface PushSettings extends OutboxTimings {
  /** The VAPID `sub`: a `mailto:` or `https:` contact the push services can reach the operator at. */
  subject: string;
  /** Push service hosts a subscription's endpoint may be on (and their subdomains). */
  serviceHosts: string[];
  /** Extra certificate authorities for push services (a relay inside the district's network). */
  agent?: HttpsAgent | undefined;
}

/** How long a push is worth sending, by what it says; an offer's worth ends at its expiry. */
const worthMs = { withdrawn: 10 * 60_000, task: 3600_000, task_closed: 3600_000 };

/**
 * Offers, withdrawals and task changes pushed to the responders' subscribed browsers, so a phone
 * with the app closed still hears of an offer (the service worker shows it). Each push is kept in
 * the store first (push_deliveries, in the transaction of the dispatch step that decides it) and
 * retried with backoff until the push service takes it (2xx) or it is no longer worth sending;
 * a subscription the push service answers 404/410 for is gone and dropped. The payload is encrypted
 * to the browser's key (RFC 8291) and signed with the hub's VAPID key (RFC 8292) by web-push.
 */
export class OfferPush extends OutboxStage {
  constructor(
    private readonly deps: {
      db: Database;
      notices: Channel<DispatchNotice>;
      subscriptions: PushSubscriptions;
      keys: VapidKeys;
      settings: PushSettings;
      now: () => number;
      logger: Logger;
      counted: (type: string, result: 'delivered' | 'failed' | 'dead') => void;
      /** A responder's last subscription was dropped: dispatch may no longer count on push for them. */
      dropped: (responderId: string) => Promise<void>;
    },
  ) {
    super({ ...deps, table: 'push_deliveries', timings: deps.settings });
  }

  /**
   * Every push to a responder (an offer, a withdrawal, a task given or closed) is kept by the dispatch
   * step that decides it, in its transaction (`keepNotice`): told of one, the outbox is worked at once.
   */
  protected kept(notice: DispatchNotice): boolean {
    return 'responderId' in notice;
  }

  /** One push per browser the responder subscribed, in its language. */
  protected async deliveriesOf(notice: DispatchNotice, db: Kysely<Tables>): Promise<NewNotice[]> {
    if (!('responderId' in notice)) return [];
    const subscriptions = await this.deps.subscriptions.ofResponder(notice.responderId, db);
    const at = this.deps.now();
    const kept: NewNotice[] = [];
    for (const s of subscriptions) {
      const message = pushMessage(notice, s.lang === 'en' ? 'en' : 'zh');
      if (!message) return [];
      const giveUpAt = message.expires_at ?? at + worthMs[message.type as keyof typeof worthMs];
      // An offer (and its withdrawal) is pushed once per browser; a task given or closed each time:
      // the same alert's task may be given again (a reassignment) and closed again (after a hand-back).
      const once = message.type === 'offer' || message.type === 'withdrawn';
      const key = once ? `${message.type}-${message.tag}` : `${message.type}-${message.tag}-${at}`;
      kept.push({
        id: `${key}@${createHash('sha256').update(s.endpoint).digest('base64url').slice(0, 16)}`,
        type: message.type,
        body: JSON.stringify({ endpoint: s.endpoint, responder_id: s.responder_id, message }),
        at,
        giveUpAt,
      });
    }
    return kept;
  }

  protected async send(d: NoticeDelivery): Promise<SendResult> {
    const { endpoint, responder_id, message } = JSON.parse(d.body) as {
      endpoint: string;
      responder_id: string;
      message: unknown;
    };
    const subscription = await this.deps.subscriptions.byEndpoint(endpoint);
    // Unsubscribed meanwhile, or the browser now belongs to another responder: not theirs to see.
    if (subscription?.responder_id !== responder_id)
      return { ok: false, error: 'the subscription is gone', final: true };
    const { settings, keys } = this.deps;
    try {
      await webpush.sendNotification(
        { endpoint, keys: { p256dh: subscription.p256dh, auth: subscription.auth } },
        JSON.stringify(message),
        {
          vapidDetails: { subject: settings.subject, publicKey: keys.publicKey, privateKey: keys.privateKey },
          // The push service keeps it no longer than it is worth (a phone off the network meanwhile).
          TTL: Math.max(0, Math.round((d.give_up_at - this.deps.now()) / 1000)),
          urgency: 'high',
          timeout: settings.timeoutMs,
          ...(settings.agent ? { agent: settings.agent } : {}),
        },
      );
      return { ok: true };
    } catch (error) {
      if (!(error instanceof WebPushError)) return { ok: false, error: (error as Error).message };
      const status = error.statusCode;
      if (status === 404 || status === 410) {
        const holder = await this.deps.subscriptions.drop(endpoint);
        if (holder && !(await this.deps.subscriptions.held(holder))) await this.deps.dropped(holder);
        this.deps.logger.info({ status }, 'push subscription gone; dropped');
        return { ok: false, error: `HTTP ${status}: the subscription is gone`, final: true };
      }
      // Too many, or the push service's fault: again later. Any other refusal will not change.
      const again = status === 429 || status >= 500;
      return { ok: false, error: `HTTP ${status} ${error.body ?? ''}`.trim(), final: !again };
    }
  }
}
