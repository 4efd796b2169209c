/** The fleet's homes: each a watch, a fall radar and a door contact, provisioned in the hub's store beforehand. */
import { hashIssuedSecret } from '../../kernel/secret-hash.js';
import { seedHomes } from '../lib/seed.js';
import { secret, specialist } from './settings.js';

const pad = (i: number) => String(i + 1).padStart(5, '0');
/** Home i's devices. */
export const home = (i: number) => ({ watch: `w-${pad(i)}`, radar: `r-${pad(i)}`, door: `d-${pad(i)}` });

/** Writes `homes` homes (hub-issued secrets) and the specialist into a fresh data directory (or PostgreSQL database). */
export async function seedFleet(dataDir: string, homes: number, databaseUrl?: string): Promise<void> {
  const secretHash = hashIssuedSecret(secret);
  await seedHomes(dataDir, {
    homes: Array.from({ length: homes }, (_, i) => {
      const h = home(i);
      return {
        devices: [
          { id: h.watch, type: 'watch', secretHash },
          { id: h.radar, type: 'fall_radar', secretHash },
          { id: h.door, type: 'door', secretHash },
        ],
      };
    }),
    users: [{ ...specialist, role: 'specialist' }],
    databaseUrl,
  });
}
