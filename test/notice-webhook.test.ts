import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NoticeOutbox } from '../dispatch/notice-outbox.js';
import { loadConfig } from '../hub/config.js';
import { Channel } from '../kernel/channel.js';
import { browserDistrict } from './browser/support/district.js';
import { startTestHub, type TestHub } from './support/hub.js';
import { ResponderApp } from './support/responder-app.js';
import { pressSos } from './support/sos-answered.js';
import { until } from './support/wait.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

const secret = 'district-bridge-secret-0123456789abcdef';

/**
 * 王秀英 with a son who has a login and a neighbour who holds a key, who consented (or not) to her
 * family being contacted; nobody on duty unless a phone says so.
 */
function district(contactFamily = true) {
  const doc = browserDistrict();
  doc.elders = (doc.elders ?? []).map((e) =>
    e.id === 'e-0001'
      ? {
          ...e,
          consent: { care_record: true, share_with_responders: false, contact_family: contactFamily },
          contacts: [
            { name: '王小明', relation: 'child', phone: '138 0013 8000', username: 'family-wang' },
            { name: '张阿姨', relation: 'neighbour', phone: '139 0013 9000', has_key: true },
          ],
        }
      : e,
  );
  return doc;
}

let hub: TestHub | undefined;
let receiver: WebhookReceiver | undefined;
afterEach(async () => {
  await hub?.stop();
  await receiver?.close();
  hub = undefined;
  receiver = undefined;
});

async function hubWithWebhook(
  config: Record<string, unknown> = {},
  doc: ReturnType<typeof district> = district(),
): Promise<TestHub> {
  receiver ??= await WebhookReceiver.start(secret);
  const started = await startTestHub({
    config: {
      noticeWebhookUrl: receiver.url,
      noticeWebhookSecret: secret,
      noticeWebhookRetryS: 0.05,
      ...config,
    },
  });
  expect((await started.putDistrict(doc)).statusCode).toBe(200);
  return started;
}

