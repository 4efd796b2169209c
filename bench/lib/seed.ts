import { randomBytes, scryptSync } from 'node:crypto';
import { openStore } from '../../store/database.js';

/**
 * A stored hash in the hub's format (`scrypt$N$r$p$salt$hash`) at a tiny cost (N=2^8 instead of 2^14):
 * for benchmarks that connect thousands of devices for the first time and do not measure that cost.
 */
export function cheapSecretHash(secret: string): string {
  const [N, r, p] = [256, 8, 1];
  const salt = randomBytes(16);
  const key = scryptSync(secret, salt, 32, { N, r, p });
  return ['scrypt', N, r, p, salt.toString('base64'), key.toString('base64')].join('$');
}

export interface SeededWatch {
  id: string;
  /** A stored slow hash (`scrypt$N$r$p$salt$hash`, see store/secret-hash.ts). */
  secretHash: string;
}

/**
 * Writes watches (each worn by its own elder in one community) straight into the hub's store
 * before the hub starts: provisioning thousands through the API would cost a slow hash each.
 */
export async function seedWatches(dataDir: string, watches: SeededWatch[]): Promise<void> {
  const store = await openStore({ dataDir });
  const now = Date.now();
  try {
    await store.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('org_units')
        .values(
          [
            { id: 'futian', name: '福田区', level: 'district', parent_id: null, path: '/futian/' },
            {
              id: 'lianhua',
              name: '莲花街道',
              level: 'street',
              parent_id: 'futian',
              path: '/futian/lianhua/',
            },
            {
              id: 'jingtian',
              name: '景田社区',
              level: 'community',
              parent_id: 'lianhua',
              path: '/futian/lianhua/jingtian/',
            },
          ].map((unit) => ({ ...unit, updated_at: now })),
        )
        .execute();
      for (let i = 0; i < watches.length; i += 500) {
        const chunk = watches.slice(i, i + 500);
        await trx
          .insertInto('elders')
          .values(
            chunk.map((w, j) => ({
              id: `e-${w.id}`,
              name: `长者 ${i + j + 1}`,
              org_unit_id: 'jingtian',
              address: `景田北 ${Math.floor((i + j) / 100) + 1} 栋 ${((i + j) % 100) + 101}`,
              lat: 22.5531,
              lon: 114.0412,
              updated_at: now,
            })),
          )
          .execute();
        await trx
          .insertInto('devices')
          .values(
            chunk.map((w) => ({
              id: w.id,
              type: 'watch',
              elder_id: `e-${w.id}`,
              secret_hash: w.secretHash,
              revoked_at: null,
              created_at: now,
            })),
          )
          .execute();
      }
    });
  } finally {
    await store.close();
  }
}
