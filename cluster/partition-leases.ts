import pg from 'pg';
import type { Logger } from 'pino';

/**
 * Which of a fixed number of elder partitions this hub process owns, through PostgreSQL session advisory
 * locks: a partition is owned by the one session holding lock (namespace, partition), and PostgreSQL
 * releases every lock of a session the moment it ends — a process that dies (SIGKILL, crash, its
 * machine's connection reset) gives its partitions up without saying so, and the others take them on
 * their next check. Nothing here elects anyone: the database's lock table is the only truth.
 *
 * Each process also holds one member lock (namespace + 1, its backend pid), so that all can count the
 * live processes and take a fair share each: ⌈partitions ÷ members⌉. A process over its share gives
 * the surplus back; one under it takes free partitions. A partition nobody has held for two checks is
 * taken by whoever sees it, share or not: an owner for every partition comes before balance.
 *
 * Losing the session (an error, the server restarting) ends ownership at once, before anything else is
 * done (`released` with every partition held), and the leases are sought again on a new session.
 *
 * A process that hangs rather than dies (an event loop stuck, SIGSTOP, a frozen VM) keeps its session:
 * its kernel still answers for the socket. So every check also ends the lease session of any member
 * that has not checked in for `leaseTimeoutMs` (its session idle that long: a live member queries every
 * `checkEveryMs`), and the others take its partitions. This is done by the live processes, not by a
 * watchdog thread inside the owner: SIGSTOP and a frozen VM stop every thread of the process, so a
 * watchdog would hang with it; only another process can act, and the lock table's session activity is
 * the one clock all of them read. The owner fences itself by the same measure: it answers `owns` false
 * once its last confirmed check is older than half the timeout, before anyone may end its session.
 * An unreachable owner (power or network lost) is ended that way too, and by the server's keepalives
 * and user timeout set on the session (~25 s), should no other process be there to do it.
 */
