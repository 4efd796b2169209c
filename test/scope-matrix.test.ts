import { randomUUID } from 'node:crypto';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../kernel/identity.js';
import { adminPassword, startTestHub, type TestHub } from './support/hub.js';
import { openSos } from './support/open-sos.js';
import {
  covers,
  documentedRoutes,
  elders,
  type FeedClient,
  gate,
  handPool,
  identityOf,
  matrixDistrict,
  notInUnit,
  type Outcome,
  openFeed,
  outsideUnit,
  type Principal,
  principals,
  type RouteCase,
  registeredRoutes,
  socketEvents,
  type Unit,
  unauthenticated,
  unitPaths,
  wrongRole,
} from './support/scope-matrix.js';
import { pressSos } from './support/sos-answered.js';
import { until } from './support/wait.js';

// biome-ignore lint/suspicious/noExplicitAny: answers are read loosely and checked field by field
type Json = any;

const staff = ['admin', 'specialist'] as const satisfies Role[];
const staffAndFamily = ['admin', 'specialist', 'family'] as const satisfies Role[];
const everyone = ['admin', 'specialist', 'responder', 'family'] as const satisfies Role[];
const everybody = (status: number) => () => ({ status });
/** The menu of service kinds is the district's: the hub's admin and the district's admins change it. */
const menuKeeper =
  (ok: number) =>
  (p: Principal): Outcome => {
    if (!p.role) return unauthenticated;
    if (p.role !== 'admin') return wrongRole;
    if (p.scopePath === '/' || p.unit === 'futian') return { status: ok };
    return { status: 403, error: 'not_district_admin', message: /only an admin of the district/ };
  };

/** A browser's push subscription at a push service the hub allows by default (nothing is pushed to it here). */
const pushSubscription = () => ({
  endpoint: `https://fcm.googleapis.com/fcm/send/${randomUUID()}`,
  keys: {
    p256dh: Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 7)]).toString('base64url'),
    auth: Buffer.alloc(16, 9).toString('base64url'),
  },
  lang: 'zh',
});

