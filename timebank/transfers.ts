import { anyErased, erasedText } from '../registry/elder-lookup.js';
import type { Store } from '../store/database.js';
import { type AccountRef, accountId, type LedgerAccounts, parseAccountId } from './accounts.js';
import type { IdempotentWriter, WriteOutcome } from './idempotency.js';
import { LedgerError } from './ledger-error.js';
import type { CodedMemo } from './memos.js';
import { postTransfer, readTransfer, type Transfer, type TransferKind } from './postings.js';
import type { LedgerDb } from './write-transaction.js';

export interface MoveRequest {
  idempotencyKey: string;
  actor: string;
  from: AccountRef;
  to: AccountRef;
  minutes: number;
  memo?: string;
  /** Paying a fund for a service order (meal delivery, a visit…). */
  serviceOrderId?: string;
  /** Whom the service is for, when not the payer: e.g. a parent. */
  beneficiaryId?: string;
}

export interface CorrectionRequest {
  idempotencyKey: string;
  actor: string;
  transferId: string;
  reason: string;
}

/**
 * Credits moving between accounts: a person pays a fund for a service order,
 * gives credits to a family member, a fund grants or allocates; and corrections,
 * which reverse a transfer with a new one (never an edit).
 */
export class Transfers {
  constructor(
    private readonly deps: {
      store: Pick<Store, 'db' | 'dialect'>;
      accounts: LedgerAccounts;
      writer: IdempotentWriter;
      now: () => number;
    },
  ) {}

  async move(request: MoveRequest): Promise<WriteOutcome<{ transfer: Transfer }>> {
    if (!Number.isSafeInteger(request.minutes) || request.minutes <= 0) {
      throw new LedgerError('invalid_request', 'minutes must be a whole number above zero');
    }
    const fromId = accountId(request.from);
    const toId = accountId(request.to);
    if (fromId === toId) throw new LedgerError('invalid_request', 'from and to are the same account');
    const kind = moveKind(request.from, request.to);
    if (kind === 'gift' && request.to.kind === 'volunteer') {
      throw new LedgerError('invalid_request', 'credits are given to an elder or a family account');
    }
    const { idempotencyKey, actor, ...content } = request;
    return this.deps.writer.write(
      { key: idempotencyKey, operation: 'transfer', actor, content },
      async (trx, requestKey) => {
        // A memo typed for an erased elder's account would bring back what the erasure replaced.
        const named = [request.from, request.to].flatMap((r) => (r.kind === 'elder' ? [r.ownerId] : []));
        if (request.beneficiaryId) named.push(request.beneficiaryId);
        const typed = request.memo !== undefined && (await anyErased(trx, named)) ? erasedText : request.memo;
        await this.deps.accounts.open(trx, [request.from, request.to]);
        const accounts = await this.deps.accounts.lock(trx, [fromId, toId]);
        const payer = accounts.get(fromId)!;
        const payee = accounts.get(toId)!;
        const details: Record<string, unknown> = {};
        if (request.serviceOrderId) details.service_order_id = request.serviceOrderId;
        if (request.beneficiaryId) details.beneficiary_id = request.beneficiaryId;
        const transfer = await postTransfer(
          trx,
          accounts,
          {
            kind,
            orgUnitId: kind === 'service' ? payee.org_unit_id : payer.org_unit_id,
            memo: typed ?? defaultMemo(kind, request),
            requestKey,
            createdBy: actor,
            details,
            legs: [
              { accountId: fromId, minutes: -request.minutes },
              { accountId: toId, minutes: request.minutes },
            ],
          },
          this.deps.now(),
        );
        return { transfer };
      },
    );
  }

