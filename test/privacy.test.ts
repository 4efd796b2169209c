import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { openedAlertRow } from '../alerts/alert-book.js';
import { RecurringRequests } from '../services/recurring-requests.js';
import { ServiceKinds } from '../services/service-kinds.js';
import { ServiceOrderBook } from '../services/service-order-book.js';
import { emptyOrder, orderNoteColumns } from '../services/service-order-model.js';
import { ServiceRequests } from '../services/service-requests.js';
import { Reconciliation } from '../timebank/reconciliation.js';
import { browserDistrict } from './browser/support/district.js';
import { dialects } from './support/databases.js';
import { smallDistrict, startTestHub, type TestHub } from './support/hub.js';
import { pressSos } from './support/sos-answered.js';
import { until } from './support/wait.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

/**
 * One person's data on request (PIPL): the admin of their unit exports everything held about
 * them or erases it, and every read of their record is in the audit log.
 */
describe.each(dialects)('privacy on %s', (dialect) => {
  let hub: TestHub;
  let receiver: WebhookReceiver | undefined;
  afterEach(async () => {
    await hub?.stop();
    await receiver?.close();
    receiver = undefined;
  });

  /** The small district with an admin of 梅林 (the other community) besides 莲花's admin. */
  async function district() {
    hub = await startTestHub({ dialect });
    const doc = smallDistrict();
    doc.users = [
      ...doc.users!,
      { username: 'admin-meilin', password: 'admin-password-3', role: 'admin', org_unit: 'meilin' },
    ];
    expect((await hub.putDistrict(doc)).statusCode).toBe(200);
  }

  const get = (url: string, token: string) => hub.app.inject({ url, headers: hub.as(token) });
  const post = (url: string, token: string, payload: object, headers: Record<string, string> = {}) =>
    hub.app.inject({ method: 'POST', url, headers: { ...hub.as(token), ...headers }, payload });
  /** A time-bank write (`transfers` or `corrections`) under its idempotency key. */
  const ledgerWrite = (what: 'transfers' | 'corrections', token: string, payload: object, key: string) =>
    post(`/api/v1/timebank/${what}`, token, payload, { 'idempotency-key': key });

  /** An SOS from 王秀英's watch (e-0001, 景田): its alert id once it is open. */
  async function sos(eventId = 'sos-1'): Promise<string> {
    const watch = await hub.connectDevice('w-0001', 'watch-secret-0001');
    await watch.publishAsync(
      'care/w-0001/event',
      JSON.stringify({ ts: Date.now(), event_id: eventId, type: 'sos' }),
      { qos: 1 },
    );
    await watch.endAsync();
    const [alert] = await until(
      () => hub.store.db.selectFrom('alerts').select('id').where('elder_id', '=', 'e-0001').execute(),
      (rows) => rows.length > 0,
    );
    return alert!.id;
  }

  /** A minute of 王秀英's heart rate in the rollups. */
  async function vitals(at: number) {
    hub.ingest.readings.publish({
      deviceId: 'w-0001',
      deviceType: 'watch',
      elderId: 'e-0001',
      ts: at,
      receivedAt: at,
      clockSkewed: false,
      data: { ts: at, heart_rate: 72 },
    });
    await hub.ingest.rollups.flush(true);
  }

  it('[PRIVACY-AUDIT] reading an alert with the person’s identity and their vitals is in the audit log; admins read it for their unit only', async () => {
    await district();
    const alertId = await sos();
    const spec = await hub.login('spec-jingtian', 'spec-password-1');
    expect((await get(`/api/v1/alerts/${alertId}`, spec)).statusCode).toBe(200);
    const now = Date.now();
    const chart = await get(`/api/v1/elders/e-0001/vitals?from=${now - 3_600_000}&to=${now}`, spec);
    expect(chart.statusCode).toBe(200);
    // A read refused for scope reads nothing: it is not recorded.
    const meilinSpec = await hub.login('spec-meilin', 'spec-password-2');
    expect((await get(`/api/v1/alerts/${alertId}`, meilinSpec)).statusCode).toBe(404);

    const lianhua = await hub.login('admin-lianhua', 'admin-password-2');
    const log = await get('/api/v1/audit?elder_id=e-0001', lianhua);
    expect(log.statusCode).toBe(200);
    expect(log.json().entries).toEqual([
      expect.objectContaining({
        actor: 'spec-jingtian',
        actor_role: 'specialist',
        action: 'vitals_viewed',
        elder_id: 'e-0001',
        org_unit_id: 'jingtian',
        target: null,
      }),
      expect.objectContaining({
        actor: 'spec-jingtian',
        action: 'alert_viewed',
        elder_id: 'e-0001',
        target: alertId,
      }),
    ]);
    expect(log.json().next_cursor).toBeNull();

    // 梅林's admin sees nothing of 景田; a specialist may not read the log at all.
    const meilin = await hub.login('admin-meilin', 'admin-password-3');
    expect((await get('/api/v1/audit', meilin)).json()).toEqual({ entries: [], next_cursor: null });
    const refused = await get('/api/v1/audit', spec);
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toEqual({ error: 'forbidden', message: 'this needs one of the roles: admin' });
  });

  it('[PRIVACY-AUDIT] the log comes a page at a time, newest first, filtered by who and what', async () => {
    await district();
    const alertId = await sos();
    const spec = await hub.login('spec-jingtian', 'spec-password-1');
    for (let i = 0; i < 5; i++) expect((await get(`/api/v1/alerts/${alertId}`, spec)).statusCode).toBe(200);
    expect((await get(`/api/v1/alerts/${alertId}`, hub.adminToken)).statusCode).toBe(200);

    const seen: string[] = [];
    let url = '/api/v1/audit?action=alert_viewed&actor=spec-jingtian&limit=2';
    for (let page = 0; page < 5; page++) {
      const answer = (await get(url, hub.adminToken)).json() as {
        entries: Array<{ id: string; at: number; actor: string }>;
        next_cursor: string | null;
      };
      seen.push(...answer.entries.map((e) => e.id));
      expect(answer.entries.every((e) => e.actor === 'spec-jingtian')).toBe(true);
      if (!answer.next_cursor) break;
      url = `/api/v1/audit?action=alert_viewed&actor=spec-jingtian&limit=2&cursor=${answer.next_cursor}`;
    }
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);

    const bad = await get('/api/v1/audit?cursor=not-a-cursor', hub.adminToken);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().issues).toEqual([{ path: 'cursor', message: 'not a cursor of this list' }]);
  });

  it('[PRIVACY-EXPORT] an admin of the unit gets everything held about one elder as one JSON document, and the export is audited', async () => {
    await district();
    const alertId = await sos();
    await vitals(Date.now() - 5 * 60_000);
    const spec = await hub.login('spec-jingtian', 'spec-password-1');
    expect((await post(`/api/v1/alerts/${alertId}/notes`, spec, { text: '王秀英说她头晕' })).statusCode).toBe(
      204,
    );
    const order = await post('/api/v1/service-orders', spec, {
      elder_id: 'e-0001',
      kind: 'visit',
      note: '每周探访',
      wanted_at: Date.now() + 86_400_000,
    });
    expect(order.statusCode).toBe(201);
    const grant = await ledgerWrite(
      'transfers',
      hub.adminToken,
      {
        from: { owner_id: 'jingtian', kind: 'fund' },
        to: { owner_id: 'e-0001' },
        minutes: 30,
        memo: '王秀英的午餐补贴',
      },
      'grant-e0001-1',
    );
    expect(grant.statusCode, grant.body).toBe(200);
    const reminder = await post('/api/v1/elders/e-0001/welfare/schedules', spec, {
      kind: 'medication',
      time: '08:00',
    });
    expect(reminder.statusCode, reminder.body).toBe(201);

    const lianhua = await hub.login('admin-lianhua', 'admin-password-2');
    const answer = await get('/api/v1/elders/e-0001/export', lianhua);
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(answer.headers['content-disposition']).toBe('attachment; filename="elder-e-0001.json"');
    const doc = answer.json();
    expect(doc).toMatchObject({
      format: 'yiyang-elder-export/1',
      exported_by: 'admin-lianhua',
      elder: {
        id: 'e-0001',
        name: '王秀英',
        address: '景田北一街 3 栋 502',
        org_unit: { id: 'jingtian', name: '景田社区' },
        erased_at: null,
      },
    });
    expect(doc.devices.map((d: { id: string }) => d.id)).toEqual(['r-0001', 'w-0001']);
    expect(doc.device_events).toEqual([
      expect.objectContaining({
        device_id: 'w-0001',
        event_id: 'sos-1',
        type: 'sos',
        payload: expect.objectContaining({ type: 'sos' }),
      }),
    ]);
    expect(doc.rollups_1m).toEqual([
      expect.objectContaining({ device_id: 'w-0001', hr_min: 72, hr_max: 72 }),
    ]);
    expect(doc.alerts).toEqual([
      expect.objectContaining({
        id: alertId,
        kind: 'sos',
        timeline: expect.arrayContaining([
          expect.objectContaining({ actor: 'spec-jingtian', note: '王秀英说她头晕' }),
        ]),
      }),
    ]);
    expect(doc.service_orders).toEqual([expect.objectContaining({ id: order.json().id, note: '每周探访' })]);
    expect(doc.welfare).toEqual({
      schedules: [
        expect.objectContaining({ id: reminder.json().id, kind: 'medication', minute_of_day: 480 }),
      ],
      occurrences: [],
    });
    expect(doc.timebank.accounts).toEqual([
      expect.objectContaining({ id: 'elder:e-0001', balance_minutes: 30 }),
    ]);
    expect(doc.timebank.transfers).toEqual([
      expect.objectContaining({
        kind: 'grant',
        memo: '王秀英的午餐补贴',
        postings: expect.arrayContaining([
          expect.objectContaining({ account_id: 'elder:e-0001', amount_minutes: 30 }),
        ]),
      }),
    ]);
    // The person also learns who read their record: the export itself is the last read.
    expect(doc.record_reads.at(-1)).toMatchObject({ actor: 'admin-lianhua', action: 'elder_exported' });
    const log = (await get('/api/v1/audit?action=elder_exported', lianhua)).json();
    expect(log.entries).toEqual([expect.objectContaining({ actor: 'admin-lianhua', elder_id: 'e-0001' })]);
  });

  it('[PRIVACY-WEARER] a watch handed on: the new wearer’s export and erasure leave the previous wearer’s events alone', async () => {
    await district();
    await sos('before-handover'); // 王秀英 (e-0001) wears w-0001
    const doc = smallDistrict();
    doc.elders![1]!.devices!.push(doc.elders![0]!.devices!.shift()!); // w-0001 to 李桂兰 (e-0002)
    doc.users = [];
    expect((await hub.putDistrict(doc)).statusCode).toBe(200);
    const watch = await hub.connectDevice('w-0001', 'watch-secret-0001');
    await watch.publishAsync(
      'care/w-0001/event',
      JSON.stringify({ ts: Date.now(), event_id: 'after-handover', type: 'worn' }),
      { qos: 1 },
    );
    await watch.endAsync();
    const lianhua = await hub.login('admin-lianhua', 'admin-password-2');
    const eventsOf = async (elderId: string) =>
      (
        (await get(`/api/v1/elders/${elderId}/export`, lianhua)).json().device_events as Array<{
          event_id: string;
        }>
      ).map((e) => e.event_id);
    expect(await eventsOf('e-0002')).toEqual(['after-handover']);
    expect(await eventsOf('e-0001')).toEqual(['before-handover']);
    const erased = await post('/api/v1/elders/e-0002/erase', lianhua, { confirm: 'e-0002' });
    expect(erased.statusCode, erased.body).toBe(200);
    const left = await hub.store.db.selectFrom('device_events').select('event_id').execute();
    expect(left.map((e) => e.event_id)).toEqual(['before-handover']);
  });

  it('[PRIVACY-SCOPE] export and erasure are for admins of the elder’s unit: another unit’s admin gets 404, a specialist 403', async () => {
    await district();
    const meilin = await hub.login('admin-meilin', 'admin-password-3');
    const hidden = await get('/api/v1/elders/e-0001/export', meilin);
    expect(hidden.statusCode).toBe(404);
    expect(hidden.json()).toEqual({ error: 'not_found', message: 'no elder e-0001 in your org unit' });
    // A missing elder looks the same as a hidden one.
    expect((await get('/api/v1/elders/e-9999/export', meilin)).json()).toEqual({
      error: 'not_found',
      message: 'no elder e-9999 in your org unit',
    });
    const erase = await post('/api/v1/elders/e-0001/erase', meilin, { confirm: 'e-0001' });
    expect(erase.statusCode).toBe(404);
    expect(erase.json()).toEqual({ error: 'not_found', message: 'no elder e-0001 in your org unit' });
    const spec = await hub.login('spec-jingtian', 'spec-password-1');
    const specExport = await get('/api/v1/elders/e-0001/export', spec);
    expect(specExport.statusCode).toBe(403);
    expect(specExport.json()).toEqual({ error: 'forbidden', message: 'this needs one of the roles: admin' });
    expect((await post('/api/v1/elders/e-0001/erase', spec, { confirm: 'e-0001' })).statusCode).toBe(403);
    const anonymous = await hub.app.inject({ url: '/api/v1/elders/e-0001/export' });
    expect(anonymous.statusCode).toBe(401);
    // Nothing was read or changed: nothing is in the log, 王秀英 is as she was.
    expect((await get('/api/v1/audit', hub.adminToken)).json().entries).toEqual([]);
    const elder = await hub.store.db
      .selectFrom('elders')
      .select('name')
      .where('id', '=', 'e-0001')
      .executeTakeFirst();
    expect(elder?.name).toBe('王秀英');
  });

  it('[PRIVACY-ERASE] erasure needs the id confirmed and no active alert, deletes health data, replaces personal fields and leaves the ledger balanced', async () => {
    await district();
    const alertId = await sos();
    await vitals(Date.now() - 5 * 60_000);
    const spec = await hub.login('spec-jingtian', 'spec-password-1');
    await post(`/api/v1/alerts/${alertId}/notes`, spec, { text: '王秀英说她头晕' });
    const order = await post('/api/v1/service-orders', spec, {
      elder_id: 'e-0001',
      kind: 'visit',
      note: '王秀英每周探访',
      wanted_at: Date.now() + 86_400_000,
    });
    expect((await post(`/api/v1/service-orders/${order.json().id}/cancel`, spec, {})).statusCode).toBe(200);
    const grant = await ledgerWrite(
      'transfers',
      hub.adminToken,
      {
        from: { owner_id: 'jingtian', kind: 'fund' },
        to: { owner_id: 'e-0001' },
        minutes: 30,
        memo: '王秀英的午餐补贴',
      },
      'grant-e0001-1',
    );
    expect(grant.statusCode).toBe(200);
    const pay = await ledgerWrite(
      'transfers',
      spec,
      {
        from: { owner_id: 'e-0001' },
        to: { owner_id: 'jingtian', kind: 'fund' },
        minutes: 10,
        memo: '王秀英 送餐',
      },
      'meal-e0001-1',
    );
    expect(pay.statusCode, pay.body).toBe(200);
    // A grant made twice by mistake, corrected with a reason that names her (typed, like a memo).
    const twice = await ledgerWrite(
      'transfers',
      hub.adminToken,
      { from: { owner_id: 'jingtian', kind: 'fund' }, to: { owner_id: 'e-0001' }, minutes: 5 },
      'grant-e0001-2',
    );
    expect(twice.statusCode, twice.body).toBe(200);
    const corrected = await ledgerWrite(
      'corrections',
      spec,
      { transfer_id: twice.json().transfer.id, reason: '王秀英家属说补贴发了两次' },
      'grant-e0001-2-undo',
    );
    expect(corrected.statusCode, corrected.body).toBe(200);
    const reminder = await post('/api/v1/elders/e-0001/welfare/schedules', spec, {
      kind: 'medication',
      time: '08:00',
      text: '王秀英，吃二甲双胍',
    });
    expect(reminder.statusCode, reminder.body).toBe(201);

    const lianhua = await hub.login('admin-lianhua', 'admin-password-2');
    const unconfirmed = await post('/api/v1/elders/e-0001/erase', lianhua, { confirm: 'e-0002' });
    expect(unconfirmed.statusCode).toBe(400);
    expect(unconfirmed.json()).toEqual({
      error: 'confirmation_mismatch',
      message: "confirm must repeat the elder's id (e-0001)",
    });
    const active = await post('/api/v1/elders/e-0001/erase', lianhua, { confirm: 'e-0001' });
    expect(active.statusCode).toBe(409);
    expect(active.json()).toEqual({
      error: 'alert_active',
      message: 'an alert about this elder is still active: close it first',
    });
    const closed = await post(`/api/v1/alerts/${alertId}/resolve`, spec, {
      outcome: 'help_given',
      note: '王秀英 已送医',
    });
    expect(closed.statusCode).toBe(200);

    const erased = await post('/api/v1/elders/e-0001/erase', lianhua, { confirm: 'e-0001' });
    expect(erased.statusCode, erased.body).toBe(200);
    expect(erased.json()).toEqual({
      elder_id: 'e-0001',
      erased: {
        devices_detached: 2,
        device_events: 1,
        rollups_1m: 1,
        alerts_cleared: 1,
        service_orders_cleared: 1,
        ledger_transfers_cleared: 4,
        welfare_records: 1,
        recurring_requests_cleared: 0,
        webhook_notices_deleted: 0,
      },
    });
    expect(await hub.store.db.selectFrom('welfare_schedules').selectAll().execute()).toEqual([]);

    // Nothing in the store names her any more, nor holds her health data or whereabouts.
    const { db } = hub.store;
    const elder = await db
      .selectFrom('elders')
      .selectAll()
      .where('id', '=', 'e-0001')
      .executeTakeFirstOrThrow();
    expect(elder).toMatchObject({ name: '(erased)', address: '', lat: null, lon: null });
    expect(elder.erased_at).toEqual(expect.any(Number));
    expect(
      await db.selectFrom('device_events').selectAll().where('device_id', '=', 'w-0001').execute(),
    ).toEqual([]);
    expect(await db.selectFrom('rollups_1m').selectAll().where('elder_id', '=', 'e-0001').execute()).toEqual(
      [],
    );
    const devices = await db
      .selectFrom('devices')
      .select(['id', 'elder_id'])
      .where('id', 'in', ['w-0001', 'r-0001'])
      .execute();
    expect(devices.every((d) => d.elder_id === null)).toBe(true);
    const everything = JSON.stringify(
      await Promise.all([
        db.selectFrom('alerts').selectAll().execute(),
        db.selectFrom('alert_transitions').selectAll().execute(),
        db.selectFrom('service_orders').selectAll().execute(),
        db.selectFrom('service_order_transitions').selectAll().execute(),
        db.selectFrom('timebank_transfers').selectAll().execute(),
        db.selectFrom('timebank_requests').selectAll().execute(),
        db.selectFrom('elders').selectAll().execute(),
      ]),
    );
    expect(everything).not.toContain('王秀英');
    expect(everything).not.toContain('景田北一街');
    // The other elder is untouched.
    expect(everything).toContain('李桂兰');

    // The ledger keeps every row: transfers still balance and the balances stand.
    const report = await new Reconciliation({ store: hub.store }).run();
    expect(report.failures).toEqual([]);
    expect(report.ok).toBe(true);
    const account = await db
      .selectFrom('timebank_accounts')
      .select('balance_minutes')
      .where('id', '=', 'elder:e-0001')
      .executeTakeFirstOrThrow();
    expect(account.balance_minutes).toBe(20);
    // A retried transfer request is answered from its stored copy: without the memo.
    const retried = await ledgerWrite(
      'transfers',
      spec,
      {
        from: { owner_id: 'e-0001' },
        to: { owner_id: 'jingtian', kind: 'fund' },
        minutes: 10,
        memo: '王秀英 送餐',
      },
      'meal-e0001-1',
    );
    expect(retried.body).not.toContain('王秀英');
    // Her credits can still move, and a transfer still be corrected, but what is typed about her is not
    // kept: the memo and the reason are stored replaced, as the erasure left the others.
    const leftover = await ledgerWrite(
      'transfers',
      spec,
      {
        from: { owner_id: 'e-0001' },
        to: { owner_id: 'jingtian', kind: 'fund' },
        minutes: 5,
        memo: '王秀英 剩余时间币',
      },
      'leftover-e0001',
    );
    expect(leftover.statusCode, leftover.body).toBe(200);
    expect(leftover.json().transfer.memo).toBe('(erased on request)');
    const undone = await ledgerWrite(
      'corrections',
      spec,
      { transfer_id: pay.json().transfer.id, reason: '王秀英 没有收到餐' },
      'meal-e0001-1-undo',
    );
    expect(undone.statusCode, undone.body).toBe(200);
    expect(undone.json().transfer.memo_params.reason).toBe('(erased on request)');
    const ledger = JSON.stringify(
      await Promise.all([
        db.selectFrom('timebank_transfers').selectAll().execute(),
        db.selectFrom('timebank_requests').selectAll().execute(),
      ]),
    );
    expect(ledger).not.toContain('王秀英');

    // The erasure is audited; a second one is refused with its reason.
    const log = (await get('/api/v1/audit?action=elder_erased', lianhua)).json();
    expect(log.entries).toEqual([
      expect.objectContaining({ actor: 'admin-lianhua', elder_id: 'e-0001', org_unit_id: 'jingtian' }),
    ]);
    const again = await post('/api/v1/elders/e-0001/erase', lianhua, { confirm: 'e-0001' });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toEqual({ error: 'already_erased', message: 'this elder was already erased' });
    // The watch goes on to its next wearer: its data is no one's now, and no alert is raised for her.
    expect(hub.district.elder('e-0001')?.devices).toEqual([]);
    // The next routine import of the old document does not bring her back: a clear refusal, nothing changed.
    const reimport = await hub.putDistrict(smallDistrict());
    expect(reimport.statusCode).toBe(400);
    expect((reimport.body as { issues: unknown[] }).issues).toContainEqual({
      path: 'elders[0].id',
      message: 'elder e-0001 was erased on request; register the person again under a new id',
    });
    expect(
      await hub.store.db.selectFrom('elders').select('name').where('id', '=', 'e-0001').executeTakeFirst(),
    ).toEqual({ name: '(erased)' });
    // Her closed alert's timeline takes no new note: it would bring back what the erasure took off.
    const note = await post(`/api/v1/alerts/${alertId}/notes`, spec, { text: '王秀英的女儿来电' });
    expect(note.statusCode, note.body).toBe(409);
    expect(note.json()).toEqual({
      error: 'elder_erased',
      message: 'the elder of this alert was erased on request: its timeline takes no new notes',
    });
    expect(JSON.stringify((await get(`/api/v1/alerts/${alertId}`, spec)).json())).not.toContain('王秀英');
    // A visit of hers finished and rated after the erasure: the rating counts for the volunteer, the
    // comment typed about her is not kept.
    const visit = randomUUID();
    await db
      .insertInto('service_orders')
      .values({
        ...emptyOrder,
        id: visit,
        kind: 'visit',
        status: 'done',
        elder_id: 'e-0001',
        org_unit_id: 'jingtian',
        community_id: 'jingtian',
        ...orderNoteColumns(''),
        wanted_at: Date.now(),
        requested_by: 'spec-jingtian',
        requested_at: Date.now(),
        updated_at: Date.now(),
        recurrence_id: null,
      })
      .execute();
    const rated = await post(`/api/v1/service-orders/${visit}/rate`, spec, {
      rating: 5,
      comment: '王秀英很满意',
    });
    expect(rated.statusCode, rated.body).toBe(200);
    const stored = await db
      .selectFrom('service_orders')
      .select(['status', 'rating', 'rating_comment'])
      .where('id', '=', visit)
      .executeTakeFirstOrThrow();
    expect(stored).toEqual({ status: 'rated', rating: 5, rating_comment: null });
    // Nor is a watch fitted to her: the 404 of an elder who is not there.
    const fitted = await post('/api/v1/devices', lianhua, {
      id: 'w-0099',
      type: 'watch',
      elder_id: 'e-0001',
    });
    expect(fitted.statusCode, fitted.body).toBe(404);
    expect(fitted.json()).toEqual({ error: 'not_found', message: 'no elder e-0001 in your org unit' });
  });

  it('[PRIVACY-ERASE] erasure waits for what is still under way: a fall in its cancel window, a service order not finished', async () => {
    await district();
    const lianhua = await hub.login('admin-lianhua', 'admin-password-2');
    const erase = () => post('/api/v1/elders/e-0001/erase', lianhua, { confirm: 'e-0001' });
    await hub.store.db
      .insertInto('pending_falls')
      .values({
        elder_id: 'e-0001',
        watch_id: 'w-0001',
        started_at: Date.now(),
        sources: '["watch"]',
        detections: 1,
        details: '{}',
      })
      .execute();
    const falling = await erase();
    expect(falling.statusCode).toBe(409);
    expect(falling.json()).toEqual({
      error: 'fall_pending',
      message: 'a fall of this elder is in its cancel window: wait until it ends',
    });
    await hub.store.db.deleteFrom('pending_falls').execute();
    const spec = await hub.login('spec-jingtian', 'spec-password-1');
    const order = await post('/api/v1/service-orders', spec, {
      elder_id: 'e-0001',
      kind: 'visit',
      wanted_at: Date.now() + 86_400_000,
    });
    expect(order.statusCode).toBe(201);
    const ordered = await erase();
    expect(ordered.statusCode).toBe(409);
    expect(ordered.json()).toEqual({
      error: 'order_open',
      message: 'a service order for this elder is still under way: finish or cancel it first',
    });
    // Refused means untouched, and not recorded as an erasure.
    const elder = await hub.store.db
      .selectFrom('elders')
      .select(['name', 'erased_at'])
      .where('id', '=', 'e-0001')
      .executeTakeFirst();
    expect(elder).toEqual({ name: '王秀英', erased_at: null });
    expect((await get('/api/v1/audit?action=elder_erased', lianhua)).json().entries).toEqual([]);
  });

  it('[ERASE-RECURRING] an erased elder’s recurring request is in their export, then stopped with its note replaced: it publishes nothing more, and no new request is taken for them', async () => {
    await district();
    const spec = await hub.login('spec-jingtian', 'spec-password-1');
    const lianhua = await hub.login('admin-lianhua', 'admin-password-2');
    const note = '糖尿病，午饭无糖，钥匙在门垫下';
    const weekly = { kind: 'meal_delivery', weekdays: [3], time: '11:30', lead_hours: 168 };
    const rule = await post('/api/v1/recurring-requests', spec, { elder_id: 'e-0001', note, ...weekly });
    expect(rule.statusCode, rule.body).toBe(201);
    // 李桂兰's rule shows that the publisher below does publish, for an elder not erased.
    const other = await post('/api/v1/recurring-requests', lianhua, {
      elder_id: 'e-0002',
      note: '李桂兰 午饭',
      ...weekly,
    });
    expect(other.statusCode, other.body).toBe(201);

    const exported = (await get('/api/v1/elders/e-0001/export', lianhua)).json();
    expect(exported.recurring_requests).toEqual([
      expect.objectContaining({ id: rule.json().id, elder_id: 'e-0001', note, stopped_at: null }),
    ]);

    // The week's order (published at once: it lies within the lead time) is cancelled, as an erasure needs.
    const open = await hub.store.db
      .selectFrom('service_orders')
      .select('id')
      .where('elder_id', '=', 'e-0001')
      .where('status', '=', 'requested')
      .execute();
    expect(open).toHaveLength(1);
    for (const o of open)
      expect((await post(`/api/v1/service-orders/${o.id}/cancel`, spec, {})).statusCode).toBe(200);
    const erased = await post('/api/v1/elders/e-0001/erase', lianhua, { confirm: 'e-0001' });
    expect(erased.statusCode, erased.body).toBe(200);
    expect(erased.json().erased).toMatchObject({ recurring_requests_cleared: 1, service_orders_cleared: 1 });

    const stored = await hub.store.db
      .selectFrom('recurring_requests')
      .selectAll()
      .where('id', '=', rule.json().id)
      .executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ note: '(erased on request)', stopped_by: 'admin-lianhua' });
    expect(stored.stopped_at).toEqual(expect.any(Number));

    // A week on (the hub's own publisher ticks each minute; this one runs on a later clock, at once).
    const { db } = hub.store;
    const weekOn = () => Date.now() + 7 * 86_400_000;
    const publisher = new RecurringRequests({
      db,
      requests: new ServiceRequests({
        db,
        book: new ServiceOrderBook({ db, now: weekOn }),
        kinds: new ServiceKinds({ db, now: weekOn }),
        now: weekOn,
      }),
      now: weekOn,
      utcOffsetMinutes: hub.config.timebank.utcOffsetMinutes,
      tickMs: 60_000,
      logger: pino({ level: 'silent' }),
    });
    expect(await publisher.publishDue(), 'only 李桂兰’s next order').toBe(1);
    const orders = await db.selectFrom('service_orders').select(['elder_id', 'note', 'status']).execute();
    expect(orders.filter((o) => o.elder_id === 'e-0001')).toEqual([
      { elder_id: 'e-0001', note: '(erased on request)', status: 'cancelled' },
    ]);
    expect(JSON.stringify(orders)).not.toContain('钥匙');
    // A rule still running for an elder erased before erasures stopped rules: it publishes nothing either.
    await db
      .updateTable('recurring_requests')
      .set({ stopped_by: null, stopped_at: null })
      .where('id', '=', rule.json().id)
      .execute();
    expect(await publisher.publishDue()).toBe(0);
    expect(
      await db.selectFrom('service_orders').select('id').where('elder_id', '=', 'e-0001').execute(),
    ).toHaveLength(1);

    // No new request for her, recurring or not: the 404 of an elder who is not there (as other routes answer).
    const again = await post('/api/v1/recurring-requests', spec, { elder_id: 'e-0001', note, ...weekly });
    expect(again.statusCode).toBe(404);
    expect(again.json()).toEqual({ error: 'not_found', message: 'no elder e-0001 in your org unit' });
    const once = await post('/api/v1/service-orders', spec, {
      elder_id: 'e-0001',
      kind: 'visit',
      wanted_at: Date.now() + 86_400_000,
    });
    expect(once.statusCode).toBe(404);
    expect(once.json()).toEqual({ error: 'not_found', message: 'no elder e-0001 in your org unit' });
    expect(
      await db.selectFrom('recurring_requests').select('id').where('elder_id', '=', 'e-0001').execute(),
    ).toHaveLength(1);
  });

  it('[ERASE-NOTICE-OUTBOX] an erasure deletes the webhook’s family escalation notices about the elder’s alerts (names, phone numbers), and only those', async () => {
    const secret = 'district-bridge-secret-0123456789abcdef';
    receiver = await WebhookReceiver.start(secret);
    receiver.answers = Array(10_000).fill(503); // the receiver is down: the hub keeps the notice and retries
    hub = await startTestHub({
      dialect,
      config: { noticeWebhookUrl: receiver.url, noticeWebhookSecret: secret },
    });
    const doc = browserDistrict();
    doc.elders = doc.elders!.map((e) =>
      e.id === 'e-0001'
        ? {
            ...e,
            consent: { care_record: true, share_with_responders: false, contact_family: true },
            contacts: [
              { name: '王小明', relation: 'child', phone: '138 0013 8000', username: 'family-wang' },
              { name: '张阿姨', relation: 'neighbour', phone: '139 0013 9000', has_key: true },
            ],
          }
        : e,
    );
    expect((await hub.putDistrict(doc)).statusCode).toBe(200);
    const { db } = hub.store;
    await pressSos(hub, 'w-0001', 'watch-secret-0001', 'erase-outbox-1'); // nobody on duty: the family is told
    const escalations = await until(
      () =>
        db
          .selectFrom('notice_deliveries')
          .select(['id', 'body'])
          .where('type', '=', 'family_escalation')
          .execute(),
      (rows) => rows.length > 0,
      10_000,
    );
    expect(escalations[0]!.body).toContain('王秀英');
    expect(escalations[0]!.body).toContain('138 0013 8000');
    const [alert] = await db.selectFrom('alerts').select('id').where('elder_id', '=', 'e-0001').execute();
    const spec = await hub.login('spec-jingtian', 'spec-password-1');
    const resolved = await post(`/api/v1/alerts/${alert!.id}/resolve`, spec, { outcome: 'help_given' });
    expect(resolved.statusCode, resolved.body).toBe(200);

    // Alert ids with LIKE's wildcards and cases: `sos_1` is hers; `sosX1`, `SOS_1` and `sos_1-2` are 李桂兰's.
    const closedAt = Date.now();
    const closed = { kind: 'sos', severity: 'critical', opened_at: closedAt - 60_000 };
    const closedState = { status: 'resolved', closed_at: closedAt, outcome: 'help_given' };
    await db
      .insertInto('alerts')
      .values([
        openedAlertRow({
          ...closed,
          ...closedState,
          id: 'sos_1',
          elder_id: 'e-0001',
          org_unit_id: 'fam-wang',
        }),
        ...['sosX1', 'SOS_1', 'sos_1-2'].map((id) =>
          openedAlertRow({ ...closed, ...closedState, id, elder_id: 'e-0002', org_unit_id: 'meilin' }),
        ),
      ])
      .execute();
    const notice = (alertId: string, name: string, phone: string) => ({
      id: `family-${alertId}-0`,
      type: 'family_escalation',
      body: JSON.stringify({
        type: 'family_escalation',
        alert_id: alertId,
        elder: { name },
        contacts: [{ phone }],
      }),
      created_at: closedAt,
      next_attempt_at: closedAt,
      give_up_at: closedAt + 3_600_000,
      delivered_at: closedAt, // delivered: the outbox keeps it 7 days
      dead_at: null,
      last_error: null,
    });
    const others = ['sosX1', 'SOS_1', 'sos_1-2'].map((id) => notice(id, '李桂兰', '137 0013 7000'));
    await db
      .insertInto('notice_deliveries')
      .values([notice('sos_1', '王秀英', '138 0013 8000'), ...others])
      .execute();

    const lianhua = await hub.login('admin-lianhua', 'admin-password-2');
    const erased = await post('/api/v1/elders/e-0001/erase', lianhua, { confirm: 'e-0001' });
    expect(erased.statusCode, erased.body).toBe(200);
    expect(erased.json().erased.webhook_notices_deleted).toBe(escalations.length + 1);

    const left = await db.selectFrom('notice_deliveries').select(['id', 'body']).orderBy('id').execute();
    for (const text of ['王秀英', '王小明', '张阿姨', '138 0013 8000', '139 0013 9000'])
      expect(JSON.stringify(left)).not.toContain(text);
    expect(left.filter((r) => r.id.startsWith('family-'))).toEqual(
      others.map(({ id, body }) => ({ id, body })).sort((a, b) => (a.id < b.id ? -1 : 1)),
    );
  });

  it('[PRIVACY-OPENAPI] the privacy routes are in the OpenAPI document', async () => {
    hub = await startTestHub({ dialect });
    const doc = (await hub.app.inject({ url: '/api/v1/openapi.json' })).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/elders/{id}/export', '/api/v1/elders/{id}/erase', '/api/v1/audit/']),
    );
    expect(
      doc.paths['/api/v1/elders/{id}/erase'].post.requestBody.content['application/json'].schema.required,
    ).toEqual(['confirm']);
  });
});
