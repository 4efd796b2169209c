import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DistrictReports } from '../reports/report-queries.js';
import { reportRoutes } from '../reports/report-routes.js';
import { ServiceLevels } from '../reports/service-levels.js';
import { recurringRequestRoutes } from '../services/recurring-request-routes.js';
import { serviceKindRoutes } from '../services/service-kind-routes.js';
import { serviceOrderRoutes } from '../services/service-order-routes.js';
import { dialects } from './support/databases.js';
import {
  codeShown,
  type ServiceDistrict,
  serviceDistrict,
  type Username,
  wangHome,
} from './support/service-district.js';
import { routesApp } from './support/timebank-district.js';

// biome-ignore lint/suspicious/noExplicitAny: answers are read loosely and checked field by field
type Json = any;
const hour = 3_600_000;
const haircut = { code: 'haircut', label_zh: '理发', label_en: 'Haircut' };

describe.each(dialects)('the menu of service kinds on %s', (dialect) => {
  let d: ServiceDistrict;
  let app: FastifyInstance;
  let call: (
    who: Username,
    method: string,
    url: string,
    payload?: object,
  ) => Promise<{ status: number; body: Json }>;

  beforeEach(async () => {
    d = await serviceDistrict(dialect);
    const reports = new DistrictReports({
      db: d.store.db,
      levels: new ServiceLevels({ db: d.store.db }),
      utcOffsetMinutes: 480,
    });
    const routes = await routesApp(d, async (a) => {
      const api = a.withTypeProvider<ZodTypeProvider>();
      await api.register(serviceOrderRoutes, { prefix: '/api/v1/service-orders', orders: d.orders });
      await api.register(recurringRequestRoutes, {
        prefix: '/api/v1/recurring-requests',
        recurring: d.recurring,
      });
      await api.register(serviceKindRoutes, { prefix: '/api/v1/service-kinds', kinds: d.orders.kinds });
      await api.register(reportRoutes, { prefix: '/api/v1/reports', reports, now: () => d.clock.now });
    });
    app = routes.app;
    const tokens = new Map<Username, { authorization: string }>();
    call = async (who, method, url, payload) => {
      if (!tokens.has(who)) tokens.set(who, await routes.login(who));
      const res = await app.inject({
        method: method as 'GET',
        url,
        headers: tokens.get(who)!,
        ...(payload ? { payload } : {}),
      });
      return {
        status: res.statusCode,
        body: String(res.headers['content-type'] ?? '').includes('json') ? res.json() : res.body,
      };
    };
  });
  afterEach(async () => {
    await app?.close();
    await d.store.close();
  });

  const publish = (who: Username, kind: string) =>
    call(who, 'POST', '/api/v1/service-orders', {
      elder_id: 'e-0001',
      kind,
      note: '头发长了，想剪短',
      wanted_at: d.clock.now + 2 * hour,
    });

  it('[SERVICE-KIND-SEED] the seed’s menu is there, the codes orders already carry kept', async () => {
    const { status, body } = await call('v-0001', 'GET', '/api/v1/service-kinds');
    expect(status).toBe(200);
    expect(body.kinds.map((k: Json) => [k.code, k.label_zh, k.active])).toEqual([
      ['companionship', '陪伴慰藉', true],
      ['visit', '探访', true],
      ['anti_fraud_training', '防诈骗培训', true],
      ['smart_device_training', '智能设备培训', true],
      ['meal_delivery', '送餐', true],
      ['accompany_clinic', '陪同就医', true],
      ['phone_help', '电话关怀', true],
    ]);
  });

  it('[SERVICE-KIND-ADD] an admin adds 理发 (haircut): a specialist publishes it, a volunteer takes it; the change is audited', async () => {
    // Not on the menu yet: a request of it is refused, naming the kind.
    const before = await publish('spec-jingtian', 'haircut');
    expect(before.status).toBe(400);
    expect(before.body).toMatchObject({
      error: 'unknown_kind',
      message: expect.stringContaining('"haircut"'),
    });

    const added = await call('admin', 'POST', '/api/v1/service-kinds', haircut);
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    expect(added.body).toMatchObject({ ...haircut, active: true, created_by: 'admin', position: 8 });
    const menu = (await call('wang-family', 'GET', '/api/v1/service-kinds')).body.kinds;
    expect(menu.at(-1)).toMatchObject({ code: 'haircut', label_zh: '理发' });

    const order = await publish('spec-jingtian', 'haircut');
    expect(order.status, JSON.stringify(order.body)).toBe(201);
    expect(order.body).toMatchObject({ kind: 'haircut', status: 'requested' });
    const open = (await call('v-0001', 'GET', '/api/v1/service-orders?status=requested')).body.orders;
    expect(open.map((o: Json) => [o.id, o.kind])).toEqual([[order.body.id, 'haircut']]);
    const taken = await call('v-0001', 'POST', `/api/v1/service-orders/${order.body.id}/take`);
    expect(taken.status).toBe(200);
    expect(taken.body).toMatchObject({ kind: 'haircut', status: 'taken', volunteer_id: 'v-0001' });

    // Renamed: the order takes the new name; who changed what, when, is kept.
    d.clock.now += 1000;
    const renamed = await call('admin', 'PATCH', '/api/v1/service-kinds/haircut', { label_zh: '上门理发' });
    expect(renamed.body).toMatchObject({ code: 'haircut', label_zh: '上门理发', label_en: 'Haircut' });
    const changes = (await call('admin', 'GET', '/api/v1/service-kinds/changes')).body.changes;
    expect(changes).toMatchObject([
      {
        code: 'haircut',
        actor: 'admin',
        action: 'renamed',
        detail: { before: { label_zh: '理发' }, after: { label_zh: '上门理发', label_en: 'Haircut' } },
      },
      { code: 'haircut', actor: 'admin', actor_role: 'admin', action: 'added', detail: { label_zh: '理发' } },
    ]);
  });

  it('[SERVICE-KIND-RETIRE] a retired kind is refused for new requests with the reason; its old orders keep their name in the report and its files', async () => {
    await call('admin', 'POST', '/api/v1/service-kinds', haircut);
    const order = (await publish('spec-jingtian', 'haircut')).body;
    const served = [
      await call('v-0001', 'POST', `/api/v1/service-orders/${order.id}/take`),
      await call('v-0001', 'POST', `/api/v1/service-orders/${order.id}/check-in`, wangHome),
    ];
    d.clock.now += 30 * 60_000;
    served.push(
      await call('v-0001', 'POST', `/api/v1/service-orders/${order.id}/check-out`, {
        ...wangHome,
        code: codeShown(d, order.id),
      }),
      await call('wang-family', 'POST', `/api/v1/service-orders/${order.id}/rate`, {
        rating: 2,
        comment: '剪得太短',
      }),
    );
    expect(
      served.map((r) => r.status),
      JSON.stringify(served.map((r) => r.body)),
    ).toEqual([200, 200, 200, 200]);

    // A weekly haircut still publishing holds the kind on the menu until it is stopped.
    const rule = await call('spec-jingtian', 'POST', '/api/v1/recurring-requests', {
      elder_id: 'e-0001',
      kind: 'haircut',
      weekdays: [1],
      time: '10:00',
    });
    expect(rule.status, JSON.stringify(rule.body)).toBe(201);
    const held = await call('admin', 'POST', '/api/v1/service-kinds/haircut/retire');
    expect(held.status).toBe(409);
    expect(held.body).toMatchObject({
      error: 'kind_in_use',
      message: expect.stringMatching(/1 recurring request/),
    });
    await call('spec-jingtian', 'POST', `/api/v1/recurring-requests/${rule.body.id}/stop`);

    const retired = await call('admin', 'POST', '/api/v1/service-kinds/haircut/retire');
    expect(retired.status).toBe(200);
    expect(retired.body).toMatchObject({ code: 'haircut', active: false, retired_by: 'admin' });
    const refused = await publish('wang-family', 'haircut');
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({
      error: 'retired_kind',
      message: expect.stringMatching(/"haircut" \(Haircut\) was retired and cannot be requested/),
    });
    const weekly = await call('spec-jingtian', 'POST', '/api/v1/recurring-requests', {
      elder_id: 'e-0001',
      kind: 'haircut',
      weekdays: [2],
      time: '10:00',
    });
    expect(weekly.status).toBe(400);
    expect(weekly.body.error).toBe('retired_kind');

    // The old order reads as before; the report names its kind in both languages.
    const kept = await call('spec-jingtian', 'GET', `/api/v1/service-orders/${order.id}`);
    expect(kept.body.order).toMatchObject({ kind: 'haircut', status: 'rated', rating: 2 });
    const range = `org_unit=jingtian&from=${d.clock.now - 24 * hour}&to=${d.clock.now + 1}`;
    const report = await call('spec-jingtian', 'GET', `/api/v1/reports/summary?${range}`);
    expect(report.status).toBe(200);
    expect(report.body.feedback.by_kind).toMatchObject([{ kind: 'haircut', requested: 1, fulfilled: 1 }]);
    expect(report.body.feedback.kind_names.haircut).toEqual({ zh: '理发', en: 'Haircut' });
    const csv = (await call('spec-jingtian', 'GET', `/api/v1/reports/summary?${range}&format=csv`))
      .body as string;
    const lines = csv.split(/\r?\n/);
    expect(
      lines.find((l) => l.startsWith('理发,')),
      'the kind’s row of 各类服务',
    ).toMatch(/^理发,1,1,0,0,0/);
    expect(
      lines.find((l) => l.includes('剪得太短')),
      'the complaint',
    ).toMatch(/^理发,/);
    expect(csv).not.toMatch(/haircut/);
    const english = (
      await call('spec-jingtian', 'GET', `/api/v1/reports/summary?${range}&format=csv&lang=en`)
    ).body as string;
    expect(english).toMatch(/^Haircut,1,1,0,0,0/m);

    // Back on the menu, it may be asked for again.
    await call('admin', 'POST', '/api/v1/service-kinds/haircut/restore');
    expect((await publish('wang-family', 'haircut')).status).toBe(201);
  });

  it('[SERVICE-KIND-RECURRING] a weekly request of a kind retired under it (a race with the retiring) publishes nothing more', async () => {
    await call('admin', 'POST', '/api/v1/service-kinds', haircut);
    const rule = (
      await call('spec-jingtian', 'POST', '/api/v1/recurring-requests', {
        elder_id: 'e-0001',
        kind: 'haircut',
        weekdays: [1, 2, 3, 4, 5, 6, 7],
        time: '10:00',
        lead_hours: 168,
      })
    ).body;
    const published = async () =>
      d.store.db.selectFrom('service_orders').select('id').where('recurrence_id', '=', rule.id).execute();
    const before = (await published()).length;
    expect(before).toBeGreaterThan(0);
    // Retired as a concurrent retiring would leave it: the rule still active.
    await d.store.db
      .updateTable('service_kinds')
      .set({ retired_at: d.clock.now, retired_by: 'admin' })
      .execute();
    d.clock.now += 24 * hour;
    expect(await d.recurring.publishDue()).toBe(0);
    expect(await published()).toHaveLength(before);
  });

  it('[SERVICE-KIND-REFUSED] only the district’s admins change the menu; a duplicate code or an empty label is a 400 with its reason, nothing stored', async () => {
    const bySpecialist = await call('spec-jingtian', 'POST', '/api/v1/service-kinds', haircut);
    expect(bySpecialist.status).toBe(403);
    expect(bySpecialist.body).toMatchObject({
      error: 'forbidden',
      message: 'this needs one of the roles: admin',
    });
    const byStreetAdmin = await call('admin-lianhua', 'POST', '/api/v1/service-kinds', haircut);
    expect(byStreetAdmin.status).toBe(403);
    expect(byStreetAdmin.body).toMatchObject({
      error: 'not_district_admin',
      message: expect.stringContaining('only an admin of the district'),
    });
    const byVolunteer = await call('v-0001', 'POST', '/api/v1/service-kinds/visit/retire');
    expect(byVolunteer.status).toBe(403);
    expect(byVolunteer.body.error).toBe('forbidden');

    const duplicate = await call('admin', 'POST', '/api/v1/service-kinds', {
      code: 'visit',
      label_zh: '上门探访',
      label_en: 'Home visit',
    });
    expect(duplicate.status).toBe(400);
    expect(duplicate.body).toMatchObject({
      error: 'duplicate_code',
      message: expect.stringContaining('a service kind "visit" exists already'),
    });
    const empty = await call('admin', 'POST', '/api/v1/service-kinds', { ...haircut, label_zh: '   ' });
    expect(empty.status).toBe(400);
    expect(empty.body.issues).toEqual([{ path: 'label_zh', message: 'the Chinese label must not be empty' }]);
    const sameName = await call('admin', 'POST', '/api/v1/service-kinds', { ...haircut, label_zh: '送餐' });
    expect(sameName.status).toBe(400);
    expect(sameName.body).toMatchObject({
      error: 'duplicate_label',
      message: '"送餐" names the service kind "meal_delivery" already',
    });
    const badCode = await call('admin', 'POST', '/api/v1/service-kinds', { ...haircut, code: 'Hair Cut' });
    expect(badCode.status).toBe(400);
    expect(badCode.body.issues[0]).toMatchObject({
      path: 'code',
      message: expect.stringContaining('lowercase'),
    });
    const emptyRename = await call('admin', 'PATCH', '/api/v1/service-kinds/visit', { label_en: '' });
    expect(emptyRename.status).toBe(400);
    expect(emptyRename.body.issues).toEqual([
      { path: 'label_en', message: 'the English label must not be empty' },
    ]);
    const missing = await call('admin', 'POST', '/api/v1/service-kinds/nothing_here/retire');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error: 'not_found', message: 'no service kind "nothing_here"' });

    // None of it changed the menu or its trail.
    const menu = (await call('admin', 'GET', '/api/v1/service-kinds')).body.kinds;
    expect(menu.map((k: Json) => k.code)).not.toContain('haircut');
    expect(menu.find((k: Json) => k.code === 'visit')).toMatchObject({
      label_zh: '探访',
      label_en: 'Visit',
      active: true,
    });
    expect((await call('admin', 'GET', '/api/v1/service-kinds/changes')).body.changes).toEqual([]);
  });
});
