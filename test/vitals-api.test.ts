import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smallDistrict, startTestHub, type TestHub } from './support/hub.js';

let hub: TestHub;
const t0 = Date.UTC(2026, 10, 30, 2, 0, 0);

beforeAll(async () => {
  hub = await startTestHub({ now: () => t0 + 3_600_000 });
  expect((await hub.putDistrict(smallDistrict())).statusCode).toBe(200);
  for (let s = 0; s < 120; s++) {
    const ts = t0 + s * 1000;
    hub.ingest.readings.publish({
      deviceId: 'w-0001',
      deviceType: 'watch',
      elderId: 'e-0001',
      ts,
      receivedAt: ts,
      clockSkewed: false,
      data: { ts, heart_rate: 60 + (s % 20) },
    });
  }
  await hub.ingest.rollups.flush(true);
});
afterAll(async () => {
  await hub?.stop();
});

describe('GET /api/v1/elders/:id/vitals', () => {
  it('[VITALS-API] a specialist of the community gets the chart series per step', async () => {
    const token = await hub.login('spec-jingtian', 'spec-password-1');
    const res = await hub.app.inject({
      url: `/api/v1/elders/e-0001/vitals?from=${t0}&to=${t0 + 600_000}&step=300`,
      headers: hub.as(token),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().points).toEqual([
      expect.objectContaining({ t: t0, heart_rate: { min: 60, mean: 69.5, max: 79 } }),
    ]);
  });

  it('[VITALS-SCOPE] a specialist of another community gets 404 for the same elder', async () => {
    const token = await hub.login('spec-meilin', 'spec-password-2');
    const res = await hub.app.inject({
      url: `/api/v1/elders/e-0001/vitals?from=${t0}&to=${t0 + 600_000}`,
      headers: hub.as(token),
    });
    expect(res.statusCode).toBe(404);
  });

  it('[VITALS-API] a bad range or step is a 400 naming the problem', async () => {
    const bad = await hub.app.inject({
      url: `/api/v1/elders/e-0001/vitals?step=90`,
      headers: hub.as(hub.adminToken),
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().issues[0].path).toBe('step');
    const tooMany = await hub.app.inject({
      url: `/api/v1/elders/e-0001/vitals?from=${t0 - 6 * 86_400_000}&to=${t0}&step=60`,
      headers: hub.as(hub.adminToken),
    });
    expect(tooMany.json().error).toBe('too_many_points');
    // A whole history at a coarse step would still read every minute of it: refused.
    const tooLong = await hub.app.inject({
      url: `/api/v1/elders/e-0001/vitals?from=0&to=${t0}&step=${86_400 * 31}`,
      headers: hub.as(hub.adminToken),
    });
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.json()).toMatchObject({ error: 'range_too_long' });
  });
});
