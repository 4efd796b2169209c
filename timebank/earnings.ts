import type { Store } from '../store/database.js';
import { underPath } from '../store/scope.js';
import { type AccountRef, accountId, type LedgerAccounts } from './accounts.js';
import type { IdempotentWriter, WriteOutcome } from './idempotency.js';
import { LedgerError } from './ledger-error.js';
import { postTransfer, type Transfer } from './postings.js';
import { creditForService, serviceDay, type TimebankRules, withinCaps } from './rules.js';
import type { LedgerDb } from './write-transaction.js';

/** A finished service, certified by a specialist: what dispatch hands the time bank. */
export interface CertifiedService {
  serviceId: string;
  volunteerId: string;
  /** The org unit whose fund pays. */
  orgUnitId: string;
  claimedMinutes: number;
  /** From the responder's check-in and check-out. */
  measuredMinutes: number;
  /** The specialist (or admin) who certified it: no certifier, no credits. */
  certifiedBy: string;
  /** When the service ended (ms): the day the daily cap counts it against. Default: now. */
  servedAt?: number;
  /** Default `deposit:<serviceId>`. */
  idempotencyKey?: string;
  /** Neither the elder (by the visit's code) nor the family confirmed it: flagged for a specialist's decision. */
  unconfirmed?: boolean;
}

export interface FlaggedApproval {
  serviceId: string;
  /** The amount the specialist states; 0 rejects the claim. */
  minutes: number;
  approvedBy: string;
  idempotencyKey: string;
}

export interface DepositResult {
  status: 'paid' | 'flagged' | 'approved' | 'rejected';
  service_id: string;
  volunteer_id: string;
  claimed_minutes: number;
  measured_minutes: number;
  /** null while flagged. */
  credited_minutes: number | null;
  capped_by: 'service' | 'day' | null;
  transfer: Transfer | null;
}

export interface ServiceClaim {
  service_id: string;
  volunteer_id: string;
  org_unit_id: string;
  claimed_minutes: number;
  measured_minutes: number;
  credited_minutes: number | null;
  status: string;
  certified_by: string;
  created_at: number;
}

/**
 * Earning: a certified service moves its credited minutes from the org unit's
 * fund to the volunteer. A service is credited once (whatever key a retry uses);
 * a claim far beyond the measured time waits for a specialist's stated amount.
 */
export class Earnings {
  constructor(
    private readonly deps: {
      store: Pick<Store, 'db' | 'dialect'>;
      accounts: LedgerAccounts;
      writer: IdempotentWriter;
      rules: TimebankRules;
      now: () => number;
    },
  ) {}

