import { type Coded, readParams, storedText } from '../kernel/coded-text.js';

/**
 * What the ledger writes as a transfer's memo: a stable code and its parameters, stored
 * beside the English sentence `memo` always held. Readers render the code in their
 * language (ledger-texts.ts); the English stays for older rows and for API clients.
 * A memo a person typed is stored as typed, without a code.
 */
export interface MemoParams {
  service_credit: { service_id: string };
  service_payment: { order_id: string };
  gift: { to: string };
  grant: { to: string };
  allocation: { to: string };
  redemption: { quantity: number; item_name: string };
  correction: { transfer_kind: string; transfer_id: string; reason: string };
}
export type CodedMemo = Coded<MemoParams>;

/** The English sentence of a coded memo: exactly what `memo` held before codes existed. */
export function englishMemo(memo: CodedMemo): string {
  switch (memo.code) {
    case 'service_credit':
      return `service ${memo.params.service_id}`;
    case 'service_payment':
      return `service order ${memo.params.order_id}`.trim();
    case 'gift':
    case 'grant':
    case 'allocation':
      return `${memo.code} to ${memo.params.to}`;
    case 'redemption':
      return `${memo.params.quantity} × ${memo.params.item_name}`;
    case 'correction': {
      const p = memo.params;
      return `correction of ${p.transfer_kind} ${p.transfer_id}: ${p.reason}`;
    }
  }
}

/** The columns a memo is stored in. */
export function memoColumns(memo: CodedMemo | string): {
  memo: string;
  memo_code: string | null;
  memo_params: string | null;
} {
  const { text, code, params } = storedText(memo, englishMemo);
  return { memo: text, memo_code: code, memo_params: params };
}

/** A stored row's memo as the API gives it. */
export function readMemo(row: { memo: string; memo_code: string | null; memo_params: string | null }): {
  memo: string;
  memo_code: string | null;
  memo_params: Record<string, unknown> | null;
} {
  return {
    memo: row.memo,
    memo_code: row.memo_code,
    memo_params: readParams(row.memo_params),
  };
}
