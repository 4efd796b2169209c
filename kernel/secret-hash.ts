import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Slow, salted hashes for secrets people choose. Stored as `scrypt$N$r$p$salt$hash`, so the cost
 * can be raised without a migration: a password under the current cost is rehashed at its next
 * sign-in (`needsRehash`).
 * - Passwords: OWASP's scrypt setting N=2^15, r=8, p=3 (32 MiB; ~150–300 ms of one pool thread
 *   here). Sign-ins and imports take turns (`WorkSlots`) so the pool keeps room for devices.
 * - A device secret written into a district document: N=2^14, r=8, p=1 (tens of milliseconds): a
 *   reconnect storm checks every device's secret, and such secrets are long and random in practice.
 *
 * Secrets the hub issues itself (`newSecret`: 192 random bits) cannot be guessed back from a
 * hash, so a slow one protects them no better and makes every restart's reconnect storm cost
 * ~35 ms of a core per device (10,000 devices: ~7 minutes before the last can raise an SOS).
 * They are stored as salted SHA-256, `sha256$salt$hash`, and checked in microseconds.
 */
export interface ScryptCost {
  N: number;
  r: number;
  p: number;
}
export const passwordCost: ScryptCost = { N: 1 << 15, r: 8, p: 3 };
const deviceSecretCost: ScryptCost = { N: 1 << 14, r: 8, p: 1 };
const keyLength = 32;

function derive(secret: string, salt: Buffer, { N, r, p }: ScryptCost): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, keyLength, { N, r, p, maxmem: 256 * N * r }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

async function hashWith(secret: string, cost: ScryptCost): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(secret, salt, cost);
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64'), key.toString('base64')].join('$');
}

/** A device secret a person wrote into a district document. */
export function hashSecret(secret: string): Promise<string> {
  return hashWith(secret, deviceSecretCost);
}

/** A person's password, at `cost` (the hub's `passwordCost` unless configured). */
export function hashPassword(password: string, cost: ScryptCost = passwordCost): Promise<string> {
  return hashWith(password, cost);
}

/** Whether a stored password hash is weaker than `cost` (or not scrypt at all): rehash it at sign-in. */
export function needsRehash(stored: string, cost: ScryptCost = passwordCost): boolean {
  const [scheme, n, r, p] = stored.split('$');
  return scheme !== 'scrypt' || Number(n) * Number(r) * Number(p) < cost.N * cost.r * cost.p;
}

/** The stored hash of a secret the hub issued (`newSecret`), never of one a person chose. */
export function hashIssuedSecret(secret: string): string {
  const salt = randomBytes(16);
  return ['sha256', salt.toString('base64'), sha256(salt, secret).toString('base64')].join('$');
}

/** Whether checking a secret against this stored hash costs a slow hash. */
export function isSlowHash(stored: string): boolean {
  return stored.startsWith('scrypt$');
}

function sha256(salt: Buffer, secret: string): Buffer {
  return createHash('sha256').update(salt).update(secret).digest();
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  if (stored.startsWith('sha256$')) {
    const [, salt, hash] = stored.split('$');
    if (!salt || !hash) return false;
    const expected = Buffer.from(hash, 'base64');
    const key = sha256(Buffer.from(salt, 'base64'), secret);
    return key.length === expected.length && timingSafeEqual(key, expected);
  }
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const key = await derive(secret, Buffer.from(salt, 'base64'), { N: Number(n), r: Number(r), p: Number(p) });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A fresh device secret or login token: 24 random bytes, URL-safe. */
export function newSecret(): string {
  return randomBytes(24).toString('base64url');
}

/** Told a device secret and the hash just stored for it (after the write committed). */
export type SecretStored = (deviceId: string, secret: string, storedHash: string) => void;
