import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../store/database.js';
import { dialects, withPostgres } from './support/databases.js';
import { smallDistrict, startTestHub, type TestHub, withResponderUsers } from './support/hub.js';
import { ResponderApp } from './support/responder-app.js';
import { until } from './support/wait.js';

const home = { lat: 22.5531, lon: 114.0412 };
/** A point `m` metres north of the home (1° of latitude ≈ 111.2 km). */
const north = (m: number) => ({ lat: home.lat + m / 111_195, lon: home.lon });

function districtWithResponders() {
  const doc = smallDistrict();
  const responder = (
    id: string,
    kind: 'volunteer' | 'staff',
    skills: Array<'first_aid' | 'visiting'>,
    metres: number,
  ) => ({
    id,
    name: `应答者${id}`,
    kind,
    org_unit: 'jingtian',
    skills,
    location: north(metres),
  });
  doc.responders = [
    responder('v-0001', 'volunteer', ['first_aid'], 100),
    responder('v-0002', 'volunteer', ['first_aid'], 300),
    responder('v-0003', 'volunteer', ['first_aid'], 800),
    responder('v-0004', 'volunteer', ['visiting'], 150),
    responder('s-0001', 'staff', [], 1500),
  ];
  return withResponderUsers(doc);
}

async function pressSos(hub: TestHub, eventId: string) {
  const client = await hub.connectDevice('w-0001', 'watch-secret-0001');
  const commands: string[] = [];
  await client.subscribeAsync('care/w-0001/command', { qos: 1 });
  client.on('message', (_t, p) => commands.push(p.toString()));
  await client.publishAsync(
    'care/w-0001/event',
    JSON.stringify({ ts: Date.now(), event_id: eventId, type: 'sos' }),
    { qos: 1 },
  );
  return { client, commands };
}

