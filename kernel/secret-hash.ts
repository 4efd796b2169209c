import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Slow, salted hashes for secrets people choose: passwords, a device secret written into a
 * district document (scrypt, N=2^14, r=8, p=1: tens of milliseconds, on libuv's pool so the
 * event loop is not blocked). Stored as `scrypt$N$r$p$salt$hash` so the cost can be raised
 * later without a migration.
 *
 * Secrets the hub issues itself (`newSecret`: 192 random bits) cannot be guessed back from a
 * hash, so a slow one protects them no better and makes every restart's reconnect storm cost
 * ~35 ms of a core per device (10,000 devices: ~7 minutes before the last can raise an SOS).
 * They are stored as salted SHA-256, `sha256$salt$hash`, and checked in microseconds.
 */
const cost = { N: 1 << 14, r: 8, p: 1 };
const keyLength = 32;

function derive(secret: string, salt: Buffer, N: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, keyLength, { N, r, p, maxmem: 256 * N * r }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(secret, salt, cost.N, cost.r, cost.p);
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64'), key.toString('base64')].join('$');
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
  const key = await derive(secret, Buffer.from(salt, 'base64'), Number(n), Number(r), Number(p));
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A fresh device secret or login token: 24 random bytes, URL-safe. */
export function newSecret(): string {
  return randomBytes(24).toString('base64url');
}

/** Told a device secret and the hash just stored for it (after the write committed). */
export type SecretStored = (deviceId: string, secret: string, storedHash: string) => void;
