import { afterEach, describe, expect, it } from 'vitest';
import { dialects } from '../test/support/databases.js';
import { ledgerWithDistrict, type TestLedger } from '../test/support/timebank-district.js';
import type { AccountRef } from './accounts.js';
import type { CertifiedService } from './earnings.js';
import { Ledger } from './ledger.js';
import { LedgerError } from './ledger-error.js';
import { type TimebankRulesInput, timebankRulesSchema } from './rules.js';

const volunteer = (ownerId = 'v-0001'): AccountRef => ({ kind: 'volunteer', ownerId });
const elder = (ownerId = 'e-0001'): AccountRef => ({ kind: 'elder', ownerId });
const fund = (ownerId = 'jingtian'): AccountRef => ({ kind: 'fund', ownerId });

/** The error code a refused write carries. */
async function refusal(write: Promise<unknown>): Promise<string> {
  try {
    await write;
  } catch (error) {
    if (error instanceof LedgerError) return error.code;
    throw error;
  }
  return 'accepted';
}

describe.each(dialects)('the ledger on %s', (dialect) => {
  let t: TestLedger;
  const start = async (rules?: TimebankRulesInput) => {
    t = await ledgerWithDistrict(dialect, { rules });
    return t.ledger;
  };
  afterEach(async () => {
    await t?.store.close();
  });

  const service = (overrides: Partial<CertifiedService> = {}): CertifiedService => ({
    serviceId: 'svc-1',
    volunteerId: 'v-0001',
    orgUnitId: 'jingtian',
    claimedMinutes: 60,
    measuredMinutes: 60,
    certifiedBy: 'spec-jingtian',
    ...overrides,
  });
  const balance = async (ref: AccountRef) =>
    (await t.ledger.accounts.find(ref.ownerId, ref.kind)).balance_minutes;
  const spend = (key: string, from: AccountRef, minutes: number, to: AccountRef = fund()) =>
    t.ledger.transfers.move({ idempotencyKey: key, actor: 'test', from, to, minutes });

  it('[LEDGER-DEPOSIT] a certified service moves the credited minutes from the fund to the volunteer in one balanced transfer', async () => {
    const ledger = await start();
    const { result } = await ledger.depositForService(service({ claimedMinutes: 50, measuredMinutes: 47 }));
    expect(result).toMatchObject({ status: 'paid', credited_minutes: 47, capped_by: null });
    expect(result.transfer!.postings.map((p) => [p.account_id, p.amount_minutes, p.entry_no])).toEqual([
      ['fund:jingtian', -47, 1],
      ['volunteer:v-0001', 47, 1],
    ]);
    expect(await balance(volunteer())).toBe(47);
    expect(await balance(fund())).toBe(-47);
  });

  it('[LEDGER-CERTIFIED] no credits without a certifier who is a specialist or admin of the paying unit; nothing is written', async () => {
    const ledger = await start();
    expect(await refusal(ledger.depositForService(service({ certifiedBy: '' })))).toBe('not_certified');
    expect(await refusal(ledger.depositForService(service({ certifiedBy: 'v-0002' })))).toBe('not_certified');
    expect(await refusal(ledger.depositForService(service({ certifiedBy: 'spec-meilin' })))).toBe(
      'not_certified',
    );
    expect(await refusal(ledger.depositForService(service({ certifiedBy: 'nobody' })))).toBe('not_certified');
    expect(await t.store.db.selectFrom('timebank_service_credits').selectAll().execute()).toEqual([]);
    expect(await t.store.db.selectFrom('timebank_accounts').selectAll().execute()).toEqual([]);
    // The street's admin covers 景田.
    expect((await ledger.depositForService(service({ certifiedBy: 'admin-lianhua' }))).result.status).toBe(
      'paid',
    );
  });

  it('[LEDGER-FLAG] a claim over 1.5× the measured time is flagged and not paid; the specialist approves a stated amount', async () => {
    const ledger = await start();
    const { result } = await ledger.depositForService(service({ claimedMinutes: 100, measuredMinutes: 60 }));
    expect(result).toMatchObject({ status: 'flagged', credited_minutes: null, transfer: null });
    expect(await balance(volunteer())).toBe(0);
    expect(
      (await ledger.earnings.claims('/futian/lianhua/jingtian/', 'flagged')).map((c) => c.service_id),
    ).toEqual(['svc-1']);
    expect(await ledger.earnings.claims('/futian/lianhua/meilin/', 'flagged')).toEqual([]);
    const approve = (key: string, minutes: number, approvedBy = 'spec-jingtian') =>
      ledger.earnings.approveFlagged({ serviceId: 'svc-1', minutes, approvedBy, idempotencyKey: key });
    expect(await refusal(approve('approve-0', 70, 'spec-meilin'))).toBe('not_certified');
    const approved = await approve('approve-1', 70);
    expect(approved.result).toMatchObject({ status: 'approved', credited_minutes: 70 });
    expect(await balance(volunteer())).toBe(70);
    expect(await refusal(approve('approve-2', 70))).toBe('not_flagged');
    expect(
      await refusal(
        ledger.earnings.approveFlagged({
          serviceId: 'nope',
          minutes: 1,
          approvedBy: 'spec-jingtian',
          idempotencyKey: 'approve-3',
        }),
      ),
    ).toBe('unknown_service');
    // A stated 0 rejects a claim.
    await ledger.depositForService(service({ serviceId: 'svc-2', claimedMinutes: 100, measuredMinutes: 10 }));
    const rejected = await ledger.earnings.approveFlagged({
      serviceId: 'svc-2',
      minutes: 0,
      approvedBy: 'spec-jingtian',
      idempotencyKey: 'reject-svc-2',
    });
    expect(rejected.result).toMatchObject({ status: 'rejected', credited_minutes: 0, transfer: null });
    expect(await balance(volunteer())).toBe(70);
  });

  it('[LEDGER-IDEMPOTENT] a retried write returns the original result and pays once; the same key with other content is refused', async () => {
    const ledger = await start();
    const first = await ledger.depositForService(service());
    const again = await ledger.depositForService(service());
    expect(again).toEqual({ result: first.result, replayed: true });
    expect(await refusal(ledger.depositForService(service({ claimedMinutes: 61 })))).toBe(
      'idempotency_conflict',
    );
    // The same service under another key is still paid once.
    expect(await refusal(ledger.depositForService(service({ idempotencyKey: 'other-key' })))).toBe(
      'already_credited',
    );
    const gift = await spend('gift-1', volunteer(), 20, elder());
    expect(await spend('gift-1', volunteer(), 20, elder())).toEqual({ result: gift.result, replayed: true });
    expect(await refusal(spend('gift-1', volunteer(), 21, elder()))).toBe('idempotency_conflict');
    expect(await balance(volunteer())).toBe(40);
    expect(await balance(elder())).toBe(20);
  });

  it('[LEDGER-IDEMPOTENT] keys are per user: nobody can take the key of a deposit someone else will certify', async () => {
    const ledger = await start();
    await ledger.depositForService(service({ serviceId: 'seed', claimedMinutes: 30, measuredMinutes: 30 }));
    await ledger.transfers.move({
      idempotencyKey: 'deposit:svc-1',
      actor: 'v-0001',
      from: volunteer(),
      to: elder(),
      minutes: 1,
    });
    expect((await ledger.depositForService(service())).result.status).toBe('paid');
    expect(await balance(volunteer())).toBe(89);
  });

  it('[LEDGER-IDEMPOTENT] a refused write keeps no key: retried once the credits are there, it is paid', async () => {
    const ledger = await start();
    expect(await refusal(spend('meal-1', volunteer(), 30))).toBe('insufficient_credits');
    await ledger.depositForService(service({ claimedMinutes: 30, measuredMinutes: 30 }));
    expect((await spend('meal-1', volunteer(), 30)).replayed).toBe(false);
    expect(await balance(volunteer())).toBe(0);
  });

  it('[LEDGER-LIMIT] no balance below zero unless the org unit allows a stated overdraft; a fund stops paying at its limit', async () => {
    const ledger = await start({ memberOverdrafts: { meilin: 20 }, fundOverdrafts: { jingtian: 100 } });
    expect(await refusal(spend('s-1', volunteer(), 1))).toBe('insufficient_credits');
    expect(
      (await spend('s-2', volunteer('v-0003'), 20, fund('meilin'))).result.transfer.postings[0],
    ).toMatchObject({
      account_id: 'volunteer:v-0003',
      balance_after_minutes: -20,
    });
    expect(await refusal(spend('s-3', volunteer('v-0003'), 1, fund('meilin')))).toBe('insufficient_credits');
    await ledger.depositForService(service({ claimedMinutes: 90, measuredMinutes: 90 }));
    expect(
      await refusal(
        ledger.depositForService(
          service({ serviceId: 'svc-2', volunteerId: 'v-0002', claimedMinutes: 11, measuredMinutes: 11 }),
        ),
      ),
    ).toBe('insufficient_credits');
    // The refused deposit left nothing behind: the service can be certified again once the fund has credits.
    expect(await ledger.earnings.claim('svc-2')).toBeUndefined();
    expect(await balance(fund())).toBe(-90);
  });

  it('[LEDGER-LIMIT] a changed fund overdraft applies at start; a fund already beyond a lowered limit keeps its old one', async () => {
    await start({ fundOverdrafts: { jingtian: 500 } });
    await t.ledger.depositForService(service({ claimedMinutes: 200, measuredMinutes: 200 }));
    const lowered = new Ledger({
      store: t.store,
      now: () => t.clock.now,
      rules: timebankRulesSchema.parse({ fundOverdrafts: { jingtian: 100, meilin: 50 } }),
    });
    expect(await lowered.start()).toEqual(['fund:jingtian']);
    const raised = new Ledger({
      store: t.store,
      now: () => t.clock.now,
      rules: timebankRulesSchema.parse({ fundOverdrafts: { jingtian: 1000 } }),
    });
    expect(await raised.start()).toEqual([]);
    expect((await raised.accounts.find('jingtian', 'fund')).overdraft_minutes).toBe(1000);
  });

  it('[LEDGER-GIFT] credits go to a family member (an elder or a family account), never from an account to itself', async () => {
    const ledger = await start();
    await ledger.depositForService(service());
    expect(
      (await spend('g-1', volunteer(), 10, { kind: 'family', ownerId: 'wang-family' })).result.transfer.kind,
    ).toBe('gift');
    expect(await refusal(spend('g-2', volunteer(), 10, volunteer('v-0002')))).toBe('invalid_request');
    expect(await refusal(spend('g-3', volunteer(), 10, volunteer()))).toBe('invalid_request');
    expect(await refusal(spend('g-4', volunteer(), 10, elder('e-9999')))).toBe('unknown_account');
    expect(await refusal(spend('g-5', volunteer('s-0001'), 10, elder()))).toBe('unknown_account');
    expect(await balance(volunteer())).toBe(50);
  });

  it('[LEDGER-REDEEM] redeeming a catalog item pays the community fund and takes the stock in the same transaction', async () => {
    const ledger = await start();
    await ledger.depositForService(service());
    const haircut = await ledger.catalog.create({
      orgUnitId: 'jingtian',
      name: '理发 haircut',
      priceMinutes: 20,
      stock: 2,
    });
    const redeem = (key: string, quantity: number, payer = volunteer(), itemId = haircut.id) =>
      ledger.redemptions.redeem({ idempotencyKey: key, actor: 'test', payer, itemId, quantity });
    expect((await redeem('r-1', 2)).result).toMatchObject({
      stock_left: 0,
      transfer: { kind: 'redemption', memo: '2 × 理发 haircut' },
    });
    expect(await balance(volunteer())).toBe(20);
    expect(await balance(fund())).toBe(-20);
    expect(await refusal(redeem('r-2', 1))).toBe('out_of_stock');
    await ledger.catalog.update(haircut.id, { stock: 5 });
    expect(await refusal(redeem('r-3', 2))).toBe('insufficient_credits');
    expect((await ledger.catalog.get(haircut.id))!.stock).toBe(5);
    expect(await refusal(redeem('r-4', 1, volunteer('v-0003')))).toBe('not_local');
    expect(await refusal(redeem('r-5', 1, volunteer(), 'no-such-item'))).toBe('unknown_item');
    await ledger.catalog.update(haircut.id, { active: false });
    expect(await refusal(redeem('r-6', 1))).toBe('unknown_item');
    expect(
      await refusal(ledger.catalog.create({ orgUnitId: 'lianhua', name: 'x', priceMinutes: 1, stock: 1 })),
    ).toBe('invalid_request');
  });

  it('[LEDGER-CORRECTION] a correction is a new reversing transfer referencing the original, which stays as it was; once only', async () => {
    const ledger = await start();
    await ledger.depositForService(service());
    const gift = (await spend('g-1', volunteer(), 25, elder())).result.transfer;
    const correct = (key: string, transferId: string) =>
      ledger.transfers.correct({
        idempotencyKey: key,
        actor: 'spec-jingtian',
        transferId,
        reason: 'wrong parent',
      });
    const correction = (await correct('c-1', gift.id)).result.transfer;
    expect(correction).toMatchObject({ kind: 'correction', corrects_id: gift.id });
    expect(correction.postings.map((p) => [p.account_id, p.amount_minutes])).toEqual([
      ['elder:e-0001', -25],
      ['volunteer:v-0001', 25],
    ]);
    expect(await ledger.transfers.get(gift.id)).toEqual(gift);
    expect(await balance(volunteer())).toBe(60);
    expect(await refusal(correct('c-2', gift.id))).toBe('already_corrected');
    expect(await refusal(correct('c-3', correction.id))).toBe('not_correctable');
    expect(await refusal(correct('c-4', 'no-such-transfer'))).toBe('unknown_transfer');
  });

  it('[LEDGER-CORRECTION] spent credits cannot be taken back below a limit; a reversed redemption returns the stock; a reversed deposit frees the daily cap', async () => {
    const ledger = await start();
    const deposit = (await ledger.depositForService(service({ claimedMinutes: 240, measuredMinutes: 240 })))
      .result.transfer!;
    await ledger.depositForService(
      service({ serviceId: 'svc-2', claimedMinutes: 240, measuredMinutes: 240 }),
    );
    const soup = await ledger.catalog.create({
      orgUnitId: 'jingtian',
      name: '汤 soup',
      priceMinutes: 100,
      stock: 3,
    });
    const redemption = (
      await ledger.redemptions.redeem({
        idempotencyKey: 'r-1',
        actor: 't',
        payer: volunteer(),
        itemId: soup.id,
        quantity: 3,
      })
    ).result.transfer;
    const correct = (key: string, transferId: string) =>
      ledger.transfers.correct({ idempotencyKey: key, actor: 'spec-jingtian', transferId, reason: 'test' });
    expect(await refusal(correct('c-1', deposit.id))).toBe('insufficient_credits');
    await correct('c-2', redemption.id);
    expect((await ledger.catalog.get(soup.id))!.stock).toBe(3);
    await correct('c-3', deposit.id);
    expect((await ledger.earnings.claim('svc-1'))!.status).toBe('reversed');
    // 480 were credited today; with 240 reversed, a third service is paid again.
    const third = await ledger.depositForService(
      service({ serviceId: 'svc-3', claimedMinutes: 100, measuredMinutes: 100 }),
    );
    expect(third.result).toMatchObject({ credited_minutes: 100, capped_by: null });
    expect(await balance(volunteer())).toBe(340);
  });

  it('[LEDGER-MEMO-CODES] the ledger’s own memos carry a code and parameters beside their English; a typed memo has none', async () => {
    const ledger = await start();
    await ledger.depositForService(service());
    const gift = (await spend('g-1', volunteer(), 25, elder())).result.transfer;
    expect(gift).toMatchObject({ memo: 'gift to e-0001', memo_code: 'gift', memo_params: { to: 'e-0001' } });
    await ledger.transfers.correct({
      idempotencyKey: 'c-1',
      actor: 'spec-jingtian',
      transferId: gift.id,
      reason: 'oops',
    });
    const typed = await ledger.transfers.move({
      idempotencyKey: 'm-1',
      actor: 'test',
      from: volunteer(),
      to: fund(),
      minutes: 5,
      memo: '送餐 meal delivery',
    });
    expect(typed.result.transfer).toMatchObject({
      memo: '送餐 meal delivery',
      memo_code: null,
      memo_params: null,
    });
    const entries = await ledger.statements.recent('volunteer:v-0001', 10);
    expect(entries.map((e) => [e.memo, e.memo_code, e.memo_params])).toEqual([
      ['送餐 meal delivery', null, null],
      [
        `correction of gift ${gift.id}: oops`,
        'correction',
        { transfer_kind: 'gift', transfer_id: gift.id, reason: 'oops' },
      ],
      ['gift to e-0001', 'gift', { to: 'e-0001' }],
      ['service svc-1', 'service_credit', { service_id: 'svc-1' }],
    ]);
  });

  it('[LEDGER-STATEMENT] a statement has the entries of its range and the balances at both ends', async () => {
    const ledger = await start();
    const day = 86_400_000;
    const first = t.clock.now;
    await ledger.depositForService(service());
    t.clock.now += day;
    await spend('meal', volunteer(), 15);
    t.clock.now += day;
    await spend('gift', volunteer(), 5, elder());
    const account = await ledger.accounts.find('v-0001');
    const middle = await ledger.statements.account(account, { from: first + day, to: first + 2 * day });
    expect(middle.entries.map((e) => [e.transfer_kind, e.amount_minutes, e.balance_after_minutes])).toEqual([
      ['service', -15, 45],
    ]);
    expect(middle.accounts).toEqual([
      expect.objectContaining({
        opening_balance_minutes: 60,
        closing_balance_minutes: 45,
        minutes_in: 0,
        minutes_out: 15,
      }),
    ]);
    const unit = await ledger.statements.orgUnit('jingtian', '/futian/lianhua/jingtian/', {
      from: first,
      to: first + 3 * day,
    });
    expect(unit.accounts.map((a) => [a.account_id, a.closing_balance_minutes])).toEqual([
      ['elder:e-0001', 5],
      ['fund:jingtian', -45],
      ['volunteer:v-0001', 40],
    ]);
    expect(unit.entries).toHaveLength(6);
    expect(await ledger.statements.recent(account.id, 2)).toMatchObject([{ entry_no: 3 }, { entry_no: 2 }]);
  });

  it('[LEDGER-RECONCILE] the reconciliation proves a clean ledger and names every kind of tampering', async () => {
    const ledger = await start();
    await ledger.depositForService(service());
    const gift = (await spend('g-1', volunteer(), 25, elder())).result.transfer;
    const clean = await ledger.reconciliation.run();
    expect(clean).toMatchObject({
      ok: true,
      failures: [],
      accounts: 3,
      transfers: 2,
      postings: 4,
      ledger_sum_minutes: 0,
    });
    expect(
      clean.units.map((u) => [u.org_unit_id, u.fund_minutes, u.volunteer_minutes, u.elder_minutes]),
    ).toEqual([
      ['jingtian', -60, 35, 0],
      ['wang-family', 0, 0, 25],
    ]);
    const db = t.store.db;
    await db
      .updateTable('timebank_accounts')
      .set({ balance_minutes: 36 })
      .where('id', '=', 'volunteer:v-0001')
      .execute();
    await db
      .updateTable('timebank_postings')
      .set({ amount_minutes: 26 })
      .where('transfer_id', '=', gift.id)
      .where('account_id', '=', 'elder:e-0001')
      .execute();
    const broken = await ledger.reconciliation.run();
    expect(broken.ok).toBe(false);
    expect(broken.failures.join('\n')).toMatch(/the ledger sums to 1 minutes/);
    expect(broken.failures.join('\n')).toMatch(new RegExp(`transfers that do not sum to zero.*${gift.id}`));
    expect(broken.failures.join('\n')).toMatch(
      /cached balances that differ.*volunteer:v-0001 \(cached 36, postings 35\)/,
    );
    expect(broken.failures.join('\n')).toMatch(/balance-after is not the running sum: elder:e-0001#1/);
  });
});
