import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../store/database.js';
import type { PushSubscriptionTable, Tables } from '../../store/schema.js';

const base64url = (bytes: number, what: string) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_-]+=*$/, `${what} must be base64url`)
    .refine((v) => Buffer.from(v, 'base64url').length === bytes, `${what} must be ${bytes} bytes`);

/**
 * A browser's subscription as `PushSubscription.toJSON()` gives it, and the app's language. The
 * endpoint must be https (how push services are reached) on a host the operator allows: the hub
 * POSTs to it, so a responder could otherwise make the hub call any address (`PUSH_SERVICE_HOSTS`).
 */
export function subscriptionSchema(allowedHosts: readonly string[]) {
  return z.object({
    endpoint: z
      .string()
      .max(2000)
      .url()
      .refine((u) => u.startsWith('https://'), 'the push service must be reached over https')
      .refine(
        (u) => URL.canParse(u) && allowedHosts.some((host) => hostAllowed(new URL(u).hostname, host)),
        `not a push service this hub sends to (allowed: ${allowedHosts.join(', ')})`,
      ),
    keys: z.object({
      // An uncompressed P-256 point (0x04, x, y) and the 16-byte auth secret (RFC 8291).
      p256dh: base64url(65, 'p256dh').refine(
        (v) => Buffer.from(v, 'base64url')[0] === 4,
        'p256dh must be an uncompressed P-256 key',
      ),
      auth: base64url(16, 'auth'),
    }),
    lang: z.enum(['zh', 'en']).default('zh'),
  });
}
export type SubscriptionInput = z.infer<ReturnType<typeof subscriptionSchema>>;

/** `fcm.googleapis.com` allows itself; `push.apple.com` allows `web.push.apple.com` too. */
function hostAllowed(hostname: string, allowed: string): boolean {
  return hostname === allowed || hostname.endsWith(`.${allowed}`);
}

/** The responders' push subscriptions: one per browser (endpoint), held by the last responder who signed in there. */
export class PushSubscriptions {
  constructor(private readonly deps: { db: Database; now: () => number }) {}

  /** Kept (or renewed, or taken over from another responder who used this browser before). */
  async save(responderId: string, input: SubscriptionInput): Promise<{ previous: string | null }> {
    const now = this.deps.now();
    return this.deps.db.transaction().execute(async (trx) => {
      const before = await trx
        .selectFrom('push_subscriptions')
        .select('responder_id')
        .where('endpoint', '=', input.endpoint)
        .executeTakeFirst();
      const row = {
        responder_id: responderId,
        p256dh: input.keys.p256dh,
        auth: input.keys.auth,
        lang: input.lang,
        updated_at: now,
      };
      await trx
        .insertInto('push_subscriptions')
        .values({ endpoint: input.endpoint, created_at: now, ...row })
        .onConflict((c) => c.column('endpoint').doUpdateSet(row))
        .execute();
      return { previous: before && before.responder_id !== responderId ? before.responder_id : null };
    });
  }

  /** Only the responder's own subscription: false when they hold none at that endpoint. */
  async remove(responderId: string, endpoint: string): Promise<boolean> {
    const result = await this.deps.db
      .deleteFrom('push_subscriptions')
      .where('endpoint', '=', endpoint)
      .where('responder_id', '=', responderId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** The push service says it is gone (404/410): whose it was, or null. */
  async drop(endpoint: string): Promise<string | null> {
    const row = await this.deps.db
      .deleteFrom('push_subscriptions')
      .where('endpoint', '=', endpoint)
      .returning('responder_id')
      .executeTakeFirst();
    return row?.responder_id ?? null;
  }

  /** `db`: a transaction reads them in it (on SQLite it holds the only connection). */
  ofResponder(responderId: string, db: Kysely<Tables> = this.deps.db): Promise<PushSubscriptionTable[]> {
    return db.selectFrom('push_subscriptions').selectAll().where('responder_id', '=', responderId).execute();
  }

  byEndpoint(endpoint: string): Promise<PushSubscriptionTable | undefined> {
    return this.deps.db
      .selectFrom('push_subscriptions')
      .selectAll()
      .where('endpoint', '=', endpoint)
      .executeTakeFirst();
  }

  async held(responderId: string): Promise<boolean> {
    const row = await this.deps.db
      .selectFrom('push_subscriptions')
      .select('endpoint')
      .where('responder_id', '=', responderId)
      .executeTakeFirst();
    return row !== undefined;
  }
}