describe('[SCOPE-MATRIX] every role at every level over every route and socket event', () => {
  let hub: TestHub;
  const tokens = new Map<string, string>();
  let pairs = 0;
  const started = Date.now();

  const headers = (p: Principal) =>
    tokens.has(p.name) ? { authorization: `Bearer ${tokens.get(p.name)}` } : ({} as Record<string, string>);
  const root = () => principals[0]!;
  /** A call that must succeed (fixtures); its JSON answer. */
  async function call(p: Principal, method: InjectOptions['method'], url: string, payload?: unknown) {
    const res = await hub.app.inject({
      method,
      url,
      headers: { ...headers(p), 'idempotency-key': randomUUID() },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
    if (res.statusCode >= 300)
      throw new Error(`${method} ${url} as ${p.name}: ${res.statusCode} ${res.body}`);
    return res.body ? (res.json() as Json) : null;
  }
  const by = (name: string) => principals.find((p) => p.name === name)!;
  /** Certified (and a flagged one decided) by the community's own specialists and admins (or those above): not the property manager's. */
  const certifiers = (p: Principal): Outcome => {
    const base = gate(staff, 200, { unit: 'wang', refusal: notInUnit('service order') })(p);
    if (base.status !== 200 || covers(p, 'jingtian')) return base;
    return { status: 403, error: 'not_certified', message: /only they certify services/ };
  };
  /** Where a service visit to 王's home is checked in and out. */
  const wangHome = { lat: elders.wang.lat, lon: elders.wang.lon };

  // Fixtures: each write that succeeds gets a target of its own, so order never matters.
  const fixtures = {
    alerts: {} as Record<'wang' | 'meilin', string>,
    async alert(unit: 'wang' | 'meilin' = 'wang'): Promise<string> {
      return openSos(hub.store.db, {
        id: unit === 'wang' ? elders.wang.id : elders.meilin.id,
        orgUnitId: unit,
      });
    },
    async order(upTo: 'requested' | 'taken' | 'in_progress' | 'done' | 'rated' | 'flagged'): Promise<string> {
      const order = await call(root(), 'POST', '/api/v1/service-orders', {
        elder_id: elders.wang.id,
        kind: 'visit',
        note: '买菜',
        wanted_at: Date.now() + 3_600_000,
      });
      const steps = ['taken', 'in_progress', 'done', 'rated', 'flagged'] as const;
      const volunteer = by('v-jt');
      for (const step of steps.slice(0, steps.indexOf(upTo as (typeof steps)[number]) + 1)) {
        if (step === 'taken') await call(volunteer, 'POST', `/api/v1/service-orders/${order.id}/take`);
        if (step === 'in_progress')
          await call(volunteer, 'POST', `/api/v1/service-orders/${order.id}/check-in`, wangHome);
        if (step === 'done')
          await call(volunteer, 'POST', `/api/v1/service-orders/${order.id}/check-out`, wangHome);
        if (step === 'rated')
          await call(root(), 'POST', `/api/v1/service-orders/${order.id}/rate`, { rating: 5 });
        if (step === 'flagged')
          await call(root(), 'POST', `/api/v1/service-orders/${order.id}/certify`, { claimed_minutes: 90 });
      }
      return order.id;
    },
    async schedule(): Promise<string> {
      const url = `/api/v1/elders/${elders.wang.id}/welfare/schedules`;
      return (await call(root(), 'POST', url, { kind: 'check_in', time: '09:00' })).id;
    },
    async device(): Promise<string> {
      const id = `d-${randomUUID().slice(0, 8)}`;
      await call(root(), 'POST', '/api/v1/devices', { id, type: 'door', elder_id: elders.wang.id });
      return id;
    },
    async transfer(): Promise<string> {
      const answer = await call(root(), 'POST', '/api/v1/timebank/transfers', {
        from: { owner_id: elders.wang.id, kind: 'elder' },
        to: { owner_id: 'jingtian', kind: 'fund' },
        minutes: 1,
      });
      return answer.transfer.id;
    },
    /** An elder of the 王 family to erase. */
    async elder(): Promise<string> {
      const id = `x-${randomUUID().slice(0, 8)}`;
      await call(root(), 'PUT', '/api/v1/district', {
        elders: [{ id, name: '待删除', org_unit: 'wang', address: '景田北一街 3 栋 503' }],
      });
      return id;
    },
    /** A volunteer's sign-up to 景田, waiting for a decision. */
    async application(): Promise<string> {
      const n = ++applied;
      const res = await hub.app.inject({
        method: 'POST',
        url: '/api/v1/volunteers/applications',
        payload: {
          name: '申请人',
          phone: `1360000${String(n).padStart(4, '0')}`,
          community: 'jingtian',
          age_group: 'young',
          skills: ['visiting'],
          username: `applicant-${n}`,
          password: 'applicant-password',
        },
      });
      if (res.statusCode !== 201) throw new Error(`sign-up: ${res.statusCode} ${res.body}`);
      return res.json().id;
    },
    pendingApplication: '',
    item: '',
    hands: [...handPool],
    /** A kind of the menu of its own (retired when asked). */
    async kind(retired = false): Promise<string> {
      const code = `f_${randomUUID().slice(0, 8).replace(/-/g, '')}`;
      await call(root(), 'POST', '/api/v1/service-kinds', { code, label_zh: code, label_en: code });
      if (retired) await call(root(), 'POST', `/api/v1/service-kinds/${code}/retire`);
      return code;
    },
  };
  let applied = 0;

  beforeAll(async () => {
    hub = await startTestHub();
    tokens.set('admin', hub.adminToken);
    const put = await hub.putDistrict(matrixDistrict());
    expect(put.statusCode, JSON.stringify(put.body)).toBe(200);
    for (const p of principals) if (p.password) tokens.set(p.name, await hub.login(p.name, p.password));
    fixtures.alerts.wang = await fixtures.alert('wang');
    fixtures.alerts.meilin = await fixtures.alert('meilin');
    fixtures.pendingApplication = await fixtures.application();
    // Credits for the elder to pay with (an admin's grant from the community's fund), and an item to redeem.
    await call(root(), 'POST', '/api/v1/timebank/transfers', {
      from: { owner_id: 'jingtian', kind: 'fund' },
      to: { owner_id: elders.wang.id, kind: 'elder' },
      minutes: 500,
    });
    fixtures.item = (
      await call(root(), 'POST', '/api/v1/timebank/catalog', {
        org_unit_id: 'jingtian',
        name: '理发券',
        price_minutes: 1,
        stock: 10_000,
      })
    ).id;
  }, 60_000);

  afterAll(async () => {
    await hub?.stop();
  });

  /** Each listed item lies in the caller's scope; each known one is listed exactly when it should be. */
  const lists =
    (field: string, known: Array<{ id: string; unit: Unit }>, idOf: (item: Json) => string = (i) => i.id) =>
    (p: Principal, res: LightMyRequestResponse) => {
      const items = (res.json() as Json)[field] as Json[];
      for (const item of items) {
        if (typeof item.org_unit_id === 'string' && item.org_unit_id in unitPaths)
          expect(covers(p, item.org_unit_id as Unit), `${p.name} lists ${idOf(item)}`).toBe(true);
      }
      const ids = items.map(idOf);
      for (const k of known) expect(ids.includes(k.id), `${p.name} lists ${k.id}`).toBe(covers(p, k.unit));
    };

  const alertId = () => fixtures.alerts.wang;
  /** An elder's account the caller may not spend from is answered as one that does not exist. */
  const hiddenElder: Outcome = { status: 404, error: 'unknown_account', message: /^no elder "e-0001"$/ };
  const cases: RouteCase[] = [
    // Public: the console, its assets, the API description, health.
    { route: 'GET /', expect: everybody(200), request: () => ({ url: '/' }) },
    { route: 'GET /healthz', expect: everybody(200), request: () => ({ url: '/healthz' }) },
    { route: 'GET /readyz', expect: everybody(200), request: () => ({ url: '/readyz' }) },
    {
      route: 'GET /metrics',
      variant: 'from this machine',
      expect: everybody(200),
      request: () => ({ url: '/metrics', remoteAddress: '127.0.0.1' }),
    },
    {
      route: 'GET /metrics',
      variant: 'from elsewhere, whoever signs in',
      expect: () => ({ status: 403, error: 'forbidden', message: /served to this machine only/ }),
      request: () => ({ url: '/metrics', remoteAddress: '10.1.2.3' }),
    },
    {
      route: 'GET /api/v1/openapi.json',
      expect: everybody(200),
      request: () => ({ url: '/api/v1/openapi.json' }),
    },
    // Web Push: a responder's own subscription; the key is for responders' apps.
    {
      route: 'GET /api/v1/push/public-key',
      expect: gate(['responder'], 200),
      request: () => ({ url: '/api/v1/push/public-key' }),
    },
    {
      route: 'PUT /api/v1/push/subscription',
      // Last: from then on these responders count as reachable by push, which no other case is about.
      last: true,
      expect: gate(['responder'], 200),
      request: () => ({ method: 'PUT', url: '/api/v1/push/subscription', payload: pushSubscription() }),
    },
    {
      route: 'DELETE /api/v1/push/subscription',
      variant: 'one of your own',
      expect: gate(['responder'], 200),
      request: async (p, allowed) => {
        const endpoint = pushSubscription().endpoint;
        if (allowed) {
          const put = await hub.app.inject({
            method: 'PUT',
            url: '/api/v1/push/subscription',
            headers: hub.as(await hub.login(p.name, p.password!)),
            payload: { ...pushSubscription(), endpoint },
          });
          expect(put.statusCode, put.body).toBe(200);
        }
        return { method: 'DELETE', url: '/api/v1/push/subscription', payload: { endpoint } };
      },
    },
    {
      route: 'DELETE /api/v1/push/subscription',
      variant: "another responder's",
      expect: (p) =>
        p.role === 'responder'
          ? { status: 404, error: 'not_found', message: /no push subscription at that endpoint/ }
          : gate(['responder'], 404)(p),
      request: () => ({
        method: 'DELETE',
        url: '/api/v1/push/subscription',
        payload: { endpoint: `https://fcm.googleapis.com/fcm/send/someone-else-${randomUUID()}` },
      }),
    },
    // Sign-in: the caller's token changes nothing; an unknown name is refused like a wrong password.
    {
      route: 'POST /api/v1/auth/login',
      expect: () => ({ status: 401, error: 'bad_credentials', message: /wrong username or password/ }),
      request: () => ({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username: `nobody-${randomUUID().slice(0, 6)}`, password: 'not-a-password' },
      }),
    },
    {
      route: 'GET /api/v1/auth/me',
      expect: (p) => (p.role ? { status: 200 } : unauthenticated),
      request: () => ({ url: '/api/v1/auth/me' }),
      check: (p, res) => expect(res.json()).toMatchObject({ username: p.name, role: p.role }),
    },
    {
      route: 'POST /api/v1/auth/logout',
      last: true,
      expect: everybody(204),
      request: () => ({ method: 'POST', url: '/api/v1/auth/logout' }),
    },
    {
      route: 'GET /api/v1/console/config',
      expect: gate(everyone, 200),
      request: () => ({ url: '/api/v1/console/config' }),
      // The clock every screen shows its times in: the hub's (TIMEBANK_UTC_OFFSET_MINUTES, China's by default).
      check: (_p, res) => expect(res.json()).toMatchObject({ utc_offset_minutes: 480 }),
    },
    // The district document: an admin upserts only what lies in their unit.
    {
      route: 'PUT /api/v1/district',
      expect: gate(['admin'], 200, {
        unit: 'wang',
        refusal: { status: 400, error: 'invalid_district', message: /nothing was changed/ },
      }),
      request: () => ({
        method: 'PUT',
        url: '/api/v1/district',
        payload: {
          elders: [
            {
              id: elders.wang.id,
              name: elders.wang.name,
              org_unit: 'wang',
              address: elders.wang.address,
              location: { lat: elders.wang.lat, lon: elders.wang.lon },
            },
          ],
        },
      }),
      check: (p, res) => {
        if (res.statusCode === 400)
          expect(res.json().issues).toContainEqual({
            path: 'elders[0]',
            message: `outside your org unit (${p.scopePath})`,
          });
      },
    },
    // Devices.
    {
      route: 'GET /api/v1/devices',
      expect: gate(staffAndFamily, 200),
      request: () => ({ url: '/api/v1/devices' }),
      check: lists('devices', [
        { id: 'w-0001', unit: 'wang' },
        { id: 'w-0002', unit: 'meilin' },
      ]),
    },
    {
      route: 'POST /api/v1/devices',
      expect: gate(['admin'], 201, { unit: 'wang', refusal: notInUnit('elder') }),
      request: () => ({
        method: 'POST',
        url: '/api/v1/devices',
        payload: { id: `d-${randomUUID().slice(0, 8)}`, type: 'door', elder_id: elders.wang.id },
      }),
    },
    {
      route: 'POST /api/v1/devices/:id/secret',
      expect: gate(['admin'], 200, { unit: 'wang', refusal: notInUnit('device') }),
      request: () => ({ method: 'POST', url: '/api/v1/devices/w-0001/secret' }),
    },
    {
      route: 'POST /api/v1/devices/:id/revoke',
      expect: gate(['admin'], 200, { unit: 'wang', refusal: notInUnit('device') }),
      request: async (_p, allowed) => ({
        method: 'POST',
        url: `/api/v1/devices/${allowed ? await fixtures.device() : 'w-0001'}/revoke`,
      }),
    },
    // Boards and vitals.
    {
      route: 'GET /api/v1/elders',
      expect: gate(staffAndFamily, 200),
      request: () => ({ url: '/api/v1/elders' }),
      check: lists('elders', [
        { id: elders.wang.id, unit: 'wang' },
        { id: elders.meilin.id, unit: 'meilin' },
      ]),
    },
    {
      route: 'GET /api/v1/elders/:id/vitals',
      expect: gate(staffAndFamily, 200, { unit: 'wang', refusal: notInUnit('elder') }),
      request: () => ({ url: `/api/v1/elders/${elders.wang.id}/vitals` }),
    },
    {
      route: 'GET /api/v1/responders',
      expect: gate(staff, 200),
      request: () => ({ url: '/api/v1/responders' }),
      check: lists('responders', [
        { id: 'v-jt', unit: 'jingtian' },
        { id: 'v-ml', unit: 'meilin' },
        { id: 's-pm', unit: 'pm-jt' },
      ]),
    },
    // The care record: the unit's staff and the family whole; a responder only while assigned (none is here).
    {
      route: 'GET /api/v1/elders/:id',
      expect: (p) =>
        p.role === 'responder'
          ? { status: 404, error: 'not_found', message: /^no elder e-0001 among your tasks$/ }
          : gate(everyone, 200, { unit: 'wang', refusal: notInUnit('elder') })(p),
      request: () => ({ url: `/api/v1/elders/${elders.wang.id}` }),
      check: (_p, res) => expect(res.json()).toMatchObject({ view: 'full', phone: '0755-83001234' }),
    },
    {
      route: 'PATCH /api/v1/elders/:id',
      expect: gate(staff, 200, { unit: 'wang', refusal: notInUnit('elder') }),
      request: () => ({
        method: 'PATCH',
        url: `/api/v1/elders/${elders.wang.id}`,
        payload: { language: '粤语' },
      }),
    },
    // Per-elder settings: the unit's staff only.
    {
      route: 'GET /api/v1/elders/:id/settings',
      expect: gate(staff, 200, { unit: 'wang', refusal: notInUnit('elder') }),
      request: () => ({ url: `/api/v1/elders/${elders.wang.id}/settings` }),
      check: (_p, res) => expect(res.json().settings.heart_rate_high.value).toBeGreaterThan(0),
    },
    {
      route: 'PATCH /api/v1/elders/:id/settings',
      expect: gate(staff, 200, { unit: 'wang', refusal: notInUnit('elder') }),
      request: () => ({
        method: 'PATCH',
        url: `/api/v1/elders/${elders.wang.id}/settings`,
        payload: { geofence_radius_m: 400 },
      }),
    },
    // Welfare check-ins and medication reminders: the unit's staff.
    {
      route: 'GET /api/v1/elders/:id/welfare/schedules',
      expect: gate(staff, 200, { unit: 'wang', refusal: notInUnit('elder') }),
      request: () => ({ url: `/api/v1/elders/${elders.wang.id}/welfare/schedules` }),
    },
    {
      route: 'POST /api/v1/elders/:id/welfare/schedules',
      expect: gate(staff, 201, { unit: 'wang', refusal: notInUnit('elder') }),
      request: () => ({
        method: 'POST',
        url: `/api/v1/elders/${elders.wang.id}/welfare/schedules`,
        payload: { kind: 'medication', time: '20:00' },
      }),
    },
    {
      route: 'PATCH /api/v1/elders/:id/welfare/schedules/:schedule',
      expect: gate(staff, 200, { unit: 'wang', refusal: notInUnit('elder') }),
      request: async (_p, allowed) => ({
        method: 'PATCH',
        url: `/api/v1/elders/${elders.wang.id}/welfare/schedules/${allowed ? await fixtures.schedule() : 'none'}`,
        payload: { wait_minutes: 30 },
      }),
    },
    {
      route: 'DELETE /api/v1/elders/:id/welfare/schedules/:schedule',
      expect: gate(staff, 200, { unit: 'wang', refusal: notInUnit('elder') }),
      request: async (_p, allowed) => ({
        method: 'DELETE',
        url: `/api/v1/elders/${elders.wang.id}/welfare/schedules/${allowed ? await fixtures.schedule() : 'none'}`,
      }),
    },
    {
      route: 'GET /api/v1/elders/:id/welfare/occurrences',
      expect: gate(staff, 200, { unit: 'wang', refusal: notInUnit('elder') }),
      request: () => ({ url: `/api/v1/elders/${elders.wang.id}/welfare/occurrences` }),
    },
    // One person's record: a copy or its erasure, for admins of their unit; and who read it.
    {
      route: 'GET /api/v1/elders/:id/export',
      expect: gate(['admin'], 200, { unit: 'wang', refusal: notInUnit('elder') }),
      request: () => ({ url: `/api/v1/elders/${elders.wang.id}/export` }),
      check: (_p, res) => expect(res.json().elder.name).toBe(elders.wang.name),
    },
    {
      route: 'POST /api/v1/elders/:id/erase',
      expect: gate(['admin'], 200, { unit: 'wang', refusal: notInUnit('elder') }),
      request: async (_p, allowed) => {
        const id = allowed ? await fixtures.elder() : elders.wang.id;
        return { method: 'POST', url: `/api/v1/elders/${id}/erase`, payload: { confirm: id } };
      },
    },
    {
      route: 'GET /api/v1/audit',
      expect: gate(['admin'], 200),
      request: () => ({ url: '/api/v1/audit?limit=1000' }),
      check: lists('entries', []),
    },
    // Alerts: responders never see the list, only offers.
    {
      route: 'GET /api/v1/alerts',
      expect: gate(staffAndFamily, 200),
      request: () => ({ url: '/api/v1/alerts?limit=5000' }),
      check: (p, res) =>
        lists('alerts', [
          { id: fixtures.alerts.wang, unit: 'wang' },
          { id: fixtures.alerts.meilin, unit: 'meilin' },
        ])(p, res),
    },
    {
      route: 'GET /api/v1/alerts/:id',
      expect: gate(staffAndFamily, 200, { unit: 'wang', refusal: notInUnit('alert') }),
      request: () => ({ url: `/api/v1/alerts/${alertId()}` }),
    },
    {
      route: 'POST /api/v1/alerts/:id/acknowledge',
      expect: gate(staff, 200, { unit: 'wang', refusal: notInUnit('alert') }),
      request: () => ({ method: 'POST', url: `/api/v1/alerts/${alertId()}/acknowledge` }),
    },
    {
      route: 'POST /api/v1/alerts/:id/notes',
      expect: gate(staff, 204, { unit: 'wang', refusal: notInUnit('alert') }),
      request: () => ({
        method: 'POST',
        url: `/api/v1/alerts/${alertId()}/notes`,
        payload: { text: '已电话联系' },
      }),
    },
    {
      route: 'POST /api/v1/alerts/:id/assign',
      expect: gate(staff, 200, { unit: 'wang', refusal: notInUnit('alert') }),
      request: async (_p, allowed) => ({
        method: 'POST',
        url: `/api/v1/alerts/${allowed ? await fixtures.alert() : alertId()}/assign`,
        payload: { responder_id: allowed ? fixtures.hands.pop() : 'hand-1' },
      }),
    },
    {
      route: 'POST /api/v1/alerts/:id/assign',
      variant: "a responder of another unit (梅林's v-ml to the 王 family's alert)",
      expect: (p) => {
        const base = gate(staff, 200, { unit: 'wang', refusal: notInUnit('alert') })(p);
        if (base.status !== 200 || covers(p, 'meilin')) return base;
        return { status: 404, error: 'not_found', message: /^no responder v-ml in your org unit$/ };
      },
      // Those who cover both units may assign v-ml; they assign a free one of their own instead.
      request: async (p, allowed) => ({
        method: 'POST',
        url: `/api/v1/alerts/${allowed ? await fixtures.alert() : alertId()}/assign`,
        payload: { responder_id: allowed ? fixtures.hands.pop() : covers(p, 'wang') ? 'v-ml' : 'hand-1' },
      }),
    },
    {
      route: 'POST /api/v1/alerts/:id/calls',
      expect: gate(staff, 201, { unit: 'wang', refusal: notInUnit('alert') }),
      request: () => ({
        method: 'POST',
        url: `/api/v1/alerts/${alertId()}/calls`,
        payload: { callee: 'elder', reached: false, outcome: 'no_answer' },
      }),
    },
    ...(['resolve', 'cancel'] as const).map(
      (action): RouteCase => ({
        route: `POST /api/v1/alerts/:id/${action}`,
        expect: gate(staff, 200, { unit: 'wang', refusal: notInUnit('alert') }),
        request: async (_p, allowed) => ({
          method: 'POST',
          url: `/api/v1/alerts/${allowed ? await fixtures.alert() : alertId()}/${action}`,
          payload: {},
        }),
      }),
    ),
    // Service orders.
    {
      route: 'POST /api/v1/service-orders',
      expect: gate(staffAndFamily, 201, { unit: 'wang', refusal: notInUnit('elder') }),
      request: () => ({
        method: 'POST',
        url: '/api/v1/service-orders',
        payload: { elder_id: elders.wang.id, kind: 'visit', note: '', wanted_at: Date.now() + 3_600_000 },
      }),
    },
    // The menu of service kinds: everyone signed in reads it; only the district's admins keep it.
    {
      route: 'GET /api/v1/service-kinds',
      expect: gate(everyone, 200),
      request: () => ({ url: '/api/v1/service-kinds' }),
    },
    {
      route: 'GET /api/v1/service-kinds/changes',
      expect: gate(['admin'], 200),
      request: () => ({ url: '/api/v1/service-kinds/changes' }),
    },
    {
      route: 'POST /api/v1/service-kinds',
      expect: menuKeeper(201),
      request: () => {
        const code = `m_${randomUUID().slice(0, 8).replace(/-/g, '')}`;
        return {
          method: 'POST',
          url: '/api/v1/service-kinds',
          payload: { code, label_zh: code, label_en: code },
        };
      },
    },
    {
      route: 'PATCH /api/v1/service-kinds/:code',
      expect: menuKeeper(200),
      request: async () => ({
        method: 'PATCH',
        url: `/api/v1/service-kinds/${await fixtures.kind()}`,
        payload: { label_en: `renamed ${randomUUID()}`.slice(0, 40) },
      }),
    },
    ...(['retire', 'restore'] as const).map(
      (action): RouteCase => ({
        route: `POST /api/v1/service-kinds/:code/${action}`,
        expect: menuKeeper(200),
        request: async () => ({
          method: 'POST',
          url: `/api/v1/service-kinds/${await fixtures.kind(action === 'restore')}/${action}`,
        }),
      }),
    ),
    {
      route: 'GET /api/v1/service-orders',
      expect: (p) =>
        p.name === 's-pm'
          ? { status: 403, error: 'not_a_volunteer', message: /taken by time-bank volunteers/ }
          : gate(everyone, 200)(p),
      request: () => ({ url: '/api/v1/service-orders?limit=1000' }),
      check: (p, res) => {
        const orders = res.json().orders as Json[];
        if (p.role !== 'responder') return lists('orders', [])(p, res);
        // A volunteer: open requests of their community, whose hidden; their own tasks.
        for (const o of orders) {
          if (o.volunteer_id !== p.name || !['taken', 'in_progress'].includes(o.status))
            expect(o.elder, `${p.name} sees whose order ${o.id} is (${o.status})`).toBeNull();
          if (p.name === 'v-ml') expect(o.community_id).toBe('meilin');
        }
      },
    },
    {
      route: 'GET /api/v1/service-orders/:id',
      expect: gate(staffAndFamily, 200, {
        unit: 'wang',
        refusal: { status: 404, error: 'not_found', message: /^no service order .* for you$/ },
      }),
      request: async () => ({ url: `/api/v1/service-orders/${await fixtures.order('requested')}` }),
    },
    ...(
      [
        ['take', 'requested', /^no service order .* in your community$/],
        ['check-in', 'taken', /^no service order .* taken by you$/],
        ['check-out', 'in_progress', /^no service order .* taken by you$/],
        ['hand-back', 'taken', /^no service order .* taken by you$/],
      ] as const
    ).map(
      ([action, from, refusal]): RouteCase => ({
        route: `POST /api/v1/service-orders/:id/${action}`,
        expect: (p) => {
          if (!p.role) return unauthenticated;
          if (p.role !== 'responder') return wrongRole;
          if (p.name === 'v-jt') return { status: 200 };
          if (p.name === 's-pm' && action === 'take')
            return { status: 403, error: 'not_a_volunteer', message: /taken by time-bank volunteers/ };
          return { status: 404, error: 'not_found', message: refusal };
        },
        request: async () => ({
          method: 'POST',
          url: `/api/v1/service-orders/${await fixtures.order(from)}/${action}`,
          ...(action.startsWith('check-') ? { payload: wangHome } : {}),
        }),
        check: (p, res) => {
          // Whose service it is, only to the volunteer who holds it and only while it lasts.
          const order = res.json();
          if (order.status === 'done' || order.status === 'requested') expect(order.elder).toBeNull();
          else expect(order.elder).toMatchObject({ name: elders.wang.name, address: elders.wang.address });
          expect(p.name).toBe('v-jt');
        },
      }),
    ),
    {
      route: 'GET /api/v1/service-orders/mine',
      expect: (p) => {
        if (!p.role) return unauthenticated;
        if (p.role !== 'responder') return wrongRole;
        if (p.name === 's-pm')
          return { status: 403, error: 'not_a_volunteer', message: /taken by time-bank volunteers/ };
        return { status: 200 };
      },
      request: () => ({ url: '/api/v1/service-orders/mine' }),
      // Only one's own services.
      check: (p, res) => {
        const record = res.json();
        expect(record.volunteer_id).toBe(p.name);
        for (const o of [...record.upcoming, ...record.past]) expect(o.volunteer_id).toBe(p.name);
      },
    },
    {
      route: 'POST /api/v1/service-orders/:id/confirm',
      expect: gate(['family'], 200, { unit: 'wang', refusal: notInUnit('service order') }),
      request: async (_p, allowed) => ({
        method: 'POST',
        url: `/api/v1/service-orders/${await fixtures.order(allowed ? 'in_progress' : 'requested')}/confirm`,
      }),
    },
    {
      route: 'POST /api/v1/service-orders/:id/decision',
      // Decided by those who certify.
      expect: certifiers,
      request: async (p) => ({
        method: 'POST',
        url: `/api/v1/service-orders/${await fixtures.order(covers(p, 'wang') ? 'flagged' : 'requested')}/decision`,
        payload: { approve: false },
      }),
    },
    {
      route: 'POST /api/v1/service-orders/:id/rate',
      expect: gate(staffAndFamily, 200, { unit: 'wang', refusal: notInUnit('service order') }),
      request: async (_p, allowed) => ({
        method: 'POST',
        url: `/api/v1/service-orders/${await fixtures.order(allowed ? 'done' : 'requested')}/rate`,
        payload: { rating: 4 },
      }),
    },
    {
      route: 'POST /api/v1/service-orders/:id/certify',
      expect: certifiers,
      request: async (p) => ({
        method: 'POST',
        url: `/api/v1/service-orders/${await fixtures.order(covers(p, 'wang') ? 'rated' : 'requested')}/certify`,
        payload: { claimed_minutes: 0 },
      }),
    },
    {
      route: 'POST /api/v1/service-orders/:id/cancel',
      expect: gate(staffAndFamily, 200, { unit: 'wang', refusal: notInUnit('service order') }),
      request: async () => ({
        method: 'POST',
        url: `/api/v1/service-orders/${await fixtures.order('requested')}/cancel`,
        payload: {},
      }),
    },
    {
      route: 'POST /api/v1/service-orders/:id/reassign',
      expect: gate(staff, 200, { unit: 'wang', refusal: notInUnit('service order') }),
      request: async () => ({
        method: 'POST',
        url: `/api/v1/service-orders/${await fixtures.order('taken')}/reassign`,
        payload: { volunteer_id: null },
      }),
    },
    {
      route: 'POST /api/v1/recurring-requests',
      expect: gate(staffAndFamily, 201, { unit: 'wang', refusal: notInUnit('elder') }),
      request: () => ({
        method: 'POST',
        url: '/api/v1/recurring-requests',
        payload: { elder_id: elders.wang.id, kind: 'visit', weekdays: [1], time: '09:00' },
      }),
    },
    {
      route: 'GET /api/v1/recurring-requests',
      expect: gate(staffAndFamily, 200),
      request: () => ({ url: '/api/v1/recurring-requests' }),
      check: (p, res) => {
        for (const rule of res.json().recurring_requests as Json[])
          expect(covers(p, 'wang'), `${p.name} sees a rule of 王`).toBe(
            (rule.elder as Json).id === elders.wang.id,
          );
      },
    },
    {
      route: 'POST /api/v1/recurring-requests/:id/stop',
      expect: gate(staffAndFamily, 200, { unit: 'wang', refusal: notInUnit('recurring request') }),
      request: async () => {
        const rule = await call(root(), 'POST', '/api/v1/recurring-requests', {
          elder_id: elders.wang.id,
          kind: 'meal_delivery',
          weekdays: [2],
          time: '11:30',
        });
        return { method: 'POST', url: `/api/v1/recurring-requests/${rule.id}/stop` };
      },
    },
    // Reports.
    {
      route: 'GET /api/v1/reports/org-units',
      expect: gate(staff, 200),
      request: () => ({ url: '/api/v1/reports/org-units' }),
      check: (p, res) => {
        const ids = (res.json().org_units as Json[]).map((u) => u.id as Unit);
        for (const unit of Object.keys(unitPaths) as Unit[])
          expect(ids.includes(unit), `${p.name} reports on ${unit}`).toBe(
            covers(p, unit) && unit !== 'wang' && unit !== 'zhao',
          );
      },
    },
    ...['summary', 'service-levels'].map(
      (report): RouteCase => ({
        route: `GET /api/v1/reports/${report}`,
        expect: gate(staff, 200, { unit: 'jingtian', refusal: outsideUnit('jingtian') }),
        request: () => ({ url: `/api/v1/reports/${report}?org_unit=jingtian` }),
      }),
    ),
    // A unit that does not exist is refused to a scoped user as another's is: probing ids does
    // not tell which families are registered. Only a hub-wide user, who is refused nothing, hears "no such unit".
    ...(
      [
        [
          'GET /api/v1/reports/summary',
          '/api/v1/reports/summary?org_unit=',
          'not_found',
          /^no org unit zhang$/,
        ],
        [
          'GET /api/v1/reports/service-levels',
          '/api/v1/reports/service-levels?org_unit=',
          'not_found',
          /^no org unit zhang$/,
        ],
        [
          'GET /api/v1/timebank/org-units/:org_unit_id/statement',
          '/api/v1/timebank/org-units/{}/statement',
          'unknown_account',
          /^no fund "zhang"$/,
        ],
      ] as const
    ).map(
      ([route, url, error, message]): RouteCase => ({
        route,
        variant: 'an org unit that does not exist',
        expect: (p) => {
          const base = gate(staff, 200)(p);
          if (base.status !== 200) return base;
          return p.scopePath === '/' ? { status: 404, error, message } : outsideUnit('zhang');
        },
        request: () => ({ url: url.includes('{}') ? url.replace('{}', 'zhang') : `${url}zhang` }),
      }),
    ),
    {
      route: 'GET /api/v1/timebank/catalog',
      variant: 'an org unit that does not exist',
      expect: (p) => {
        if (!p.role) return unauthenticated;
        return p.scopePath === '/'
          ? { status: 404, error: 'unknown_account', message: /^no fund "zhang"$/ }
          : { status: 403, error: 'forbidden', message: /^zhang is not your community$/ };
      },
      request: () => ({ url: '/api/v1/timebank/catalog?org_unit=zhang' }),
    },
    {
      route: 'POST /api/v1/timebank/catalog',
      variant: 'an org unit that does not exist',
      expect: (p) => {
        const base = gate(staff, 200)(p);
        if (base.status !== 200) return base;
        return p.scopePath === '/'
          ? { status: 404, error: 'unknown_account', message: /^no fund "zhang"$/ }
          : outsideUnit('zhang');
      },
      request: () => ({
        method: 'POST',
        url: '/api/v1/timebank/catalog',
        payload: { org_unit_id: 'zhang', name: '午餐券', price_minutes: 30, stock: 5 },
      }),
    },
    // The time bank.
    {
      route: 'GET /api/v1/timebank/accounts',
      expect: gate(staff, 200),
      request: () => ({ url: '/api/v1/timebank/accounts' }),
      check: lists('accounts', [{ id: elders.wang.id, unit: 'wang' }], (a) => a.owner_id),
    },
    ...['', '/statement'].flatMap((tail): RouteCase[] => [
      {
        route: `GET /api/v1/timebank/accounts/:owner_id${tail}`,
        variant: "an elder's account",
        expect: (p) =>
          p.role === 'responder'
            ? { status: 404, error: 'unknown_account', message: /^no elder "e-0001"$/ }
            : gate(everyone, 200, {
                unit: 'wang',
                refusal: { status: 404, error: 'unknown_account', message: /^no elder "e-0001"$/ },
              })(p),
        request: () => ({ url: `/api/v1/timebank/accounts/${elders.wang.id}${tail}?kind=elder` }),
      },
      {
        route: `GET /api/v1/timebank/accounts/:owner_id${tail}`,
        variant: "a volunteer's account: the volunteer, and staff above",
        expect: (p) => {
          if (!p.role) return unauthenticated;
          const readable = p.name === 'v-jt' || (p.role !== 'responder' && covers(p, 'jingtian'));
          return readable
            ? { status: 200 }
            : { status: 404, error: 'unknown_account', message: /^no volunteer "v-jt"$/ };
        },
        request: () => ({ url: `/api/v1/timebank/accounts/v-jt${tail}?kind=volunteer` }),
      },
    ]),
    {
      route: 'GET /api/v1/timebank/org-units/:org_unit_id/statement',
      expect: gate(staff, 200, { unit: 'jingtian', refusal: outsideUnit('jingtian') }),
      request: () => ({ url: '/api/v1/timebank/org-units/jingtian/statement' }),
    },
    {
      route: 'POST /api/v1/timebank/transfers',
      expect: (p) =>
        p.role === 'responder'
          ? hiddenElder
          : gate(everyone, 200, {
              unit: 'wang',
              refusal: hiddenElder,
            })(p),
      request: () => ({
        method: 'POST',
        url: '/api/v1/timebank/transfers',
        headers: { 'idempotency-key': randomUUID() },
        payload: {
          from: { owner_id: elders.wang.id, kind: 'elder' },
          to: { owner_id: 'jingtian', kind: 'fund' },
          minutes: 1,
        },
      }),
    },
    {
      route: 'GET /api/v1/timebank/deposits',
      expect: gate(staff, 200),
      request: () => ({ url: '/api/v1/timebank/deposits' }),
      check: lists('services', [], (s) => s.service_id),
    },
    {
      route: 'POST /api/v1/timebank/redemptions',
      expect: (p) =>
        p.role === 'responder'
          ? hiddenElder
          : gate(everyone, 200, {
              unit: 'wang',
              refusal: hiddenElder,
            })(p),
      request: () => ({
        method: 'POST',
        url: '/api/v1/timebank/redemptions',
        headers: { 'idempotency-key': randomUUID() },
        payload: { payer: { owner_id: elders.wang.id, kind: 'elder' }, item_id: fixtures.item },
      }),
    },
    {
      route: 'GET /api/v1/timebank/redemptions',
      expect: gate(staff, 200),
      request: () => ({ url: '/api/v1/timebank/redemptions' }),
      check: (p, res) => {
        for (const r of res.json().redemptions as Json[])
          if (r.payer.owner_id === elders.wang.id) expect(covers(p, 'wang')).toBe(true);
      },
    },
    {
      route: 'POST /api/v1/timebank/corrections',
      expect: gate(staff, 200, { unit: 'jingtian', refusal: outsideUnit('wang|jingtian') }),
      request: async () => ({
        method: 'POST',
        url: '/api/v1/timebank/corrections',
        headers: { 'idempotency-key': randomUUID() },
        payload: { transfer_id: await fixtures.transfer(), reason: '录入错误' },
      }),
    },
    {
      route: 'GET /api/v1/timebank/catalog',
      expect: (p) =>
        covers(p, 'jingtian') || p.scopePath?.startsWith(unitPaths.jingtian)
          ? gate(everyone, 200)(p)
          : p.role
            ? { status: 403, error: 'forbidden', message: /jingtian is not your community/ }
            : unauthenticated,
      request: () => ({ url: '/api/v1/timebank/catalog?org_unit=jingtian' }),
    },
    {
      route: 'POST /api/v1/timebank/catalog',
      expect: gate(staff, 201, { unit: 'jingtian', refusal: outsideUnit('jingtian') }),
      request: () => ({
        method: 'POST',
        url: '/api/v1/timebank/catalog',
        payload: { org_unit_id: 'jingtian', name: '午餐券', price_minutes: 30, stock: 5 },
      }),
    },
    {
      route: 'PATCH /api/v1/timebank/catalog/:item_id',
      expect: gate(staff, 200, { unit: 'jingtian', refusal: outsideUnit('jingtian') }),
      request: () => ({
        method: 'PATCH',
        url: `/api/v1/timebank/catalog/${fixtures.item}`,
        payload: { stock: 10_000 },
      }),
    },
    {
      route: 'DELETE /api/v1/timebank/catalog/:item_id',
      expect: gate(staff, 200, { unit: 'jingtian', refusal: outsideUnit('jingtian') }),
      request: async (_p, allowed) => {
        const id = allowed
          ? (
              await call(root(), 'POST', '/api/v1/timebank/catalog', {
                org_unit_id: 'jingtian',
                name: '旧物',
                price_minutes: 1,
                stock: 1,
              })
            ).id
          : fixtures.item;
        return { method: 'DELETE', url: `/api/v1/timebank/catalog/${id}` };
      },
    },
    // Volunteers: anyone may sign up; the community's specialists and admins vet.
    {
      route: 'GET /api/v1/volunteers/communities',
      expect: everybody(200),
      request: () => ({ url: '/api/v1/volunteers/communities' }),
    },
    {
      route: 'POST /api/v1/volunteers/applications',
      expect: everybody(201),
      request: () => {
        const n = ++applied;
        return {
          method: 'POST',
          url: '/api/v1/volunteers/applications',
          payload: {
            name: '申请人',
            phone: `1350000${String(n).padStart(4, '0')}`,
            community: 'jingtian',
            age_group: 'middle',
            skills: [],
            username: `applicant-${n}`,
            password: 'applicant-password',
          },
        };
      },
    },
    {
      route: 'GET /api/v1/volunteers/applications',
      expect: gate(staff, 200),
      request: () => ({ url: '/api/v1/volunteers/applications' }),
      // The fixture's id is known only once the hub runs.
      check: (p, res) =>
        lists('applications', [{ id: fixtures.pendingApplication, unit: 'jingtian' }])(p, res),
    },
    {
      route: 'POST /api/v1/volunteers/applications/:id/approve',
      expect: gate(staff, 200, { unit: 'jingtian', refusal: notInUnit('application') }),
      request: async (_p, allowed) => ({
        method: 'POST',
        url: `/api/v1/volunteers/applications/${allowed ? await fixtures.application() : fixtures.pendingApplication}/approve`,
      }),
    },
    {
      route: 'POST /api/v1/volunteers/applications/:id/refuse',
      expect: gate(staff, 200, { unit: 'jingtian', refusal: notInUnit('application') }),
      request: async (_p, allowed) => ({
        method: 'POST',
        url: `/api/v1/volunteers/applications/${allowed ? await fixtures.application() : fixtures.pendingApplication}/refuse`,
        payload: { reason: '资料不全' },
      }),
    },
    {
      route: 'GET /api/v1/volunteers',
      expect: gate(staff, 200),
      request: () => ({ url: '/api/v1/volunteers' }),
      check: lists('volunteers', [
        { id: 'v-jt', unit: 'jingtian' },
        { id: 'v-ml', unit: 'meilin' },
      ]),
    },
    {
      route: 'PUT /api/v1/volunteers/:id/certificate',
      expect: gate(staff, 204, { unit: 'jingtian', refusal: notInUnit('volunteer') }),
      request: () => ({
        method: 'PUT',
        url: '/api/v1/volunteers/v-jt/certificate',
        payload: { number: 'HJ-0001', expires_on: '2099-12-31' },
      }),
    },
    {
      route: 'POST /api/v1/volunteers/:id/trainings',
      expect: gate(staff, 204, { unit: 'jingtian', refusal: notInUnit('volunteer') }),
      request: () => ({
        method: 'POST',
        url: '/api/v1/volunteers/v-jt/trainings',
        payload: { course: '心肺复苏', taken_on: '2026-01-15' },
      }),
    },
  ];

  /** Static files and Swagger UI: public, answered alike to everyone (no data behind them). */
  const publicPrefixes = ['/assets/', '/docs', '/index.html', '/favicon.', '/sw.js', '/manifest.', '/icons/'];

  it('classifies every registered route', () => {
    const routes = registeredRoutes(hub.app.printRoutes({ commonPrefix: false }));
    // The parser reads what the OpenAPI document says exists.
    for (const documented of documentedRoutes(hub.app.swagger() as never))
      expect(routes, 'printRoutes parsed').toContain(documented);
    const classified = new Set(cases.map((c) => c.route));
    const unclassified = routes.filter(
      (r) => !classified.has(r) && !publicPrefixes.some((prefix) => r.split(' ')[1]!.startsWith(prefix)),
    );
    expect(unclassified, 'routes the scope matrix does not classify').toEqual([]);
    const stale = [...classified].filter((c) => !routes.includes(c));
    expect(stale, 'cases for routes that no longer exist').toEqual([]);
  });

  it('answers every principal on every route as its role and org unit allow, with the reason', async () => {
    const publicRoutes = registeredRoutes(hub.app.printRoutes({ commonPrefix: false })).filter(
      (r) => r.startsWith('GET ') && publicPrefixes.some((prefix) => r.slice(4).startsWith(prefix)),
    );
    const failures: string[] = [];
    const run = async (c: RouteCase, p: Principal) => {
      const want: Outcome = c.expect(p);
      const allowed = want.status < 300;
      const request = await c.request(p, allowed);
      const res = await hub.app.inject({
        method: 'GET',
        ...request,
        headers: { ...headers(p), ...(request.headers ?? {}) },
      });
      pairs++;
      const label = `${c.route}${c.variant ? ` (${c.variant})` : ''} as ${p.name}`;
      const body = res.headers['content-type']?.toString().includes('json') ? (res.json() as Json) : null;
      if (res.statusCode !== want.status) {
        failures.push(`${label}: ${res.statusCode} ${res.body.slice(0, 200)}, wanted ${want.status}`);
        return;
      }
      if (want.error && body?.error !== want.error)
        failures.push(`${label}: error ${body?.error}, wanted ${want.error}`);
      if (want.message && !want.message.test(body?.message ?? ''))
        failures.push(`${label}: "${body?.message}" does not say ${want.message}`);
      try {
        if (allowed) c.check?.(p, res);
      } catch (error) {
        failures.push(`${label}: ${(error as Error).message.split('\n')[0]}`);
      }
      // HEAD is fastify's mirror of GET: the same gate.
      if ((request.method ?? 'GET') === 'GET') {
        const head = await hub.app.inject({
          ...request,
          method: 'HEAD',
          headers: { ...headers(p), ...(request.headers ?? {}) },
        });
        pairs++;
        if (head.statusCode !== want.status) failures.push(`HEAD of ${label}: ${head.statusCode}`);
      }
    };
    for (const c of cases.filter((c) => !c.last)) await Promise.all(principals.map((p) => run(c, p)));
    for (const route of publicRoutes) {
      const url = route.slice(4).replace('/*', '/static/swagger-ui.css');
      // Answered alike to everyone: a page, a file, or a redirect to one.
      const status = (await hub.app.inject({ url })).statusCode;
      expect(status, url).toBeLessThan(400);
      const c: RouteCase = { route, expect: everybody(status), request: () => ({ url }) };
      await Promise.all(principals.map((p) => run(c, p)));
    }
    for (const c of cases.filter((c) => c.last)) await Promise.all(principals.map((p) => run(c, p)));
    expect(failures).toEqual([]);
    // Logged out: the token is dead everywhere.
    for (const p of principals.filter((p) => p.role)) {
      const me = await hub.app.inject({ url: '/api/v1/auth/me', headers: headers(p) });
      expect(me.statusCode, p.name).toBe(401);
    }
  }, 60_000);

  /** The feeds' events, each classified: a new one fails here until the matrix covers it. */
  // `feeds` says only whether the live feed is whole (`{complete}`, cluster mode): nothing of anyone.
  const consoleEvents = { takes: [] as string[], sends: ['alert', 'escalation', 'feeds'] };
  const responderEvents = {
    takes: ['checkin', 'duty', 'location', 'offer:accept', 'offer:decline', 'task:hand_back'],
    sends: ['duty', 'offer', 'offer:withdrawn', 'task', 'task:closed'],
  };
  const feeds = new Map<string, { console: FeedClient; responder: FeedClient }>();
  const responders = () => principals.filter((p) => p.role === 'responder');
  const feedOf = (name: string) => feeds.get(name)!.responder;
  const ask = (client: FeedClient, event: string, payload: unknown) =>
    client.socket.timeout(5000).emitWithAck(event, payload) as Promise<Json>;
  const said = (client: FeedClient, texts: string[]) =>
    texts.filter((t) => JSON.stringify(client.received).includes(t));
  const everyIdentity = [...identityOf(elders.wang), ...identityOf(elders.meilin)];

  async function sos(device: 'w-0001' | 'w-0002', eventId: string) {
    const { secret } = await call(root(), 'POST', `/api/v1/devices/${device}/secret`);
    await pressSos(hub, device, secret, eventId);
  }

  it('[SCOPE-SOCKETS] lets into /console and /responder only the roles they serve, and tells each console only its units', async () => {
    // New sign-ins: the route matrix logged everyone out last.
    tokens.clear();
    tokens.set('admin', await hub.login('admin', adminPassword));
    for (const p of principals) if (p.password) tokens.set(p.name, await hub.login(p.name, p.password));
    expect(socketEvents('console/live-feed.ts')).toEqual(consoleEvents);
    expect(socketEvents('console/responder-feed.ts')).toEqual(responderEvents);
    const port = hub.addresses.http;
    for (const p of principals) {
      const token = tokens.get(p.name);
      feeds.set(p.name, {
        console: await openFeed(port, '/console', token),
        responder: await openFeed(port, '/responder', token),
      });
    }
    const bogus = await openFeed(port, '/console', 'not-a-token');
    expect(bogus).toMatchObject({ admitted: false, refusal: 'unauthorized' });
    for (const p of principals) {
      const { console: c, responder: r } = feeds.get(p.name)!;
      pairs += 2;
      expect(c.admitted, `${p.name} on /console`).toBe(p.role !== null && p.role !== 'responder');
      expect(r.admitted, `${p.name} on /responder`).toBe(p.role === 'responder');
      for (const refused of [c, r].filter((f) => !f.admitted)) expect(refused.refusal).toBe('unauthorized');
    }
    // Alerts of the fixtures closed: the SOS below opens a new one with its ladder.
    await hub.store.db.updateTable('alerts').set({ status: 'cancelled', closed_at: Date.now() }).execute();
    for (const r of responders()) {
      const spot =
        r.name === 'v-ml' ? elders.meilin : r.name === 'v-jt' ? elders.wang : { lat: 22.58, lon: 114.0412 };
      expect(await ask(feedOf(r.name), 'duty', { on_duty: true })).toEqual({ ok: true });
      expect(await ask(feedOf(r.name), 'location', { lat: spot.lat + 0.0009, lon: spot.lon })).toEqual({
        ok: true,
      });
      pairs += 2;
    }
    await sos('w-0001', 'matrix-sos-wang');
    const consoles = principals.filter((p) => feeds.get(p.name)!.console.admitted);
    const heard = (p: Principal, event: string, unit: Unit) =>
      feeds
        .get(p.name)!
        .console.received.some(
          (r) => r.event === event && (r.payload as Json)?.alert?.org_unit_id === unit,
        ) ||
      feeds
        .get(p.name)!
        .console.received.some((r) => r.event === event && (r.payload as Json)?.org_unit_id === unit);
    await until(
      async () => consoles.filter((p) => covers(p, 'wang') && !heard(p, 'alert', 'wang')),
      (waiting) => waiting.length === 0,
    );
    await new Promise((r) => setTimeout(r, 200));
    for (const p of consoles) {
      pairs++;
      expect(heard(p, 'alert', 'wang'), `${p.name} hears the 王 family's alert`).toBe(covers(p, 'wang'));
    }
  });

  it('[SCOPE-VOLUNTEER-IDENTITY] a volunteer sees whose alert it is only while assigned: not in the offer, not after the close', async () => {
    const vjt = () => feedOf('v-jt');
    const offers = await until(
      async () =>
        vjt()
          .received.filter((r) => r.event === 'offer')
          .map((r) => r.payload as Json),
      (o) => o.length > 0,
    );
    expect(offers).toHaveLength(1);
    const offer = offers[0];
    // Before accepting: what and how far, nobody's name or address, on any responder's phone.
    for (const r of responders()) expect(said(feedOf(r.name), everyIdentity), r.name).toEqual([]);
    // Another responder cannot take, decline or hand back v-jt's offer, nor check in for it.
    for (const name of ['v-ml', 's-pm']) {
      const other = feedOf(name);
      expect(await ask(other, 'offer:accept', { offer_id: offer.offer_id })).toEqual({
        ok: false,
        reason: 'not_found',
      });
      expect(await ask(other, 'offer:decline', { offer_id: offer.offer_id })).toMatchObject({ ok: false });
      expect(await ask(other, 'task:hand_back', { alert_id: offer.alert_id })).toMatchObject({ ok: false });
      expect(await ask(other, 'checkin', { lat: elders.wang.lat, lon: elders.wang.lon })).toEqual({
        ok: false,
        reason: 'no_task',
      });
      pairs += 4;
    }
    expect(await ask(vjt(), 'checkin', { lat: elders.wang.lat, lon: elders.wang.lon })).toEqual({
      ok: false,
      reason: 'no_task',
    });
    // Accepted: the volunteer learns whose home it is, and only they do.
    const accepted = await ask(vjt(), 'offer:accept', { offer_id: offer.offer_id });
    pairs++;
    expect(accepted.ok).toBe(true);
    expect(accepted.task.elder).toMatchObject({ name: elders.wang.name, address: elders.wang.address });
    // And reads what helps on site from the care record, while assigned (audited; see [RECORD-RESPONDER]).
    const careRecord = (name: string) =>
      hub.app.inject({ url: `/api/v1/elders/${elders.wang.id}`, headers: headers(by(name)) });
    expect((await careRecord('v-jt')).json()).toMatchObject({ view: 'on_site', name: elders.wang.name });
    for (const name of ['v-ml', 's-pm']) expect((await careRecord(name)).statusCode, name).toBe(404);
    pairs += 3;
    for (const name of ['v-ml', 's-pm']) expect(said(feedOf(name), everyIdentity), name).toEqual([]);
    // While assigned, a phone that reconnects gets the task again.
    vjt().socket.close();
    feeds.get('v-jt')!.responder = await openFeed(hub.addresses.http, '/responder', tokens.get('v-jt'));
    const again = await until(
      async () => vjt().received.find((r) => r.event === 'task'),
      (t) => t !== undefined,
    );
    expect((again?.payload as Json)?.elder?.name).toBe(elders.wang.name);
    // Closed: the task ends, and with it what the volunteer may know.
    await call(root(), 'POST', `/api/v1/alerts/${offer.alert_id}/resolve`, { outcome: 'help_given' });
    await until(
      async () => vjt().received.some((r) => r.event === 'task:closed'),
      (closed) => closed,
    );
    vjt().socket.close();
    feeds.get('v-jt')!.responder = await openFeed(hub.addresses.http, '/responder', tokens.get('v-jt'));
    expect(await ask(vjt(), 'checkin', { lat: elders.wang.lat, lon: elders.wang.lon })).toEqual({
      ok: false,
      reason: 'no_task',
    });
    expect(await ask(vjt(), 'offer:accept', { offer_id: offer.offer_id })).toEqual({
      ok: false,
      reason: 'not_pending',
    });
    expect(await ask(vjt(), 'task:hand_back', { alert_id: offer.alert_id })).toMatchObject({ ok: false });
    pairs += 3;
    expect(said(vjt(), everyIdentity), 'v-jt after the close').toEqual([]);
    expect((await careRecord('v-jt')).json()).toMatchObject({
      error: 'not_found',
      message: `no elder ${elders.wang.id} among your tasks`,
    });
    pairs++;
    expect(await hub.dispatcher.currentTask('v-jt')).toBeNull();
    // Even when the slot was not released (its "closed" update lost to a fault until the next
    // start's repair), a closed alert's task is not shown again.
    await hub.store.db
      .updateTable('responder_state')
      .set({ task_alert_id: offer.alert_id })
      .where('responder_id', '=', 'v-jt')
      .execute();
    vjt().socket.close();
    feeds.get('v-jt')!.responder = await openFeed(hub.addresses.http, '/responder', tokens.get('v-jt'));
    expect(await ask(vjt(), 'checkin', { lat: elders.wang.lat, lon: elders.wang.lon })).toEqual({
      ok: false,
      reason: 'no_task',
    });
    pairs++;
    expect(said(vjt(), everyIdentity), 'v-jt holding a closed alert').toEqual([]);
    expect(await hub.dispatcher.currentTask('v-jt')).toBeNull();
    // Nor through the HTTP side: a responder has no alert route, and the service record hides the elder.
    for (const url of [`/api/v1/alerts/${offer.alert_id}`, '/api/v1/alerts', '/api/v1/elders']) {
      const res = await hub.app.inject({ url, headers: headers(by('v-jt')) });
      expect(res.statusCode, url).toBe(403);
    }
    const orders = await hub.app.inject({ url: '/api/v1/service-orders', headers: headers(by('v-jt')) });
    for (const o of orders.json().orders as Json[])
      if (!['taken', 'in_progress'].includes(o.status))
        expect(o.elder, `order ${o.id} (${o.status})`).toBeNull();
    expect(JSON.stringify(orders.json()).includes(elders.meilin.name)).toBe(false);
  });

  it('[SCOPE-ESCALATION] a task handed back is told only to the consoles of its units', async () => {
    const vml = feedOf('v-ml');
    // Back home (its check-in above moved it to the 王 family's door).
    await ask(vml, 'location', { lat: elders.meilin.lat + 0.0009, lon: elders.meilin.lon });
    await sos('w-0002', 'matrix-sos-meilin');
    const offer = (
      await until(
        async () => vml.received.find((r) => r.event === 'offer'),
        (o) => o !== undefined,
      )
    )?.payload as Json;
    const accepted = await ask(vml, 'offer:accept', { offer_id: offer.offer_id });
    expect(accepted.task.elder.name).toBe(elders.meilin.name);
    expect(said(feedOf('v-jt'), everyIdentity)).toEqual([]);
    expect(await ask(vml, 'task:hand_back', { alert_id: offer.alert_id })).toEqual({ ok: true });
    expect(await hub.dispatcher.currentTask('v-ml')).toBeNull();
    const consoles = principals.filter((p) => feeds.get(p.name)!.console.admitted);
    const escalated = (p: Principal) =>
      feeds
        .get(p.name)!
        .console.received.some(
          (r) => r.event === 'escalation' && (r.payload as Json).alert.id === offer.alert_id,
        );
    await until(
      async () => consoles.filter((p) => covers(p, 'meilin') && !escalated(p)),
      (waiting) => waiting.length === 0,
    );
    await new Promise((r) => setTimeout(r, 200));
    for (const p of consoles) {
      pairs++;
      expect(escalated(p), `${p.name} hears 梅林's escalation`).toBe(covers(p, 'meilin'));
      const names = said(feeds.get(p.name)!.console, [elders.meilin.name]);
      if (!covers(p, 'meilin')) expect(names, `${p.name} reads 梅林's elder`).toEqual([]);
    }
    for (const f of feeds.values()) {
      f.console.socket.close();
      f.responder.socket.close();
    }
    console.log(`scope matrix: ${pairs} pairs checked (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  });
});
