import { sql } from 'kysely';
import type { Store } from '../store/database.js';

export interface UnitTotals {
  org_unit_id: string;
  name: string;
  path: string;
  fund_minutes: number;
  volunteer_minutes: number;
  elder_minutes: number;
  family_minutes: number;
  accounts: number;
}

export interface ReconciliationReport {
  ok: boolean;
  /** One sentence per broken rule, naming what broke it. */
  failures: string[];
  accounts: number;
  transfers: number;
  postings: number;
  /** Sum of every posting: 0 in a balanced ledger. */
  ledger_sum_minutes: number;
  units: UnitTotals[];
}

const shown = 20;
const list = (ids: string[]) =>
  ids.slice(0, shown).join(', ') + (ids.length > shown ? `, … (${ids.length})` : '');

/**
 * Proves the ledger from its postings: everything sums to zero, every transfer
 * sums to zero, every cached balance (and entry count) equals its postings, each
 * entry's running balance is right, corrections mirror what they correct, and no
 * balance is beyond its limit. Read only.
 */
export class Reconciliation {
  constructor(private readonly deps: { store: Pick<Store, 'db'> }) {}

  async run(): Promise<ReconciliationReport> {
    const db = this.deps.store.db;
    const failures: string[] = [];

    const total = await db
      .selectFrom('timebank_postings')
      .select((eb) => [
        eb.fn.coalesce(eb.fn.sum<number>('amount_minutes'), eb.lit(0)).as('sum'),
        eb.fn.countAll<number>().as('n'),
      ])
      .executeTakeFirstOrThrow();
    const ledgerSum = Number(total.sum);
    if (ledgerSum !== 0) failures.push(`the ledger sums to ${ledgerSum} minutes, not 0`);

    const unbalanced = await db
      .selectFrom('timebank_postings')
      .select('transfer_id')
      .groupBy('transfer_id')
      .having((eb) => eb.or([eb(eb.fn.sum('amount_minutes'), '<>', 0), eb(eb.fn.countAll(), '<', 2)]))
      .execute();
    if (unbalanced.length) {
      failures.push(
        `transfers that do not sum to zero over two or more postings: ${list(unbalanced.map((r) => r.transfer_id))}`,
      );
    }
    const empty = await db
      .selectFrom('timebank_transfers as t')
      .leftJoin('timebank_postings as p', 'p.transfer_id', 't.id')
      .select('t.id')
      .where('p.transfer_id', 'is', null)
      .execute();
    if (empty.length) failures.push(`transfers without postings: ${list(empty.map((r) => r.id))}`);

    const accounts = await db
      .selectFrom('timebank_accounts as a')
      .leftJoin('timebank_postings as p', 'p.account_id', 'a.id')
      .select(['a.id', 'a.balance_minutes', 'a.posting_count', 'a.overdraft_minutes'])
      .select((eb) => [
        eb.fn.coalesce(eb.fn.sum<number>('p.amount_minutes'), eb.lit(0)).as('posted'),
        eb.fn.count<number>('p.entry_no').as('entries'),
        eb.fn.coalesce(eb.fn.max<number>('p.entry_no'), eb.lit(0)).as('last_entry'),
      ])
      .groupBy(['a.id', 'a.balance_minutes', 'a.posting_count', 'a.overdraft_minutes'])
      .execute();
    const cacheWrong = accounts.filter((a) => Number(a.posted) !== a.balance_minutes);
    if (cacheWrong.length) {
      failures.push(
        `cached balances that differ from their postings: ${list(cacheWrong.map((a) => `${a.id} (cached ${a.balance_minutes}, postings ${Number(a.posted)})`))}`,
      );
    }
    const countWrong = accounts.filter(
      (a) => Number(a.entries) !== a.posting_count || Number(a.last_entry) !== a.posting_count,
    );
    if (countWrong.length) {
      failures.push(`accounts whose entries are not numbered 1…n: ${list(countWrong.map((a) => a.id))}`);
    }
    const beyond = accounts.filter(
      (a) => a.balance_minutes < -a.overdraft_minutes || Number(a.posted) < -a.overdraft_minutes,
    );
    if (beyond.length) {
      failures.push(
        `balances beyond their limit: ${list(beyond.map((a) => `${a.id} (${Number(a.posted)}, limit −${a.overdraft_minutes})`))}`,
      );
    }

    const running = await sql<{ account_id: string; entry_no: number }>`
      select account_id, entry_no from (
        select account_id, entry_no, balance_after_minutes,
               sum(amount_minutes) over (partition by account_id order by entry_no rows unbounded preceding) as running
        from timebank_postings
      ) r
      where r.running <> r.balance_after_minutes`.execute(db);
    if (running.rows.length) {
      failures.push(
        `entries whose balance-after is not the running sum: ${list(running.rows.map((r) => `${r.account_id}#${r.entry_no}`))}`,
      );
    }

    failures.push(...(await this.corrections()));

    const transfers = await db
      .selectFrom('timebank_transfers')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return {
      ok: failures.length === 0,
      failures,
      accounts: accounts.length,
      transfers: Number(transfers.n),
      postings: Number(total.n),
      ledger_sum_minutes: ledgerSum,
      units: await this.units(),
    };
  }

  /** A correction's postings are exactly the negation of the corrected transfer's. */
  private async corrections(): Promise<string[]> {
    const rows = await this.deps.store.db
      .selectFrom('timebank_transfers as c')
      .innerJoin('timebank_postings as p', (join) =>
        join.on((eb) =>
          eb.or([
            eb('p.transfer_id', '=', eb.ref('c.id')),
            eb('p.transfer_id', '=', eb.ref('c.corrects_id')),
          ]),
        ),
      )
      .select(['c.id as correction_id', 'c.corrects_id', 'p.transfer_id', 'p.account_id', 'p.amount_minutes'])
      .where('c.corrects_id', 'is not', null)
      .execute();
    const net = new Map<string, Map<string, number>>();
    for (const r of rows) {
      const legs = net.get(r.correction_id) ?? new Map<string, number>();
      legs.set(r.account_id, (legs.get(r.account_id) ?? 0) + r.amount_minutes);
      net.set(r.correction_id, legs);
    }
    const wrong = [...net].filter(([, legs]) => [...legs.values()].some((v) => v !== 0)).map(([id]) => id);
    return wrong.length ? [`corrections that do not exactly reverse their transfer: ${list(wrong)}`] : [];
  }

  private async units(): Promise<UnitTotals[]> {
    const rows = await this.deps.store.db
      .selectFrom('timebank_accounts as a')
      .innerJoin('org_units as o', 'o.id', 'a.org_unit_id')
      .select(['a.org_unit_id', 'o.name', 'o.path', 'a.kind'])
      .select((eb) => [
        eb.fn.sum<number>('a.balance_minutes').as('minutes'),
        eb.fn.countAll<number>().as('n'),
      ])
      .groupBy(['a.org_unit_id', 'o.name', 'o.path', 'a.kind'])
      .execute();
    const units = new Map<string, UnitTotals>();
    for (const r of rows) {
      const unit = units.get(r.org_unit_id) ?? {
        org_unit_id: r.org_unit_id,
        name: r.name,
        path: r.path,
        fund_minutes: 0,
        volunteer_minutes: 0,
        elder_minutes: 0,
        family_minutes: 0,
        accounts: 0,
      };
      const key = `${r.kind}_minutes` as 'fund_minutes';
      if (key in unit) unit[key] += Number(r.minutes);
      unit.accounts += Number(r.n);
      units.set(r.org_unit_id, unit);
    }
    return [...units.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }
}
