import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserDistrict } from './browser/support/district.js';
import type { TestHub } from './support/hub.js';
import { startTestHub } from './support/hub.js';
import { pressSos } from './support/sos-answered.js';
import { until } from './support/wait.js';

type Entry = { code: string | null; params: { to?: string } | null };
/** The ladder steps on the escalation tick: under a full suite on two cores 3 s was once too short. */
const settleMs = 10_000;

/** Nobody is on duty: an SOS runs its ladder to the end at once, and the last step escalates. */
describe('whom the end of a ladder alerts', () => {
  let hub: TestHub;
  const escalatedTo = async (elderId: string): Promise<string[]> => {
    const list = await until(
      async () =>
        (await hub.app.inject({ url: '/api/v1/alerts?status=open', headers: hub.as(hub.adminToken) })).json()
          .alerts as Array<{ id: string; elder_id: string }>,
      (alerts) => alerts.some((a) => a.elder_id === elderId),
      settleMs,
    );
    const alert = list.find((a) => a.elder_id === elderId);
    expect(alert, `an open alert for ${elderId}`).toBeDefined();
    const timeline = await until(
      async () =>
        (await hub.app.inject({ url: `/api/v1/alerts/${alert!.id}`, headers: hub.as(hub.adminToken) })).json()
          .timeline as Entry[],
      (entries) => entries.some((e) => e.code === 'escalated'),
      settleMs,
    );
    return timeline.filter((e) => e.code === 'escalated').map((e) => e.params?.to ?? '');
  };

  beforeAll(async () => {
    hub = await startTestHub();
    expect((await hub.putDistrict(browserDistrict())).statusCode).toBe(200);
  });
  afterAll(async () => {
    await hub?.stop();
  });

  it('[ALERT-ESCALATE-FAMILY] the family is alerted only when a family user watches the elder; the console always', async () => {
    // 王秀英 has a family user (family-wang); 李桂兰 has none.
    await pressSos(hub, 'w-0001', 'watch-secret-0001', 'family-sos-1');
    expect(await escalatedTo('e-0001')).toEqual(['console', 'family']);
    await pressSos(hub, 'w-0002', 'watch-secret-0002', 'family-sos-2');
    expect(await escalatedTo('e-0002')).toEqual(['console']);
  });
});
