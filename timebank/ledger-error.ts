/** Why a ledger request was refused; the HTTP routes turn the code into a status. */
export const ledgerErrorStatus = {
  invalid_request: 400,
  not_certified: 403,
  not_local: 403,
  unknown_account: 404,
  unknown_item: 404,
  unknown_transfer: 404,
  unknown_service: 404,
  insufficient_credits: 409,
  out_of_stock: 409,
  idempotency_conflict: 409,
  already_credited: 409,
  already_corrected: 409,
  not_correctable: 409,
  not_flagged: 409,
} as const;

export type LedgerErrorCode = keyof typeof ledgerErrorStatus;

export class LedgerError extends Error {
  constructor(
    readonly code: LedgerErrorCode,
    message: string,
  ) {
    super(message);
  }

  get status(): number {
    return ledgerErrorStatus[this.code];
  }
}
