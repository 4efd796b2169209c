import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadDeviceCatalog } from '../devices/catalog.js';
import { DeviceFleet } from '../simulators/device-fleet.js';
import { seededRandom } from '../simulators/seeded-random.js';
import { type Dialect, dialects, freshPostgresDatabase } from './support/databases.js';
import { smallDistrict, startTestHub, type TestHub } from './support/hub.js';
import { until } from './support/wait.js';

// biome-ignore lint/suspicious/noExplicitAny: answers are read loosely and checked field by field
type Json = any;

/** 2026-12-03 at a local (UTC+8) time of day. */
const local = (hhmm: string) => Date.parse(`2026-12-03T${hhmm}:00+08:00`);
const minute = 60_000;
const catalog = await loadDeviceCatalog();
const logger = pino({ level: 'silent' });

/** The hub's clock, set by the test: nobody waits for 09:00. */
function clock(start: number) {
  const c = { at: start, now: () => c.at };
  return c;
}

/** The small district plus an elder with only a fall radar (nothing to answer a check-in on). */
function district() {
  const doc = smallDistrict();
  doc.elders = [
    ...doc.elders!,
    {
      id: 'e-0003',
      name: '陈淑珍',
      org_unit: 'jingtian',
      address: '景田北二街 8 栋 101',
      location: { lat: 22.554, lon: 114.042 },
      devices: [{ id: 'r-0003', type: 'fall_radar', secret: 'radar-secret-0003' }],
    },
  ];
  return doc;
}

/** The real simulator over real MQTT: 王秀英 (w-0001) ignores what her watch shows, 李桂兰 (w-0002) answers. */
async function watches(hub: TestHub) {
  const fleet = new DeviceFleet({
    url: `mqtt://127.0.0.1:${hub.addresses.mqtt}`,
    catalog,
    random: seededRandom(5),
    logger,
    periodMs: { watch: 60_000 },
    ignoreNotify: { devices: ['w-0001'] },
  });
  const home = { lat: 22.55, lon: 114.04 };
  await fleet.start([
    { id: 'w-0001', type: 'watch', secret: 'watch-secret-0001', home },
    { id: 'w-0002', type: 'watch', secret: 'watch-secret-0002', home },
  ]);
  return fleet;
}

