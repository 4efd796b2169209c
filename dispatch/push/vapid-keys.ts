import webpush from 'web-push';
import type { Database } from '../../store/database.js';

/**
 * The hub's VAPID key pair (RFC 8292): the browser binds a push subscription to the public key, and
 * the push service accepts only pushes signed with the private one. Made at the first start and kept
 * in the store: a new pair would orphan every subscription. Two hub processes starting together on
 * one store keep the first pair written.
 */
export class VapidKeys {
  private pair: { publicKey: string; privateKey: string } | undefined;

  constructor(private readonly deps: { db: Database; now: () => number }) {}

  async start(): Promise<void> {
    this.pair = (await this.read()) ?? (await this.make());
  }

  stop(): void {}

  /** base64url, what the app hands `pushManager.subscribe` as `applicationServerKey`. */
  get publicKey(): string {
    return this.loaded().publicKey;
  }

  get privateKey(): string {
    return this.loaded().privateKey;
  }

  private loaded(): { publicKey: string; privateKey: string } {
    if (!this.pair) throw new Error('the VAPID keys are read at start');
    return this.pair;
  }

  private async make(): Promise<{ publicKey: string; privateKey: string }> {
    const made = webpush.generateVAPIDKeys();
    await this.deps.db
      .insertInto('push_keys')
      .values({
        id: 'vapid',
        public_key: made.publicKey,
        private_key: made.privateKey,
        created_at: this.deps.now(),
      })
      .onConflict((c) => c.column('id').doNothing())
      .execute();
    const kept = await this.read();
    if (!kept) throw new Error('the VAPID keys were not stored');
    return kept;
  }

  private async read(): Promise<{ publicKey: string; privateKey: string } | undefined> {
    const row = await this.deps.db
      .selectFrom('push_keys')
      .select(['public_key', 'private_key'])
      .where('id', '=', 'vapid')
      .executeTakeFirst();
    return row && { publicKey: row.public_key, privateKey: row.private_key };
  }
}
