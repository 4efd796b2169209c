import type { Selectable, Transaction } from 'kysely';
import type { Store } from '../store/database.js';
import type { Tables, TimebankAccountTable } from '../store/schema.js';
import { LedgerError } from './ledger-error.js';
import { type AccountKind, accountKinds } from './ledger-kinds.js';
import { overdraftFor, type TimebankRules } from './rules.js';
import type { LedgerDb } from './write-transaction.js';

export { type AccountKind, accountKinds } from './ledger-kinds.js';

export interface AccountRef {
  kind: AccountKind;
  ownerId: string;
}

export interface Account extends Selectable<TimebankAccountTable> {
  kind: AccountKind;
  /** The org unit's path, for scope checks. */
  path: string;
  /** False for an owner whose account has no entries yet (it opens with its first transfer). */
  opened: boolean;
}

export const accountId = (ref: AccountRef): string => `${ref.kind}:${ref.ownerId}`;

export function parseAccountId(id: string): AccountRef {
  const at = id.indexOf(':');
  return { kind: id.slice(0, at) as AccountKind, ownerId: id.slice(at + 1) };
}

/**
 * Accounts of the ledger: one per volunteer (responder id), elder, family (org unit
 * of level family) and one fund per org unit. They open on first use, with the
 * overdraft the rules give their org unit.
 */
/**
 * An elder moved to another org unit: their account goes with them (scope checks read its unit),
 * so the family they left can no longer spend it. Its past postings stay as they were.
 */
export async function moveElderAccount(
  trx: Transaction<Tables>,
  elderId: string,
  toUnit: string,
): Promise<void> {
  await trx
    .updateTable('timebank_accounts')
    .set({ org_unit_id: toUnit })
    .where('kind', '=', 'elder')
    .where('owner_id', '=', elderId)
    .execute();
}

export class LedgerAccounts {
  constructor(
    private readonly deps: { store: Pick<Store, 'db' | 'dialect'>; rules: TimebankRules; now: () => number },
  ) {}

  /** The org unit an owner belongs to; unknown_account if there is no such owner. */
  async owner(db: LedgerDb, ref: AccountRef): Promise<{ orgUnitId: string; path: string }> {
    let row: { org_unit_id: string; path: string } | undefined;
    if (ref.kind === 'volunteer') {
      row = await db
        .selectFrom('responders as r')
        .innerJoin('org_units as o', 'o.id', 'r.org_unit_id')
        .select(['r.org_unit_id', 'o.path'])
        .where('r.id', '=', ref.ownerId)
        .where('r.kind', '=', 'volunteer')
        .executeTakeFirst();
    } else if (ref.kind === 'elder') {
      row = await db
        .selectFrom('elders as e')
        .innerJoin('org_units as o', 'o.id', 'e.org_unit_id')
        .select(['e.org_unit_id', 'o.path'])
        .where('e.id', '=', ref.ownerId)
        .executeTakeFirst();
    } else {
      row = await db
        .selectFrom('org_units')
        .select(['id as org_unit_id', 'path'])
        .where('id', '=', ref.ownerId)
        .$if(ref.kind === 'family', (q) => q.where('level', '=', 'family'))
        .executeTakeFirst();
    }
    if (!row) throw new LedgerError('unknown_account', `no ${ref.kind} "${ref.ownerId}"`);
    return { orgUnitId: row.org_unit_id, path: row.path };
  }

  /** An owner's account: of the given kind, or the first kind the owner id exists as. */
  async find(ownerId: string, kind?: AccountKind, db: LedgerDb = this.deps.store.db): Promise<Account> {
    for (const k of kind ? [kind] : accountKinds) {
      const ref = { kind: k, ownerId };
      const stored = await this.read(db, [accountId(ref)]);
      const account = stored.get(accountId(ref));
      if (account) return account;
      try {
        const { orgUnitId, path } = await this.owner(db, ref);
        return {
          id: accountId(ref),
          kind: k,
          owner_id: ownerId,
          org_unit_id: orgUnitId,
          path,
          overdraft_minutes: overdraftFor(this.deps.rules, k, path),
          balance_minutes: 0,
          posting_count: 0,
          created_at: 0,
          opened: false,
        };
      } catch (error) {
        if (!(error instanceof LedgerError)) throw error;
      }
    }
    throw unknownAccount(ownerId, kind);
  }

