import pg from 'pg';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { freshPostgresDatabase, withPostgres } from '../test/support/databases.js';
import { until } from '../test/support/wait.js';
import { leaseSessionSettings, PartitionLeases } from './partition-leases.js';

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
    leaseTimeoutMs: 3000,
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

  it('[PARTITION-HUNG-MEMBER] a member whose session stays open but stops checking in (hung, frozen) is ended after the lease timeout; the live one takes its partitions', async () => {
    const url = await freshPostgresDatabase();
    // A hung member as the lock table sees it: a member lock and half the partitions, then silence.
    const frozen = new pg.Client({ connectionString: url, application_name: 'hub-frozen' });
    await frozen.connect();
    frozen.on('error', () => undefined);
    await frozen.query('SELECT pg_advisory_lock(7101, pg_backend_pid())');
    await frozen.query('SELECT pg_advisory_lock(7100, p) FROM generate_series(0, 7) AS p');
    const frozenAt = Date.now();
    const live = await member(url, 'hub-live');
    expect(live.believed.size, 'its share of two members at first').toBe(8);
    const all = await until(
      async () => live.believed.size,
      (n) => n === partitions,
      8000,
    );
    expect(all).toBe(partitions);
    const tookMs = Date.now() - frozenAt;
    // Not before the timeout (3 s), and soon after it.
    expect(tookMs).toBeGreaterThanOrEqual(3000);
    expect(tookMs).toBeLessThan(6000);
    expect(live.leases.owned).toHaveLength(partitions);
    await frozen.end().catch(() => undefined);
  });

  it('[PARTITION-SESSION-KEEPALIVE] the lease session asks the server to end it within ~25 s of its peer going silent (keepalives, user timeout)', async () => {
    const m = await member(await freshPostgresDatabase(), 'hub-a');
    const session = (m.leases as unknown as { session: pg.Client }).session;
    const shown: Record<string, string> = {};
    for (const [name] of leaseSessionSettings)
      shown[name] = (await session.query<Record<string, string>>(`SHOW ${name}`)).rows[0]![name]!;
    // Over TCP (the test server is on 127.0.0.1): on a Unix socket the server would show 0.
    expect(shown).toEqual({
      tcp_keepalives_idle: '10',
      tcp_keepalives_interval: '5',
      tcp_keepalives_count: '3',
      tcp_user_timeout: '25000',
    });
  });
});
