import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { SignedInUser } from '../kernel/identity.js';
import { ServiceOrderBook } from '../services/service-order-book.js';
import { ServiceOrderError } from '../services/service-orders.js';
import { maxCodeAttempts, ServiceVisits } from '../services/service-visits.js';
import { dialects } from './support/databases.js';
import {
  codeShown,
  type ServiceDistrict,
  serviceApp,
  serviceDistrictPerTest,
  wangHome,
} from './support/service-district.js';

const minutes = (n: number) => n * 60_000;

/** What a volunteer's action and a specialist's, or many of the volunteer's at once, leave behind. */
describe.each(dialects)('service visit races on %s', (dialect) => {
  let d: ServiceDistrict;
  serviceDistrictPerTest(dialect, (district) => {
    d = district;
  });

  const specialist = () => d.as('spec-jingtian');
  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => 'no refusal',
      (error: unknown) => (error instanceof ServiceOrderError ? `${error.status} ${error.code}` : error),
    );

  /** A visit to 王秀英, taken by v-0001. */
  const takenVisit = async () => {
    const order = await d.orders.publish(d.as('wang-family'), {
      elder_id: 'e-0001',
      kind: 'visit',
      note: '陪聊天',
      wanted_at: d.clock.now + minutes(30),
    });
    await d.orders.take(d.as('v-0001'), order.id);
    return order.id;
  };

  /** `n` distinct 4-digit codes that are not `right`. */
  const wrongCodes = (right: string, n: number) =>
    Array.from({ length: n + 1 }, (_, i) => String(1000 + i * 7).padStart(4, '0'))
      .filter((c) => c !== right)
      .slice(0, n);

  it('[VISIT-CODE-LOCK-PARALLEL] parallel check-outs each take a try before their code is compared: at most 5 are compared, the rest locked; a right code past the limit confirms nothing', async () => {
    const { app, login } = await serviceApp(d);
    const auth = await login('v-0001');
    /** v-0001's visit in progress, checked out through the app's route (codes of 4 digits, as it takes them). */
    const visitInProgress = async () => {
      const id = await takenVisit();
      await d.orders.checkIn(d.as('v-0001'), id, wangHome);
      d.clock.now += minutes(30);
      const checkOut = async (code: string) => {
        const answer = await app.inject({
          method: 'POST',
          url: `/api/v1/service-orders/${id}/check-out`,
          headers: auth,
          payload: { ...wangHome, code },
        });
        const body = answer.json();
        return {
          status: answer.statusCode,
          error: body.error as string | undefined,
          message: body.message,
          code,
        };
      };
      return { id, right: codeShown(d, id), checkOut };
    };

    // 50 wrong guesses at once: exactly 5 are compared, whatever their timing.
    const guessed = await visitInProgress();
    const guesses = await Promise.all(wrongCodes(guessed.right, 50).map(guessed.checkOut));
    const wrong = guesses.filter((g) => g.error === 'wrong_code');
    expect(wrong).toHaveLength(maxCodeAttempts);
    for (const g of wrong) expect(g.status).toBe(409);
    expect(wrong.map((g) => Number(/\((\d) tr/.exec(g.message)?.[1])).sort()).toEqual([0, 1, 2, 3, 4]);
    const locked = guesses.filter((g) => g.error !== 'wrong_code');
    expect(locked).toHaveLength(50 - maxCodeAttempts);
    for (const g of locked) expect([g.status, g.error]).toEqual([409, 'code_locked']);
    // The right code after them is not taken: the visit goes on, unconfirmed.
    const late = await guessed.checkOut(guessed.right);
    expect([late.status, late.error]).toEqual([409, 'code_locked']);
    expect(await d.orders.get(specialist(), guessed.id)).toMatchObject({
      status: 'in_progress',
      proof: { confirmation: null },
    });

    // The right code among 49 parallel guesses: taken only if it was among the first 5 tries.
    const mixed = await visitInProgress();
    const codes = wrongCodes(mixed.right, 49);
    codes.splice(Math.floor(Math.random() * codes.length), 0, mixed.right);
    const answers = await Promise.all(codes.map(mixed.checkOut));
    const ok = answers.filter((a) => a.status === 200);
    const compared = answers.filter((a) => a.error === 'wrong_code');
    for (const a of compared) expect(a.status).toBe(409);
    expect(ok.map((a) => a.code)).toEqual(ok.length ? [mixed.right] : []);
    expect(ok.length + compared.length).toBeLessThanOrEqual(maxCodeAttempts);
    // Once the right code ended the visit, a try still in flight finds it done (wrong_status).
    const refusedAs = ok.length ? ['code_locked', 'wrong_status'] : ['code_locked'];
    for (const a of answers.filter((a) => a.status !== 200 && a.error !== 'wrong_code')) {
      expect(a.status).toBe(409);
      expect(refusedAs).toContain(a.error);
    }
    expect(await d.orders.get(specialist(), mixed.id)).toMatchObject(
      ok.length
        ? { status: 'done', proof: { confirmation: 'elder_code' } }
        : { status: 'in_progress', proof: { confirmation: null } },
    );
    await app.close();
  });

  /**
   * v-0001's visits, with a book that lets the specialist reassign the order to v-0002 right after
   * v-0001's own row was read and before v-0001's move: the race made certain.
   */
  const visitsReassignedMeanwhile = () => {
    const reassigned: string[] = [];
    class ReassignedMeanwhile extends ServiceOrderBook {
      override async ownRow(actor: SignedInUser, id: string) {
        const row = await super.ownRow(actor, id);
        await d.orders.reassign(specialist(), id, 'v-0002');
        reassigned.push(id);
        return row;
      }
    }
    const commands: string[] = [];
    const visits = new ServiceVisits({
      book: new ReassignedMeanwhile({ db: d.store.db, now: () => d.clock.now }),
      now: () => d.clock.now,
      onSiteRadiusM: 100,
      watchOf: () => 'w-0001',
      send: async (_device, _command, commandId) => {
        commands.push(commandId);
      },
      logger: pino({ level: 'silent' }),
    });
    return { visits, reassigned, commands };
  };

  it('[VISIT-REASSIGN-RACE] a check-in in flight while the order is reassigned to another volunteer is refused (404, theirs no more); the order stays taken by the other, not started', async () => {
    const id = await takenVisit();
    const { visits, reassigned, commands } = visitsReassignedMeanwhile();
    expect(await refusal(visits.checkIn(d.as('v-0001'), id, wangHome))).toBe('404 not_found');
    expect(reassigned).toEqual([id]);
    const order = await d.orders.get(specialist(), id);
    expect(order).toMatchObject({
      status: 'taken',
      volunteer_id: 'v-0002',
      checked_in_at: null,
      proof: { check_in_distance_m: null, code_shown: false },
    });
    expect(commands).toEqual([]); // no code on the watch for a visit that did not start
    const timeline = await d.orders.timeline(specialist(), id);
    expect(timeline.filter((e) => e.actor === 'v-0001').map((e) => e.to_status)).toEqual(['taken']);
    // The new volunteer's visit is theirs to start.
    expect((await d.orders.checkIn(d.as('v-0002'), id, wangHome)).status).toBe('in_progress');
  });

  it('[VISIT-REASSIGN-RACE] a hand-back in flight while the order is reassigned to another volunteer is refused (404) and does not reopen the other’s order', async () => {
    const id = await takenVisit();
    const { visits, reassigned } = visitsReassignedMeanwhile();
    expect(await refusal(visits.handBack(d.as('v-0001'), id))).toBe('404 not_found');
    expect(reassigned).toEqual([id]);
    expect(await d.orders.get(specialist(), id)).toMatchObject({ status: 'taken', volunteer_id: 'v-0002' });
    const notes = await d.orders.timeline(specialist(), id);
    expect(notes.filter((e) => e.code === 'order_handed_back')).toEqual([]);
  });

  it('[CERTIFY-APPROVE-AT-MOST-CLAIM] a flagged service is approved for at most the minutes claimed: more is a 400 over_claim that decides nothing; within the claim it pays', async () => {
    const id = await takenVisit();
    await d.orders.checkIn(d.as('v-0001'), id, wangHome);
    d.clock.now += minutes(40);
    await d.orders.checkOut(d.as('v-0001'), id, wangHome); // no code: flagged when certified
    await d.orders.rate(d.as('wang-family'), id, { rating: 5 });
    expect((await d.orders.certify(specialist(), id, 40)).credit?.status).toBe('flagged');

    const { app, login } = await serviceApp(d);
    const auth = await login('spec-jingtian');
    const decide = (payload: object) =>
      app.inject({ method: 'POST', url: `/api/v1/service-orders/${id}/decision`, headers: auth, payload });
    // Within the per-service cap (240) but over the 40 claimed.
    const over = await decide({ approve: true, minutes: 200 });
    expect([over.statusCode, over.json().error]).toEqual([400, 'over_claim']);
    expect(over.json().message).toMatch(/claimed 40 minutes: approve at most the claim, not 200/);
    expect(await d.balance('v-0001')).toBe(0);
    expect(await d.ledger.earnings.claim(id)).toMatchObject({ status: 'flagged', credited_minutes: null });
    expect((await d.orders.get(specialist(), id)).credit?.status).toBe('flagged');

    // Still waiting, so decided again within the claim: paid that.
    const within = await decide({ approve: true, minutes: 35 });
    expect(within.statusCode).toBe(200);
    expect(within.json().credit).toEqual({ status: 'approved', credited_minutes: 35, capped_by: null });
    expect(await d.balance('v-0001')).toBe(35);
    await app.close();
  });
});