describe.each(dialects)('dispatch on %s', (dialect) => {
  let hub: TestHub;
  let apps: Record<string, ResponderApp>;

  beforeEach(async () => {
    hub = await startTestHub({ dialect, config: { offerExpiryS: 5 } });
    expect((await hub.putDistrict(districtWithResponders())).statusCode).toBe(200);
    apps = {};
    for (const [id, metres] of [
      ['v-0001', 100],
      ['v-0002', 300],
      ['v-0003', 800],
      ['v-0004', 150],
      ['s-0001', 1500],
    ] as const) {
      apps[id] = await ResponderApp.open(hub.addresses.http, await hub.login(id, `password-${id}`));
      await apps[id]!.onDutyAt(north(metres).lat, north(metres).lon);
    }
  });
  afterEach(async () => {
    for (const app of Object.values(apps)) app.close();
    await hub.stop();
  });

  const offered = () =>
    Object.entries(apps)
      .filter(([, a]) => a.offers.length > 0)
      .map(([id]) => id)
      .sort();

  it('[DISPATCH-NEAREST] a critical SOS is offered at once to the nearest staff and the 3 nearest first-aid volunteers within 500 m', async () => {
    const { client } = await pressSos(hub, 'near-1');
    await until(
      async () => offered(),
      (ids) => ids.length >= 3,
    );
    expect(offered()).toEqual(['s-0001', 'v-0001', 'v-0002']);
    const offer = apps['v-0001']!.offers[0]!;
    expect(Object.keys(offer).sort()).toEqual([
      'alert_id',
      'distance_m',
      'expires_at',
      'kind',
      'offer_id',
      'severity',
    ]);
    expect(offer).toMatchObject({ kind: 'sos', severity: 'critical', distance_m: 100 });
    await client.endAsync();
  });

  it('[DISPATCH-DUTY-DURING-RELOAD] going on or off duty while the roster re-reads the store (a district change) is not undone by the read', async () => {
    // The read and the duty change overlap at every point of the read: a change made after the
    // read's rows were fetched but before it rebuilt the roster was lost (the read's older state won).
    const turns = (n: number) =>
      Array.from({ length: n }).reduce<Promise<void>>(
        (p) => p.then(() => new Promise((r) => setImmediate(r))),
        Promise.resolve(),
      );
    const wrong: string[] = [];
    for (let i = 0; i < 24; i++) {
      const duty = i % 2 === 0;
      await Promise.all([
        hub.dispatcher.reloadRoster(),
        turns(i % 12).then(() => hub.dispatcher.setDuty('v-0001', duty)),
      ]);
      if (hub.dispatcher.onDuty('v-0001') !== duty) wrong.push(`${i}: ${duty ? 'on' : 'off'} duty lost`);
    }
    expect(wrong).toEqual([]);
    // And the ladder follows it: she is on duty (the last change) and offered the next SOS.
    await hub.dispatcher.setDuty('v-0001', true);
    const { client } = await pressSos(hub, 'after-reloads');
    await until(
      async () => offered(),
      (ids) => ids.includes('v-0001'),
    );
    expect(offered()).toContain('v-0001');
    await client.endAsync();
  });

  it('[DISPATCH-PRIVACY] a volunteer sees no name or address before accepting; the accepter gets them, until the task closes', async () => {
    const { client, commands } = await pressSos(hub, 'privacy-1');
    await until(
      async () => apps['v-0002']!.offers.length,
      (n) => n > 0,
    );
    const everything = JSON.stringify(apps['v-0002']!.received);
    expect(everything).not.toContain('王秀英');
    expect(everything).not.toContain('景田北一街');
    const answer = await apps['v-0002']!.request<{
      ok: boolean;
      task: { elder: { name: string; address: string } };
    }>('offer:accept', { offer_id: apps['v-0002']!.offers[0]!.offer_id });
    expect(answer.ok).toBe(true);
    expect(answer.task.elder).toMatchObject({ name: '王秀英', address: '景田北一街 3 栋 502' });
    expect(JSON.stringify(apps['v-0001']!.received)).not.toContain('王秀英');
    await until(
      async () => commands,
      (c) => c.some((m) => m.includes('正在赶来')),
    );
    expect(commands.find((m) => m.includes('正在赶来'))).toContain('应答者v-0002');
    const alertId = apps['v-0002']!.offers[0]!.alert_id;
    const closed = await hub.app.inject({
      method: 'POST',
      url: `/api/v1/alerts/${alertId}/resolve`,
      headers: hub.as(hub.adminToken),
      payload: { outcome: 'help_given' },
    });
    expect(closed.statusCode).toBe(200);
    await until(
      async () => apps['v-0002']!.closed,
      (c) => c.length > 0,
    );
    expect(await hub.dispatcher.currentTask('v-0002')).toBeNull();
    await client.endAsync();
  });

  it('[DISPATCH-ONE-WINNER] two acceptances at the same moment: exactly one wins, the other offers are withdrawn', async () => {
    const { client } = await pressSos(hub, 'race-1');
    await until(
      async () => offered(),
      (ids) => ids.length >= 3,
    );
    const [a, b] = await Promise.all([
      apps['v-0001']!.request('offer:accept', { offer_id: apps['v-0001']!.offers[0]!.offer_id }),
      apps['v-0002']!.request('offer:accept', { offer_id: apps['v-0002']!.offers[0]!.offer_id }),
    ]);
    expect([a.ok, b.ok].filter(Boolean)).toHaveLength(1);
    const loser = a.ok ? b : a;
    expect(loser.reason).toMatch(/taken|not_pending/);
    const alertId = apps['v-0001']!.offers[0]!.alert_id;
    const alert = (
      await hub.app.inject({ url: `/api/v1/alerts/${alertId}`, headers: hub.as(hub.adminToken) })
    ).json().alert;
    expect(alert).toMatchObject({ status: 'assigned', assignee_id: a.ok ? 'v-0001' : 'v-0002' });
    await until(
      async () => apps['s-0001']!.withdrawn,
      (w) => w.length > 0,
    );
    await client.endAsync();
  });

  it('[DISPATCH-DECLINE] when everyone offered declines, the ladder widens at once (1 km)', async () => {
    const { client } = await pressSos(hub, 'decline-1');
    await until(
      async () => offered(),
      (ids) => ids.length >= 3,
    );
    for (const id of ['v-0001', 'v-0002', 's-0001']) {
      expect((await apps[id]!.request('offer:decline', { offer_id: apps[id]!.offers[0]!.offer_id })).ok).toBe(
        true,
      );
    }
    await until(
      async () => apps['v-0003']!.offers.length,
      (n) => n > 0,
      3000,
    );
    expect(apps['v-0003']!.offers).toHaveLength(1);
    // Those who declined are not asked again.
    expect(apps['v-0001']!.offers).toHaveLength(1);
    await client.endAsync();
  });

  it("[DISPATCH-EXPIRY] an offer nobody answers expires and the ladder widens, on the alert's timeline", async () => {
    const { client } = await pressSos(hub, 'expiry-1');
    await until(
      async () => offered(),
      (ids) => ids.length >= 3,
    );
    await until(
      async () => apps['v-0003']!.offers.length,
      (n) => n > 0,
      8000,
    );
    expect(apps['v-0001']!.withdrawn).toHaveLength(1);
    const alertId = apps['v-0003']!.offers[0]!.alert_id;
    const timeline = (
      await hub.app.inject({ url: `/api/v1/alerts/${alertId}`, headers: hub.as(hub.adminToken) })
    ).json().timeline;
    const steps = timeline.map((t: { note: string }) => t.note).filter((n: string) => n?.startsWith('step'));
    expect(steps).toEqual([
      expect.stringMatching(/^step 1\/4: offered to/),
      expect.stringMatching(/^step 2\/4: offered to .*v-0003/),
    ]);
    await client.endAsync();
  }, 15_000);

  it('[DISPATCH-ON-SITE] the responder checks in on site only within 100 m of the home', async () => {
    const { client } = await pressSos(hub, 'site-1');
    await until(
      async () => apps['v-0002']!.offers.length,
      (n) => n > 0,
    );
    await apps['v-0002']!.request('offer:accept', { offer_id: apps['v-0002']!.offers[0]!.offer_id });
    const far = await apps['v-0002']!.request<{ ok: boolean; reason: string }>('checkin', north(250));
    expect(far).toMatchObject({ ok: false, reason: 'too_far' });
    expect(await apps['v-0002']!.request('checkin', north(40))).toEqual({ ok: true });
    const alertId = apps['v-0002']!.offers[0]!.alert_id;
    const alert = (
      await hub.app.inject({ url: `/api/v1/alerts/${alertId}`, headers: hub.as(hub.adminToken) })
    ).json().alert;
    expect(alert.status).toBe('on_site');
    await client.endAsync();
  });
});

