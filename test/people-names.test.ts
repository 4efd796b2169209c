import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from './support/databases.js';
import { smallDistrict, startTestHub, type TestHub } from './support/hub.js';
import { pressSos } from './support/sos-answered.js';
import { until } from './support/wait.js';

/** People are named by their name, not their username: provisioned, stored, returned. */
describe.each(dialects)("accounts with a person's name, on %s", (dialect) => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub({ dialect });
    const doc = smallDistrict();
    doc.users = doc.users!.map((u) => (u.username === 'spec-jingtian' ? { ...u, name: '陈晓梅' } : u));
    const applied = await hub.putDistrict(doc);
    expect(applied.statusCode, JSON.stringify(applied.body)).toBe(200);
  });
  afterAll(async () => {
    await hub?.stop();
  });

  const me = async (username: string, password: string) =>
    (
      await hub.app.inject({ url: '/api/v1/auth/me', headers: hub.as(await hub.login(username, password)) })
    ).json() as { username: string; name: string | null };
  /** Every user's stored name, by username. */
  const storedNames = async () =>
    Object.fromEntries(
      (await hub.store.db.selectFrom('users').select(['username', 'display_name']).execute()).map((u) => [
        u.username,
        u.display_name,
      ]),
    );

  it('[ACCOUNT-NAME] a name given in the district document is what /auth/me says; without one, a responder has their own name and others none (show the username)', async () => {
    expect(await me('spec-jingtian', 'spec-password-1')).toMatchObject({
      username: 'spec-jingtian',
      name: '陈晓梅',
    });
    expect(await me('spec-meilin', 'spec-password-2')).toMatchObject({ username: 'spec-meilin', name: null });
    // No account name: the responder's own name (the responder record of the same id).
    expect(await me('v-0001', 'volunteer-password')).toMatchObject({ username: 'v-0001', name: '李建国' });

    // A document that leaves the name out keeps it; one that gives a new name replaces it.
    const unnamed = await hub.putDistrict({
      users: [{ username: 'spec-jingtian', role: 'specialist', org_unit: 'jingtian' }],
    });
    expect(unnamed.statusCode, JSON.stringify(unnamed.body)).toBe(200);
    expect((await storedNames())['spec-jingtian']).toBe('陈晓梅');
    const renamed = await hub.putDistrict({
      users: [{ username: 'v-0001', name: '  李建国（老李）  ', role: 'responder', org_unit: 'jingtian' }],
    });
    expect(renamed.statusCode, JSON.stringify(renamed.body)).toBe(200);
    expect(await me('v-0001', 'volunteer-password')).toMatchObject({ name: '李建国（老李）' });
  });

  it('[ACCOUNT-NAME-INVALID] an empty or over-long name is refused with the entry and the reason; nothing is stored', async () => {
    for (const [name, reason] of [
      ['   ', 'must not be empty'],
      ['名'.repeat(101), 'at most 100 characters'],
    ] as const) {
      const res = await hub.putDistrict({
        users: [
          { username: 'spec-meilin', name: '林志华', role: 'specialist', org_unit: 'meilin' },
          { username: 'spec-jingtian', name, role: 'specialist', org_unit: 'jingtian' },
        ],
      });
      expect(res.statusCode).toBe(400);
      expect(res.body.issues, JSON.stringify(res.body)).toEqual([
        expect.objectContaining({ path: 'users[1].name', message: expect.stringContaining(reason) }),
      ]);
    }
    expect(await storedNames()).toMatchObject({ 'spec-jingtian': '陈晓梅', 'spec-meilin': null });
  });

  it('[ALERT-PEOPLE-NAMED] the alert detail names who acknowledged and who was assigned; a person without a name is left out (shown by username)', async () => {
    await pressSos(hub, 'w-0001', 'watch-secret-0001', 'people-named');
    const alerts = await until(
      async () =>
        (await hub.app.inject({ url: '/api/v1/alerts?status=open', headers: hub.as(hub.adminToken) })).json()
          .alerts as Array<{ id: string }>,
      (list) => list.length > 0,
      5000,
    );
    const alertId = alerts[0]!.id;
    const chen = hub.as(await hub.login('spec-jingtian', 'spec-password-1'));
    const post = (url: string, payload?: object) =>
      hub.app.inject({ method: 'POST', url: `/api/v1/alerts/${alertId}${url}`, headers: chen, payload });
    expect((await post('/acknowledge')).statusCode).toBe(200);
    const assigned = await post('/assign', { responder_id: 'v-0001' });
    expect(assigned.statusCode, assigned.body).toBe(200);
    const admin = await hub.app.inject({
      method: 'POST',
      url: `/api/v1/alerts/${alertId}/notes`,
      headers: hub.as(hub.adminToken),
      payload: { text: '已联系家属' },
    });
    expect(admin.statusCode, admin.body).toBeLessThan(300);

    const detail = (await hub.app.inject({ url: `/api/v1/alerts/${alertId}`, headers: chen })).json() as {
      alert: { acknowledged_by: string };
      timeline: Array<{ actor: string; code: string | null }>;
      people: Record<string, string>;
    };
    expect(detail.alert.acknowledged_by).toBe('spec-jingtian');
    expect(detail.timeline.find((e) => e.code === 'acknowledged')?.actor).toBe('spec-jingtian');
    expect(detail.timeline.some((e) => e.actor === 'admin')).toBe(true);
    expect(detail.people).toEqual({ 'spec-jingtian': '陈晓梅', 'v-0001': '李建国（老李）' });
  });
});
