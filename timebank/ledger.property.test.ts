import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../test/support/databases.js';
import { ledgerWithDistrict, type TestLedger } from '../test/support/timebank-district.js';
import { type AccountKind, type AccountRef, accountId } from './accounts.js';
import { LedgerError } from './ledger-error.js';
import type { Transfer } from './postings.js';
import { creditForService, overdraftFor, type TimebankRulesInput, withinCaps } from './rules.js';

// Small limits so that sequences run into them often.
const rulesInput: TimebankRulesInput = {
  fundOverdrafts: { jingtian: 600, meilin: 400 },
  memberOverdrafts: { meilin: 20 },
};
const paths: Record<string, string> = {
  'v-0001': '/futian/lianhua/jingtian/',
  'v-0002': '/futian/lianhua/jingtian/',
  'v-0003': '/futian/lianhua/meilin/',
  'e-0001': '/futian/lianhua/jingtian/wang-family/',
  'e-0002': '/futian/lianhua/meilin/',
  'e-0003': '/futian/lianhua/jingtian/',
  'wang-family': '/futian/lianhua/jingtian/wang-family/',
  jingtian: '/futian/lianhua/jingtian/',
  meilin: '/futian/lianhua/meilin/',
};
const ref = (kind: AccountKind, ownerId: string): AccountRef => ({ kind, ownerId });
const volunteers = [ref('volunteer', 'v-0001'), ref('volunteer', 'v-0002'), ref('volunteer', 'v-0003')];
const recipients = [
  ref('elder', 'e-0001'),
  ref('elder', 'e-0002'),
  ref('elder', 'e-0003'),
  ref('family', 'wang-family'),
];
const people = [...volunteers, ...recipients];
const funds = ['jingtian', 'meilin'];
const itemPrice = 15;
const itemStock = 4;

