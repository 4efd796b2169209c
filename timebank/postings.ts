import { randomUUID } from 'node:crypto';
import { type Account, compare, parseAccountId } from './accounts.js';
import { LedgerError } from './ledger-error.js';
import type { TransferKind } from './ledger-kinds.js';
import { type CodedMemo, memoColumns, readMemo } from './memos.js';
import type { LedgerDb } from './write-transaction.js';

export { type TransferKind, transferKinds } from './ledger-kinds.js';

export interface Leg {
  accountId: string;
  /** Signed minutes: negative leaves the account, positive arrives. */
  minutes: number;
}

export interface TransferDraft {
  kind: TransferKind;
  orgUnitId: string;
  /** The ledger's own memo as a code; a person's as typed. */
  memo: CodedMemo | string;
  requestKey: string;
  createdBy: string;
  correctsId?: string | null;
  details?: Record<string, unknown>;
  legs: Leg[];
}

export interface Posting {
  account_id: string;
  owner_id: string;
  account_kind: string;
  entry_no: number;
  amount_minutes: number;
  balance_after_minutes: number;
}

/** A written transfer, as the API shows it and as a retry gets it back. */
export interface Transfer {
  id: string;
  kind: TransferKind;
  org_unit_id: string;
  /** English; for the ledger's own memos the fallback of `memo_code`. */
  memo: string;
  memo_code: string | null;
  memo_params: Record<string, unknown> | null;
  corrects_id: string | null;
  created_by: string;
  created_at: number;
  details: Record<string, unknown>;
  postings: Posting[];
}

/**
 * Writes one transfer: its immutable postings, which sum to zero, and each
 * account's cached balance. The balance moves only by a conditional update that
 * keeps it within the account's overdraft (and a CHECK in the table backs it).
 * The accounts must be locked by the caller, in this transaction.
 */
export async function postTransfer(
  trx: LedgerDb,
  accounts: Map<string, Account>,
  draft: TransferDraft,
  at: number,
): Promise<Transfer> {
  const legs = mergeLegs(draft.legs);
  if (legs.length < 2) throw new LedgerError('invalid_request', 'a transfer needs two different accounts');
  if (legs.reduce((sum, leg) => sum + leg.minutes, 0) !== 0) {
    throw new LedgerError('invalid_request', 'the postings of a transfer must sum to zero');
  }
  for (const leg of legs) {
    if (!Number.isSafeInteger(leg.minutes))
      throw new LedgerError('invalid_request', 'minutes are whole numbers');
    if (!accounts.has(leg.accountId)) throw new Error(`account ${leg.accountId} is not locked`);
  }
  const memo = memoColumns(draft.memo);
  const transfer: Transfer = {
    id: randomUUID(),
    kind: draft.kind,
    org_unit_id: draft.orgUnitId,
    ...readMemo(memo),
    corrects_id: draft.correctsId ?? null,
    created_by: draft.createdBy,
    created_at: at,
    details: draft.details ?? {},
    postings: [],
  };
  await trx
    .insertInto('timebank_transfers')
    .values({
      id: transfer.id,
      kind: transfer.kind,
      org_unit_id: transfer.org_unit_id,
      ...memo,
      request_key: draft.requestKey,
      corrects_id: transfer.corrects_id,
      created_by: transfer.created_by,
      created_at: at,
      details: JSON.stringify(transfer.details),
    })
    .execute();
  // Debits first: a refusal comes before anything else is written.
  for (const leg of [...legs].sort((a, b) => a.minutes - b.minutes || compare(a.accountId, b.accountId))) {
    const moved = await trx
      .updateTable('timebank_accounts')
      .set((eb) => ({
        balance_minutes: eb('balance_minutes', '+', leg.minutes),
        posting_count: eb('posting_count', '+', 1),
      }))
      .where('id', '=', leg.accountId)
      .where((eb) => eb(eb('balance_minutes', '+', leg.minutes), '>=', eb.neg(eb.ref('overdraft_minutes'))))
      .returning(['balance_minutes', 'posting_count'])
      .executeTakeFirst();
    if (!moved) {
      const account = accounts.get(leg.accountId)!;
      throw new LedgerError(
        'insufficient_credits',
        `${account.id} has ${account.balance_minutes} minutes` +
          (account.overdraft_minutes ? ` (overdraft ${account.overdraft_minutes})` : '') +
          `: ${-leg.minutes} would take it below its limit`,
      );
    }
    const { kind, ownerId } = parseAccountId(leg.accountId);
    transfer.postings.push({
      account_id: leg.accountId,
      owner_id: ownerId,
      account_kind: kind,
      entry_no: moved.posting_count,
      amount_minutes: leg.minutes,
      balance_after_minutes: moved.balance_minutes,
    });
  }
  await trx
    .insertInto('timebank_postings')
    .values(
      transfer.postings.map((p) => ({
        account_id: p.account_id,
        entry_no: p.entry_no,
        transfer_id: transfer.id,
        amount_minutes: p.amount_minutes,
        balance_after_minutes: p.balance_after_minutes,
        created_at: at,
      })),
    )
    .execute();
  return transfer;
}

/** One leg per account; legs that cancel out disappear. */
function mergeLegs(legs: Leg[]): Leg[] {
  const byAccount = new Map<string, number>();
  for (const leg of legs) byAccount.set(leg.accountId, (byAccount.get(leg.accountId) ?? 0) + leg.minutes);
  return [...byAccount]
    .filter(([, minutes]) => minutes !== 0)
    .map(([accountId, minutes]) => ({ accountId, minutes }));
}

/** A transfer read back from the store (for corrections and statements). */
export async function readTransfer(db: LedgerDb, id: string): Promise<Transfer | undefined> {
  const row = await db.selectFrom('timebank_transfers').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) return undefined;
  const postings = await db
    .selectFrom('timebank_postings as p')
    .innerJoin('timebank_accounts as a', 'a.id', 'p.account_id')
    .select([
      'p.account_id',
      'a.owner_id',
      'a.kind as account_kind',
      'p.entry_no',
      'p.amount_minutes',
      'p.balance_after_minutes',
    ])
    .where('p.transfer_id', '=', id)
    .orderBy('p.amount_minutes')
    .orderBy('p.account_id')
    .execute();
  return {
    id: row.id,
    kind: row.kind as TransferKind,
    org_unit_id: row.org_unit_id,
    ...readMemo(row),
    corrects_id: row.corrects_id,
    created_by: row.created_by,
    created_at: row.created_at,
    details: JSON.parse(row.details) as Record<string, unknown>,
    postings,
  };
}