const metric = async (h: TestHub, type: string, result: string): Promise<number> => {
  const text = (await h.app.inject({ url: '/metrics', remoteAddress: '127.0.0.1' })).body;
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`yiyang_notice_webhook_total{type="${type}",result="${result}"}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
};

/** The codes on an alert's timeline, as the console reads them. */
async function timelineCodes(h: TestHub, alertId: string): Promise<Array<string | null>> {
  const detail = await h.app.inject({ url: `/api/v1/alerts/${alertId}`, headers: h.as(h.adminToken) });
  return (
    detail.json() as { timeline: Array<{ code: string | null; params: { to?: string } | null }> }
  ).timeline.map((t) => (t.code === 'escalated' ? `escalated ${t.params?.to}` : t.code));
}

async function onlyAlert(h: TestHub): Promise<string> {
  const [alert] = await until(
    () => h.store.db.selectFrom('alerts').select('id').execute(),
    (rows) => rows.length === 1,
  );
  return alert!.id;
}

describe('the notice webhook (the district’s SMS/WeChat bridge)', () => {
  it('[NOTICE-FAMILY-DURABLE] a failed write of the family escalation’s notice (the store busy once) does not lose it: the receiver gets it, once', async () => {
    const add = NoticeOutbox.prototype.add;
    let refused = 0;
    NoticeOutbox.prototype.add = async function (this: NoticeOutbox, ...args: Parameters<typeof add>) {
      if (args[0].type === 'family_escalation' && refused++ === 0)
        throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
      return add.apply(this, args);
    };
    try {
      hub = await hubWithWebhook();
      await pressSos(hub, 'w-0001', 'watch-secret-0001', 'durable-family-1'); // nobody on duty: the ladder ends at once
      const taken = await until(
        async () => receiver!.taken('family_escalation'),
        (n) => n.length > 0,
        10_000,
      );
      expect(refused, 'the write was refused once').toBeGreaterThan(0);
      expect(taken, 'the family escalation reached the receiver').toHaveLength(1);
      expect(taken[0]).toMatchObject({ elder: { id: 'e-0001' }, contacts: [{ phone: '138 0013 8000' }] });
      const alertId = await onlyAlert(hub);
      expect((await timelineCodes(hub, alertId)).filter((c) => c === 'escalated family')).toHaveLength(1);
    } finally {
      NoticeOutbox.prototype.add = add;
    }
  });

  it('[NOTICE-FAMILY-DURABLE] a family escalation committed but never told (the process died right after the step) still reaches the receiver', async () => {
    const publish = Channel.prototype.publish;
    // What a crash between the step's commit and its notices leaves: the step stored, nothing published.
    Channel.prototype.publish = function (this: Channel<unknown>, message: unknown) {
      const m = message as { type?: string; to?: string };
      if (m?.type === 'escalation' && m.to === 'family') return;
      publish.call(this, message);
    };
    try {
      hub = await hubWithWebhook();
      await pressSos(hub, 'w-0001', 'watch-secret-0001', 'durable-family-2');
      const taken = await until(
        async () => receiver!.taken('family_escalation'),
        (n) => n.length > 0,
        10_000,
      );
      expect(taken, 'the family escalation reached the receiver').toHaveLength(1);
    } finally {
      Channel.prototype.publish = publish;
    }
  });

  it('[NOTICE-FAMILY-NOT-REACHED] a family escalation the receiver never takes is given up, and the alert’s timeline says the family was not reached', async () => {
    receiver = await WebhookReceiver.start(secret);
    receiver.answers = Array(10_000).fill(503);
    hub = await hubWithWebhook({ noticeWebhookRetryS: 0.2 });
    await pressSos(hub, 'w-0001', 'watch-secret-0001', 'not-reached-1');
    const alertId = await onlyAlert(hub);
    await until(
      async () => receiver!.received.filter((r) => r.body.includes('family_escalation')).length,
      (n) => n > 0,
      10_000,
    );
    expect(await timelineCodes(hub, alertId)).not.toContain('family_not_reached');
    // The give-up time (NOTICE_WEBHOOK_GIVE_UP_MIN) passes.
    await hub.store.db
      .updateTable('notice_deliveries')
      .set({ give_up_at: Date.now() })
      .where('type', '=', 'family_escalation')
      .execute();
    const codes = await until(
      () => timelineCodes(hub!, alertId),
      (c) => c.includes('family_not_reached'),
      10_000,
    );
    expect(
      codes.filter((c) => c === 'family_not_reached'),
      'said once',
    ).toHaveLength(1);
    const detail = await hub.app.inject({
      url: `/api/v1/alerts/${alertId}`,
      headers: hub.as(hub.adminToken),
    });
    const note = (
      detail.json() as { timeline: Array<{ code: string | null; note: string | null }> }
    ).timeline.find((t) => t.code === 'family_not_reached');
    expect(note?.note).toMatch(/family/);
  });

  it('[NOTICE-FAMILY-CONSENT] without the elder’s consent to contact the family, the bridge is sent no family escalation: no name, no phone numbers', async () => {
    hub = await hubWithWebhook({}, district(false));
    await pressSos(hub, 'w-0001', 'watch-secret-0001', 'consent-1');
    const alertId = await onlyAlert(hub);
    // The console and the family's own login still have the escalation.
    await until(
      () => timelineCodes(hub!, alertId),
      (c) => c.includes('escalated family'),
      10_000,
    );
    await new Promise((r) => setTimeout(r, 1500));
    expect(receiver!.taken('family_escalation')).toEqual([]);
    for (const r of receiver!.received)
      expect(r.body).not.toMatch(/138 0013 8000|139 0013 9000|王小明|王秀英/);
  });

  it('[WEBHOOK-OFFER] an offer reaches the receiver signed, with kind and distance and nothing that locates the elder', async () => {
    hub = await hubWithWebhook();
    const phone = await ResponderApp.open(
      hub.addresses.http,
      await hub.login('v-0001', 'volunteer-password'),
    );
    try {
      await phone.onDutyAt(22.5529, 114.042);
      await pressSos(hub, 'w-0001', 'watch-secret-0001', 'webhook-offer-1');
      const offers = await until(
        async () => receiver!.taken('offer'),
        (o) => o.length > 0,
        10_000,
      );
      expect(offers, 'an offer notice within 10 s of the SOS').toHaveLength(1);
      const [notice] = offers;
      expect(phone.offers.map((o) => o.offer_id)).toContain(notice!.offer_id);
      expect(notice).toMatchObject({
        responder_id: 'v-0001',
        kind: 'sos',
        severity: 'critical',
        distance_m: 100,
      });
      const raw = receiver!.received.find((r) => r.delivery === notice!.delivery)!;
      expect(raw.signed, 'the signature checks out with the shared secret').toBe(true);
      // The receiver's check is not vacuous: the same signature over a changed body fails, and so does
      // the hub's signature checked with another secret.
      expect(receiver!.verify(raw.timestamp, raw.body.replace('"sos"', '"fall"'), raw.signature)).toBe(false);
      const stranger = await WebhookReceiver.start('another-secret-0123456789abcdefghij');
      expect(stranger.verify(raw.timestamp, raw.body, raw.signature)).toBe(false);
      await stranger.close();
      expect(raw.body).not.toMatch(/王秀英|景田北一街|e-0001|22\.553/);
    } finally {
      phone.close();
    }
  });

  it('[WEBHOOK-FAMILY] an escalation to the family carries the elder’s name and the kin contacts in calling order, not the neighbour', async () => {
    hub = await hubWithWebhook();
    await pressSos(hub, 'w-0001', 'watch-secret-0001', 'webhook-family-1'); // nobody on duty: the ladder ends at once
    const notices = await until(
      async () => receiver!.taken('family_escalation'),
      (n) => n.length > 0,
      10_000,
    );
    expect(notices, 'a family escalation notice within 10 s').toHaveLength(1);
    expect(notices[0]).toMatchObject({
      kind: 'sos',
      reason: 'no_answer',
      elder: { id: 'e-0001', name: '王秀英' },
      contacts: [{ name: '王小明', relation: 'child', phone: '138 0013 8000' }],
    });
    expect(receiver!.received.every((r) => r.signed)).toBe(true);
    // 李桂兰 has no family user: no family escalation, so no notice.
    await pressSos(hub, 'w-0002', 'watch-secret-0002', 'webhook-family-2');
    await new Promise((r) => setTimeout(r, 1500));
    expect(receiver!.taken('family_escalation').map((n) => (n.elder as { id: string }).id)).toEqual([
      'e-0001',
    ]);
  });

  it('[WEBHOOK-RETRY] a receiver that fails twice gets the notice on the third attempt, once', async () => {
    receiver = await WebhookReceiver.start(secret);
    receiver.answers = [503, 500];
    hub = await hubWithWebhook();
    await pressSos(hub, 'w-0001', 'watch-secret-0001', 'webhook-retry-1');
    const taken = await until(
      async () => receiver!.taken('family_escalation'),
      (n) => n.length > 0,
      10_000,
    );
    expect(taken, 'delivered after two refusals').toHaveLength(1);
    const attempts = receiver.received.filter((r) => r.delivery === taken[0]!.delivery);
    expect(attempts.map((a) => a.status)).toEqual([503, 500, 200]);
    expect(new Set(attempts.map((a) => a.body)).size, 'the same signed body each time').toBe(1);
    expect(await metric(hub, 'family_escalation', 'failed')).toBe(2);
    // The receiver has answered 200 before the hub has read the answer and counted it.
    const delivered = await until(
      () => metric(hub!, 'family_escalation', 'delivered'),
      (n) => n > 0,
      5_000,
    );
    expect(delivered, 'counted as delivered once').toBe(1);
  });

  it('[WEBHOOK-RESTART] a notice the receiver could not take before the hub stopped is delivered after it starts again', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'yiyang-webhook-'));
    receiver = await WebhookReceiver.start(secret);
    const port = receiver.port;
    receiver.answers = Array(1000).fill(503); // down, as far as the hub can tell
    hub = await hubWithWebhook({ dataDir, noticeWebhookRetryS: 0.2 });
    await pressSos(hub, 'w-0001', 'watch-secret-0001', 'webhook-restart-1');
    await until(
      async () => receiver!.received.length,
      (n) => n > 0,
      10_000,
    );
    expect(receiver.received.length, 'tried before the stop').toBeGreaterThan(0);
    await hub.stop();
    await receiver.close();
    receiver = await WebhookReceiver.start(secret, port); // back, answering 200
    hub = await startTestHub({
      config: {
        dataDir,
        noticeWebhookUrl: receiver.url,
        noticeWebhookSecret: secret,
        noticeWebhookRetryS: 0.2,
      },
    });
    const taken = await until(
      async () => receiver!.taken('family_escalation'),
      (n) => n.length > 0,
      10_000,
    );
    expect(taken, 'delivered by the restarted hub').toHaveLength(1);
    expect(taken[0]!.elder).toEqual({ id: 'e-0001', name: '王秀英' });
  });

  it('[WEBHOOK-DEAD] an offer the receiver never takes is given up at its expiry and counted as a dead letter', async () => {
    receiver = await WebhookReceiver.start(secret);
    receiver.answers = Array(10_000).fill(500);
    hub = await hubWithWebhook({ offerExpiryS: 5, noticeWebhookRetryS: 0.5 });
    const phone = await ResponderApp.open(
      hub.addresses.http,
      await hub.login('v-0001', 'volunteer-password'),
    );
    try {
      await phone.onDutyAt(22.5529, 114.042);
      await pressSos(hub, 'w-0001', 'watch-secret-0001', 'webhook-dead-1');
      const dead = await until(
        () => metric(hub!, 'offer', 'dead'),
        (n) => n > 0,
        15_000,
      );
      expect(dead, 'one dead letter within 15 s (expiry 5 s)').toBe(1);
      const tried = receiver.received.filter((r) => r.body.includes('"offer"')).length;
      await new Promise((r) => setTimeout(r, 1500));
      expect(
        receiver.received.filter((r) => r.body.includes('"offer"')).length,
        'no attempt after the give-up',
      ).toBe(tried);
    } finally {
      phone.close();
    }
  });

  it('[CONFIG-WEBHOOK] a URL without a secret, or a short secret, stops the start with the reason', () => {
    expect(() => loadConfig({ NOTICE_WEBHOOK_URL: 'http://127.0.0.1:9/notices' })).toThrow(
      /NOTICE_WEBHOOK_URL and NOTICE_WEBHOOK_SECRET must be set together/,
    );
    expect(() =>
      loadConfig({ NOTICE_WEBHOOK_URL: 'http://127.0.0.1:9/notices', NOTICE_WEBHOOK_SECRET: 'short' }),
    ).toThrow(/NOTICE_WEBHOOK_SECRET: must be at least 32 characters/);
    expect(() => loadConfig({ NOTICE_WEBHOOK_URL: 'ftp://x/y', NOTICE_WEBHOOK_SECRET: secret })).toThrow(
      /NOTICE_WEBHOOK_URL: must start with http: or https:/,
    );
  });
});