  /**
   * Reverses a transfer with a new one referencing it. A transfer is corrected at
   * most once, corrections themselves are final, and the reversal obeys the same
   * limits: credits already spent cannot be taken back below an account's limit.
   */
  async correct(request: CorrectionRequest): Promise<WriteOutcome<{ transfer: Transfer }>> {
    const { idempotencyKey, actor, ...content } = request;
    return this.deps.writer.write(
      { key: idempotencyKey, operation: 'correction', actor, content },
      async (trx, requestKey) => {
        // The reason is typed: for an erased elder's transfer it would bring back what the erasure
        // replaced. Their rows are held before the original, in the order an erasure takes them.
        const postedTo = await trx
          .selectFrom('timebank_postings')
          .select('account_id')
          .where('transfer_id', '=', request.transferId)
          .execute();
        const elders = postedTo
          .map((p) => parseAccountId(p.account_id))
          .flatMap((r) => (r.kind === 'elder' ? [r.ownerId] : []));
        const reason = (await anyErased(trx, elders)) ? erasedText : request.reason;
        // Locks the original: two corrections of it wait on each other and the second sees the first.
        const locked = await trx
          .selectFrom('timebank_transfers')
          .select('id')
          .where('id', '=', request.transferId)
          .$if(this.deps.store.dialect === 'postgres', (q) => q.forUpdate())
          .executeTakeFirst();
        const original = locked && (await readTransfer(trx, locked.id));
        if (!original) throw new LedgerError('unknown_transfer', `no transfer ${request.transferId}`);
        if (original.kind === 'correction') {
          throw new LedgerError('not_correctable', 'a correction is final: make a new transfer instead');
        }
        const earlier = await trx
          .selectFrom('timebank_transfers')
          .select('id')
          .where('corrects_id', '=', original.id)
          .executeTakeFirst();
        if (earlier) {
          throw new LedgerError(
            'already_corrected',
            `transfer ${original.id} was corrected by ${earlier.id}`,
          );
        }
        const accounts = await this.deps.accounts.lock(
          trx,
          original.postings.map((p) => p.account_id),
        );
        const transfer = await postTransfer(
          trx,
          accounts,
          {
            kind: 'correction',
            orgUnitId: original.org_unit_id,
            memo: {
              code: 'correction',
              params: { transfer_kind: original.kind, transfer_id: original.id, reason },
            },
            requestKey,
            createdBy: actor,
            correctsId: original.id,
            details: { corrected_kind: original.kind, reason },
            legs: original.postings.map((p) => ({ accountId: p.account_id, minutes: -p.amount_minutes })),
          },
          this.deps.now(),
        );
        await undoSideEffects(trx, original);
        return { transfer };
      },
    );
  }

  async get(id: string): Promise<Transfer | undefined> {
    return readTransfer(this.deps.store.db, id);
  }
}

function moveKind(from: AccountRef, to: AccountRef): TransferKind {
  if (from.kind === 'fund') return to.kind === 'fund' ? 'allocation' : 'grant';
  return to.kind === 'fund' ? 'service' : 'gift';
}

function defaultMemo(kind: TransferKind, request: MoveRequest): CodedMemo {
  if (kind === 'service')
    return { code: 'service_payment', params: { order_id: request.serviceOrderId ?? '' } };
  // moveKind gives only these three besides a service.
  return { code: kind as 'gift' | 'grant' | 'allocation', params: { to: request.to.ownerId } };
}

/** What a corrected transfer did outside the ledger: stock comes back, a credited service is marked reversed. */
async function undoSideEffects(trx: LedgerDb, original: Transfer): Promise<void> {
  if (original.kind === 'redemption') {
    const itemId = String(original.details.item_id);
    const quantity = Number(original.details.quantity);
    await trx
      .updateTable('timebank_catalog_items')
      .set((eb) => ({ stock: eb('stock', '+', quantity) }))
      .where('id', '=', itemId)
      .execute();
  }
  if (original.kind === 'deposit') {
    await trx
      .updateTable('timebank_service_credits')
      .set({ status: 'reversed' })
      .where('transfer_id', '=', original.id)
      .execute();
  }
}