describe.each(dialects)("a volunteer's devices on %s", (dialect) => {
  let hub: TestHub;
  let phone: ResponderApp;
  let tablet: ResponderApp;

  beforeEach(async () => {
    hub = await startTestHub({ dialect, config: { offerExpiryS: 5 } });
    expect((await hub.putDistrict(districtWithResponders())).statusCode).toBe(200);
    // One volunteer signed in twice (a phone and a tablet), as a person with two devices.
    phone = await ResponderApp.open(hub.addresses.http, await hub.login('v-0002', 'password-v-0002'));
    tablet = await ResponderApp.open(hub.addresses.http, await hub.login('v-0002', 'password-v-0002'));
    await phone.onDutyAt(north(300).lat, north(300).lon);
  });
  afterEach(async () => {
    phone?.close();
    tablet?.close();
    await hub.stop();
  });

  const tasks = (app: ResponderApp) =>
    app.received
      .filter((r) => r.event === 'task')
      .map((r) => r.payload as { alert_id: string; on_site: boolean; elder: { name: string } });

  it('[DISPATCH-TWO-DEVICES] taken and checked in at on one device, the other shows the task and the check-in at once', async () => {
    const { client } = await pressSos(hub, 'two-devices-1');
    const [offer] = await until(
      async () => tablet.offers,
      (o) => o.length > 0,
    );
    expect(phone.offers.map((o) => o.offer_id)).toEqual([offer!.offer_id]);
    expect(tasks(tablet)).toEqual([]);

    const taken = await phone.request<{ ok: boolean; task: { on_site: boolean } }>('offer:accept', {
      offer_id: offer!.offer_id,
    });
    expect(taken).toMatchObject({ ok: true, task: { alert_id: offer!.alert_id, on_site: false } });
    const told = await until(
      async () => tasks(tablet),
      (t) => t.length > 0,
    );
    expect(told).toEqual([expect.objectContaining({ alert_id: offer!.alert_id, on_site: false })]);
    expect(told[0]!.elder.name).toBe('王秀英');
    // The accepting device has its answer: it is not told a second time.
    expect(tasks(phone)).toEqual([]);

    expect(await phone.request('checkin', north(40))).toEqual({ ok: true });
    expect(
      await until(
        async () => tasks(tablet).at(-1),
        (t) => t?.on_site === true,
      ),
    ).toMatchObject({ alert_id: offer!.alert_id, on_site: true });
    // Checking in again from the other device is not an error: the volunteer is at the door.
    expect(await tablet.request('checkin', north(40))).toEqual({ ok: true });
    // A device that connects later is told the same.
    const later = await ResponderApp.open(hub.addresses.http, await hub.login('v-0002', 'password-v-0002'));
    try {
      const [current] = await until(
        async () => tasks(later),
        (t) => t.length > 0,
      );
      expect(current).toMatchObject({ alert_id: offer!.alert_id, on_site: true });
    } finally {
      later.close();
    }
    await client.endAsync();
  });

  it('[DISPATCH-TWO-DEVICES-DECLINE] an offer declined on one device is withdrawn from the other', async () => {
    const { client } = await pressSos(hub, 'two-devices-2');
    const [offer] = await until(
      async () => tablet.offers,
      (o) => o.length > 0,
    );
    expect(await phone.request('offer:decline', { offer_id: offer!.offer_id })).toEqual({ ok: true });
    expect(
      await until(
        async () => tablet.received.filter((r) => r.event === 'offer:withdrawn').map((r) => r.payload),
        (w) => w.length > 0,
      ),
    ).toEqual([{ offer_id: offer!.offer_id, alert_id: offer!.alert_id }]);
    expect(phone.withdrawn).toEqual([]);
    // Declined once is declined: the other device cannot take it any more.
    expect(await tablet.request('offer:accept', { offer_id: offer!.offer_id })).toMatchObject({
      ok: false,
      reason: 'not_pending',
    });
    await client.endAsync();
  });
});

