import type { Store } from '../store/database.js';
import { underPath } from '../store/scope.js';

export interface RedemptionRecord {
  transfer_id: string;
  at: number;
  org_unit_id: string;
  payer: { kind: string; owner_id: string; name: string | null };
  item_id: string | null;
  item_name: string | null;
  quantity: number | null;
  minutes: number;
  created_by: string;
  /** The correction that reversed it, if any. */
  corrected_by: string | null;
}

/** The redemptions of an org unit and below, newest first: what was bought with credits, by whom. */
export class RedemptionLog {
  constructor(private readonly deps: { store: Pick<Store, 'db'> }) {}

  async list(
    scopePath: string,
    range: { from: number; to: number; limit: number },
  ): Promise<RedemptionRecord[]> {
    const rows = await this.deps.store.db
      .selectFrom('timebank_transfers as t')
      .innerJoin('org_units as o', 'o.id', 't.org_unit_id')
      // The payer's leg is the negative one; the fund's the positive.
      .innerJoin('timebank_postings as p', (j) =>
        j.onRef('p.transfer_id', '=', 't.id').on('p.amount_minutes', '<', 0),
      )
      .innerJoin('timebank_accounts as a', 'a.id', 'p.account_id')
      .leftJoin('responders as r', (j) => j.onRef('r.id', '=', 'a.owner_id').on('a.kind', '=', 'volunteer'))
      .leftJoin('elders as e', (j) => j.onRef('e.id', '=', 'a.owner_id').on('a.kind', '=', 'elder'))
      .leftJoin('org_units as u', (j) => j.onRef('u.id', '=', 'a.owner_id').on('a.kind', '=', 'family'))
      .leftJoin('timebank_transfers as c', 'c.corrects_id', 't.id')
      .select([
        't.id',
        't.created_at',
        't.org_unit_id',
        't.created_by',
        't.details',
        'a.kind',
        'a.owner_id',
        'p.amount_minutes',
        'r.name as volunteer_name',
        'e.name as elder_name',
        'u.name as family_name',
        'c.id as corrected_by',
      ])
      .where('t.kind', '=', 'redemption')
      .where(underPath('o.path', scopePath))
      .where('t.created_at', '>=', range.from)
      .where('t.created_at', '<', range.to)
      .orderBy('t.created_at', 'desc')
      .limit(range.limit)
      .execute();
    return rows.map((r) => {
      const details = JSON.parse(r.details) as { item_id?: string; item_name?: string; quantity?: number };
      return {
        transfer_id: r.id,
        at: r.created_at,
        org_unit_id: r.org_unit_id,
        payer: {
          kind: r.kind,
          owner_id: r.owner_id,
          name: r.volunteer_name ?? r.elder_name ?? r.family_name ?? null,
        },
        item_id: details.item_id ?? null,
        item_name: details.item_name ?? null,
        quantity: details.quantity ?? null,
        minutes: -r.amount_minutes,
        created_by: r.created_by,
        corrected_by: r.corrected_by,
      };
    });
  }
}