const personArb = fc.constantFrom(...people);
// Earnings weigh more, so that spends often have credits to spend.
const operationArb = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('earn' as const),
      volunteer: fc.constantFrom(...volunteers),
      claimed: fc.integer({ min: 0, max: 300 }),
      measured: fc.integer({ min: 0, max: 300 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('approve' as const),
      pick: fc.nat(),
      minutes: fc.integer({ min: 0, max: 300 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('spend' as const),
      from: personArb,
      fund: fc.constantFrom(...funds),
      minutes: fc.integer({ min: 1, max: 120 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('gift' as const),
      from: fc.constantFrom(...volunteers),
      to: fc.constantFrom(...recipients),
      minutes: fc.integer({ min: 1, max: 120 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('redeem' as const),
      payer: personArb,
      quantity: fc.integer({ min: 1, max: 3 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('correct' as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('retry' as const), pick: fc.nat(), changed: fc.boolean() }),
  },
);
type Operation = typeof operationArb extends fc.Arbitrary<infer T> ? T : never;

/** The expected state, kept by the rules written out plainly. */
class Model {
  balances = new Map<string, number>();
  creditedToday = new Map<string, number>();
  stock = itemStock;
  transfers: Transfer[] = [];
  corrected = new Set<string>();
  flagged: Array<{ serviceId: string; volunteer: string; fund: string }> = [];
  /** Successful writes, to send again. */
  sent: Array<{ send: (changed: boolean) => Promise<unknown>; result: unknown }> = [];

  balance = (id: string) => this.balances.get(id) ?? 0;
  limit = (kind: AccountKind, owner: string) => overdraftFor(t.ledger.rules, kind, paths[owner]!);
  /** Would these legs keep every account within its limit? */
  fits(legs: Array<[AccountRef, number]>): boolean {
    return legs.every(([r, m]) => m >= 0 || this.balance(accountId(r)) + m >= -this.limit(r.kind, r.ownerId));
  }
  apply(transfer: Transfer): void {
    for (const p of transfer.postings)
      this.balances.set(p.account_id, this.balance(p.account_id) + p.amount_minutes);
    this.transfers.push(transfer);
  }
}

let t: TestLedger;
let model: Model;
let itemId: string;
let serial = 0;

type Outcome = { ok: true; result: unknown; replayed: boolean } | { ok: false; code: string };
async function attempt(write: () => Promise<{ result: unknown; replayed: boolean }>): Promise<Outcome> {
  try {
    const { result, replayed } = await write();
    return { ok: true, result, replayed };
  } catch (error) {
    if (error instanceof LedgerError) return { ok: false, code: error.code };
    throw error;
  }
}

/** Runs one operation against the ledger and the model; the ledger must do what the model expects. */
async function step(op: Operation): Promise<void> {
  const key = `k-${++serial}`;
  const ledger = t.ledger;
  if (op.op === 'earn') {
    const fund = paths[op.volunteer.ownerId]!.includes('meilin') ? 'meilin' : 'jingtian';
    const serviceId = `svc-${serial}`;
    const request = {
      serviceId,
      volunteerId: op.volunteer.ownerId,
      orgUnitId: fund,
      claimedMinutes: op.claimed,
      measuredMinutes: op.measured,
      certifiedBy: fund === 'meilin' ? 'spec-meilin' : 'admin-lianhua',
      idempotencyKey: key,
    };
    const decision = creditForService(ledger.rules, {
      claimedMinutes: op.claimed,
      measuredMinutes: op.measured,
      creditedTodayMinutes: model.creditedToday.get(op.volunteer.ownerId) ?? 0,
    });
    const credited = decision.status === 'paid' ? decision.creditedMinutes : 0;
    const fits = model.fits([[ref('fund', fund), -credited]]);
    const outcome = await attempt(() => ledger.depositForService(request));
    expect(outcome.ok ? 'ok' : outcome.code).toBe(fits ? 'ok' : 'insufficient_credits');
    if (!outcome.ok) return;
    const result = outcome.result as {
      status: string;
      credited_minutes: number | null;
      transfer: Transfer | null;
    };
    expect(result.status).toBe(decision.status);
    if (decision.status === 'flagged')
      model.flagged.push({ serviceId, volunteer: op.volunteer.ownerId, fund });
    else {
      expect(result.credited_minutes).toBe(credited);
      model.creditedToday.set(
        op.volunteer.ownerId,
        (model.creditedToday.get(op.volunteer.ownerId) ?? 0) + credited,
      );
      if (result.transfer) model.apply(result.transfer);
    }
    model.sent.push({
      result,
      send: (changed) =>
        ledger.depositForService({ ...request, claimedMinutes: op.claimed + (changed ? 1 : 0) }),
    });
  } else if (op.op === 'approve') {
    if (model.flagged.length === 0) return;
    const [claim] = model.flagged.splice(op.pick % model.flagged.length, 1);
    const decision = withinCaps(ledger.rules, op.minutes, model.creditedToday.get(claim!.volunteer) ?? 0);
    const credited = op.minutes === 0 ? 0 : decision.creditedMinutes;
    const fits = model.fits([[ref('fund', claim!.fund), -credited]]);
    const outcome = await attempt(() =>
      ledger.earnings.approveFlagged({
        serviceId: claim!.serviceId,
        minutes: op.minutes,
        approvedBy: 'admin-lianhua',
        idempotencyKey: key,
      }),
    );
    expect(outcome.ok ? 'ok' : outcome.code).toBe(fits ? 'ok' : 'insufficient_credits');
    if (!outcome.ok) {
      model.flagged.push(claim!);
      return;
    }
    const result = outcome.result as { credited_minutes: number; transfer: Transfer | null };
    expect(result.credited_minutes).toBe(credited);
    model.creditedToday.set(claim!.volunteer, (model.creditedToday.get(claim!.volunteer) ?? 0) + credited);
    if (result.transfer) model.apply(result.transfer);
  } else if (op.op === 'spend' || op.op === 'gift') {
    const to = op.op === 'spend' ? ref('fund', op.fund) : op.to;
    if (accountId(op.from) === accountId(to)) return;
    const request = { idempotencyKey: key, actor: 'someone', from: op.from, to, minutes: op.minutes };
    const fits = model.fits([[op.from, -op.minutes]]);
    const outcome = await attempt(() => ledger.transfers.move(request));
    expect(outcome.ok ? 'ok' : outcome.code).toBe(fits ? 'ok' : 'insufficient_credits');
    if (!outcome.ok) return;
    const result = outcome.result as { transfer: Transfer };
    model.apply(result.transfer);
    model.sent.push({
      result,
      send: (changed) => ledger.transfers.move({ ...request, minutes: op.minutes + (changed ? 1 : 0) }),
    });
  } else if (op.op === 'redeem') {
    const local = paths[op.payer.ownerId]!.includes('jingtian');
    const cost = itemPrice * op.quantity;
    const expected = !local
      ? op.quantity > model.stock
        ? 'out_of_stock'
        : 'not_local'
      : op.quantity > model.stock
        ? 'out_of_stock'
        : model.fits([[op.payer, -cost]])
          ? 'ok'
          : 'insufficient_credits';
    const outcome = await attempt(() =>
      ledger.redemptions.redeem({
        idempotencyKey: key,
        actor: 'someone',
        payer: op.payer,
        itemId,
        quantity: op.quantity,
      }),
    );
    expect(outcome.ok ? 'ok' : outcome.code).toBe(expected);
    if (!outcome.ok) return;
    const result = outcome.result as { transfer: Transfer; stock_left: number };
    model.stock -= op.quantity;
    expect(result.stock_left).toBe(model.stock);
    model.apply(result.transfer);
  } else if (op.op === 'correct') {
    if (model.transfers.length === 0) return;
    const original = model.transfers[op.pick % model.transfers.length]!;
    const reversed = original.postings.map((p): [AccountRef, number] => [
      ref(p.account_kind as AccountKind, p.owner_id),
      -p.amount_minutes,
    ]);
    const expected =
      original.kind === 'correction'
        ? 'not_correctable'
        : model.corrected.has(original.id)
          ? 'already_corrected'
          : model.fits(reversed)
            ? 'ok'
            : 'insufficient_credits';
    const outcome = await attempt(() =>
      ledger.transfers.correct({
        idempotencyKey: key,
        actor: 'spec-jingtian',
        transferId: original.id,
        reason: 'test',
      }),
    );
    expect(outcome.ok ? 'ok' : outcome.code).toBe(expected);
    if (!outcome.ok) return;
    model.corrected.add(original.id);
    model.apply((outcome.result as { transfer: Transfer }).transfer);
    if (original.kind === 'redemption') model.stock += Number(original.details.quantity);
    if (original.kind === 'deposit') {
      const volunteer = original.postings.find((p) => p.account_kind === 'volunteer')!;
      model.creditedToday.set(
        volunteer.owner_id,
        (model.creditedToday.get(volunteer.owner_id) ?? 0) - volunteer.amount_minutes,
      );
    }
  } else if (op.op === 'retry') {
    if (model.sent.length === 0) return;
    const earlier = model.sent[op.pick % model.sent.length]!;
    const outcome = await attempt(
      () => earlier.send(op.changed) as Promise<{ result: unknown; replayed: boolean }>,
    );
    if (op.changed) expect(outcome).toEqual({ ok: false, code: 'idempotency_conflict' });
    else expect(outcome).toEqual({ ok: true, replayed: true, result: earlier.result });
  }
}

async function reset(): Promise<void> {
  const db = t.store.db;
  for (const table of [
    'timebank_postings',
    'timebank_service_credits',
    'timebank_transfers',
    'timebank_requests',
    'timebank_accounts',
    'timebank_catalog_items',
  ] as const) {
    await db.deleteFrom(table).execute();
  }
  itemId = (
    await t.ledger.catalog.create({
      orgUnitId: 'jingtian',
      name: '理发 haircut',
      priceMinutes: itemPrice,
      stock: itemStock,
    })
  ).id;
  model = new Model();
}

describe.each(dialects)('ledger properties on %s', (dialect) => {
  beforeAll(async () => {
    t = await ledgerWithDistrict(dialect, { rules: rulesInput });
  });
  afterAll(async () => {
    await t?.store.close();
  });

  it('[LEDGER-BALANCED] any sequence of earnings, approvals, spends, gifts, redemptions, corrections and retries keeps the ledger balanced and every balance within its limit', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(operationArb, { minLength: 4, maxLength: 30, size: 'max' }), async (ops) => {
        await reset();
        for (const op of ops) await step(op);
        const report = await t.ledger.reconciliation.run();
        expect(report.failures).toEqual([]);
        expect(report.ledger_sum_minutes).toBe(0);
        for (const owner of Object.keys(paths)) {
          for (const kind of ['volunteer', 'elder', 'family', 'fund'] as const) {
            const id = accountId(ref(kind, owner));
            const stored = await t.store.db
              .selectFrom('timebank_accounts')
              .select(['balance_minutes', 'overdraft_minutes'])
              .where('id', '=', id)
              .executeTakeFirst();
            if (!stored) continue;
            expect(stored.balance_minutes, id).toBe(model.balance(id));
            expect(stored.balance_minutes).toBeGreaterThanOrEqual(-stored.overdraft_minutes);
          }
        }
      }),
      { numRuns: dialect === 'sqlite' ? 60 : 25 },
    );
  });
});