describe.each(dialects)('dispatch across restarts and nodes on %s', (dialect) => {
  it('[DISPATCH-RESTART] a hub restarted mid-ladder resumes it: the next step comes when due, no step runs twice', async () => {
    const first = await startTestHub({ dialect, config: { offerExpiryS: 5 } });
    expect((await first.putDistrict(districtWithResponders())).statusCode).toBe(200);
    const v1 = await ResponderApp.open(first.addresses.http, await first.login('v-0001', 'password-v-0001'));
    await v1.onDutyAt(north(100).lat, north(100).lon);
    const v3 = await ResponderApp.open(first.addresses.http, await first.login('v-0003', 'password-v-0003'));
    await v3.onDutyAt(north(800).lat, north(800).lon);
    const { client } = await pressSos(first, 'restart-1');
    await until(
      async () => v1.offers.length,
      (n) => n > 0,
    );
    const alertId = v1.offers[0]!.alert_id;
    await client.endAsync();
    v1.close();
    v3.close();
    await first.stop();

    const second = await startTestHub({
      dialect,
      config: { offerExpiryS: 5, dataDir: first.config.dataDir, databaseUrl: first.config.databaseUrl },
    });
    try {
      const v3again = await ResponderApp.open(
        second.addresses.http,
        await second.login('v-0003', 'password-v-0003'),
      );
      await until(
        async () => v3again.offers.length,
        (n) => n > 0,
        8000,
      );
      expect(v3again.offers[0]).toMatchObject({ alert_id: alertId });
      const timeline = (
        await second.app.inject({ url: `/api/v1/alerts/${alertId}`, headers: second.as(second.adminToken) })
      ).json().timeline;
      const steps = timeline
        .map((t: { note: string }) => t.note)
        .filter((n: string) => n?.startsWith('step'));
      expect(steps.map((s: string) => s.slice(0, 8))).toEqual(['step 1/4', 'step 2/4']);
      v3again.close();
    } finally {
      await second.stop();
    }
  }, 20_000);
});

