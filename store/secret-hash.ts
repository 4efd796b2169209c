import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Slow, salted hashes for device secrets and user passwords (scrypt, N=2^14, r=8, p=1:
 * tens of milliseconds, on libuv's pool so the event loop is not blocked).
 * Stored as `scrypt$N$r$p$salt$hash` so the cost can be raised later without a migration.
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

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
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
