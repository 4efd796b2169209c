import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { RecurringRequests } from '../services/recurring-requests.js';
import { dialects } from './support/databases.js';
import { type ServiceDistrict, serviceApp, serviceDistrictPerTest } from './support/service-district.js';

/** A local (UTC+8) time as ms. */
const local = (iso: string) => Date.parse(`${iso}+08:00`);

describe.each(dialects)('recurring requests on %s', (dialect) => {
  let d: ServiceDistrict;
  serviceDistrictPerTest(dialect, (district) => {
    d = district;
    d.clock.now = local('2026-11-30T10:00:00'); // a Monday
  });
  const ordersOf = async (recurrenceId: string) =>
    (
      await d.store.db
        .selectFrom('service_orders')
        .select(['wanted_at', 'status', 'kind', 'note', 'requested_by', 'community_id'])
        .where('recurrence_id', '=', recurrenceId)
        .orderBy('wanted_at')
        .execute()
    ).map((o) => ({ ...o, wanted_at: Number(o.wanted_at) }));

  it('[RECURRING-REQUEST] a weekly meal publishes each order a day ahead, once, and no more once stopped', async () => {
    const specialist = d.as('spec-jingtian');
    const rule = await d.recurring.create(specialist, {
      elder_id: 'e-0001',
      kind: 'meal_delivery',
      note: '午饭，少盐',
      weekdays: [1, 3, 5],
      time: '11:30',
      lead_hours: 24,
    });
    expect(rule).toMatchObject({ active: true, weekdays: [1, 3, 5], time: '11:30', starts_on: '2026-11-30' });
    expect(rule.next_wanted_at).toBe(local('2026-11-30T11:30:00'));
    // One that starts in spring names its first Sunday there, and publishes nothing yet.
    const later = await d.recurring.create(specialist, {
      elder_id: 'e-0001',
      kind: 'visit',
      note: '',
      weekdays: [7],
      time: '08:00',
      lead_hours: 24,
      starts_on: '2027-03-02',
    });
    expect(later.next_wanted_at).toBe(local('2027-03-07T08:00:00'));
    expect(await ordersOf(later.id)).toEqual([]);
    // Published at once: today's 11:30 lies within a day.
    expect(await ordersOf(rule.id)).toEqual([
      {
        wanted_at: local('2026-11-30T11:30:00'),
        status: 'requested',
        kind: 'meal_delivery',
        note: '午饭，少盐',
        requested_by: 'spec-jingtian',
        community_id: 'jingtian',
      },
    ]);
    expect(await d.recurring.publishDue()).toBe(0);
    // The community's volunteers see it as any request.
    expect((await d.orders.list(d.as('v-0001'), { limit: 10 })).map((o) => o.kind)).toEqual([
      'meal_delivery',
    ]);

    d.clock.now = local('2026-12-01T12:00:00'); // Tuesday noon: Wednesday's is within a day
    expect(await d.recurring.publishDue()).toBe(1);
    // Two publishers at once (two hub processes): Friday's order is written once.
    d.clock.now = local('2026-12-03T12:00:00');
    const other = new RecurringRequests({
      db: d.store.db,
      requests: d.orders.requests,
      now: () => d.clock.now,
      utcOffsetMinutes: 480,
      tickMs: 60_000,
      logger: pino({ level: 'silent' }),
    });
    const written = await Promise.all([d.recurring.publishDue(), other.publishDue()]);
    expect(written[0] + written[1]).toBe(1);
    expect((await ordersOf(rule.id)).map((o) => o.wanted_at)).toEqual([
      local('2026-11-30T11:30:00'),
      local('2026-12-02T11:30:00'),
      local('2026-12-04T11:30:00'),
    ]);

    const stopped = await d.recurring.stopRule(specialist, rule.id);
    expect(stopped).toMatchObject({ active: false, stopped_by: 'spec-jingtian', next_wanted_at: null });
    d.clock.now = local('2026-12-06T12:00:00'); // Sunday noon: Monday's would be due
    expect(await d.recurring.publishDue()).toBe(0);
    expect(await ordersOf(rule.id)).toHaveLength(3);
  });

  it('[RECURRING-REQUEST-GAP] after time with no hub running, an occurrence still ahead is published, a past one never', async () => {
    const rule = await d.recurring.create(d.as('wang-family'), {
      elder_id: 'e-0001',
      kind: 'visit',
      note: '',
      weekdays: [1, 2, 3, 4, 5, 6, 7],
      time: '09:00',
      lead_hours: 12,
      ends_on: '2026-12-04',
    });
    expect(await ordersOf(rule.id)).toEqual([]); // Tuesday 09:00 is 23 h away, beyond 12 h
    d.clock.now = local('2026-12-02T08:00:00'); // Tuesday's was missed; Wednesday's is in 1 h
    expect(await d.recurring.publishDue()).toBe(1);
    expect((await ordersOf(rule.id)).map((o) => o.wanted_at)).toEqual([local('2026-12-02T09:00:00')]);
    d.clock.now = local('2026-12-04T20:00:00'); // past its last day: nothing more, ever
    expect(await d.recurring.publishDue()).toBe(0);
    expect((await d.recurring.get(d.as('wang-family'), rule.id)).next_wanted_at).toBeNull();
  });

  it('[RECURRING-REQUEST-API] bad rules are refused with the reason; scope and roles hold', async () => {
    const { app, login } = await serviceApp(d);
    const [specialist, other, volunteer] = await Promise.all([
      login('spec-jingtian'),
      login('spec-meilin'),
      login('v-0001'),
    ]);
    const post = (body: object, headers = specialist) =>
      app.inject({ method: 'POST', url: '/api/v1/recurring-requests', headers, payload: body });
    const good = { elder_id: 'e-0001', kind: 'meal_delivery', weekdays: [2, 4], time: '17:30' };
    const reason = async (body: object) => {
      const res = await post(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      const { issues } = res.json() as { issues: Array<{ path: string; message: string }> };
      return issues.map((i) => `${i.path}: ${i.message}`).join('; ');
    };
    expect(await reason({ ...good, time: '24:00' })).toMatch(/time: must be a local time HH:MM/);
    expect(await reason({ ...good, weekdays: [] })).toMatch(/weekdays: name at least one weekday/);
    expect(await reason({ ...good, weekdays: [8] })).toMatch(/weekdays\[0\]: Too big/);
    expect(await reason({ ...good, starts_on: '2026-12-10', ends_on: '2026-12-01' })).toMatch(
      /ends_on: ends_on must not be before starts_on/,
    );
    expect(await reason({ ...good, starts_on: '2026-02-30' })).toMatch(
      /starts_on: must be a real calendar day/,
    );
    expect(await reason({ ...good, ends_on: '0000-40-00' })).toMatch(/ends_on: must be a real calendar day/);
    // The hub's own kind is not on the menu: refused by the stored list, naming the kind.
    const hubOwn = await post({ ...good, kind: 'emergency_response' });
    expect(hubOwn.statusCode).toBe(400);
    expect(hubOwn.json()).toMatchObject({
      error: 'unknown_kind',
      message: expect.stringContaining('"emergency_response"'),
    });
    expect(await reason({ ...good, every: 'day' })).toMatch(/every|Unrecognized/i);

    const outOfScope = await post({ ...good, elder_id: 'e-0002' });
    expect(outOfScope.statusCode).toBe(404);
    expect(outOfScope.json()).toMatchObject({
      error: 'not_found',
      message: 'no elder e-0002 in your org unit',
    });
    const refused = await post(good, volunteer);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error).toBe('forbidden');

    const created = await post(good);
    expect(created.statusCode).toBe(201);
    const id = created.json().id as string;
    expect(created.json()).toMatchObject({ elder: { id: 'e-0001', name: '王秀英' }, lead_hours: 24 });
    const list = (headers: object) =>
      app.inject({ url: '/api/v1/recurring-requests', headers: { ...headers } }).then((r) => r.json());
    expect((await list(specialist)).recurring_requests.map((r: { id: string }) => r.id)).toEqual([id]);
    expect((await list(other)).recurring_requests).toEqual([]);
    const stopElsewhere = await app.inject({
      method: 'POST',
      url: `/api/v1/recurring-requests/${id}/stop`,
      headers: other,
    });
    expect(stopElsewhere.statusCode).toBe(404);
    expect(stopElsewhere.json().message).toBe(`no recurring request ${id} in your org unit`);
    const stop = await app.inject({
      method: 'POST',
      url: `/api/v1/recurring-requests/${id}/stop`,
      headers: specialist,
    });
    expect(stop.json()).toMatchObject({ active: false });
    // Nothing stored was touched by the refusals: one rule, stopped.
    expect(await d.store.db.selectFrom('recurring_requests').select('id').execute()).toEqual([{ id }]);
  });
});