describe.each(dialects)('a task that does not reach the door, on %s', (dialect) => {
  let hub: TestHub;
  let near: ResponderApp;
  let far: ResponderApp;

  beforeEach(async () => {
    // Arrival expected after the way at walking pace plus 2 s: 3 m away, about 4.5 s.
    hub = await startTestHub({ dialect, config: { offerExpiryS: 5, arrivalGraceS: 2 } });
    const doc = districtWithResponders();
    doc.responders = doc.responders!.map((r) =>
      r.id === 'v-0001'
        ? { ...r, location: north(3) }
        : r.id === 'v-0002'
          ? { ...r, location: north(200) }
          : r,
    );
    expect((await hub.putDistrict(doc)).statusCode).toBe(200);
    near = await ResponderApp.open(hub.addresses.http, await hub.login('v-0001', 'password-v-0001'));
    await near.onDutyAt(north(3).lat, north(3).lon);
    far = await ResponderApp.open(hub.addresses.http, await hub.login('v-0002', 'password-v-0002'));
    await far.onDutyAt(north(200).lat, north(200).lon);
  });
  afterEach(async () => {
    near.close();
    far.close();
    await hub.stop();
  });

  const alertOf = (id: string) =>
    hub.store.db
      .selectFrom('alerts')
      .select(['status', 'assignee_id'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
  const notes = async (id: string) =>
    (await hub.app.inject({ url: `/api/v1/alerts/${id}`, headers: hub.as(hub.adminToken) }))
      .json()
      .timeline.map((t: { code: string | null }) => t.code);

  async function nearAccepts(eventId: string) {
    const { client } = await pressSos(hub, eventId);
    await until(
      async () => near.offers.length,
      (n) => n > 0,
    );
    const offer = near.offers[0]!;
    expect((await near.request('offer:accept', { offer_id: offer.offer_id })).ok).toBe(true);
    await client.endAsync();
    return offer.alert_id;
  }

  it('[DISPATCH-OVERDUE] a responder who accepted and never checks in loses the task when due; the ladder goes on without them', async () => {
    const alertId = await nearAccepts('overdue-1');
    expect(await alertOf(alertId)).toEqual({ status: 'assigned', assignee_id: 'v-0001' });
    const back = await until(
      () => alertOf(alertId),
      (a) => a.status === 'open',
      15_000,
    );
    expect(back).toEqual({ status: 'open', assignee_id: null });
    expect(await notes(alertId)).toContain('checkin_overdue');
    await until(
      async () => near.closed,
      (c) => c.includes(alertId),
    );
    expect(near.closed).toContain(alertId);
    // The next step offers it again, to others: not to the one who did not come.
    const again = await until(
      async () => far.offers.filter((o) => o.alert_id === alertId).length,
      (n) => n > 0,
      10_000,
    );
    expect(again).toBeGreaterThan(0);
    expect(near.offers.filter((o) => o.alert_id === alertId)).toHaveLength(1);
  }, 40_000);

  it('[DISPATCH-HAND-BACK] a responder who cannot go gives the task back: the alert is open again at once and offered on', async () => {
    const alertId = await nearAccepts('hand-back-1');
    // far was offered it with near before near took it: the ladder's next offer is one more.
    const offeredBefore = far.offers.filter((o) => o.alert_id === alertId).length;
    const answer = await near.request('task:hand_back', { alert_id: alertId });
    expect(answer).toEqual({ ok: true });
    expect(await alertOf(alertId)).toEqual({ status: 'open', assignee_id: null });
    expect(await notes(alertId)).toContain('handed_back');
    const state = await hub.store.db
      .selectFrom('responder_state')
      .select('task_alert_id')
      .where('responder_id', '=', 'v-0001')
      .executeTakeFirstOrThrow();
    expect(state.task_alert_id).toBeNull();
    expect(await near.request('task:hand_back', { alert_id: alertId })).toEqual({
      ok: false,
      reason: 'not_assigned',
    }); // not theirs any more
    // At once: well before an offer would expire (5 s) and the ladder move on by itself.
    const again = await until(
      async () => far.offers.filter((o) => o.alert_id === alertId).length,
      (n) => n > offeredBefore,
      3_000,
    );
    expect(
      again,
      'no new offer within 3 s of the hand-back: the ladder did not resume at once',
    ).toBeGreaterThan(offeredBefore);
  }, 30_000);

  it('[DISPATCH-ON-TIME] checked in before the deadline, the task stays; on site, there is no deadline any more', async () => {
    const alertId = await nearAccepts('on-time-1');
    expect((await near.request('checkin', north(3))).ok).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 6000));
    expect(await alertOf(alertId)).toEqual({ status: 'on_site', assignee_id: 'v-0001' });
  }, 30_000);
});

