import { createHash } from 'node:crypto';
import type { Role, SignedInUser, TokenCheck } from '../kernel/identity.js';
import { hashSecret, newSecret, verifySecret } from '../kernel/secret-hash.js';
import type { Database } from '../store/database.js';

const tokenDigest = (token: string) => createHash('sha256').update(token).digest('base64url');

/**
 * Console and app users: password login and expiring bearer tokens. Tokens are
 * stored only as digests, so a copy of the store cannot be used to sign in.
 */
export class Accounts implements TokenCheck {
  /** Recently checked tokens, so that each API call does not cost a query. */
  private readonly recent = new Map<string, { user: SignedInUser; until: number }>();

  constructor(private readonly deps: { db: Database; now: () => number; tokenTtlMs: number }) {}

  /** ADMIN_PASSWORD: on a store with no users, create `admin` for the whole hub. */
  async ensureFirstAdmin(password: string): Promise<boolean> {
    const any = await this.deps.db.selectFrom('users').select('username').limit(1).executeTakeFirst();
    if (any) return false;
    const password_hash = await hashSecret(password);
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

  async login(username: string, password: string): Promise<{ token: string; expiresAt: number } | null> {
    const row = await this.deps.db
      .selectFrom('users')
      .select(['username', 'password_hash'])
      .where('username', '=', username)
      .executeTakeFirst();
    if (!row || !(await verifySecret(password, row.password_hash))) return null;
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
    };
    if (this.recent.size > 10_000) this.recent.clear();
    // Cached briefly: a changed role or a logout reaches every node within 10 s.
    this.recent.set(digest, { user, until: Math.min(now + 10_000, row.expires_at) });
    return user;
  }

  async logout(token: string): Promise<void> {
    const digest = tokenDigest(token);
    this.recent.delete(digest);
    await this.deps.db.deleteFrom('sessions').where('token_hash', '=', digest).execute();
  }
}
