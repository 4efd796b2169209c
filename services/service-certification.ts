import type { SignedInUser } from '../kernel/identity.js';
import type { ServiceOrderBook } from './service-order-book.js';
import {
  type ServiceCredits,
  ServiceOrderError,
  type ServiceOrderView,
  view,
  wrongStatus,
} from './service-order-model.js';

/** A served order's rating and its certification, which pays the volunteer through the time bank. */
export class ServiceCertification {
  constructor(private readonly deps: { book: ServiceOrderBook; credits: ServiceCredits }) {}

  /**
   * The elder's family rates the service (1–5). A specialist or admin may record the
   * rating an elder without the app gave by phone; the audit names who entered it.
   */
  async rate(
    actor: SignedInUser,
    id: string,
    rating: { rating: number; comment?: string | undefined },
  ): Promise<ServiceOrderView> {
    await this.deps.book.staffRow(actor, id);
    await this.deps.book.moveOrRefuse(id, 'rate', {
      from: ['done'],
      to: 'rated',
      actor: actor.username,
      note: { code: 'order_rated', params: { rating: rating.rating } },
      // An erased elder's rating counts for the volunteer; its comment, typed about her, is not kept.
      typed: true,
      set: (_row, _at, erased) => ({
        rating: rating.rating,
        rating_comment: erased ? null : (rating.comment ?? null),
        rated_by: actor.username,
      }),
    });
    return this.deps.book.get(actor, id);
  }

  /**
   * A specialist certifies a rated service with the minutes claimed: the ledger pays them
   * from the community's fund, or flags for a decision a claim over 1.5× the measured time or a
   * visit neither the elder's code nor the family confirmed.
   * The ledger credits a service once (keyed by the order id), so a retry after a lost
   * answer is replayed there and then recorded here.
   */
  async certify(actor: SignedInUser, id: string, claimedMinutes: number): Promise<ServiceOrderView> {
    const row = await this.deps.book.staffRow(actor, id);
    if (row.status === 'certified') return view(row, actor);
    if (row.status !== 'rated' || !row.volunteer_id) {
      throw wrongStatus(id, row.status, 'certify');
    }
    // An answer to an alert is proven by the alert's own on-site check-in; one closed before the
    // volunteer arrived waits for a specialist's decision, as a visit nobody confirmed does.
    const proven =
      row.kind === 'emergency_response'
        ? await this.deps.book.checkedInOnSite(row.alert_id)
        : row.confirmation !== null;
    const { result } = await this.deps.credits.depositForService({
      serviceId: row.id,
      volunteerId: row.volunteer_id,
      orgUnitId: row.community_id,
      claimedMinutes,
      measuredMinutes: row.measured_minutes ?? 0,
      certifiedBy: actor.username,
      ...(row.checked_out_at === null ? {} : { servedAt: row.checked_out_at }),
      ...(proven ? {} : { unconfirmed: true }),
    });
    // Lost only to a concurrent certification of the same order, which the ledger paid once.
    await this.deps.book.move(id, {
      from: ['rated'],
      to: 'certified',
      actor: actor.username,
      note: {
        code: 'order_certified',
        params: {
          claimed_minutes: claimedMinutes,
          measured_minutes: row.measured_minutes ?? 0,
          credit_status: result.status,
        },
      },
      set: (_row, at) => ({
        claimed_minutes: claimedMinutes,
        certified_by: actor.username,
        certified_at: at,
        credit_status: result.status,
        credited_minutes: result.credited_minutes,
        capped_by: result.capped_by,
      }),
    });
    return this.deps.book.get(actor, id);
  }

  /**
   * A specialist decides a flagged certified service: approved, the ledger pays `minutes` (default
   * the measured time, never more than claimed) within the caps; rejected, nothing. Audited on the
   * order's timeline and in the ledger; decided once (a retry gets the same answer).
   */
  async decide(
    actor: SignedInUser,
    id: string,
    decision: { approve: boolean; minutes?: number | undefined },
  ): Promise<ServiceOrderView> {
    const row = await this.deps.book.staffRow(actor, id);
    if (row.status !== 'certified' || row.credit_status !== 'flagged' || !row.volunteer_id) {
      throw new ServiceOrderError(
        409,
        'not_flagged',
        `service order ${id} is ${row.status}${row.credit_status ? ` (${row.credit_status})` : ''}: only a flagged certified service waits for a decision`,
      );
    }
    const claimed = row.claimed_minutes ?? 0;
    // Refused, not quietly lowered: a stated amount over the claim is a slip (another order, a typo)
    // the specialist should see, and the timeline records the amount they stated. Nothing is decided,
    // so the order still waits and may be decided again.
    if (decision.approve && decision.minutes !== undefined && decision.minutes > claimed) {
      throw new ServiceOrderError(
        400,
        'over_claim',
        `service order ${id} claimed ${claimed} minutes: approve at most the claim, not ${decision.minutes}`,
      );
    }
    const minutes = decision.approve ? (decision.minutes ?? Math.min(claimed, row.measured_minutes ?? 0)) : 0;
    const { result } = await this.deps.credits.approveFlagged({
      serviceId: row.id,
      minutes,
      approvedBy: actor.username,
      idempotencyKey: `decision:${row.id}`,
    });
    await this.deps.book.move(id, {
      from: ['certified'],
      to: 'certified',
      actor: actor.username,
      note: {
        code: 'order_decided',
        params: { decision: result.status === 'approved' ? 'approved' : 'rejected', minutes },
      },
      set: () => ({
        credit_status: result.status,
        credited_minutes: result.credited_minutes,
        capped_by: result.capped_by,
      }),
    });
    return this.deps.book.get(actor, id);
  }
}