describe.each(dialects)('dispatch repairs what a crash left behind on %s', (dialect) => {
  it('[DISPATCH-REPAIR] a responder left holding a closed alert (its release lost) is released at the next start', async () => {
    const first = await startTestHub({ dialect });
    expect((await first.putDistrict(districtWithResponders())).statusCode).toBe(200);
    const { client } = await pressSos(first, 'repair-1');
    const [alert] = await until(
      () => first.store.db.selectFrom('alerts').select('id').execute(),
      (rows) => rows.length === 1,
    );
    await client.endAsync();
    await first.stop();
    // What a lost "closed" update leaves behind: the alert resolved, the volunteer still holding it.
    const store = await openStore({ dataDir: first.config.dataDir, databaseUrl: first.config.databaseUrl });
    await store.db.updateTable('alerts').set({ status: 'resolved', closed_at: Date.now() }).execute();
    await store.db
      .insertInto('responder_state')
      .values({
        responder_id: 'v-0001',
        on_duty: 1,
        lat: null,
        lon: null,
        located_at: null,
        task_alert_id: alert!.id,
        updated_at: 0,
      })
      .onConflict((oc) => oc.column('responder_id').doUpdateSet({ task_alert_id: alert!.id }))
      .execute();
    await store.close();
    const second = await startTestHub({
      dialect,
      config: { dataDir: first.config.dataDir, databaseUrl: first.config.databaseUrl },
    });
    try {
      const state = await second.store.db
        .selectFrom('responder_state')
        .select('task_alert_id')
        .where('responder_id', '=', 'v-0001')
        .executeTakeFirstOrThrow();
      expect(state.task_alert_id).toBeNull();
      expect(await second.dispatcher.currentTask('v-0001')).toBeNull();
    } finally {
      await second.stop();
    }
  });
});

