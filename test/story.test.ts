import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smallDistrict, startTestHub, type TestHub } from './support/hub.js';
import { ResponderApp } from './support/responder-app.js';
import { until } from './support/wait.js';

/**
 * The whole story through one real hub, as people live it: a watch's SOS over MQTT, an offer
 * on a volunteer's phone, the visit, the specialist closing and certifying it, the credits,
 * a gift to the volunteer's mother and her meal delivery paid with them.
 */
let hub: TestHub;
let clock = Date.UTC(2026, 10, 30, 2, 0, 0);
const home = { lat: 22.5531, lon: 114.0412 };

beforeAll(async () => {
  hub = await startTestHub({ now: () => clock });
  const doc = smallDistrict();
  doc.responders = [
    {
      id: 'v-0001',
      name: '李建国',
      kind: 'volunteer',
      org_unit: 'jingtian',
      skills: ['first_aid'],
      location: { lat: home.lat + 0.0009, lon: home.lon },
    },
  ];
  // 李桂兰 (e-0002) is his mother: her care record names him, which lets him give her credits.
  doc.elders = doc.elders!.map((e) =>
    e.id === 'e-0002'
      ? {
          ...e,
          contacts: [
            { name: '李建国', relation: 'child' as const, phone: '13800138000', username: 'v-0001' },
          ],
        }
      : e,
  );
  expect((await hub.putDistrict(doc)).statusCode).toBe(200);
});
afterAll(async () => {
  await hub?.stop();
});

describe('a day in the time bank', () => {
  it('[STORY] a volunteer answers an SOS, the specialist certifies it, the credits arrive, go to a parent and pay her meal delivery', async () => {
    const specialist = hub.as(await hub.login('spec-jingtian', 'spec-password-1'));
    const volunteerToken = await hub.login('v-0001', 'volunteer-password');
    const volunteer = hub.as(volunteerToken);
    const phone = await ResponderApp.open(hub.addresses.http, volunteerToken);
    await phone.onDutyAt(home.lat + 0.0009, home.lon);

    // 10:00 the watch's SOS; the offer reaches the volunteer's phone.
    const watch = await hub.connectDevice('w-0001', 'watch-secret-0001');
    await watch.publishAsync(
      'care/w-0001/event',
      JSON.stringify({ ts: Date.now(), event_id: 'story-sos', type: 'sos' }),
      { qos: 1 },
    );
    await watch.endAsync();
    await until(
      async () => phone.offers.length,
      (n) => n > 0,
    );
    const alertId = phone.offers[0]!.alert_id;
    expect((await phone.request('offer:accept', { offer_id: phone.offers[0]!.offer_id })).ok).toBe(true);

    // 10:05 on site (100 m away: expected within about 6 minutes); 10:45 the specialist closes
    // the alert: the visit becomes a service record.
    clock += 5 * 60_000;
    expect(await phone.request('checkin', { lat: home.lat + 0.0003, lon: home.lon })).toEqual({ ok: true });
    clock += 40 * 60_000;
    const resolved = await hub.app.inject({
      method: 'POST',
      url: `/api/v1/alerts/${alertId}/resolve`,
      headers: specialist,
      payload: { outcome: 'help_given' },
    });
    expect(resolved.statusCode).toBe(200);
    const record = await until(
      async () =>
        (await hub.app.inject({ url: '/api/v1/service-orders', headers: specialist })).json()
          .orders as Array<{ id: string; kind: string; status: string; measured_minutes: number }>,
      (orders) => orders.some((o) => o.kind === 'emergency_response'),
    );
    const service = record.find((o) => o.kind === 'emergency_response')!;
    expect(service).toMatchObject({ status: 'done', measured_minutes: 40 });

    // The family's rating (given by phone) and the specialist's certification pay the credits.
    expect(
      (
        await hub.app.inject({
          method: 'POST',
          url: `/api/v1/service-orders/${service.id}/rate`,
          headers: specialist,
          payload: { rating: 5, comment: '来得很快' },
        })
      ).statusCode,
    ).toBe(200);
    const certified = await hub.app.inject({
      method: 'POST',
      url: `/api/v1/service-orders/${service.id}/certify`,
      headers: specialist,
      payload: { claimed_minutes: 40 },
    });
    expect(certified.statusCode).toBe(200);
    const account = await hub.app.inject({ url: '/api/v1/timebank/accounts/v-0001', headers: volunteer });
    expect(account.json().balance_minutes).toBe(40);

    // 30 minutes to his mother (elder e-0002); 25 of them pay her meal delivery to the community's fund.
    const gift = await hub.app.inject({
      method: 'POST',
      url: '/api/v1/timebank/transfers',
      headers: { ...volunteer, 'idempotency-key': 'gift-to-mother-1' },
      payload: { from: { owner_id: 'v-0001' }, to: { owner_id: 'e-0002' }, minutes: 30, memo: '给妈妈' },
    });
    expect(gift.statusCode, gift.body).toBe(200);
    const meilinSpecialist = hub.as(await hub.login('spec-meilin', 'spec-password-2'));
    const meal = await hub.app.inject({
      method: 'POST',
      url: '/api/v1/timebank/transfers',
      headers: { ...meilinSpecialist, 'idempotency-key': 'meal-order-1' },
      payload: {
        from: { owner_id: 'e-0002', kind: 'elder' },
        to: { owner_id: 'meilin', kind: 'fund' },
        minutes: 25,
        memo: '送餐 meal delivery',
      },
    });
    expect(meal.statusCode, meal.body).toBe(200);
    expect(
      (await hub.app.inject({ url: '/api/v1/timebank/accounts/v-0001', headers: volunteer })).json()
        .balance_minutes,
    ).toBe(10);
    expect(
      (await hub.app.inject({ url: '/api/v1/timebank/accounts/e-0002', headers: meilinSpecialist })).json()
        .balance_minutes,
    ).toBe(5);
    phone.close();
  });
});
