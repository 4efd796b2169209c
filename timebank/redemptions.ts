import type { Store } from '../store/database.js';
import { type AccountRef, accountId, type LedgerAccounts } from './accounts.js';
import type { IdempotentWriter, WriteOutcome } from './idempotency.js';
import { LedgerError } from './ledger-error.js';
import { postTransfer, type Transfer } from './postings.js';

export interface RedemptionRequest {
  idempotencyKey: string;
  actor: string;
  payer: AccountRef;
  itemId: string;
  quantity: number;
}

/**
 * Local redemption: a person pays a community's fund for catalog items, and the
 * stock goes down in the same transaction. Only accounts of that community (or
 * below it) redeem there: local service, local redemption.
 */
export class Redemptions {
  constructor(
    private readonly deps: {
      store: Pick<Store, 'db' | 'dialect'>;
      accounts: LedgerAccounts;
      writer: IdempotentWriter;
      now: () => number;
    },
  ) {}

  async redeem(
    request: RedemptionRequest,
  ): Promise<WriteOutcome<{ transfer: Transfer; stock_left: number }>> {
    if (!Number.isSafeInteger(request.quantity) || request.quantity <= 0) {
      throw new LedgerError('invalid_request', 'quantity must be a whole number above zero');
    }
    const { idempotencyKey, actor, ...content } = request;
    return this.deps.writer.write(
      { key: idempotencyKey, operation: 'redemption', actor, content },
      async (trx, requestKey) => {
        // The item row is locked before the accounts (the same order in every write).
        const item = await trx
          .selectFrom('timebank_catalog_items as i')
          .innerJoin('org_units as o', 'o.id', 'i.org_unit_id')
          .select(['i.id', 'i.name', 'i.org_unit_id', 'i.price_minutes', 'i.stock', 'i.active', 'o.path'])
          .where('i.id', '=', request.itemId)
          .$if(this.deps.store.dialect === 'postgres', (q) => q.forUpdate('i'))
          .executeTakeFirst();
        if (item?.active !== 1) throw new LedgerError('unknown_item', `no catalog item ${request.itemId}`);
        if (item.stock < request.quantity) {
          throw new LedgerError(
            'out_of_stock',
            `${item.name}: ${item.stock} left, ${request.quantity} asked`,
          );
        }
        const payer = await this.deps.accounts.owner(trx, request.payer);
        if (!payer.path.startsWith(item.path)) {
          throw new LedgerError(
            'not_local',
            `${item.name} is redeemed only by accounts of ${item.org_unit_id}`,
          );
        }
        const fund: AccountRef = { kind: 'fund', ownerId: item.org_unit_id };
        await this.deps.accounts.open(trx, [request.payer, fund]);
        const accounts = await this.deps.accounts.lock(trx, [accountId(request.payer), accountId(fund)]);
        const minutes = item.price_minutes * request.quantity;
        const transfer = await postTransfer(
          trx,
          accounts,
          {
            kind: 'redemption',
            orgUnitId: item.org_unit_id,
            memo: { code: 'redemption', params: { quantity: request.quantity, item_name: item.name } },
            requestKey,
            createdBy: actor,
            details: {
              item_id: item.id,
              item_name: item.name,
              quantity: request.quantity,
              price_minutes: item.price_minutes,
            },
            legs: [
              { accountId: accountId(request.payer), minutes: -minutes },
              { accountId: accountId(fund), minutes },
            ],
          },
          this.deps.now(),
        );
        const taken = await trx
          .updateTable('timebank_catalog_items')
          .set((eb) => ({ stock: eb('stock', '-', request.quantity) }))
          .where('id', '=', item.id)
          .where('stock', '>=', request.quantity)
          .returning('stock')
          .executeTakeFirst();
        if (!taken) throw new LedgerError('out_of_stock', `${item.name} ran out`);
        return { transfer, stock_left: taken.stock };
      },
    );
  }
}
