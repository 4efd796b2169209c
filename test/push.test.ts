import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NoticeOutbox } from '../dispatch/notice-outbox.js';
import { VapidKeys } from '../dispatch/push/vapid-keys.js';
import { Channel } from '../kernel/channel.js';
import { dialects } from './support/databases.js';
import { smallDistrict, startTestHub, type TestHub } from './support/hub.js';
import { LocalPushService } from './support/push-service.js';
import { ResponderApp } from './support/responder-app.js';
import { pressSos } from './support/sos-answered.js';
import { until } from './support/wait.js';

/** Offers by Web Push to a phone whose app is closed: encrypted, signed, kind and distance only. */

const graceS = 1;
const offerExpiryS = 30;
const subject = 'mailto:duty-desk@futian.example';
const near = { lat: 22.5529, lon: 114.042 };

describe.each(dialects)('Web Push to a closed app, on %s', (dialect) => {
  let hub: TestHub;
  let push: LocalPushService;
  let token: string;

  beforeEach(async () => {
    push = await LocalPushService.start();
    hub = await startTestHub({
      dialect,
      config: {
        offerExpiryS,
        appOfflineGraceS: graceS,
        pushSubject: subject,
        pushServiceHosts: '127.0.0.1',
        pushCaFile: push.caFile,
        pushRetryS: 0.05,
      },
    });
    expect((await hub.putDistrict(smallDistrict())).statusCode).toBe(200);
    token = await hub.login('v-0001', 'volunteer-password');
  });
  afterEach(async () => {
    await hub.stop();
    await push.close();
  });

  const subscribe = async (subscription: object, as = token) =>
    hub.app.inject({
      method: 'PUT',
      url: '/api/v1/push/subscription',
      headers: hub.as(as),
      payload: subscription,
    });
  /** 李建国 on duty near 王秀英's home, subscribed to push; then his app is closed and the grace runs out. */
  const closedAppWithPush = async () => {
    const app = await ResponderApp.open(hub.addresses.http, token);
    await app.onDutyAt(near.lat, near.lon);
    const subscribed = await subscribe({ ...push.subscribe(), lang: 'zh' });
    expect(subscribed.statusCode, subscribed.body).toBe(200);
    app.close();
    await new Promise((r) => setTimeout(r, graceS * 1000 + 300));
  };
  const offersOf = async () =>
    (await hub.store.db.selectFrom('offers').selectAll().where('responder_id', '=', 'v-0001').execute()).map(
      (o) => ({ id: o.id, status: o.status, alert_id: o.alert_id }),
    );
  const boardAvailability = async () =>
    (
      (await hub.app.inject({ url: '/api/v1/responders', headers: hub.as(hub.adminToken) })).json() as {
        responders: Array<{ id: string; availability: string }>;
      }
    ).responders.find((r) => r.id === 'v-0001')?.availability;

  it('[PUSH-OFFER-CLOSED-APP] a volunteer with a push subscription and the app closed past the grace is offered the SOS by push: VAPID-signed, decrypted to kind and distance with no name or address, and the offer is not withdrawn at the grace', async () => {
    await closedAppWithPush();
    expect(await boardAvailability()).toBe('on_duty');
    await pressSos(hub, 'w-0001', 'watch-secret-0001', 'push-offer');
    const received = await until(
      async () => push.received,
      (r) => r.length > 0,
      5000,
    );
    if (received.length === 0) throw new Error('no push reached the push service within 5 s');
    const [offer] = await offersOf();
    const { public_key } = (
      await hub.app.inject({ url: '/api/v1/push/public-key', headers: hub.as(token) })
    ).json() as { public_key: string };
    const got = received[0]!;
    expect(got.vapid).toMatchObject({
      verified: true,
      key: public_key,
      claims: { aud: push.origin, sub: subject },
    });
    expect(got.vapid.claims.exp! * 1000).toBeGreaterThan(Date.now());
    expect(got.urgency).toBe('high');
    // The push service keeps it no longer than the offer lives.
    expect(got.ttl).toBeGreaterThan(0);
    expect(got.ttl).toBeLessThanOrEqual(offerExpiryS);
    const message = JSON.parse(got.plaintext);
    expect(message).toMatchObject({
      type: 'offer',
      offer_id: offer!.id,
      kind: 'sos',
      distance_m: 100,
      critical: true,
      url: `/#/offer/${offer!.id}`,
    });
    expect(message.title).toContain('一键呼救');
    expect(message.body).toBe('约 100 米，点开接单');
    // Nothing beyond these fields, and none of the words in them names the elder or the address. Ids and
    // times are left out of that search: random hex and clock digits hold '502' by chance (two runs failed).
    expect(Object.keys(message).sort()).toEqual(
      [
        'offer_id',
        'alert_id',
        'kind',
        'severity',
        'distance_m',
        'expires_at',
        'type',
        'title',
        'body',
        'tag',
        'url',
        'critical',
      ].sort(),
    );
    expect(message.alert_id).toMatch(/^[0-9a-f-]{36}$/);
    const words = [message.title, message.body, message.tag, message.url, message.kind, message.severity]
      .join(' ')
      .replaceAll(offer!.id, '<offer>');
    for (const secret of ['王秀英', '景田北一街', '502', 'e-0001'])
      expect(words, `the push names ${secret}`).not.toContain(secret);

    // Several ticks past the grace: the offer stays his (the push reached him), nothing is withdrawn.
    await new Promise((r) => setTimeout(r, graceS * 1000 + 1500));
    expect(await offersOf()).toEqual([{ id: offer!.id, status: 'pending', alert_id: offer!.alert_id }]);
    expect(await boardAvailability()).toBe('on_duty');
  }, 30_000);

  /** The pushes of a type the push service took, as the phone decrypts them. */
  const taken = (type: string) =>
    push.received
      .filter((r) => r.status === 201)
      .map((r) => JSON.parse(r.plaintext) as { type: string; offer_id?: string })
      .filter((m) => m.type === type);
  /** 李建国 on duty near 王秀英's home with his app open, subscribed to push; an SOS; his offer pushes as taken. */
  const offerPushedAfterSos = async (eventId: string) => {
    const app = await ResponderApp.open(hub.addresses.http, token);
    try {
      await app.onDutyAt(near.lat, near.lon);
      expect((await subscribe({ ...push.subscribe(), lang: 'zh' })).statusCode).toBe(200);
      await pressSos(hub, 'w-0001', 'watch-secret-0001', eventId);
      return await until(
        async () => taken('offer'),
        (m) => m.length > 0,
        5000,
      );
    } finally {
      app.close();
    }
  };

  it('[PUSH-OFFER-DURABLE] a failed write of the offer’s push (the store busy once) does not lose it: the volunteer is pushed the offer he holds, once', async () => {
    const add = NoticeOutbox.prototype.add;
    let refused = 0;
    NoticeOutbox.prototype.add = async function (this: NoticeOutbox, ...args: Parameters<typeof add>) {
      if (args[0].type === 'offer' && refused++ === 0)
        throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
      return add.apply(this, args);
    };
    try {
      const pushed = await offerPushedAfterSos('durable-push-1');
      expect(refused, 'the write was refused once').toBeGreaterThan(0);
      expect(pushed, 'the offer reached the push service').toHaveLength(1);
      // The step was rolled back with the push and taken again: the offer pushed is the one he holds.
      expect((await offersOf()).map((o) => [o.id, o.status])).toEqual([[pushed[0]!.offer_id, 'pending']]);
    } finally {
      NoticeOutbox.prototype.add = add;
    }
  }, 30_000);

  it('[PUSH-OFFER-DURABLE] an offer committed but never told (the process died right after the step) is still pushed to the volunteer, and so is its withdrawal by the next step', async () => {
    const publish = Channel.prototype.publish;
    // What a crash between the step's commit and its notices leaves: the step stored, nothing published.
    Channel.prototype.publish = function (this: Channel<unknown>, message: unknown) {
      const type = (message as { type?: string })?.type;
      if (type === 'offer' || type === 'withdrawn') return;
      publish.call(this, message);
    };
    try {
      const pushed = await offerPushedAfterSos('durable-push-2');
      expect(pushed, 'the outbox’s sweep pushed the stored offer').toHaveLength(1);
      const [offer] = await offersOf();
      expect(offer?.id).toBe(pushed[0]!.offer_id);
      // The offer's time runs out: the next step lets it expire, and the phone must drop its notification.
      await hub.store.db
        .updateTable('alerts')
        .set({ next_step_at: Date.now() })
        .where('id', '=', offer!.alert_id)
        .execute();
      const withdrawn = await until(
        async () => taken('withdrawn'),
        (m) => m.length > 0,
        5000,
      );
      expect(withdrawn.map((m) => m.offer_id)).toEqual([offer!.id]);
      expect((await offersOf()).map((o) => o.status)).toEqual(['expired']);
    } finally {
      Channel.prototype.publish = publish;
    }
  }, 30_000);

  /** An SOS nobody is on duty for (the ladder offers no one): its alert, for a specialist to assign by hand. */
  const sosNobodyTakes = async (eventId: string) => {
    await pressSos(hub, 'w-0001', 'watch-secret-0001', eventId);
    const [alert] = await until(
      () => hub.store.db.selectFrom('alerts').select(['id', 'status', 'assignee_id']).execute(),
      (rows) => rows.length > 0,
      5000,
    );
    if (!alert) throw new Error('the SOS raised no alert');
    return alert.id;
  };
  const byHand = async (alertId: string, action: 'assign' | 'resolve') =>
    hub.app.inject({
      method: 'POST',
      url: `/api/v1/alerts/${alertId}/${action}`,
      headers: hub.as(await hub.login('spec-jingtian', 'spec-password-1')),
      payload: action === 'assign' ? { responder_id: 'v-0001' } : { outcome: 'help_given' },
    });
  /** The task pushes of the alert the push service took, in order. */
  const taskPushes = (alertId: string) =>
    push.received
      .filter((r) => r.status === 201)
      .map((r) => JSON.parse(r.plaintext) as { type: string; alert_id: string })
      .filter((m) => m.alert_id === alertId && (m.type === 'task' || m.type === 'task_closed'))
      .map((m) => m.type);

  it('[PUSH-TASK-DURABLE] a hand assignment and the close of its alert, committed but never told (the process died right after each), are still pushed to the volunteer with the app closed: the task, then its close', async () => {
    expect((await subscribe({ ...push.subscribe(), lang: 'zh' })).statusCode).toBe(200);
    const alertId = await sosNobodyTakes('durable-task-1');
    const publish = Channel.prototype.publish;
    // What a crash between a commit and its notices leaves: the change stored, nothing published.
    Channel.prototype.publish = function (this: Channel<unknown>, message: unknown) {
      const type = (message as { type?: string })?.type;
      if (type === 'task' || type === 'task_closed' || type === 'withdrawn') return;
      publish.call(this, message);
    };
    try {
      const assigned = await byHand(alertId, 'assign');
      expect(assigned.statusCode, assigned.body).toBe(200);
      const given = await until(
        async () => taskPushes(alertId),
        (t) => t.length > 0,
        5000,
      );
      expect(given, 'the outbox’s sweep pushed the task given by hand').toEqual(['task']);
      const resolved = await byHand(alertId, 'resolve');
      expect(resolved.statusCode, resolved.body).toBe(200);
      const closed = await until(
        async () => taskPushes(alertId),
        (t) => t.length > 1,
        5000,
      );
      expect(closed, 'the phone is told the task is closed').toEqual(['task', 'task_closed']);
    } finally {
      Channel.prototype.publish = publish;
    }
  }, 30_000);

  it('[PUSH-TASK-DURABLE] a hand assignment whose push is not written (the store busy once) is not made: the specialist is answered an error and nothing is assigned; assigned again, the volunteer is pushed the task once', async () => {
    expect((await subscribe({ ...push.subscribe(), lang: 'zh' })).statusCode).toBe(200);
    const alertId = await sosNobodyTakes('durable-task-2');
    const add = NoticeOutbox.prototype.add;
    let refused = 0;
    NoticeOutbox.prototype.add = async function (this: NoticeOutbox, ...args: Parameters<typeof add>) {
      if (args[0].type === 'task' && refused++ === 0)
        throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
      return add.apply(this, args);
    };
    try {
      const failed = await byHand(alertId, 'assign');
      expect(refused, 'the write was refused once').toBe(1);
      // Assigned without its push, the volunteer would never hear of the task: rolled back together.
      expect(failed.statusCode, failed.body).toBeGreaterThanOrEqual(500);
      expect(
        await hub.store.db
          .selectFrom('alerts')
          .select(['status', 'assignee_id'])
          .where('id', '=', alertId)
          .execute(),
      ).toEqual([{ status: 'open', assignee_id: null }]);
      const held = await hub.store.db
        .selectFrom('responder_state')
        .select('task_alert_id')
        .where('responder_id', '=', 'v-0001')
        .executeTakeFirst();
      expect(held?.task_alert_id ?? null).toBeNull();
      const again = await byHand(alertId, 'assign');
      expect(again.statusCode, again.body).toBe(200);
      expect(
        await until(
          async () => taskPushes(alertId),
          (t) => t.length > 0,
          5000,
        ),
      ).toEqual(['task']);
      const kept = await hub.store.db
        .selectFrom('push_deliveries')
        .select('type')
        .where('type', '=', 'task')
        .execute();
      expect(kept, 'one task push kept').toHaveLength(1);
    } finally {
      NoticeOutbox.prototype.add = add;
    }
  }, 30_000);

  it('[PUSH-TASK-CLOSED-AGAIN] a task given back, then assigned to the same volunteer by hand and closed: each close is pushed, so the phone does not keep showing the task', async () => {
    const app = await ResponderApp.open(hub.addresses.http, token);
    try {
      await app.onDutyAt(near.lat, near.lon);
      expect((await subscribe({ ...push.subscribe(), lang: 'zh' })).statusCode).toBe(200);
      await pressSos(hub, 'w-0001', 'watch-secret-0001', 'push-closed-again');
      const [offer] = await until(
        async () => app.offers,
        (o) => o.length > 0,
        5000,
      );
      const alertId = offer!.alert_id;
      expect(await app.request('offer:accept', { offer_id: offer!.offer_id })).toMatchObject({ ok: true });
      expect(await app.request('task:hand_back', { alert_id: alertId })).toEqual({ ok: true });
      const pushed = async () =>
        push.received
          .filter((r) => r.status === 201)
          .map((r) => JSON.parse(r.plaintext) as { type: string; alert_id: string })
          .filter((m) => m.alert_id === alertId && (m.type === 'task' || m.type === 'task_closed'))
          .map((m) => m.type);
      expect(await until(pushed, (t) => t.includes('task_closed'), 5000)).toEqual(['task_closed']);
      const specialist = hub.as(await hub.login('spec-jingtian', 'spec-password-1'));
      const assigned = await hub.app.inject({
        method: 'POST',
        url: `/api/v1/alerts/${alertId}/assign`,
        headers: specialist,
        payload: { responder_id: 'v-0001' },
      });
      expect(assigned.statusCode, assigned.body).toBe(200);
      expect(await until(pushed, (t) => t.length >= 2, 5000)).toEqual(['task_closed', 'task']);
      const resolved = await hub.app.inject({
        method: 'POST',
        url: `/api/v1/alerts/${alertId}/resolve`,
        headers: specialist,
        payload: { outcome: 'help_given' },
      });
      expect(resolved.statusCode, resolved.body).toBe(200);
      expect(await until(pushed, (t) => t.length >= 3, 5000), 'the last push of the task closes it').toEqual([
        'task_closed',
        'task',
        'task_closed',
      ]);
    } finally {
      app.close();
    }
  }, 30_000);

  it('[PUSH-WAITING] a push the push service does not take yet is counted as waiting until it is delivered', async () => {
    push.answers = Array(6).fill(503); // busy for ~3 s of retries, then it takes it
    await closedAppWithPush();
    const waiting = async () =>
      Number((await hub.metrics.exposition()).match(/^yiyang_push_waiting (\S+)$/m)?.[1]);
    await pressSos(hub, 'w-0001', 'watch-secret-0001', 'push-waiting');
    expect(await until(waiting, (n) => n === 1, 3000), 'waiting while the push service answers 503').toBe(1);
    const delivered = await until(
      async () => push.received.filter((r) => r.status === 201),
      (r) => r.length > 0,
      10_000,
    );
    expect(delivered, 'delivered once the push service takes it').toHaveLength(1);
    expect(await until(waiting, (n) => n === 0, 3000)).toBe(0);
  }, 30_000);

  it('[PUSH-GONE-410] a push service answering 410 drops the subscription; the volunteer is then unreachable and the offer is withdrawn at the grace', async () => {
    await closedAppWithPush();
    push.answers = [410];
    await pressSos(hub, 'w-0001', 'watch-secret-0001', 'push-gone');
    const left = await until(
      () => hub.store.db.selectFrom('push_subscriptions').selectAll().execute(),
      (rows) => rows.length === 0,
      5000,
    );
    expect(push.received.map((p) => p.status)).toEqual([410]);
    expect(left, 'the subscription answered 410 is still kept').toEqual([]);
    const offers = await until(offersOf, (o) => o[0]?.status === 'withdrawn', 3000);
    expect(offers.map((o) => o.status)).toEqual(['withdrawn']);
    expect(await boardAvailability()).toBe('app_offline');
    // Given up, not retried: the push service said the subscription is gone.
    await new Promise((r) => setTimeout(r, 300));
    expect(push.received).toHaveLength(1);
  }, 30_000);
});

