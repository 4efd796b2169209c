/**
 * The ledger's kinds: whose credits an account holds, what a transfer is. No imports, because the
 * console compiles them too (api-schemas.ts) and lists the account kinds in its filter.
 */

/** Whose credits an account holds. An owner id alone is tried in this order. */
export const accountKinds = ['volunteer', 'elder', 'family', 'fund'] as const;
export type AccountKind = (typeof accountKinds)[number];

export const transferKinds = [
  'deposit',
  'service',
  'gift',
  'grant',
  'allocation',
  'redemption',
  'correction',
] as const;
export type TransferKind = (typeof transferKinds)[number];
