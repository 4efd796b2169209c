import type { Store } from '../store/database.js';
import { underPath } from '../store/scope.js';
import { accountOwnerName } from './account-owners.js';
import type { AccountKind } from './accounts.js';

export interface AccountListing {
  id: string;
  kind: AccountKind;
  owner_id: string;
  /** The volunteer's, elder's or org unit's name. */
  owner_name: string | null;
  org_unit_id: string;
  balance_minutes: number;
  overdraft_minutes: number;
  entries: number;
}

/**
 * The accounts of an org unit and below, for the console's time-bank administration:
 * who holds how many minutes. Only opened accounts (those with a first entry) are listed.
 */
export class AccountRegister {
  constructor(private readonly deps: { store: Pick<Store, 'db'> }) {}

  async list(
    scopePath: string,
    filter: { kind?: AccountKind | undefined; limit: number },
  ): Promise<AccountListing[]> {
    const rows = await this.deps.store.db
      .selectFrom('timebank_accounts as a')
      .innerJoin('org_units as o', 'o.id', 'a.org_unit_id')
      .select([
        'a.id',
        'a.kind',
        'a.owner_id',
        'a.org_unit_id',
        'a.balance_minutes',
        'a.overdraft_minutes',
        'a.posting_count',
        accountOwnerName.as('owner_name'),
      ])
      .where(underPath('o.path', scopePath))
      .$if(filter.kind !== undefined, (q) => q.where('a.kind', '=', filter.kind!))
      .orderBy('a.kind')
      .orderBy('a.owner_id')
      .limit(filter.limit)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind as AccountKind,
      owner_id: r.owner_id,
      owner_name: r.owner_name,
      org_unit_id: r.org_unit_id,
      balance_minutes: r.balance_minutes,
      overdraft_minutes: r.overdraft_minutes,
      entries: r.posting_count,
    }));
  }
}
