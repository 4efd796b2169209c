import { createHash, timingSafeEqual } from 'node:crypto';
import { deviceIdPattern } from '../devices/catalog.js';
import { FailureLock } from '../kernel/failure-lock.js';
import { isSlowHash, verifySecret } from '../kernel/secret-hash.js';
import type { Database } from '../store/database.js';

export interface AuthenticatedDevice {
  id: string;
  type: string;
  elderId: string | null;
}

/** MQTT 3.1.1 CONNACK return codes for each way a CONNECT is refused. */
export const refusal = {
  badIdentifier: 2,
  serverUnavailable: 3,
  badCredentials: 4,
  notAuthorized: 5,
} as const;

export type Verdict =
  | { ok: true; device: AuthenticatedDevice }
  | { ok: false; returnCode: (typeof refusal)[keyof typeof refusal]; reason: string };

/**
 * Checks a device's CONNECT against the stored hash of its secret.
 * A verified secret's SHA-256 is remembered against the stored hash it matched,
 * so a reconnect storm costs one fast digest per device instead of one slow hash;
 * a rotated secret (new stored hash) or a revocation takes effect at once.
 * An address that sends many wrong secrets gets no more slow checks for a while: guessing cannot
 * keep the slow-check queue full and shut out real devices connecting for the first time.
 */
export class DeviceAuthenticator {
  private readonly verified = new Map<string, { storedHash: string; digest: Buffer }>();
  /** Slow checks under way, by device id and secret digest: a retrying device joins its own. */
  private readonly checking = new Map<string, Promise<boolean>>();
  slowVerifications = 0;
  refusedBusy = 0;
  private readonly guessing: FailureLock;

  constructor(
    private readonly deps: {
      db: Database;
      now?: () => number;
      /**
       * At most this many slow hashes queued (~35 ms of a core each). Beyond it a CONNECT is
       * answered "server unavailable" at once, so that after a restart devices back off and
       * retry instead of timing out in a queue the hub cannot clear in time.
       */
      maxSlowChecks: number;
    },
  ) {
    // 20 wrong secrets a minute from one address is guessing, not a misconfigured watch (which
    // retries one secret every few seconds); its slow checks stop for 5 minutes.
    this.guessing = new FailureLock({
      maxFailures: 20,
      windowMs: 60_000,
      lockMs: 5 * 60_000,
      now: deps.now ?? Date.now,
    });
  }

  /** `from`: the network address the CONNECT came from (unknown: no address is locked for it). */
  async check(
    clientId: string,
    username: string | undefined,
    password: Buffer | undefined,
    from?: string,
  ): Promise<Verdict> {
    const verdict = await this.verdict(clientId, username, password, from);
    if (from && !verdict.ok && verdict.reason === 'wrong secret') this.guessing.failed(from);
    return verdict;
  }

  private async verdict(
    clientId: string,
    username: string | undefined,
    password: Buffer | undefined,
    from: string | undefined,
  ): Promise<Verdict> {
    if (!deviceIdPattern.test(clientId) || username !== clientId) {
      return {
        ok: false,
        returnCode: refusal.badIdentifier,
        reason: 'client id must equal username and be a device id',
      };
    }
    const row = await this.deps.db
      .selectFrom('devices')
      .select(['id', 'type', 'elder_id', 'secret_hash', 'revoked_at'])
      .where('id', '=', clientId)
      .executeTakeFirst();
    // An unknown or revoked id is answered as a wrong secret: a CONNECT must not tell which ids exist.
    if (!row) return { ok: false, returnCode: refusal.badCredentials, reason: 'unknown device' };
    if (row.revoked_at !== null) return { ok: false, returnCode: refusal.badCredentials, reason: 'revoked' };
    if (!password || password.length === 0 || password.length > 256) {
      return { ok: false, returnCode: refusal.badCredentials, reason: 'wrong secret' };
    }
    const secret = password.toString('utf8');
    const digest = createHash('sha256').update(secret).digest();
    const known = this.verified.get(clientId);
    if (known && known.storedHash === row.secret_hash && timingSafeEqual(known.digest, digest)) {
      return { ok: true, device: { id: row.id, type: row.type, elderId: row.elder_id } };
    }
    const key = `${clientId}:${digest.toString('base64')}:${row.secret_hash}`;
    let check = this.checking.get(key);
    if (!check) {
      // A secret the hub issued is checked in microseconds: only slow hashes are rationed.
      const slow = isSlowHash(row.secret_hash);
      if (slow && from && this.guessing.lockedFor(from) > 0) {
        this.refusedBusy++;
        return {
          ok: false,
          returnCode: refusal.serverUnavailable,
          reason: 'too many wrong secrets from this address',
        };
      }
      if (slow && this.checking.size >= this.deps.maxSlowChecks) {
        this.refusedBusy++;
        return { ok: false, returnCode: refusal.serverUnavailable, reason: 'busy verifying other devices' };
      }
      if (slow) this.slowVerifications++;
      check = verifySecret(secret, row.secret_hash).finally(() => this.checking.delete(key));
      this.checking.set(key, check);
    }
    if (!(await check)) return { ok: false, returnCode: refusal.badCredentials, reason: 'wrong secret' };
    this.verified.set(clientId, { storedHash: row.secret_hash, digest });
    return { ok: true, device: { id: row.id, type: row.type, elderId: row.elder_id } };
  }

  /**
   * A secret this hub has just hashed (provisioning, rotation, a district document): the device's
   * first CONNECT needs no slow hash, exactly as if it had been verified once.
   */
  remember(deviceId: string, secret: string, storedHash: string): void {
    this.verified.set(deviceId, { storedHash, digest: createHash('sha256').update(secret).digest() });
  }

  forget(deviceId: string): void {
    this.verified.delete(deviceId);
  }
}