  /**
   * Opens the accounts that are not open yet, in id order (so two writers never
   * wait on each other's new rows crosswise).
   */
  async open(trx: LedgerDb, refs: AccountRef[]): Promise<void> {
    const sorted = [...refs].sort((a, b) => compare(accountId(a), accountId(b)));
    const existing = await this.read(trx, sorted.map(accountId));
    for (const ref of sorted) {
      if (existing.has(accountId(ref))) continue;
      const { orgUnitId, path } = await this.owner(trx, ref);
      await trx
        .insertInto('timebank_accounts')
        .values({
          id: accountId(ref),
          kind: ref.kind,
          owner_id: ref.ownerId,
          org_unit_id: orgUnitId,
          overdraft_minutes: overdraftFor(this.deps.rules, ref.kind, path),
          balance_minutes: 0,
          posting_count: 0,
          created_at: this.deps.now(),
        })
        // No conflict target: a racing writer's row may collide on (owner_id, kind) before
        // id, and PostgreSQL only forgives a collision on the indexes it was told of.
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
  }

  /**
   * Locks the accounts for the rest of the transaction, in id order so that two
   * transfers over the same accounts cannot deadlock. SQLite's writer already
   * holds the database (BEGIN IMMEDIATE).
   */
  async lock(trx: LedgerDb, ids: string[]): Promise<Map<string, Account>> {
    const sorted = [...new Set(ids)].sort(compare);
    const rows = await trx
      .selectFrom('timebank_accounts')
      .selectAll()
      .where('id', 'in', sorted)
      .orderBy('id')
      .$if(this.deps.store.dialect === 'postgres', (q) => q.forUpdate())
      .execute();
    const paths = await this.paths(
      trx,
      rows.map((r) => r.org_unit_id),
    );
    const accounts = new Map<string, Account>();
    for (const row of rows) {
      accounts.set(row.id, {
        ...row,
        kind: row.kind as AccountKind,
        path: paths.get(row.org_unit_id) ?? '/',
        opened: true,
      });
    }
    for (const id of sorted) {
      if (!accounts.has(id)) throw new LedgerError('unknown_account', `no account ${id}`);
    }
    return accounts;
  }

  /**
   * Brings fund overdrafts in line with the configured rules (at start). A fund
   * already below a lowered limit keeps its old one and is named in the answer.
   */
  async applyFundOverdrafts(): Promise<string[]> {
    const db = this.deps.store.db;
    const funds = await db.selectFrom('timebank_accounts').selectAll().where('kind', '=', 'fund').execute();
    const paths = await this.paths(
      db,
      funds.map((f) => f.org_unit_id),
    );
    const kept: string[] = [];
    for (const fund of funds) {
      const wanted = overdraftFor(this.deps.rules, 'fund', paths.get(fund.org_unit_id) ?? '/');
      if (wanted === fund.overdraft_minutes) continue;
      const updated = await db
        .updateTable('timebank_accounts')
        .set({ overdraft_minutes: wanted })
        .where('id', '=', fund.id)
        .where('balance_minutes', '>=', -wanted)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) kept.push(fund.id);
    }
    return kept;
  }

  private async read(db: LedgerDb, ids: string[]): Promise<Map<string, Account>> {
    if (ids.length === 0) return new Map();
    const rows = await db
      .selectFrom('timebank_accounts as a')
      .innerJoin('org_units as o', 'o.id', 'a.org_unit_id')
      .selectAll('a')
      .select('o.path')
      .where('a.id', 'in', ids)
      .execute();
    return new Map(rows.map((r) => [r.id, { ...r, kind: r.kind as AccountKind, opened: true }]));
  }

  private async paths(db: LedgerDb, orgUnitIds: string[]): Promise<Map<string, string>> {
    const unique = [...new Set(orgUnitIds)];
    if (unique.length === 0) return new Map();
    const rows = await db.selectFrom('org_units').select(['id', 'path']).where('id', 'in', unique).execute();
    return new Map(rows.map((r) => [r.id, r.path]));
  }
}

/** Plain code-unit order, the same on every node: the order new accounts are inserted in. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The answer for an account that does not exist — and for one the caller may not see: the same. */
export function unknownAccount(ownerId: string, kind?: AccountKind): LedgerError {
  return new LedgerError(
    'unknown_account',
    kind ? `no ${kind} "${ownerId}"` : `no volunteer, elder, family or org unit "${ownerId}"`,
  );
}