  async depositForService(service: CertifiedService): Promise<WriteOutcome<DepositResult>> {
    for (const key of ['claimedMinutes', 'measuredMinutes'] as const) {
      if (!Number.isSafeInteger(service[key]) || service[key] < 0) {
        throw new LedgerError('invalid_request', `${key} must be a whole number of minutes, at least 0`);
      }
    }
    if (!service.certifiedBy)
      throw new LedgerError('not_certified', 'credits are paid only for a certified service');
    const { idempotencyKey, ...content } = service;
    const at = this.deps.now();
    return this.deps.writer.write(
      {
        key: idempotencyKey ?? `deposit:${service.serviceId}`,
        operation: 'deposit',
        actor: service.certifiedBy,
        content,
      },
      async (trx, requestKey) => {
        await this.certifier(trx, service.certifiedBy, service.orgUnitId);
        const volunteer: AccountRef = { kind: 'volunteer', ownerId: service.volunteerId };
        const fund: AccountRef = { kind: 'fund', ownerId: service.orgUnitId };
        await this.deps.accounts.open(trx, [volunteer, fund]);
        const day = serviceDay(this.deps.rules, service.servedAt ?? at);
        // Claims the service first: a second deposit of it, under any key, waits here and is refused.
        const claimed = await trx
          .insertInto('timebank_service_credits')
          .values({
            service_id: service.serviceId,
            volunteer_id: service.volunteerId,
            org_unit_id: service.orgUnitId,
            claimed_minutes: service.claimedMinutes,
            measured_minutes: service.measuredMinutes,
            credited_minutes: null,
            status: 'flagged',
            capped_by: null,
            service_day: day,
            certified_by: service.certifiedBy,
            decided_by: null,
            transfer_id: null,
            created_at: at,
            decided_at: null,
          })
          .onConflict((oc) => oc.column('service_id').doNothing())
          .executeTakeFirst();
        if (Number(claimed.numInsertedOrUpdatedRows ?? 0) === 0) {
          throw new LedgerError('already_credited', `service ${service.serviceId} was already certified`);
        }
        // The volunteer's account is locked before the day's credits are summed: the daily cap holds under concurrency.
        const accounts = await this.deps.accounts.lock(trx, [accountId(volunteer), accountId(fund)]);
        const decision = creditForService(this.deps.rules, {
          claimedMinutes: service.claimedMinutes,
          measuredMinutes: service.measuredMinutes,
          creditedTodayMinutes: await this.creditedOn(trx, service.volunteerId, day),
          unconfirmed: service.unconfirmed,
        });
        const result: DepositResult = {
          status: decision.status,
          service_id: service.serviceId,
          volunteer_id: service.volunteerId,
          claimed_minutes: service.claimedMinutes,
          measured_minutes: service.measuredMinutes,
          credited_minutes: null,
          capped_by: null,
          transfer: null,
        };
        if (decision.status === 'flagged') return result;
        result.credited_minutes = decision.creditedMinutes;
        result.capped_by = decision.cappedBy;
        result.transfer = await this.pay(trx, accounts, service, decision.creditedMinutes, requestKey, at);
        await trx
          .updateTable('timebank_service_credits')
          .set({
            status: 'paid',
            credited_minutes: decision.creditedMinutes,
            capped_by: decision.cappedBy,
            transfer_id: result.transfer?.id ?? null,
            decided_by: service.certifiedBy,
            decided_at: at,
          })
          .where('service_id', '=', service.serviceId)
          .execute();
        return result;
      },
    );
  }

  /** A specialist decides a flagged claim: pays the stated amount (within the caps) or, with 0, rejects it. */
  async approveFlagged(approval: FlaggedApproval): Promise<WriteOutcome<DepositResult>> {
    if (!Number.isSafeInteger(approval.minutes) || approval.minutes < 0) {
      throw new LedgerError('invalid_request', 'minutes must be a whole number, at least 0');
    }
    const { idempotencyKey, approvedBy, ...content } = approval;
    const at = this.deps.now();
    return this.deps.writer.write(
      { key: idempotencyKey, operation: 'approval', actor: approvedBy, content },
      async (trx, requestKey) => {
        const claim = await trx
          .selectFrom('timebank_service_credits')
          .selectAll()
          .where('service_id', '=', approval.serviceId)
          .$if(this.deps.store.dialect === 'postgres', (q) => q.forUpdate())
          .executeTakeFirst();
        if (!claim) throw new LedgerError('unknown_service', `no certified service ${approval.serviceId}`);
        if (claim.status !== 'flagged') {
          throw new LedgerError(
            'not_flagged',
            `service ${approval.serviceId} is ${claim.status}, not flagged`,
          );
        }
        await this.certifier(trx, approvedBy, claim.org_unit_id);
        const volunteer: AccountRef = { kind: 'volunteer', ownerId: claim.volunteer_id };
        const fund: AccountRef = { kind: 'fund', ownerId: claim.org_unit_id };
        const accounts = await this.deps.accounts.lock(trx, [accountId(volunteer), accountId(fund)]);
        const decision =
          approval.minutes === 0
            ? null
            : withinCaps(
                this.deps.rules,
                approval.minutes,
                await this.creditedOn(trx, claim.volunteer_id, claim.service_day),
              );
        const service = {
          serviceId: claim.service_id,
          volunteerId: claim.volunteer_id,
          orgUnitId: claim.org_unit_id,
          claimedMinutes: claim.claimed_minutes,
          measuredMinutes: claim.measured_minutes,
          certifiedBy: approvedBy,
        };
        const transfer = decision
          ? await this.pay(trx, accounts, service, decision.creditedMinutes, requestKey, at)
          : null;
        const status = decision ? 'approved' : 'rejected';
        await trx
          .updateTable('timebank_service_credits')
          .set({
            status,
            credited_minutes: decision?.creditedMinutes ?? 0,
            capped_by: decision?.cappedBy ?? null,
            transfer_id: transfer?.id ?? null,
            decided_by: approvedBy,
            decided_at: at,
          })
          .where('service_id', '=', claim.service_id)
          .execute();
        return {
          status,
          service_id: claim.service_id,
          volunteer_id: claim.volunteer_id,
          claimed_minutes: claim.claimed_minutes,
          measured_minutes: claim.measured_minutes,
          credited_minutes: decision?.creditedMinutes ?? 0,
          capped_by: decision?.cappedBy ?? null,
          transfer,
        };
      },
    );
  }

