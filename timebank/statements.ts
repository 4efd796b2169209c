import type { Store } from '../store/database.js';
import { underPath } from '../store/scope.js';
import { accountOwnerName } from './account-owners.js';
import type { Account } from './accounts.js';
import { readMemo } from './memos.js';
import type { LedgerDb } from './write-transaction.js';

export interface StatementEntry {
  at: number;
  account_id: string;
  account_kind: string;
  owner_id: string;
  /** The volunteer's, elder's or unit's name (null: none stored; show the id). */
  owner_name: string | null;
  entry_no: number;
  transfer_id: string;
  transfer_kind: string;
  /** English; for the ledger's own memos the fallback of `memo_code` (memos.ts). */
  memo: string;
  memo_code: string | null;
  memo_params: Record<string, unknown> | null;
  /** Signed: negative left the account. */
  amount_minutes: number;
  balance_after_minutes: number;
  /** The other accounts of the transfer. */
  counterparties: string[];
  corrects_id: string | null;
}

export interface AccountSummary {
  account_id: string;
  account_kind: string;
  owner_id: string;
  /** The volunteer's, elder's or unit's name (null: none stored; show the id). */
  owner_name: string | null;
  org_unit_id: string;
  org_unit_name: string;
  opening_balance_minutes: number;
  closing_balance_minutes: number;
  minutes_in: number;
  minutes_out: number;
}

export interface Statement {
  /** The account's or org unit's id. */
  subject: string;
  from: number;
  to: number;
  accounts: AccountSummary[];
  entries: StatementEntry[];
}

export interface Range {
  from: number;
  to: number;
}

/** Longest statement served at once: a community's busy year fits; beyond, ask for a shorter range. */
export const maxStatementEntries = 100_000;

/**
 * Statements read from the postings: an account's entries, or every entry of the
 * accounts of an org unit and the units below it, with opening and closing
 * balances for the range (`from` inclusive, `to` exclusive).
 */
export class Statements {
  constructor(private readonly deps: { store: Pick<Store, 'db'> }) {}

  /** The latest entries of an account, newest first. */
  async recent(accountId: string, limit: number): Promise<StatementEntry[]> {
    const entries = await this.entries(
      this.deps.store.db,
      { accountId },
      { from: 0, to: Number.MAX_SAFE_INTEGER },
      {
        newestFirst: true,
        limit,
      },
    );
    return entries;
  }

  async account(account: Account, range: Range): Promise<Statement> {
    const entries = await this.entries(this.deps.store.db, { accountId: account.id }, range, {});
    const summaries = await this.summaries({ accountId: account.id }, range, entries);
    const summary = summaries[0] ?? {
      account_id: account.id,
      account_kind: account.kind,
      owner_id: account.owner_id,
      owner_name: null,
      org_unit_id: account.org_unit_id,
      org_unit_name: account.org_unit_id,
      opening_balance_minutes: 0,
      closing_balance_minutes: 0,
      minutes_in: 0,
      minutes_out: 0,
    };
    return { subject: account.id, ...range, accounts: [summary], entries };
  }

  async orgUnit(orgUnitId: string, path: string, range: Range): Promise<Statement> {
    const entries = await this.entries(this.deps.store.db, { path }, range, {});
    return {
      subject: orgUnitId,
      ...range,
      accounts: await this.summaries({ path }, range, entries),
      entries,
    };
  }

