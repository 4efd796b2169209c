import pg from 'pg';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { freshPostgresDatabase, withPostgres } from '../test/support/databases.js';
import { until } from '../test/support/wait.js';
import { PartitionLeases } from './partition-leases.js';

const partitions = 16;
const logger = pino({ level: 'silent' });

interface Member {
  id: string;
  leases: PartitionLeases;
  /** What the callbacks said, replayed: the partitions this member believes it owns. */
  believed: Set<number>;
  /** Partitions handed to it while it already had them. */
  doubles: number[];
}

const started: Member[] = [];
afterEach(async () => {
  const members = started.splice(0);
  await Promise.all(members.map((m) => m.leases.stop()));
  for (const m of members) expect(m.doubles, m.id).toEqual([]);
});

async function member(databaseUrl: string, id: string, checkEveryMs = 100): Promise<Member> {
  const believed = new Set<number>();
  const doubles: number[] = [];
  const leases = new PartitionLeases({
    databaseUrl,
    partitions,
    namespace: 7100,
    memberId: id,
    checkEveryMs,
    logger,
    acquired: (ps) => {
      for (const p of ps) {
        // A partition handed to a member that already has it would be its work started twice.
        if (believed.has(p)) doubles.push(p);
        believed.add(p);
      }
    },
    released: (ps) => {
      for (const p of ps) believed.delete(p);
    },
  });
  const m = { id, leases, believed, doubles };
  started.push(m);
  await leases.start();
  return m;
}

/** Every partition believed owned by exactly one of `members`. */
function ownedOnceEach(members: Member[]): boolean {
  const all = members.flatMap((m) => [...m.believed]);
  return all.length === partitions && new Set(all).size === partitions;
}

describe.runIf(withPostgres)('partition leases on PostgreSQL advisory locks', () => {
  it('[PARTITION-OWNERS] three processes own every partition exactly once, a fair share each', async () => {
    const url = await freshPostgresDatabase();
    const members = [await member(url, 'hub-a'), await member(url, 'hub-b'), await member(url, 'hub-c')];
    const sizes = await until(
      async () => members.map((m) => m.believed.size),
      (s) => ownedOnceEach(members) && Math.max(...s) <= Math.ceil(partitions / 3),
      5000,
    );
    expect(ownedOnceEach(members)).toBe(true);
    // ⌈16 ÷ 3⌉ = 6 at most each: 6/6/4 or 6/5/5.
    expect(Math.max(...sizes)).toBe(6);
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(4);
    // What each believes is what the server's lock table says.
    for (const m of members) expect(m.leases.owned).toEqual([...m.believed].sort((a, b) => a - b));
  });

  it('[PARTITION-TAKEOVER] a process whose session dies loses its partitions at once; the others own them all within a few checks', async () => {
    const url = await freshPostgresDatabase();
    const [a, b, c] = [await member(url, 'hub-a'), await member(url, 'hub-b'), await member(url, 'hub-c')];
    await until(
      async () => ownedOnceEach([a!, b!, c!]),
      (ok) => ok,
      5000,
    );
    expect(a!.believed.size).toBeGreaterThan(0);
    // As when its process is killed: the server ends hub-a's session (and with it its locks).
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'hub-a'",
    );
    await admin.end();
    const lostAt = Date.now();
    await until(
      async () => a!.believed.size,
      (n) => n === 0,
      3000,
    );
    expect(a!.believed.size).toBe(0);
    // Stop hub-a for good, as a dead process would stay, and let the others take over.
    await a!.leases.stop();
    const ok = await until(
      async () => ownedOnceEach([b!, c!]),
      (v) => v,
      5000,
    );
    expect(ok).toBe(true);
    expect(Date.now() - lostAt).toBeLessThan(5000);
    expect([b!.believed.size, c!.believed.size].sort()).toEqual([8, 8]);
  });

  it('[PARTITION-REBALANCE] a process that joins gets its share from the others, and no partition is ever owned twice', async () => {
    const url = await freshPostgresDatabase();
    const a = await member(url, 'hub-a');
    expect(a.believed.size).toBe(partitions);
    const b = await member(url, 'hub-b');
    let twice = false;
    const sizes = await until(
      async () => {
        const all = [...a.believed, ...b.believed];
        if (new Set(all).size !== all.length) twice = true;
        return [a.believed.size, b.believed.size];
      },
      (s) => s[0] === 8 && s[1] === 8,
      5000,
    );
    expect(twice).toBe(false);
    expect(sizes).toEqual([8, 8]);
    expect(ownedOnceEach([a, b])).toBe(true);
  });

  it('[PARTITION-DATABASES] hubs of two districts (two databases on one server) do not count or block each other', async () => {
    const [one, two] = [await freshPostgresDatabase(), await freshPostgresDatabase()];
    const a = await member(one, 'district-1');
    const b = await member(two, 'district-2');
    await b.leases.check();
    expect(a.believed.size).toBe(partitions);
    expect(b.believed.size).toBe(partitions);
  });
});