  /** Claims of the org units under `scopePath`, e.g. the flagged ones waiting for a specialist. */
  async claims(scopePath: string, status?: string): Promise<ServiceClaim[]> {
    return this.deps.store.db
      .selectFrom('timebank_service_credits as c')
      .innerJoin('org_units as o', 'o.id', 'c.org_unit_id')
      .select([
        'c.service_id',
        'c.volunteer_id',
        'c.org_unit_id',
        'c.claimed_minutes',
        'c.measured_minutes',
        'c.credited_minutes',
        'c.status',
        'c.certified_by',
        'c.created_at',
      ])
      .where(underPath('o.path', scopePath))
      .$if(status !== undefined, (q) => q.where('c.status', '=', status!))
      .orderBy('c.created_at', 'desc')
      .limit(1000)
      .execute();
  }

  async claim(serviceId: string): Promise<ServiceClaim | undefined> {
    return this.deps.store.db
      .selectFrom('timebank_service_credits')
      .select([
        'service_id',
        'volunteer_id',
        'org_unit_id',
        'claimed_minutes',
        'measured_minutes',
        'credited_minutes',
        'status',
        'certified_by',
        'created_at',
      ])
      .where('service_id', '=', serviceId)
      .executeTakeFirst();
  }

  /** Anti-fraud: the certifier is a specialist or admin whose org unit covers the paying unit. */
  private async certifier(trx: LedgerDb, username: string, orgUnitId: string): Promise<void> {
    const user = await trx
      .selectFrom('users as u')
      .leftJoin('org_units as o', 'o.id', 'u.org_unit_id')
      .select(['u.role', 'o.path'])
      .where('u.username', '=', username)
      .executeTakeFirst();
    const unit = await trx
      .selectFrom('org_units')
      .select('path')
      .where('id', '=', orgUnitId)
      .executeTakeFirst();
    if (!unit) throw new LedgerError('unknown_account', `no org unit "${orgUnitId}"`);
    const covers = user && unit.path.startsWith(user.path ?? '/');
    if (!user || !['specialist', 'admin'].includes(user.role) || !covers) {
      throw new LedgerError(
        'not_certified',
        `"${username}" is not a specialist or admin of ${orgUnitId}: only they certify services`,
      );
    }
  }

  private async creditedOn(trx: LedgerDb, volunteerId: string, day: string): Promise<number> {
    const row = await trx
      .selectFrom('timebank_service_credits')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('credited_minutes'), eb.lit(0)).as('total'))
      .where('volunteer_id', '=', volunteerId)
      .where('service_day', '=', day)
      .where('status', 'in', ['paid', 'approved'])
      .executeTakeFirstOrThrow();
    return Number(row.total);
  }

  private async pay(
    trx: LedgerDb,
    accounts: Awaited<ReturnType<LedgerAccounts['lock']>>,
    service: Omit<CertifiedService, 'idempotencyKey'>,
    minutes: number,
    requestKey: string,
    at: number,
  ): Promise<Transfer | null> {
    if (minutes === 0) return null;
    return postTransfer(
      trx,
      accounts,
      {
        kind: 'deposit',
        orgUnitId: service.orgUnitId,
        memo: { code: 'service_credit', params: { service_id: service.serviceId } },
        requestKey,
        createdBy: service.certifiedBy,
        details: {
          service_id: service.serviceId,
          claimed_minutes: service.claimedMinutes,
          measured_minutes: service.measuredMinutes,
          certified_by: service.certifiedBy,
        },
        legs: [
          { accountId: accountId({ kind: 'fund', ownerId: service.orgUnitId }), minutes: -minutes },
          { accountId: accountId({ kind: 'volunteer', ownerId: service.volunteerId }), minutes },
        ],
      },
      at,
    );
  }
}