describe.each(dialects)('welfare checks on %s', (dialect: Dialect) => {
  let hub: TestHub | undefined;
  let fleet: DeviceFleet | undefined;
  afterEach(async () => {
    await fleet?.stop();
    await hub?.stop();
    fleet = undefined;
    hub = undefined;
  });

  async function start(now: () => number, stored?: { dataDir: string; databaseUrl: string | undefined }) {
    hub = await startTestHub({ dialect, now, config: stored });
    if (!stored) {
      const put = await hub.putDistrict(district());
      expect(put.statusCode, JSON.stringify(put.body)).toBe(200);
    }
    return hub;
  }
  const send = (
    h: TestHub,
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    token: string,
    payload?: object,
  ) => h.app.inject({ method, url, headers: h.as(token), ...(payload && { payload }) });
  const schedule = async (h: TestHub, elderId: string, body: object) => {
    const res = await send(h, 'POST', `/api/v1/elders/${elderId}/welfare/schedules`, h.adminToken, body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as Json;
  };
  const occurrences = async (h: TestHub, elderId: string): Promise<Json[]> =>
    (await send(h, 'GET', `/api/v1/elders/${elderId}/welfare/occurrences`, h.adminToken)).json().occurrences;
  const welfareAlerts = (h: TestHub, elderId: string) =>
    h.store.db
      .selectFrom('alerts')
      .select(['id', 'kind', 'severity', 'details'])
      .where('kind', '=', 'welfare_check')
      .where('elder_id', '=', elderId)
      .execute();
  /** Ticks the stage at `at` (the hub's interval ticks too; this one is awaited). */
  const tickAt = async (h: TestHub, c: { at: number }, at: number) => {
    c.at = at;
    await h.welfare.tick();
  };

  it('[WELFARE-CHECK] a simulated elder who ignores the 09:00 check-in raises exactly one welfare_check alert after the wait; one who answers raises none', async () => {
    const c = clock(local('08:58'));
    const h = await start(c.now);
    fleet = await watches(h);
    const text = '早上好，请按确认';
    for (const elder of ['e-0001', 'e-0002'])
      await schedule(h, elder, { kind: 'check_in', time: '09:00', text, wait_minutes: 15 });

    await tickAt(h, c, local('08:59'));
    expect(await occurrences(h, 'e-0001')).toEqual([]);

    await tickAt(h, c, local('09:00') + 2000);
    const answered = await until(
      () => occurrences(h, 'e-0002'),
      (o) => o[0]?.status === 'acknowledged',
      10_000,
    );
    expect(answered, 'the answering watch acknowledged the check-in over MQTT').toMatchObject([
      { kind: 'check_in', text, day: '2026-12-03', device_id: 'w-0002', status: 'acknowledged' },
    ]);
    const [ignored] = await occurrences(h, 'e-0001');
    expect(ignored).toMatchObject({ device_id: 'w-0001', status: 'pending', sent_at: local('09:00') + 2000 });

    // Within the wait nothing is raised; then exactly one alert for the one who did not answer.
    await tickAt(h, c, local('09:14'));
    expect(await welfareAlerts(h, 'e-0001')).toEqual([]);
    await tickAt(h, c, local('09:15') + 3000);
    for (const at of [local('09:16'), local('09:30'), local('12:00')]) await tickAt(h, c, at);
    const raised = await welfareAlerts(h, 'e-0001');
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({ severity: 'medium' });
    expect(JSON.parse(raised[0]!.details)).toMatchObject({ check_in_text: text, due_at: local('09:00') });
    expect(await welfareAlerts(h, 'e-0002')).toEqual([]);
    expect(await occurrences(h, 'e-0001')).toMatchObject([
      { status: 'missed', acknowledged_at: null, missed_at: local('09:15') + 3000 },
    ]);
    const open = (await send(h, 'GET', '/api/v1/alerts?status=open', h.adminToken)).json().alerts as Json[];
    expect(open.filter((a) => a.kind === 'welfare_check').map((a) => a.elder_id)).toEqual(['e-0001']);
    // One occurrence a day each, however often the stage ticked.
    expect(await occurrences(h, 'e-0002')).toHaveLength(1);
  }, 60_000);

  it('[WELFARE-MEDICATION] a medication reminder answered is recorded taken, one unanswered missed, and a missed dose raises no alert', async () => {
    const c = clock(local('07:50'));
    const h = await start(c.now);
    fleet = await watches(h);
    for (const elder of ['e-0001', 'e-0002'])
      await schedule(h, elder, { kind: 'medication', time: '08:00', wait_minutes: 30 });

    await tickAt(h, c, local('08:00'));
    await until(
      () => occurrences(h, 'e-0002'),
      (o) => o[0]?.status === 'acknowledged',
      10_000,
    );
    await tickAt(h, c, local('08:30') + 1000);
    await tickAt(h, c, local('09:00'));
    const taken = await occurrences(h, 'e-0002');
    expect(taken).toMatchObject([
      { kind: 'medication', text: '该吃药了，吃完请按确认', status: 'acknowledged' },
    ]);
    expect(taken[0].acknowledged_at).toBeGreaterThanOrEqual(local('08:00'));
    expect(await occurrences(h, 'e-0001')).toMatchObject([
      { kind: 'medication', status: 'missed', missed_at: local('08:30') + 1000, alerted_at: null },
    ]);
    expect(await welfareAlerts(h, 'e-0001')).toEqual([]);
  }, 60_000);

  it('[WELFARE-RESTART] a check-in sent before a restart and unanswered raises its alert after it, and the schedule does not fire again that day', async () => {
    const stored = {
      dataDir: mkdtempSync(join(tmpdir(), 'yiyang-welfare-')),
      databaseUrl: dialect === 'postgres' ? await freshPostgresDatabase() : undefined,
    };
    const c = clock(local('08:55'));
    const first = await start(c.now, stored);
    expect((await first.putDistrict(district())).statusCode).toBe(200);
    await schedule(first, 'e-0001', { kind: 'check_in', time: '09:00', wait_minutes: 10 });
    // The watch is offline: nothing answers. The hub sends, then stops before the deadline.
    await tickAt(first, c, local('09:00'));
    expect(await occurrences(first, 'e-0001')).toMatchObject([
      { status: 'pending', sent_at: local('09:00') },
    ]);
    await first.stop();
    hub = undefined;

    c.at = local('09:05');
    const second = await start(c.now, stored);
    await tickAt(second, c, local('09:06'));
    expect(await occurrences(second, 'e-0001'), 'not sent a second time on the same day').toHaveLength(1);
    await tickAt(second, c, local('09:10') + 1000);
    await tickAt(second, c, local('09:20'));
    expect(await welfareAlerts(second, 'e-0001')).toHaveLength(1);
    expect(await occurrences(second, 'e-0001')).toMatchObject([
      { status: 'missed', alerted_at: local('09:10') + 1000 },
    ]);
  }, 60_000);
});

describe('the welfare schedule API', () => {
  let hub: TestHub | undefined;
  afterEach(async () => {
    await hub?.stop();
    hub = undefined;
  });

  it('[WELFARE-API] specialists of the elder’s unit list, create, change and delete schedules; every change is audited; bad input is a 400 naming the field and changes nothing', async () => {
    const c = clock(local('10:00'));
    hub = await startTestHub({ now: c.now });
    const h = hub;
    expect((await h.putDistrict(district())).statusCode).toBe(200);
    const spec = await h.login('spec-jingtian', 'spec-password-1');
    const url = '/api/v1/elders/e-0001/welfare/schedules';
    const call = (
      method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
      path: string,
      payload?: object,
      token = spec,
    ) => h.app.inject({ method, url: path, headers: h.as(token), ...(payload && { payload }) });

    const created = await call('POST', url, { kind: 'check_in', time: '09:00' });
    expect(created.statusCode, created.body).toBe(201);
    const s = created.json() as Json;
    expect(s).toMatchObject({
      elder_id: 'e-0001',
      kind: 'check_in',
      time: '09:00',
      text: '早上好，请按确认',
      wait_minutes: 15,
      enabled: true,
      updated_by: 'spec-jingtian',
    });

    const bad: Array<[object, string]> = [
      [{ kind: 'check_in', time: '9:00' }, 'time'],
      [{ kind: 'check_in', time: '24:00' }, 'time'],
      [{ kind: 'nap', time: '09:00' }, 'kind'],
      [{ kind: 'check_in', time: '09:00', wait_minutes: 0 }, 'wait_minutes'],
      [{ kind: 'check_in', time: '09:00', text: '' }, 'text'],
      [{ kind: 'check_in', time: '09:00', text: '长'.repeat(81) }, 'text'],
      [{ kind: 'check_in', time: '09:00', every: 'day' }, '(root)'],
    ];
    for (const [body, path] of bad) {
      const res = await call('POST', url, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json()).toMatchObject({
        error: 'invalid_request',
        issues: [expect.objectContaining({ path })],
      });
    }
    const badChange = await call('PATCH', `${url}/${s.id}`, { time: '25:61' });
    expect(badChange.json()).toMatchObject({ error: 'invalid_request', issues: [{ path: 'time' }] });
    const empty = await call('PATCH', `${url}/${s.id}`, {});
    expect(empty.statusCode).toBe(400);
    expect(empty.json().issues[0].message).toMatch(/at least one/);
    const noWatch = await call('POST', '/api/v1/elders/e-0003/welfare/schedules', {
      kind: 'check_in',
      time: '09:00',
    });
    expect(noWatch.statusCode).toBe(400);
    expect(noWatch.json()).toMatchObject({ error: 'no_watch' });
    const listed = (await call('GET', url)).json().schedules as Json[];
    expect(listed).toEqual([s]); // nothing bad was written

    c.at = local('10:01'); // audit entries in order of time
    const changed = await call('PATCH', `${url}/${s.id}`, {
      time: '08:30',
      wait_minutes: 20,
      enabled: false,
    });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({
      time: '08:30',
      wait_minutes: 20,
      enabled: false,
      text: '早上好，请按确认',
    });

    // Scope: another community's specialist sees no such elder; a responder and family may not.
    const other = await h.login('spec-meilin', 'spec-password-2');
    for (const [method, path, body] of [
      ['GET', url, undefined],
      ['POST', url, { kind: 'check_in', time: '09:00' }],
      ['PATCH', `${url}/${s.id}`, { enabled: true }],
      ['DELETE', `${url}/${s.id}`, undefined],
      ['GET', '/api/v1/elders/e-0001/welfare/occurrences', undefined],
    ] as const) {
      const res = await call(method, path, body, other);
      expect(res.statusCode, `${method} ${path}`).toBe(404);
      expect(res.json().error).toBe('not_found');
    }
    const volunteer = await h.login('v-0001', 'volunteer-password');
    const refused = await call('GET', url, undefined, volunteer);
    expect(refused.statusCode).toBe(403);
    // A schedule is reached only through its own elder.
    const elsewhere = await h.app.inject({
      method: 'PATCH',
      url: `/api/v1/elders/e-0002/welfare/schedules/${s.id}`,
      headers: h.as(h.adminToken),
      payload: { enabled: true },
    });
    expect(elsewhere.statusCode).toBe(404);
    expect(elsewhere.json().message).toMatch(/no welfare schedule/);

    c.at = local('10:02');
    const deleted = await call('DELETE', `${url}/${s.id}`);
    expect(deleted.json()).toEqual({ deleted: s.id });
    expect((await call('GET', url)).json().schedules).toEqual([]);
    expect((await call('DELETE', `${url}/${s.id}`)).statusCode).toBe(404);
    c.at = local('10:03');
    expect((await call('GET', '/api/v1/elders/e-0001/welfare/occurrences')).json()).toEqual({
      occurrences: [],
    });

    const audited = await h.store.db
      .selectFrom('audit_entries')
      .select(['actor', 'action', 'elder_id', 'detail'])
      .where('action', 'in', ['welfare_changed', 'welfare_viewed'])
      .orderBy('at')
      .orderBy('id')
      .execute();
    expect(audited.map((a) => [a.actor, a.action, JSON.parse(a.detail).change ?? null])).toEqual([
      ['spec-jingtian', 'welfare_changed', 'created'],
      ['spec-jingtian', 'welfare_changed', 'changed'],
      ['spec-jingtian', 'welfare_changed', 'deleted'],
      ['spec-jingtian', 'welfare_viewed', null],
    ]);
  }, 60_000);

  it('[WELFARE-OPENAPI] the welfare routes and the welfare_check kind are in the OpenAPI document', async () => {
    hub = await startTestHub();
    const doc = (await hub.app.inject({ url: '/api/v1/openapi.json' })).json() as Json;
    const schedules = doc.paths['/api/v1/elders/{id}/welfare/schedules'];
    expect(Object.keys(schedules).sort()).toEqual(['get', 'post']);
    expect(schedules.post.description).toMatch(/welfare_check/);
    expect(Object.keys(schedules.post.requestBody.content['application/json'].schema.properties)).toEqual(
      expect.arrayContaining(['kind', 'time', 'text', 'wait_minutes', 'enabled']),
    );
    expect(Object.keys(doc.paths['/api/v1/elders/{id}/welfare/schedules/{schedule}']).sort()).toEqual([
      'delete',
      'patch',
    ]);
    const occurrences = doc.paths['/api/v1/elders/{id}/welfare/occurrences'].get;
    const status =
      occurrences.responses['200'].content['application/json'].schema.properties.occurrences.items.properties
        .status;
    expect(status.enum).toEqual(['pending', 'acknowledged', 'missed']);
    expect(JSON.stringify(doc.paths['/api/v1/alerts/'])).toContain('welfare_check');
  });

  it('[WELFARE-TIME] a time set after it has passed today begins tomorrow; a paused schedule sends nothing', async () => {
    const c = clock(local('09:30'));
    hub = await startTestHub({ now: c.now });
    const h = hub;
    expect((await h.putDistrict(district())).statusCode).toBe(200);
    const post = (elder: string, body: object) =>
      h.app.inject({
        method: 'POST',
        url: `/api/v1/elders/${elder}/welfare/schedules`,
        headers: h.as(h.adminToken),
        payload: body,
      });
    expect((await post('e-0001', { kind: 'check_in', time: '09:00' })).statusCode).toBe(201);
    expect((await post('e-0002', { kind: 'check_in', time: '09:40', enabled: false })).statusCode).toBe(201);
    const rows = () =>
      h.store.db.selectFrom('welfare_occurrences').select(['elder_id', 'day']).orderBy('day').execute();
    await h.welfare.tick();
    c.at = local('09:45');
    await h.welfare.tick();
    expect(await rows()).toEqual([]);
    c.at = local('09:00') + 86_400_000 + minute;
    await h.welfare.tick();
    expect(await rows()).toEqual([{ elder_id: 'e-0001', day: '2026-12-04' }]);
  }, 30_000);
});