export class PartitionLeases {
  private session: pg.Client | undefined;
  private readonly held = new Set<number>();
  /** Partitions seen without any owner, and at how many checks in a row. */
  private readonly unowned = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private stopped = false;
  /** When (performance.now()) the last check that the server confirmed began; -Infinity before any. */
  private confirmedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly deps: {
      databaseUrl: string;
      /** Fixed for the life of a district: elders are hashed over this many partitions. */
      partitions: number;
      /** First of two advisory-lock key spaces (int4) this district's hubs use; the next is for members. */
      namespace: number;
      /** This process, as the others will see it (PostgreSQL's application_name of its session). */
      memberId: string;
      checkEveryMs: number;
      /**
       * A member whose lease session has been idle this long (no check) is taken for hung: the others end
       * its session, and with it its locks. Several times `checkEveryMs`.
       */
      leaseTimeoutMs: number;
      logger: Logger;
      /** Called with the partitions taken (a check's worth at once), before anything is routed to them. */
      acquired: (partitions: number[]) => void;
      /** Called with the partitions given up or lost, at once; their work is another process's now. */
      released: (partitions: number[]) => void;
    },
  ) {}

  async start(): Promise<void> {
    this.stopped = false;
    await this.check();
    this.timer = setInterval(() => void this.check(), this.deps.checkEveryMs);
    this.timer.unref();
  }

  /** Gives every partition back (the others take them on their next check) and closes the session. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.checking;
    const session = this.session;
    this.session = undefined;
    this.lose('stopped');
    await session?.end().catch(() => undefined);
  }

  /**
   * Whether this process holds `partition` now: held at the last check, and that check confirmed recently
   * enough that no other process can have ended this session as hung (after a freeze of the event loop,
   * ownership is only believed again once a check says so).
   */
  owns(partition: number): boolean {
    return this.held.has(partition) && performance.now() - this.confirmedAt < this.deps.leaseTimeoutMs / 2;
  }

  /** The partitions held now, ascending. */
  get owned(): number[] {
    return [...this.held].sort((a, b) => a - b);
  }

  /** One check: count the members, then give back or take partitions until this process holds its share. */
  check(): Promise<void> {
    this.checking ??= this.balance()
      .catch((error: unknown) => this.sessionFailed(error))
      .finally(() => {
        this.checking = undefined;
      });
    return this.checking;
  }

  private async balance(): Promise<void> {
    if (this.stopped) return;
    const session = this.session ?? (await this.openSession());
    const { namespace, partitions } = this.deps;
    const began = performance.now();
    // Members hung for longer than the timeout: their sessions are ended (their locks go with them), and
    // their partitions are free at the next check.
    const hung = await session.query<{ pid: number; member_id: string; idle_ms: number }>(
      `SELECT l.pid, a.application_name AS member_id,
              (extract(epoch FROM clock_timestamp() - a.state_change) * 1000)::int AS idle_ms,
              pg_terminate_backend(l.pid) AS ended
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE ${heldHere} AND l.classid = $1 AND l.pid <> pg_backend_pid() AND a.state <> 'active'
          AND clock_timestamp() - a.state_change > $2 * interval '1 millisecond'`,
      [namespace + 1, this.deps.leaseTimeoutMs],
    );
    for (const member of hung.rows)
      this.deps.logger.warn(
        { member: member.member_id, pid: member.pid, idleMs: member.idle_ms },
        'partition leases: a member stopped checking in (hung or unreachable); its session ended',
      );
    const state = await session.query<{ objid: number; classid: number; mine: boolean }>(
      `SELECT classid::int, objid::int, pid = pg_backend_pid() AS mine FROM pg_locks
        WHERE ${heldHere} AND classid IN ($1, $2)`,
      [namespace, namespace + 1],
    );
    const members = state.rows.filter((r) => r.classid === namespace + 1).length;
    const ownedByAnyone = new Set(state.rows.filter((r) => r.classid === namespace).map((r) => r.objid));
    // Locks the server says this session holds are the truth; a partition missing there was lost.
    const mineNow = new Set(state.rows.filter((r) => r.classid === namespace && r.mine).map((r) => r.objid));
    const lost = [...this.held].filter((p) => !mineNow.has(p));
    if (lost.length > 0) this.giveUp(lost, 'lost');
    this.confirmedAt = began;

    const share = Math.ceil(partitions / Math.max(1, members));
    if (this.held.size > share) {
      const surplus = this.owned.slice(share);
      await session.query('SELECT pg_advisory_unlock($1, p) FROM unnest($2::int[]) AS p', [
        namespace,
        surplus,
      ]);
      this.giveUp(surplus, 'rebalanced');
    }
    const taken: number[] = [];
    for (let p = 0; p < partitions; p++) {
      if (ownedByAnyone.has(p)) {
        this.unowned.delete(p);
        continue;
      }
      const seen = (this.unowned.get(p) ?? 0) + 1;
      this.unowned.set(p, seen);
      if (this.held.size + taken.length >= share && seen < 3) continue;
      const got = await session.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [
        namespace,
        p,
      ]);
      if (got.rows[0]?.ok) {
        taken.push(p);
        this.unowned.delete(p);
      }
    }
    if (taken.length === 0) return;
    for (const p of taken) this.held.add(p);
    this.deps.acquired(taken);
  }

  private async openSession(): Promise<pg.Client> {
    const session = new pg.Client({
      connectionString: this.deps.databaseUrl,
      application_name: this.deps.memberId,
      // A dead peer is noticed by the OS rather than never (the server side has its own, set below).
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      // A check that gets no answer (the network lost) ends the session and every partition with it,
      // before the server (or the others) end it on their side: never two owners for long.
      query_timeout: this.deps.leaseTimeoutMs / 2,
      connectionTimeoutMillis: this.deps.leaseTimeoutMs,
    });
    session.on('error', (error) => this.sessionFailed(error));
    await session.connect();
    // The server ends this session, and frees its locks, within ~25 s of this machine becoming
    // unreachable (power or network lost): keepalive probes after 10 s idle, every 5 s, 3 unanswered;
    // data unacknowledged for 25 s. PostgreSQL's defaults (the OS's: 2 h 11 min) would keep them that long.
    for (const [name, value] of leaseSessionSettings)
      await session.query(`SELECT set_config($1, $2, false)`, [name, value]);
    await session.query('SELECT pg_advisory_lock($1, pg_backend_pid())', [this.deps.namespace + 1]);
    this.session = session;
    return session;
  }

  private sessionFailed(error: unknown): void {
    const session = this.session;
    if (!session && this.held.size === 0) {
      this.deps.logger.warn({ err: error }, 'partition leases: no session to the store; retrying');
      return;
    }
    this.session = undefined;
    this.deps.logger.warn({ err: error }, 'partition leases: session lost, every partition given up');
    this.lose('session lost');
    session?.end().catch(() => undefined);
  }

  private lose(reason: string): void {
    if (this.held.size > 0) this.giveUp(this.owned, reason);
  }

  private giveUp(partitions: number[], reason: string): void {
    for (const p of partitions) this.held.delete(p);
    this.deps.logger.info({ partitions: partitions.length, reason }, 'partitions released');
    this.deps.released(partitions);
  }
}

/** Set on every lease session (see `openSession`): ignored by the server on a Unix socket. */
export const leaseSessionSettings: ReadonlyArray<[string, string]> = [
  ['tcp_keepalives_idle', '10'],
  ['tcp_keepalives_interval', '5'],
  ['tcp_keepalives_count', '3'],
  ['tcp_user_timeout', '25000'],
];

/**
 * Leases granted in the connected database: advisory locks are per database, and another district's (or
 * test's) hubs may hold the same keys in theirs on the same server.
 */
const heldHere = `locktype = 'advisory' AND granted AND objsubid = 2
  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`;

/**
 * Who holds each partition of `namespace` now, read from the lock table: the session's pid and member id.
 * A lock whose session has already left pg_stat_activity belongs to a backend on its way out (one a
 * survivor just terminated): it is not listed, rather than listed with no member.
 */
export async function partitionHolders(
  client: pg.Client,
  namespace: number,
): Promise<Array<{ partition: number; pid: number; memberId: string }>> {
  const { rows } = await client.query<{ partition: number; pid: number; member_id: string }>(
    `SELECT objid::int AS partition, l.pid, a.application_name AS member_id
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE ${heldHere} AND classid = $1`,
    [namespace],
  );
  return rows.map((r) => ({ partition: r.partition, pid: r.pid, memberId: r.member_id }));
}
