import { describe, expect, it } from 'vitest';
import { ServiceOrderError } from '../services/service-orders.js';
import { maxCodeAttempts } from '../services/service-visits.js';
import { dialects } from './support/databases.js';
import {
  codeShown,
  northOf,
  type ServiceDistrict,
  serviceApp,
  serviceDistrictPerTest,
  wangHome,
} from './support/service-district.js';

const minutes = (n: number) => n * 60_000;

/** Proof of service: where the volunteer stood, the elder's code, and what certification makes of it. */
describe.each(dialects)('service visits on %s', (dialect) => {
  let d: ServiceDistrict;
  serviceDistrictPerTest(dialect, (district) => {
    d = district;
  });

  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => 'no refusal',
      (error: unknown) =>
        error instanceof ServiceOrderError ? `${error.status} ${error.code}: ${error.message}` : error,
    );
  const volunteer = () => d.as('v-0001');
  const specialist = () => d.as('spec-jingtian');

  /** A visit to 王秀英, taken by v-0001. */
  const takenVisit = async () => {
    const order = await d.orders.publish(d.as('wang-family'), {
      elder_id: 'e-0001',
      kind: 'visit',
      note: '陪聊天',
      wanted_at: d.clock.now + minutes(30),
    });
    await d.orders.take(volunteer(), order.id);
    return order.id;
  };
  /** Served for `served` minutes at the home and rated; `code` at check-out ('shown': the watch's). */
  const served = async (id: string, served: number, code: 'shown' | string | undefined) => {
    await d.orders.checkIn(volunteer(), id, wangHome);
    d.clock.now += minutes(served);
    const done = await d.orders.checkOut(
      volunteer(),
      id,
      wangHome,
      code === 'shown' ? codeShown(d, id) : code,
    );
    await d.orders.rate(d.as('wang-family'), id, { rating: 5 });
    return done;
  };

  it('[VISIT-DISTANCE] a check-in 300 m from the home is refused with the distance; at the door it starts, and check-out is held to the same 100 m', async () => {
    const id = await takenVisit();
    expect(await refusal(d.orders.checkIn(volunteer(), id, northOf(wangHome, 300)))).toBe(
      "409 too_far: 300 m from the elder's home: check in within 100 m of it",
    );
    expect((await d.orders.get(specialist(), id)).status).toBe('taken');
    expect(d.commands).toEqual([]); // no code for a visit that has not started

    const started = await d.orders.checkIn(volunteer(), id, northOf(wangHome, 60));
    expect(started).toMatchObject({
      status: 'in_progress',
      proof: { check_in_distance_m: 60, code_shown: true },
    });
    d.clock.now += minutes(40);
    expect(await refusal(d.orders.checkOut(volunteer(), id, northOf(wangHome, 250)))).toBe(
      "409 too_far: 250 m from the elder's home: check out within 100 m of it",
    );
    const done = await d.orders.checkOut(volunteer(), id, northOf(wangHome, 20));
    expect(done).toMatchObject({ status: 'done', measured_minutes: 40, proof: { check_out_distance_m: 20 } });
    const timeline = await d.orders.timeline(specialist(), id);
    expect(timeline.filter((e) => e.code).map((e) => [e.code, e.params])).toContainEqual([
      'checked_in',
      { distance_m: 60 },
    ]);
  });

  it('[VISIT-CODE] a service confirmed by the elder’s code is certified without a flag; one without is flagged and pays nothing yet', async () => {
    const confirmed = await takenVisit();
    const done = await served(confirmed, 30, 'shown');
    expect(done.proof).toMatchObject({ confirmation: 'elder_code', confirmed_by: 'v-0001' });
    const paid = await d.orders.certify(specialist(), confirmed, 30);
    expect(paid.credit).toEqual({ status: 'paid', credited_minutes: 30, capped_by: null });
    expect(await d.balance('v-0001')).toBe(30);

    const unconfirmed = await takenVisit();
    expect((await served(unconfirmed, 30, undefined)).proof.confirmation).toBeNull();
    // The same honest claim as above: flagged only because nobody confirmed the visit.
    const flagged = await d.orders.certify(specialist(), unconfirmed, 30);
    expect(flagged.credit).toEqual({ status: 'flagged', credited_minutes: null, capped_by: null });
    expect(await d.ledger.earnings.claim(unconfirmed)).toMatchObject({ status: 'flagged' });
    expect(await d.balance('v-0001')).toBe(30);
  });

  it('[VISIT-WRONG-CODE] a wrong code is refused with the tries left and the visit goes on; past the limit no code is taken', async () => {
    const id = await takenVisit();
    await d.orders.checkIn(volunteer(), id, wangHome);
    const right = codeShown(d, id);
    const wrong = right === '0000' ? '1111' : '0000';
    expect(await refusal(d.orders.checkOut(volunteer(), id, wangHome, wrong))).toBe(
      `409 wrong_code: the code does not match the one shown on the elder's watch (${maxCodeAttempts - 1} tries left)`,
    );
    expect((await d.orders.get(specialist(), id)).status).toBe('in_progress');
    for (let i = 1; i < maxCodeAttempts; i++)
      await refusal(d.orders.checkOut(volunteer(), id, wangHome, wrong));
    // Even the right code is not taken any more: guessing 4 digits must not pay.
    expect(await refusal(d.orders.checkOut(volunteer(), id, wangHome, right))).toMatch(/^409 code_locked: /);
    const done = await d.orders.checkOut(volunteer(), id, wangHome);
    expect(done).toMatchObject({ status: 'done', proof: { confirmation: null } });
  });

  it('[VISIT-CODE-API] check-in and check-out carry a position; a bad one or a code not of 4 digits is a 400 with its reason', async () => {
    const { app, login } = await serviceApp(d);
    const auth = await login('v-0001');
    const id = await takenVisit();
    const post = (action: string, payload?: object) =>
      app.inject({ method: 'POST', url: `/api/v1/service-orders/${id}/${action}`, headers: auth, payload });
    const noPosition = await post('check-in');
    expect(noPosition.statusCode).toBe(400);
    expect(noPosition.json().error).toBe('invalid_request');
    const badLat = await post('check-in', { lat: 95, lon: 114 });
    expect(badLat.json().issues).toEqual([expect.objectContaining({ path: 'lat' })]);
    const far = await post('check-in', northOf(wangHome, 300));
    expect([far.statusCode, far.json().error, far.json().message]).toEqual([
      409,
      'too_far',
      "300 m from the elder's home: check in within 100 m of it",
    ]);
    expect((await post('check-in', wangHome)).json().status).toBe('in_progress');
    const badCode = await post('check-out', { ...wangHome, code: '12a4' });
    expect([badCode.statusCode, badCode.json().issues?.[0]?.path]).toEqual([400, 'code']);
    // Refused input changed nothing: the visit goes on.
    expect((await d.orders.get(specialist(), id)).status).toBe('in_progress');
    expect(JSON.stringify((await d.orders.get(specialist(), id)).proof)).not.toContain(codeShown(d, id));
    const done = await post('check-out', { ...wangHome, code: codeShown(d, id) });
    expect(done.json().proof.confirmation).toBe('elder_code');
    await app.close();
  });

  it('[VISIT-FAMILY-CONFIRM] the family confirms a visit the elder could not confirm: certified without a flag', async () => {
    const id = await takenVisit();
    await d.orders.checkIn(volunteer(), id, wangHome);
    expect(await refusal(d.orders.confirm(d.as('spec-jingtian'), id))).toMatch(/^403 forbidden/);
    const confirmed = await d.orders.confirm(d.as('wang-family'), id);
    expect(confirmed.proof).toMatchObject({ confirmation: 'family', confirmed_by: 'wang-family' });
    d.clock.now += minutes(25);
    await d.orders.checkOut(volunteer(), id, wangHome);
    await d.orders.rate(d.as('wang-family'), id, { rating: 4 });
    expect((await d.orders.certify(specialist(), id, 25)).credit?.status).toBe('paid');
    expect(await d.balance('v-0001')).toBe(25);
  });

  it('[VISIT-DECISION] a specialist’s decision on a flagged service releases the credits or refuses them, audited, once', async () => {
    const approved = await takenVisit();
    await served(approved, 40, undefined);
    await d.orders.certify(specialist(), approved, 40);
    expect(await d.balance('v-0001')).toBe(0);
    const paid = await d.orders.decide(specialist(), approved, { approve: true });
    expect(paid.credit).toEqual({ status: 'approved', credited_minutes: 40, capped_by: null });
    expect(await d.balance('v-0001')).toBe(40);
    expect(await refusal(d.orders.decide(specialist(), approved, { approve: false }))).toMatch(
      /^409 not_flagged: .* \(approved\)/,
    );

    const rejected = await takenVisit();
    await served(rejected, 40, undefined);
    await d.orders.certify(specialist(), rejected, 40);
    const refused = await d.orders.decide(specialist(), rejected, { approve: false });
    expect(refused.credit).toEqual({ status: 'rejected', credited_minutes: 0, capped_by: null });
    expect(await d.balance('v-0001')).toBe(40);
    expect(await d.ledger.earnings.claim(rejected)).toMatchObject({
      status: 'rejected',
      credited_minutes: 0,
    });
    const decided = (await d.orders.timeline(specialist(), rejected)).at(-1);
    expect(decided).toMatchObject({
      actor: 'spec-jingtian',
      code: 'order_decided',
      params: { decision: 'rejected', minutes: 0 },
    });
    // A confirmed, paid service waits for no decision.
    const confirmed = await takenVisit();
    await served(confirmed, 10, 'shown');
    await d.orders.certify(specialist(), confirmed, 10);
    expect(await refusal(d.orders.decide(specialist(), confirmed, { approve: true }))).toMatch(
      /^409 not_flagged/,
    );
  });

  it('[ORDER-HAND-BACK] a volunteer hands back a taken service: open to the community at once, another takes it; not once started', async () => {
    const id = await takenVisit();
    const back = await d.orders.handBack(volunteer(), id);
    expect(back).toMatchObject({ status: 'requested', volunteer_id: null, elder: null });
    const open = await d.orders.list(d.as('v-0002'), { status: 'requested', limit: 10 });
    expect(open.map((o) => o.id)).toEqual([id]);
    expect((await d.orders.take(d.as('v-0002'), id)).volunteer_id).toBe('v-0002');
    expect(await refusal(d.orders.handBack(volunteer(), id))).toMatch(/^404 not_found/);
    await d.orders.checkIn(d.as('v-0002'), id, wangHome);
    expect(await refusal(d.orders.handBack(d.as('v-0002'), id))).toMatch(/^409 wrong_status/);
    const notes = (await d.orders.timeline(specialist(), id)).filter((e) => e.code === 'order_handed_back');
    expect(notes.map((e) => [e.actor, e.params])).toEqual([['v-0001', { volunteer_id: 'v-0001' }]]);
  });

  it('[VOLUNTEER-RECORD] a volunteer’s own record: upcoming and past services, minutes measured and credited, by month', async () => {
    d.clock.now = Date.parse('2026-11-20T10:00:00+08:00');
    const november = await takenVisit();
    await served(november, 30, 'shown');
    await d.orders.certify(specialist(), november, 30);
    d.clock.now = Date.parse('2026-12-02T10:00:00+08:00');
    const december = await takenVisit();
    await served(december, 45, undefined);
    await d.orders.certify(specialist(), december, 45);
    const upcoming = await takenVisit();
    // Another volunteer's service is not in it.
    const others = await d.orders.publish(d.as('wang-family'), {
      elder_id: 'e-0001',
      kind: 'meal_delivery',
      note: '',
      wanted_at: d.clock.now,
    });
    await d.orders.take(d.as('v-0002'), others.id);

    const record = await d.orders.record.of(volunteer());
    expect(record.upcoming.map((o) => o.id)).toEqual([upcoming]);
    expect(record.past.map((o) => o.id)).toEqual([december, november]);
    expect(record).toMatchObject({
      volunteer_id: 'v-0001',
      measured_minutes: 75,
      credited_minutes: 30,
      awaiting_decision: 1,
      months: [
        { month: '2026-12', services: 1, measured_minutes: 45, credited_minutes: 0 },
        { month: '2026-11', services: 1, measured_minutes: 30, credited_minutes: 30 },
      ],
      skills: ['first_aid'],
    });
    expect(await refusal(d.orders.record.of(d.as('s-0001')))).toMatch(/^403 not_a_volunteer/);
  });
});