  private async entries(
    db: LedgerDb,
    which: { accountId?: string; path?: string },
    range: Range,
    options: { newestFirst?: boolean; limit?: number },
  ): Promise<StatementEntry[]> {
    const rows = await db
      .selectFrom('timebank_postings as p')
      .innerJoin('timebank_transfers as t', 't.id', 'p.transfer_id')
      .innerJoin('timebank_accounts as a', 'a.id', 'p.account_id')
      .innerJoin('org_units as o', 'o.id', 'a.org_unit_id')
      .select([
        'p.created_at as at',
        'p.account_id',
        'a.kind as account_kind',
        'a.owner_id',
        accountOwnerName.as('owner_name'),
        'p.entry_no',
        'p.transfer_id',
        't.kind as transfer_kind',
        't.memo',
        't.memo_code',
        't.memo_params',
        'p.amount_minutes',
        'p.balance_after_minutes',
        't.corrects_id',
      ])
      .$if(which.accountId !== undefined, (q) => q.where('p.account_id', '=', which.accountId!))
      .$if(which.path !== undefined, (q) => q.where(underPath('o.path', which.path!)))
      .where('p.created_at', '>=', range.from)
      .where('p.created_at', '<', range.to)
      .orderBy('p.created_at', options.newestFirst ? 'desc' : 'asc')
      .orderBy('p.account_id')
      .orderBy('p.entry_no', options.newestFirst ? 'desc' : 'asc')
      .limit(options.limit ?? maxStatementEntries)
      .execute();
    const others = new Map<string, string[]>();
    const transferIds = [...new Set(rows.map((r) => r.transfer_id))];
    for (let i = 0; i < transferIds.length; i += 500) {
      const legs = await db
        .selectFrom('timebank_postings')
        .select(['transfer_id', 'account_id'])
        .where('transfer_id', 'in', transferIds.slice(i, i + 500))
        .execute();
      for (const leg of legs) {
        const list = others.get(leg.transfer_id) ?? [];
        list.push(leg.account_id);
        others.set(leg.transfer_id, list);
      }
    }
    return rows.map((r) => ({
      ...r,
      ...readMemo(r),
      counterparties: (others.get(r.transfer_id) ?? []).filter((id) => id !== r.account_id).sort(),
    }));
  }

  /** Opening and closing balances from the last posting before each end of the range. */
  private async summaries(
    which: { accountId?: string; path?: string },
    range: Range,
    entries: StatementEntry[],
  ): Promise<AccountSummary[]> {
    const accounts = await this.deps.store.db
      .selectFrom('timebank_accounts as a')
      .innerJoin('org_units as o', 'o.id', 'a.org_unit_id')
      .select(['a.id', 'a.kind', 'a.owner_id', 'a.org_unit_id', 'o.name as org_unit_name'])
      .select(accountOwnerName.as('owner_name'))
      .select((eb) => {
        // The balance after the account's last posting before a time (the PK index walked backwards).
        const balanceBefore = (at: number) =>
          eb
            .selectFrom('timebank_postings as p')
            .select('p.balance_after_minutes')
            .whereRef('p.account_id', '=', 'a.id')
            .where('p.created_at', '<', at)
            .orderBy('p.entry_no', 'desc')
            .limit(1);
        return [balanceBefore(range.from).as('opening'), balanceBefore(range.to).as('closing')];
      })
      .$if(which.accountId !== undefined, (q) => q.where('a.id', '=', which.accountId!))
      .$if(which.path !== undefined, (q) => q.where(underPath('o.path', which.path!)))
      .orderBy('a.id')
      .execute();
    const flows = new Map<string, { in: number; out: number }>();
    for (const e of entries) {
      const flow = flows.get(e.account_id) ?? { in: 0, out: 0 };
      if (e.amount_minutes > 0) flow.in += e.amount_minutes;
      else flow.out -= e.amount_minutes;
      flows.set(e.account_id, flow);
    }
    return accounts.map((a) => ({
      account_id: a.id,
      account_kind: a.kind,
      owner_id: a.owner_id,
      owner_name: a.owner_name,
      org_unit_id: a.org_unit_id,
      org_unit_name: a.org_unit_name,
      opening_balance_minutes: a.opening ?? 0,
      closing_balance_minutes: a.closing ?? 0,
      minutes_in: flows.get(a.id)?.in ?? 0,
      minutes_out: flows.get(a.id)?.out ?? 0,
    }));
  }
}