describe.each(dialects)('dispatch repairs an acceptance cut short on %s', (dialect) => {
  it('[DISPATCH-REPAIR-BUSY-OFFERS] a responder who took one alert and still holds an offer of another (the hub died between the acceptance and its withdrawals) has it withdrawn at the next start, and that alert steps on', async () => {
    const first = await startTestHub({ dialect });
    // 李桂兰 lives next door to 王秀英 here: v-0001 is the nearest for both.
    const doc = districtWithResponders();
    doc.elders![1] = { ...doc.elders![1]!, org_unit: 'jingtian', location: north(20) };
    expect((await first.putDistrict(doc)).statusCode).toBe(200);
    const near = await ResponderApp.open(
      first.addresses.http,
      await first.login('v-0001', 'password-v-0001'),
    );
    await near.onDutyAt(north(100).lat, north(100).lon);
    const watches = [
      await first.connectDevice('w-0001', 'watch-secret-0001'),
      await first.connectDevice('w-0002', 'watch-secret-0002'),
    ];
    for (const [i, watch] of watches.entries())
      await watch.publishAsync(
        `care/w-000${i + 1}/event`,
        JSON.stringify({ ts: Date.now(), event_id: `busy-offers-${i}`, type: 'sos' }),
        { qos: 1 },
      );
    const offers = await until(
      async () => near.offers,
      (o) => o.length === 2,
      10_000,
    );
    expect(offers).toHaveLength(2);
    const [taken, left] = offers as [(typeof offers)[0], (typeof offers)[0]];
    near.close();
    await Promise.all(watches.map((w) => w.endAsync()));
    await first.stop();
    // What the acceptance of `taken` committed before the hub died; its withdrawal of the other
    // offer never ran.
    const store = await openStore({ dataDir: first.config.dataDir, databaseUrl: first.config.databaseUrl });
    const now = Date.now();
    await store.db
      .updateTable('offers')
      .set({ status: 'accepted', answered_at: now })
      .where('id', '=', taken.offer_id)
      .execute();
    await store.db
      .updateTable('alerts')
      .set({ status: 'assigned', assignee_id: 'v-0001', accepted_at: now, next_step_at: now + 30 * 60_000 })
      .where('id', '=', taken.alert_id)
      .execute();
    await store.db
      .updateTable('responder_state')
      .set({ task_alert_id: taken.alert_id })
      .where('responder_id', '=', 'v-0001')
      .execute();
    const before = await store.db
      .selectFrom('alerts')
      .select('ladder_step')
      .where('id', '=', left.alert_id)
      .executeTakeFirstOrThrow();
    await store.close();

    const second = await startTestHub({
      dialect,
      config: { dataDir: first.config.dataDir, databaseUrl: first.config.databaseUrl },
    });
    try {
      const offer = await until(
        () =>
          second.store.db
            .selectFrom('offers')
            .select(['status', 'expires_at'])
            .where('id', '=', left.offer_id)
            .executeTakeFirstOrThrow(),
        (o) => o.status !== 'pending',
        5000,
      );
      // Taken back at the start, not left for its expiry (45 s after it was made).
      expect(offer.status).toBe('withdrawn');
      expect(offer.expires_at).toBeGreaterThan(Date.now() + 10_000);
      const after = await until(
        () =>
          second.store.db
            .selectFrom('alerts')
            .select('ladder_step')
            .where('id', '=', left.alert_id)
            .executeTakeFirstOrThrow(),
        (a) => a.ladder_step > before.ladder_step,
        5000,
      );
      expect(after.ladder_step, 'the other alert waited on the busy responder').toBeGreaterThan(
        before.ladder_step,
      );
      // The task itself stays.
      expect(await second.dispatcher.currentTask('v-0001')).toMatchObject({ alert_id: taken.alert_id });
    } finally {
      await second.stop();
    }
  }, 60_000);
});

// Several hub nodes share PostgreSQL; the embedded SQLite store belongs to one node (one process).
describe.runIf(withPostgres)('dispatch across two nodes on postgres', () => {
  const dialect = 'postgres' as const;
  it('[DISPATCH-TWO-NODES] two hub nodes on one store taking two acceptances at once: one winner', async () => {
    const a = await startTestHub({ dialect });
    expect((await a.putDistrict(districtWithResponders())).statusCode).toBe(200);
    const b = await startTestHub({
      dialect,
      config: { dataDir: a.config.dataDir, databaseUrl: a.config.databaseUrl },
    });
    try {
      const v1 = await ResponderApp.open(a.addresses.http, await a.login('v-0001', 'password-v-0001'));
      await v1.onDutyAt(north(100).lat, north(100).lon);
      const v2 = await ResponderApp.open(b.addresses.http, await b.login('v-0002', 'password-v-0002'));
      await v2.onDutyAt(north(300).lat, north(300).lon);
      await b.dispatcher.reloadRoster();
      await a.dispatcher.reloadRoster();
      const { client } = await pressSos(a, 'nodes-1');
      const offers = await until(
        () =>
          a.store.db
            .selectFrom('offers')
            .select(['id', 'responder_id'])
            .where('status', '=', 'pending')
            .execute(),
        (rows) => rows.length >= 2,
      );
      const offerOf = (id: string) => offers.find((o) => o.responder_id === id)!.id;
      const results = await Promise.all([
        a.dispatcher.accept(offerOf('v-0001'), 'v-0001'),
        b.dispatcher.accept(offerOf('v-0002'), 'v-0002'),
      ]);
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      const accepted = await a.store.db
        .selectFrom('offers')
        .select('responder_id')
        .where('status', '=', 'accepted')
        .execute();
      expect(accepted).toHaveLength(1);
      v1.close();
      v2.close();
      await client.endAsync();
    } finally {
      await b.stop();
      await a.stop();
    }
  });
});
