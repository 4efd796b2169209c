import { describe, expect, it } from 'vitest';
import { AlertBook } from '../alerts/alert-book.js';
import { Channel } from '../kernel/channel.js';
import { ServiceOrderError } from '../services/service-orders.js';
import { dialects } from './support/databases.js';
import {
  codeShown,
  type ServiceDistrict,
  serviceApp,
  serviceDistrictPerTest,
  wangHome,
} from './support/service-district.js';

const minutes = (n: number) => n * 60_000;

describe.each(dialects)('service orders on %s', (dialect) => {
  let d: ServiceDistrict;
  serviceDistrictPerTest(dialect, (district) => {
    d = district;
  });

  const mealFor = (elderId = 'e-0001', by = d.as('wang-family')) =>
    d.orders.publish(by, {
      elder_id: elderId,
      kind: 'meal_delivery',
      note: '午饭送到家，少盐',
      wanted_at: d.clock.now + minutes(60),
    });

  /** Takes, serves for `served` minutes, and has the family rate it. */
  const serveAndRate = async (id: string, served: number) => {
    await d.orders.take(d.as('v-0001'), id);
    await d.orders.checkIn(d.as('v-0001'), id, wangHome);
    d.clock.now += minutes(served);
    await d.orders.checkOut(d.as('v-0001'), id, wangHome, codeShown(d, id));
    await d.orders.rate(d.as('wang-family'), id, { rating: 5, comment: '很及时' });
  };

  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => null,
      (error: unknown) => (error instanceof ServiceOrderError ? `${error.status} ${error.code}` : error),
    );

  it('[SERVICE-ORDER] request → taken → in progress → done → rated → certified deposits the credits', async () => {
    const order = await mealFor();
    expect(order).toMatchObject({
      status: 'requested',
      kind: 'meal_delivery',
      community_id: 'jingtian',
      org_unit_id: 'wang-family',
      elder: { id: 'e-0001', name: '王秀英' },
      requested_by: 'wang-family',
    });
    const volunteer = d.as('v-0001');
    expect((await d.orders.take(volunteer, order.id)).status).toBe('taken');
    d.clock.now += minutes(20);
    expect((await d.orders.checkIn(volunteer, order.id, wangHome)).status).toBe('in_progress');
    d.clock.now += minutes(47) + 20_000;
    const done = await d.orders.checkOut(volunteer, order.id, wangHome, codeShown(d, order.id));
    expect(done).toMatchObject({ status: 'done', measured_minutes: 47 });
    const rated = await d.orders.rate(d.as('wang-family'), order.id, { rating: 5, comment: '很及时' });
    expect(rated).toMatchObject({ status: 'rated', rating: 5, rating_comment: '很及时' });

    const certified = await d.orders.certify(d.as('spec-jingtian'), order.id, 50);
    expect(certified).toMatchObject({
      status: 'certified',
      claimed_minutes: 50,
      certified_by: 'spec-jingtian',
      credit: { status: 'paid', credited_minutes: 47, capped_by: null },
    });
    expect(await d.balance('v-0001')).toBe(47);
    // Certifying again (a retry) changes nothing and pays nothing.
    expect((await d.orders.certify(d.as('spec-jingtian'), order.id, 50)).status).toBe('certified');
    expect(await d.balance('v-0001')).toBe(47);

    const timeline = await d.orders.timeline(d.as('spec-jingtian'), order.id);
    expect(timeline.map((t) => [t.actor, t.from_status, t.to_status])).toEqual([
      ['wang-family', null, 'requested'],
      ['v-0001', 'requested', 'taken'],
      ['v-0001', 'taken', 'in_progress'],
      ['v-0001', 'in_progress', 'done'],
      ['wang-family', 'done', 'rated'],
      ['spec-jingtian', 'rated', 'certified'],
    ]);
  });

  it('[SERVICE-ORDER-FIRST-TAKER] two volunteers take the same request at once: exactly one wins', async () => {
    const order = await mealFor();
    const results = await Promise.all(
      (['v-0001', 'v-0002'] as const).map((v) => refusal(d.orders.take(d.as(v), order.id))),
    );
    expect(results.filter((r) => r === null)).toHaveLength(1);
    expect(results.filter((r) => r === '409 already_taken')).toHaveLength(1);
    const winner = results[0] === null ? 'v-0001' : 'v-0002';
    const timeline = await d.orders.timeline(d.as('spec-jingtian'), order.id);
    expect(timeline.filter((t) => t.to_status === 'taken')).toEqual([
      expect.objectContaining({ actor: winner, from_status: 'requested' }),
    ]);
  });

  it('[SERVICE-ORDER-COMMUNITY] a volunteer of another community neither sees nor takes the request', async () => {
    const order = await mealFor();
    const other = d.as('v-0003');
    expect((await d.orders.list(other, { limit: 100 })).map((o) => o.id)).not.toContain(order.id);
    expect(await refusal(d.orders.get(other, order.id))).toBe('404 not_found');
    expect(await refusal(d.orders.take(other, order.id))).toBe('404 not_found');
    // 梅林's own request is theirs to see.
    const theirs = await mealFor('e-0002', d.as('spec-meilin'));
    expect((await d.orders.list(other, { limit: 100 })).map((o) => o.id)).toEqual([theirs.id]);
    // Staff responders are not time-bank volunteers.
    expect(await refusal(d.orders.take(d.as('s-0001'), order.id))).toBe('403 not_a_volunteer');
  });

  it('[SERVICE-ORDER-PRIVACY] no name or address before taking; the taker sees them while it is their task', async () => {
    const order = await mealFor();
    const [before] = await d.orders.list(d.as('v-0002'), { limit: 100 });
    expect(before).toMatchObject({
      id: order.id,
      kind: 'meal_delivery',
      note: '午饭送到家，少盐',
      elder: null,
      org_unit_id: null,
      requested_by: null,
    });
    expect(JSON.stringify(before)).not.toMatch(/王秀英|景田北一街|wang-family|e-0001/);

    const taken = await d.orders.take(d.as('v-0001'), order.id);
    expect(taken.elder).toEqual({
      id: 'e-0001',
      name: '王秀英',
      address: '景田北一街 3 栋 502',
      ...wangHome,
    });
    expect(await d.orders.list(d.as('v-0002'), { limit: 100 })).toEqual([]);
    await d.orders.checkIn(d.as('v-0001'), order.id, wangHome);
    d.clock.now += minutes(30);
    const done = await d.orders.checkOut(d.as('v-0001'), order.id, wangHome);
    // Hidden again once the task is over, as with alerts.
    expect(done.elder).toBeNull();
    expect(done.measured_minutes).toBe(30);
  });

  it('[SERVICE-ORDER-OVERCLAIM] a claim over 1.5× the measured time is flagged for the specialist, not paid', async () => {
    const order = await mealFor();
    await serveAndRate(order.id, 20);
    const certified = await d.orders.certify(d.as('spec-jingtian'), order.id, 31);
    expect(certified).toMatchObject({
      status: 'certified',
      measured_minutes: 20,
      claimed_minutes: 31,
      credit: { status: 'flagged', credited_minutes: null },
    });
    expect(await d.balance('v-0001')).toBe(0);
    expect(await d.ledger.earnings.claim(order.id)).toMatchObject({ status: 'flagged', claimed_minutes: 31 });

    // At exactly 1.5× it is paid (the measured time).
    const next = await mealFor();
    await serveAndRate(next.id, 20);
    const paid = await d.orders.certify(d.as('spec-jingtian'), next.id, 30);
    expect(paid.credit).toEqual({ status: 'paid', credited_minutes: 20, capped_by: null });
    expect(await d.balance('v-0001')).toBe(20);
  });

  it('[SERVICE-ORDER-EMERGENCY] a volunteer who answered a resolved alert gets a done service record, once, ready to rate and certify', async () => {
    const opened = d.clock.now - minutes(60);
    await d.insertAlert({
      id: 'alert-sos-1',
      opened_at: opened,
      status: 'resolved',
      outcome: 'help_given',
      assignee_id: 'v-0001',
      accepted_at: opened + 40_000,
      on_site_at: opened + minutes(6),
      closed_at: opened + minutes(46),
    });
    await d.insertAlert({
      id: 'alert-staff',
      opened_at: opened,
      status: 'resolved',
      assignee_id: 's-0001',
      accepted_at: opened + 40_000,
      closed_at: opened + minutes(30),
    });
    await d.insertAlert({ id: 'alert-open', opened_at: opened, status: 'assigned', assignee_id: 'v-0002' });
    const book = new AlertBook({ db: d.store.db, updates: new Channel(() => {}), now: () => d.clock.now });
    const alert = async (id: string) => (await book.find(id, '/'))!;

    const recorded = await d.orders.recordEmergencyResponse(await alert('alert-sos-1'));
    expect(recorded).toMatchObject({ created: true });
    expect(await d.orders.recordEmergencyResponse(await alert('alert-sos-1'))).toEqual({
      id: recorded!.id,
      created: false,
    });
    expect(await d.orders.recordEmergencyResponse(await alert('alert-staff'))).toBeNull();
    expect(await d.orders.recordEmergencyResponse(await alert('alert-open'))).toBeNull();

    const order = await d.orders.get(d.as('spec-jingtian'), recorded!.id);
    expect(order).toMatchObject({
      kind: 'emergency_response',
      status: 'done',
      volunteer_id: 'v-0001',
      alert_id: 'alert-sos-1',
      community_id: 'jingtian',
      requested_by: 'hub',
      taken_at: opened + 40_000,
      checked_in_at: opened + minutes(6),
      checked_out_at: opened + minutes(46),
      measured_minutes: 40,
    });
    await d.orders.rate(d.as('wang-family'), order.id, { rating: 5 });
    const certified = await d.orders.certify(d.as('spec-jingtian'), order.id, 46);
    expect(certified.credit).toEqual({ status: 'paid', credited_minutes: 40, capped_by: null });
    expect(await d.balance('v-0001')).toBe(40);

    // A response resolved while no node recorded it is picked up by the sweep, once.
    await d.insertAlert({
      id: 'alert-missed',
      opened_at: opened,
      status: 'resolved',
      assignee_id: 'v-0002',
      accepted_at: opened + 30_000,
      closed_at: opened + minutes(20),
    });
    expect(await d.orders.recordMissedEmergencyResponses(opened)).toBe(1);
    expect(await d.orders.recordMissedEmergencyResponses(opened)).toBe(0);
  });

  it('[SERVICE-ORDER-EMERGENCY-UNPROVEN] an answer to an alert closed before the volunteer checked in on site is certified as flagged, not paid', async () => {
    const opened = d.clock.now - minutes(60);
    await d.insertAlert({
      id: 'alert-closed-early',
      opened_at: opened,
      status: 'resolved',
      outcome: 'returned_home',
      assignee_id: 'v-0001',
      accepted_at: opened + 30_000,
      closed_at: opened + minutes(20), // resolved by the hub before they arrived
    });
    expect(await d.orders.recordMissedEmergencyResponses(opened)).toBe(1);
    const [order] = (await d.orders.list(d.as('spec-jingtian'), { limit: 100 })).filter(
      (o) => o.alert_id === 'alert-closed-early',
    );
    await d.orders.rate(d.as('wang-family'), order!.id, { rating: 4 });
    const certified = await d.orders.certify(d.as('spec-jingtian'), order!.id, 20);
    expect(certified.credit).toMatchObject({ status: 'flagged', credited_minutes: null });
    expect(await d.balance('v-0001')).toBe(0);
  });

  it('[SERVICE-ORDER-SCOPE] org-unit scope and whose task it is are checked on every action', async () => {
    expect(await refusal(mealFor('e-0001', d.as('spec-meilin')))).toBe('404 not_found');
    const order = await mealFor();
    expect(await refusal(d.orders.checkIn(d.as('v-0001'), order.id, wangHome))).toBe('404 not_found');
    await d.orders.take(d.as('v-0001'), order.id);
    expect(await refusal(d.orders.checkIn(d.as('v-0002'), order.id, wangHome))).toBe('404 not_found');
    expect(await refusal(d.orders.checkOut(d.as('v-0001'), order.id, wangHome))).toBe('409 wrong_status');
    expect(await refusal(d.orders.rate(d.as('wang-family'), order.id, { rating: 4 }))).toBe(
      '409 wrong_status',
    );
    expect(await refusal(d.orders.certify(d.as('spec-jingtian'), order.id, 10))).toBe('409 wrong_status');
    expect(await refusal(d.orders.cancel(d.as('spec-meilin'), order.id, 'no'))).toBe('404 not_found');
    const cancelled = await d.orders.cancel(d.as('wang-family'), order.id, '老人住院了');
    expect(cancelled.status).toBe('cancelled');
    expect(await d.orders.list(d.as('v-0001'), { status: 'cancelled', limit: 10 })).toMatchObject([
      { id: order.id, elder: null },
    ]);
    expect(await d.orders.list(d.as('spec-meilin'), { limit: 10 })).toEqual([]);
    expect((await d.orders.list(d.as('admin'), { limit: 10 })).map((o) => o.id)).toEqual([order.id]);
  });

  it('[SERVICE-ORDER-API] the HTTP routes check roles and scope and carry a whole order', async () => {
    const { app, login } = await serviceApp(d);
    const [family, volunteer, other, specialist] = await Promise.all([
      login('wang-family'),
      login('v-0001'),
      login('v-0003'),
      login('spec-jingtian'),
    ]);
    const call = (method: 'GET' | 'POST', url: string, headers?: object, payload?: object) =>
      app.inject({ method, url: `/api/v1/service-orders${url}`, headers: { ...headers }, payload });

    expect((await call('GET', '/')).statusCode).toBe(401);
    const published = await call('POST', '/', family, {
      elder_id: 'e-0001',
      kind: 'visit',
      note: '陪聊天',
      wanted_at: d.clock.now,
    });
    expect(published.statusCode).toBe(201);
    const id = published.json().id as string;
    expect(
      (await call('POST', '/', volunteer, { elder_id: 'e-0001', kind: 'visit', wanted_at: 0 })).statusCode,
    ).toBe(403);
    expect(
      (await call('POST', '/', family, { elder_id: 'e-0001', kind: 'emergency_response', wanted_at: 0 }))
        .statusCode,
    ).toBe(400);

    const seen = (await call('GET', '/?status=requested', volunteer)).json().orders;
    expect(seen).toMatchObject([{ id, elder: null, note: '陪聊天' }]);
    expect((await call('GET', '/', other)).json().orders).toEqual([]);
    expect((await call('POST', `/${id}/take`, other)).statusCode).toBe(404);
    expect((await call('POST', `/${id}/take`, family)).statusCode).toBe(403);

    const taken = await call('POST', `/${id}/take`, volunteer);
    expect(taken.statusCode).toBe(200);
    expect(taken.json().elder.name).toBe('王秀英');
    expect((await call('POST', `/${id}/check-in`, volunteer, wangHome)).statusCode).toBe(200);
    d.clock.now += minutes(60);
    const checkedOut = await call('POST', `/${id}/check-out`, volunteer, {
      ...wangHome,
      code: codeShown(d, id),
    });
    expect(checkedOut.json().measured_minutes).toBe(60);
    expect((await call('POST', `/${id}/rate`, family, { rating: 6 })).statusCode).toBe(400);
    expect((await call('POST', `/${id}/rate`, family, { rating: 4, comment: '好' })).statusCode).toBe(200);
    expect((await call('POST', `/${id}/certify`, family, { claimed_minutes: 60 })).statusCode).toBe(403);
    const certified = await call('POST', `/${id}/certify`, specialist, { claimed_minutes: 60 });
    expect(certified.statusCode).toBe(200);
    expect(certified.json()).toMatchObject({
      status: 'certified',
      credit: { status: 'paid', credited_minutes: 60 },
    });

    const detail = await call('GET', `/${id}`, specialist);
    expect(detail.json().timeline.map((t: { to_status: string }) => t.to_status)).toEqual([
      'requested',
      'taken',
      'in_progress',
      'done',
      'rated',
      'certified',
    ]);
    expect((await call('GET', `/${id}`, volunteer)).statusCode).toBe(403);
    expect((await call('POST', `/${id}/cancel`, family)).json().error).toBe('wrong_status');
    await app.close();
  });

  it('[SERVICE-ORDER-REASSIGN] a specialist moves a taken order to another volunteer of the community, or back to open; not to an outsider, not once started', async () => {
    const order = await mealFor();
    const specialist = d.as('spec-jingtian');
    await d.orders.take(d.as('v-0001'), order.id);
    const moved = await d.orders.reassign(specialist, order.id, 'v-0002');
    expect(moved).toMatchObject({ status: 'taken', volunteer_id: 'v-0002' });
    // v-0003 is 梅林's: not the elder's community.
    expect(await refusal(d.orders.reassign(specialist, order.id, 'v-0003'))).toBe('409 not_in_community');
    expect(await refusal(d.orders.reassign(d.as('wang-family'), order.id, null))).toBe('403 forbidden');
    expect(await refusal(d.orders.reassign(d.as('spec-meilin'), order.id, null))).toBe('404 not_found');
    const reopened = await d.orders.reassign(specialist, order.id, null);
    expect(reopened).toMatchObject({ status: 'requested', volunteer_id: null, taken_at: null });
    // Open again: any volunteer of the community may take it, and once started it stays theirs.
    await d.orders.take(d.as('v-0001'), order.id);
    await d.orders.checkIn(d.as('v-0001'), order.id, wangHome);
    expect(await refusal(d.orders.reassign(specialist, order.id, 'v-0002'))).toBe('409 wrong_status');
    const notes = (await d.orders.timeline(specialist, order.id)).filter(
      (e) => e.code === 'order_reassigned',
    );
    expect(notes.map((e) => [e.params, e.note])).toEqual([
      [{ from: 'v-0001', to: 'v-0002' }, 'reassigned from v-0001 to v-0002'],
      [{ from: 'v-0002', to: null }, 'taken from v-0002: open again'],
    ]);
  });
});