describe('push subscriptions', () => {
  let hub: TestHub;
  let push: LocalPushService;

  beforeEach(async () => {
    push = await LocalPushService.start();
    hub = await startTestHub({
      config: { pushServiceHosts: '127.0.0.1,push.example', pushCaFile: push.caFile },
    });
    expect((await hub.putDistrict(smallDistrict())).statusCode).toBe(200);
  });
  afterEach(async () => {
    await hub.stop();
    await push.close();
  });

  it('[PUSH-SUBSCRIBE-INPUT] a bad subscription is refused with its reason and keeps nothing; only a responder subscribes, and only their own is removed', async () => {
    const volunteer = hub.as(await hub.login('v-0001', 'volunteer-password'));
    const good = push.subscribe();
    const put = (payload: object, headers = volunteer) =>
      hub.app.inject({ method: 'PUT', url: '/api/v1/push/subscription', headers, payload });
    const refused = async (payload: object, path: string, reason: string) => {
      const res = await put(payload);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error).toBe('invalid_request');
      expect(res.json().issues).toContainEqual({ path, message: expect.stringContaining(reason) });
    };
    await refused({ ...good, endpoint: 'http://127.0.0.1:9/push/x' }, 'endpoint', 'https');
    await refused({ ...good, endpoint: 'https://10.0.0.5/admin' }, 'endpoint', 'not a push service');
    await refused({ ...good, keys: { ...good.keys, p256dh: 'AAAA' } }, 'keys.p256dh', '65 bytes');
    await refused({ ...good, keys: { ...good.keys, auth: 'not base64!' } }, 'keys.auth', 'base64url');
    await refused({ ...good, lang: 'fr' }, 'lang', '');
    expect(await hub.store.db.selectFrom('push_subscriptions').selectAll().execute()).toEqual([]);

    const specialist = hub.as(await hub.login('spec-jingtian', 'spec-password-1'));
    const forbidden = await put(good, specialist);
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().error).toBe('forbidden');

    expect((await put(good)).statusCode).toBe(200);
    const remove = (headers: { authorization: string }, endpoint = good.endpoint) =>
      hub.app.inject({ method: 'DELETE', url: '/api/v1/push/subscription', headers, payload: { endpoint } });
    const other = await hub.putDistrict({
      responders: [{ id: 'v-0009', name: '赵敏', kind: 'volunteer', org_unit: 'jingtian', skills: [] }],
      users: [
        { username: 'v-0009', password: 'volunteer-password-9', role: 'responder', org_unit: 'jingtian' },
      ],
    });
    expect(other.statusCode, JSON.stringify(other.body)).toBe(200);
    const stranger = await remove(hub.as(await hub.login('v-0009', 'volunteer-password-9')));
    expect(stranger.statusCode).toBe(404);
    expect(stranger.json().error).toBe('not_found');
    expect(await hub.store.db.selectFrom('push_subscriptions').select('responder_id').execute()).toEqual([
      { responder_id: 'v-0001' },
    ]);
    const own = await remove(volunteer);
    expect(own.statusCode, own.body).toBe(200);
    expect(await hub.store.db.selectFrom('push_subscriptions').selectAll().execute()).toEqual([]);
  });

  it('[PUSH-VAPID-KEPT] the VAPID key pair is made at the first start and kept: the key served is the stored one, and a restart reads it back', async () => {
    const volunteer = hub.as(await hub.login('v-0001', 'volunteer-password'));
    const served = (await hub.app.inject({ url: '/api/v1/push/public-key', headers: volunteer })).json() as {
      public_key: string;
    };
    expect(Buffer.from(served.public_key, 'base64url')).toHaveLength(65);
    const stored = await hub.store.db.selectFrom('push_keys').selectAll().execute();
    expect(stored.map((k) => k.public_key)).toEqual([served.public_key]);
    const restarted = new VapidKeys({ db: hub.store.db, now: Date.now });
    await restarted.start();
    expect(restarted.publicKey).toBe(served.public_key);
    expect(await hub.store.db.selectFrom('push_keys').selectAll().execute()).toHaveLength(1);
  });
});
