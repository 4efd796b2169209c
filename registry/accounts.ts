import { Channel } from '../kernel/channel.js';
import { FailureLock } from '../kernel/failure-lock.js';
import {
  type Role,
  type SessionEnds,
  type SignedInUser,
  type TokenCheck,
  tokenDigest,
} from '../kernel/identity.js';
import {
  hashPassword,
  needsRehash,
  newSecret,
  passwordCost,
  type ScryptCost,
  verifySecret,
} from '../kernel/secret-hash.js';
import { WorkSlots } from '../kernel/work-slots.js';
import type { Database } from '../store/database.js';

/**
 * Console and app users: password login and expiring bearer tokens. Tokens are
 * stored only as digests, so a copy of the store cannot be used to sign in.
 */
export class Accounts implements TokenCheck, SessionEnds {
  /** A logout: live sockets signed in with that token are dropped at once. */
  readonly sessionsEnded = new Channel<string>(() => undefined);
  /** Recently checked tokens, so that each API call does not cost a query. */
  private readonly recent = new Map<string, { user: SignedInUser; until: number }>();

  private readonly throttle: FailureLock;
  /** A hash to check an unknown user's password against: the answer takes as long as a known one's. */
  private decoy: Promise<string> | undefined;
  /** Two password checks at a time, 32 waiting: a sign-in storm cannot take the whole thread pool. */
  private readonly checks = new WorkSlots(2, 32);

  constructor(
    private readonly deps: {
      db: Database;
      now: () => number;
      tokenTtlMs: number;
      /** Passwords are hashed at this cost, and weaker hashes raised to it at sign-in. */
      passwordCost?: ScryptCost;
    },
  ) {
    this.throttle = new FailureLock({
      maxFailures: 5,
      windowMs: 15 * 60_000,
      lockMs: 15 * 60_000,
      now: deps.now,
    });
  }

  /** ADMIN_PASSWORD: on a store with no users, create `admin` for the whole hub. */
  async ensureFirstAdmin(password: string): Promise<boolean> {
    const any = await this.deps.db.selectFrom('users').select('username').limit(1).executeTakeFirst();
    if (any) return false;
    const password_hash = await hashPassword(password, this.cost);
    await this.deps.db
      .insertInto('users')
      .values({
        username: 'admin',
        password_hash,
        role: 'admin',
        org_unit_id: null,
        updated_at: this.deps.now(),
      })
      .onConflict((oc) => oc.column('username').doNothing())
      .execute();
    return true;
  }

  private get cost(): ScryptCost {
    return this.deps.passwordCost ?? passwordCost;
  }

  /**
   * A session for the right password; `locked` while the username has failed too often (it
   * is not checked then); `busy` when too many sign-ins wait for a password check; null for a
   * wrong password or an unknown user, alike in answer and time.
   */
  async login(
    username: string,
    password: string,
  ): Promise<
    { token: string; expiresAt: number } | { locked: true; retryAfterMs: number } | { busy: true } | null
  > {
    const lockedFor = this.throttle.lockedFor(username);
    if (lockedFor > 0) return { locked: true, retryAfterMs: lockedFor };
    const row = await this.deps.db
      .selectFrom('users')
      .select(['username', 'password_hash'])
      .where('username', '=', username)
      .executeTakeFirst();
    this.decoy ??= hashPassword(newSecret(), this.cost);
    const decoy = await this.decoy;
    const checked = await this.checks.run(async () => {
      const right = await verifySecret(password, row?.password_hash ?? decoy);
      // Stored under an older, weaker cost: raised now, while the password is at hand.
      if (row && right && needsRehash(row.password_hash, this.cost)) {
        const password_hash = await hashPassword(password, this.cost);
        await this.deps.db
          .updateTable('users')
          .set({ password_hash })
          .where('username', '=', username)
          .where('password_hash', '=', row.password_hash)
          .execute();
      }
      return right;
    });
    if (checked === 'busy') return { busy: true };
    if (!row || !checked.done) {
      this.throttle.failed(username);
      return null;
    }
    this.throttle.succeeded(username);
    const token = newSecret();
    const expiresAt = this.deps.now() + this.deps.tokenTtlMs;
    await this.deps.db.deleteFrom('sessions').where('expires_at', '<', this.deps.now()).execute();
    await this.deps.db
      .insertInto('sessions')
      .values({ token_hash: tokenDigest(token), username, expires_at: expiresAt })
      .execute();
    return { token, expiresAt };
  }

  async authenticate(token: string | undefined): Promise<SignedInUser | null> {
    if (!token) return null;
    const now = this.deps.now();
    const digest = tokenDigest(token);
    const cached = this.recent.get(digest);
    if (cached && cached.until > now) return cached.user;
    const row = await this.deps.db
      .selectFrom('sessions as s')
      .innerJoin('users as u', 'u.username', 's.username')
      .leftJoin('org_units as o', 'o.id', 'u.org_unit_id')
      .select(['u.username', 'u.role', 'u.org_unit_id', 'o.path', 's.expires_at'])
      .where('s.token_hash', '=', digest)
      .executeTakeFirst();
    if (!row || row.expires_at <= now) {
      this.recent.delete(digest);
      return null;
    }
    const user: SignedInUser = {
      username: row.username,
      role: row.role as Role,
      orgUnitId: row.org_unit_id,
      scopePath: row.path ?? '/',
      sessionExpiresAt: row.expires_at,
    };
    if (this.recent.size > 10_000) this.recent.clear();
    // Cached briefly: a changed role or a logout reaches every node within 10 s.
    this.recent.set(digest, { user, until: Math.min(now + 10_000, row.expires_at) });
    return user;
  }

  /** Does the user's password match? (no session is opened) */
  async passwordIs(username: string, password: string): Promise<boolean> {
    const row = await this.deps.db
      .selectFrom('users')
      .select('password_hash')
      .where('username', '=', username)
      .executeTakeFirst();
    return row ? verifySecret(password, row.password_hash) : false;
  }

  /** Users' rights may have changed (a district document): ask the store again for every token. */
  forgetCached(): void {
    this.recent.clear();
  }

  async logout(token: string): Promise<void> {
    const digest = tokenDigest(token);
    this.recent.delete(digest);
    await this.deps.db.deleteFrom('sessions').where('token_hash', '=', digest).execute();
    this.sessionsEnded.publish(digest);
  }
}
