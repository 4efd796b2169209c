import { describe, expect, it } from 'vitest';
import { quantile } from '../reports/service-levels.js';
import { ServiceOrderError } from '../services/service-orders.js';
import { dialects } from './support/databases.js';
import { type ServiceDistrict, serviceApp, serviceDistrictPerTest } from './support/service-district.js';

const s = 1000;
const from = Date.UTC(2026, 10, 1);
const to = Date.UTC(2026, 11, 1);

/**
 * Ten alerts of the 王 family in November, an hour apart. Acknowledged after 10, 20, 30,
 * 40, 50, 60, 90, 120, 200 s and never; the first five accepted after 60–300 s and on
 * site after 10, 20, 30, 50 and 60 minutes.
 */
const acknowledged = [10, 20, 30, 40, 50, 60, 90, 120, 200, null];
const accepted = [60, 120, 180, 240, 300];
const arrived = [10, 20, 30, 50, 60].map((m) => m * 60);

async function knownAlerts(d: ServiceDistrict): Promise<void> {
  for (const [i, ack] of acknowledged.entries()) {
    const opened = from + 3_600_000 * (i + 1);
    await d.insertAlert({
      id: `a-${i}`,
      opened_at: opened,
      kind: ack === null ? 'low_battery' : 'sos',
      acknowledged_at: ack === null ? null : opened + ack * s,
      accepted_at: accepted[i] === undefined ? null : opened + accepted[i]! * s,
      on_site_at: arrived[i] === undefined ? null : opened + arrived[i]! * s,
    });
  }
  // Outside the range (before `from`, at `to`) and outside 景田 (梅林): not counted for 景田 in November.
  await d.insertAlert({ id: 'early', opened_at: from - 1, acknowledged_at: from });
  await d.insertAlert({ id: 'late', opened_at: to, acknowledged_at: to + s });
  await d.insertAlert({
    id: 'meilin',
    opened_at: from + 5_000,
    elder_id: 'e-0002',
    org_unit_id: 'meilin',
    acknowledged_at: from + 6_000,
  });
}

describe.each(dialects)('service levels on %s', (dialect) => {
  let d: ServiceDistrict;
  serviceDistrictPerTest(dialect, async (district) => {
    d = district;
    await knownAlerts(d);
  });

  it('[SERVICE-LEVELS] shares and medians over a known set of alerts', async () => {
    const report = await d.levels.report(d.as('spec-jingtian'), { from, to });
    expect(report).toEqual({
      org_unit: 'jingtian',
      from,
      to,
      alerts: 10,
      acknowledged_within_60s: 0.6,
      acknowledged_within_180s: 0.8,
      on_site_within_45min: 0.3,
      // Over the nine acknowledged: median 50 s; p90 at rank 7.2 → 120 + 0.2 × 80.
      acknowledge: { median_s: 50, p90_s: 136 },
      accept: { median_s: 180, p90_s: 276 },
      arrive: { median_s: 1800, p90_s: 3360 },
      targets: { answered_60s: 0.985, answered_180s: 0.99 },
    });
    // The district sees 梅林's alert too; an alert kind narrows the set.
    const district = await d.levels.report(d.as('admin'), { from, to });
    expect(district).toMatchObject({ org_unit: 'futian', alerts: 11 });
    const battery = await d.levels.report(d.as('admin'), {
      org_unit: 'jingtian',
      from,
      to,
      kinds: ['low_battery'],
    });
    expect(battery).toMatchObject({ alerts: 1, acknowledged_within_60s: 0, acknowledge: { median_s: null } });
    const empty = await d.levels.report(d.as('spec-jingtian'), { from: to + 1, to: to + 2 });
    expect(empty).toMatchObject({ alerts: 0, acknowledged_within_60s: null, arrive: { p90_s: null } });
  });

  it('[SERVICE-LEVELS-SCOPE] the org unit asked must lie within the caller’s', async () => {
    const refused = await d.levels
      .report(d.as('spec-jingtian'), { org_unit: 'meilin', from, to })
      .catch((e) => e);
    expect(refused).toBeInstanceOf(ServiceOrderError);
    expect(refused.status).toBe(403);
    expect(await d.levels.report(d.as('spec-jingtian'), { org_unit: 'wang-family', from, to })).toMatchObject(
      {
        org_unit: 'wang-family',
        alerts: 10,
      },
    );
  });

  it('[SERVICE-LEVELS-API] GET /api/v1/reports/service-levels: admins and specialists, a bounded range', async () => {
    const { app, login } = await serviceApp(d);
    const [specialist, volunteer] = await Promise.all([login('spec-jingtian'), login('v-0001')]);
    const get = (query: string, headers: object) =>
      app.inject({ url: `/api/v1/reports/service-levels?${query}`, headers: { ...headers } });
    const ok = await get(`from=${from}&to=${to}`, specialist);
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({
      alerts: 10,
      acknowledged_within_60s: 0.6,
      acknowledge: { median_s: 50 },
    });
    expect((await get(`from=${from}&to=${to}&kind=sos&kind=fall`, specialist)).json().alerts).toBe(9);
    expect((await get(`from=${from}&to=${to}`, volunteer)).statusCode).toBe(403);
    expect((await get(`org_unit=meilin&from=${from}&to=${to}`, specialist)).statusCode).toBe(403);
    // A unit that does not exist is refused as another's is: ids are not probed (test/scope-matrix.test.ts).
    expect((await get(`org_unit=nowhere`, specialist)).statusCode).toBe(403);
    expect((await get(`from=${to}&to=${from}`, specialist)).statusCode).toBe(400);
    expect((await get(`from=0&to=${to}`, specialist)).json().issues[0].message).toContain('92 days');
    // Default: the last 30 days up to now.
    d.clock.now = to;
    expect((await get('', specialist)).json()).toMatchObject({ to, from: to - 30 * 86_400_000, alerts: 10 });
    const paths = Object.keys((app.swagger() as { paths: object }).paths);
    expect(paths).toEqual(
      expect.arrayContaining(['/api/v1/reports/service-levels', '/api/v1/service-orders/{id}/certify']),
    );
    await app.close();
  });
});

describe('quantile', () => {
  it('[SERVICE-LEVELS-QUANTILE] interpolates linearly between the closest ranks', () => {
    expect(quantile([], 0.5)).toBeNull();
    expect(quantile([7], 0.9)).toBe(7);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([10, 20, 30, 40, 50, 60, 90, 120, 200], 0.9)).toBeCloseTo(136);
  });
});
