import { randomBytes, scryptSync } from 'node:crypto';
import { openStore } from '../../store/database.js';

/**
 * A stored password hash in the hub's format (`scrypt$N$r$p$salt$hash`) at a tiny cost (N=2^8 instead
 * of 2^14): the benchmarks' users sign in without costing the measurement anything.
 */
export function cheapSecretHash(secret: string): string {
  const [N, r, p] = [256, 8, 1];
  const salt = randomBytes(16);
  const key = scryptSync(secret, salt, 32, { N, r, p });
  return ['scrypt', N, r, p, salt.toString('base64'), key.toString('base64')].join('$');
}

export interface SeededWatch {
  id: string;
  /** A stored secret hash in the hub's format (see kernel/secret-hash.ts). */
  secretHash: string;
}

/** An elder's home: the devices provisioned for them (device types of devices/types/). */
export interface SeededHome {
  devices: Array<SeededWatch & { type: string }>;
}

/** A console or app user (roles of the operator interface), in the seeded community. */
export interface SeededUser {
  username: string;
  password: string;
  role: 'admin' | 'specialist' | 'responder' | 'family';
}

/**
 * Writes watches (each worn by its own elder in one community) straight into the hub's store
 * before the hub starts: provisioning thousands through the API would cost a slow hash each.
 */
export function seedWatches(dataDir: string, watches: SeededWatch[]): Promise<void> {
  return seedHomes(dataDir, {
    homes: watches.map((w) => ({ devices: [{ ...w, type: 'watch' }] })),
    elderId: (home) => `e-${home.devices[0]!.id}`,
  });
}

/**
 * Writes homes — one elder each, in one community (景田, 莲花街道, 福田区), with their devices — and users
 * straight into the hub's store before the hub starts. A user's password is stored with a cheap hash.
 */
export async function seedHomes(
  dataDir: string,
  options: {
    homes: SeededHome[];
    elderId?: (home: SeededHome, i: number) => string;
    users?: SeededUser[];
    /** A PostgreSQL store (`postgres://…`) instead of the SQLite file in `dataDir`. */
    databaseUrl?: string;
  },
): Promise<void> {
  const { homes, users = [] } = options;
  const elderId = options.elderId ?? ((_: SeededHome, i: number) => `e-${String(i + 1).padStart(5, '0')}`);
  const store = await openStore({ dataDir, databaseUrl: options.databaseUrl });
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
      for (let i = 0; i < homes.length; i += 500) {
        const chunk = homes.slice(i, i + 500);
        const ids = chunk.map((home, j) => elderId(home, i + j));
        await trx
          .insertInto('elders')
          .values(
            chunk.map((_, j) => ({
              id: ids[j]!,
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
            chunk.flatMap((home, j) =>
              home.devices.map((d) => ({
                id: d.id,
                type: d.type,
                elder_id: ids[j]!,
                secret_hash: d.secretHash,
                revoked_at: null,
                created_at: now,
              })),
            ),
          )
          .execute();
      }
      if (users.length > 0) {
        await trx
          .insertInto('users')
          .values(
            users.map((u) => ({
              username: u.username,
              password_hash: cheapSecretHash(u.password),
              role: u.role,
              org_unit_id: u.role === 'admin' ? null : 'jingtian',
              updated_at: now,
            })),
          )
          .execute();
      }
    });
  } finally {
    await store.close();
  }
}
