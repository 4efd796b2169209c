import { afterEach, describe, expect, it } from 'vitest';
import { dialects } from './support/databases.js';
import { smallDistrict, startTestHub, type TestHub } from './support/hub.js';
import { until } from './support/wait.js';

// biome-ignore lint/suspicious/noExplicitAny: answers are read loosely and checked field by field
type Json = any;

const url = '/api/v1/elders/e-0001/settings';

describe.each(dialects)('per-elder settings on %s', (dialect) => {
  let hub: TestHub;
  afterEach(async () => {
    await hub?.stop();
  });

  /** The small district; the street 莲花 sets a lower SpO2 limit for everyone under it. */
  async function district() {
    hub = await startTestHub({ dialect });
    const doc = smallDistrict();
    doc.org_units = doc.org_units!.map((u) =>
      u.id === 'lianhua' ? { ...u, settings: { spo2_low: 88 } } : u,
    );
    doc.users = [
      ...doc.users!,
      { username: 'family-wang', password: 'family-password', role: 'family', org_unit: 'jingtian' },
    ];
    const put = await hub.putDistrict(doc);
    expect(put.statusCode, JSON.stringify(put.body)).toBe(200);
  }
  const specialist = () => hub.login('spec-jingtian', 'spec-password-1');
  const get = async (token: string, at = url) => hub.app.inject({ url: at, headers: hub.as(token) });
  const patch = async (token: string, payload: object, at = url) =>
    hub.app.inject({ method: 'PATCH', url: at, headers: hub.as(token), payload });

  it('[SETTINGS-EFFECTIVE] each setting says its value and where it comes from: the hub, the nearest unit that sets it, the elder', async () => {
    await district();
    const token = await specialist();
    const read = await get(token);
    expect(read.statusCode, read.body).toBe(200);
    const { settings } = read.json() as Json;
    expect(settings.heart_rate_high).toMatchObject({
      value: 130,
      source: 'unit',
      unit_default: 130,
      unit_default_from: 'hub',
    });
    // The street's value reaches the community's elder.
    expect(settings.spo2_low).toMatchObject({
      value: 88,
      source: 'unit',
      unit_default_from: 'lianhua',
      unit_default_from_name: '莲花街道',
    });
    expect(settings.fall_cancel_window_s).toMatchObject({ value: 30, source: 'unit' });

    const set = await patch(token, { heart_rate_high: 110, spo2_low: 92 });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json().settings.heart_rate_high).toMatchObject({
      value: 110,
      source: 'elder',
      unit_default: 130,
    });
    expect(set.json().settings.spo2_low).toMatchObject({ value: 92, source: 'elder', unit_default: 88 });
    // The running detectors hold it at once (the directory they read).
    expect(hub.district.elder('e-0001')?.settings).toMatchObject({ heart_rate_high: 110, spo2_low: 92 });
    // Another elder is untouched.
    expect(hub.district.elder('e-0002')?.settings.heart_rate_high).toBeUndefined();
  });

  it('[SETTINGS-UNIT-DEFAULTS] a unit’s defaults in the district document: the nearest unit wins, `{}` clears them, a bad one is refused by path', async () => {
    await district();
    const token = await specialist();
    const withUnit = (id: string, settings: object) => {
      const doc = smallDistrict();
      doc.org_units = doc.org_units!.filter((u) => u.id === id).map((u) => ({ ...u, settings }));
      doc.elders = [];
      doc.responders = [];
      doc.users = [];
      return hub.putDistrict(doc);
    };
    expect((await withUnit('jingtian', { spo2_low: 91, heart_rate_high: 120 })).statusCode).toBe(200);
    let { settings } = (await get(token)).json() as Json;
    expect(settings.spo2_low).toMatchObject({ value: 91, unit_default_from: 'jingtian' });
    expect(settings.heart_rate_high).toMatchObject({
      value: 120,
      source: 'unit',
      unit_default_from: 'jingtian',
    });
    expect(hub.district.elder('e-0001')?.settings).toEqual({ spo2_low: 91, heart_rate_high: 120 });
    // 梅林's elder is under the street, not under 景田.
    expect(hub.district.elder('e-0002')?.settings).toEqual({ spo2_low: 88 });

    const bad = await withUnit('jingtian', { heart_rate_low: 100, heart_rate_high: 90, spo2_low: 120 });
    expect(bad.statusCode).toBe(400);
    const issues = (bad.body as Json).issues.map((i: Json) => [i.path, i.message]);
    expect(issues).toEqual(
      expect.arrayContaining([
        ['org_units[0].settings.spo2_low', 'spo2_low must be at most 99 %'],
        ['org_units[0].settings.heart_rate_low', 'heart_rate_low must be below heart_rate_high'],
      ]),
    );
    expect(hub.district.elder('e-0001')?.settings.heart_rate_high).toBe(120);

    expect((await withUnit('jingtian', {})).statusCode).toBe(200);
    ({ settings } = (await get(token)).json() as Json);
    expect(settings.spo2_low).toMatchObject({ value: 88, unit_default_from: 'lianhua' });
    expect(settings.heart_rate_high).toMatchObject({ value: 130, unit_default_from: 'hub' });
  });

  it('[SETTINGS-CLEAR] null puts a setting back to the unit default; the others stay', async () => {
    await district();
    const token = await specialist();
    expect((await patch(token, { heart_rate_high: 110, inactivity_span_min: 360 })).statusCode).toBe(200);
    const cleared = await patch(token, { heart_rate_high: null });
    expect(cleared.statusCode, cleared.body).toBe(200);
    const { settings } = cleared.json() as Json;
    expect(settings.heart_rate_high).toMatchObject({ value: 130, source: 'unit', unit_default_from: 'hub' });
    expect(settings.inactivity_span_min).toMatchObject({ value: 360, source: 'elder' });
    expect((await get(token)).json().settings.heart_rate_high.source).toBe('unit');
    expect(hub.district.elder('e-0001')?.settings).toEqual({ inactivity_span_min: 360, spo2_low: 88 });
    const rows = await hub.store.db
      .selectFrom('care_settings')
      .select(['owner_id', 'name', 'value'])
      .execute();
    expect(rows.filter((r) => r.owner_id === 'e-0001')).toEqual([
      { owner_id: 'e-0001', name: 'inactivity_span_min', value: 360 },
    ]);
  });

  it('[SETTINGS-VALIDATION] a bad change is refused with its reason, and nothing of it is written', async () => {
    await district();
    const token = await specialist();
    expect((await patch(token, { heart_rate_high: 90 })).statusCode).toBe(200);
    const refused = async (payload: object, path: string, message: RegExp) => {
      const res = await patch(token, payload);
      expect(res.statusCode, res.body).toBe(400);
      const body = res.json() as Json;
      expect(body.error).toBe('invalid_request');
      expect(body.issues, res.body).toEqual(
        expect.arrayContaining([expect.objectContaining({ path, message: expect.stringMatching(message) })]),
      );
    };
    // Low at or above high, also against the stored high.
    await refused(
      { heart_rate_low: 90, heart_rate_high: 80 },
      'heart_rate_low',
      /below heart_rate_high \(80\)/,
    );
    await refused(
      { heart_rate_low: 95 },
      'heart_rate_low',
      /heart_rate_low \(95\) must be below heart_rate_high \(90\)/,
    );
    await refused({ heart_rate_high: 400 }, 'heart_rate_high', /at most 200 bpm/);
    await refused({ spo2_low: 50 }, 'spo2_low', /at least 70 %/);
    await refused({ geofence_radius_m: 12.5 }, 'geofence_radius_m', /whole number/);
    await refused({ quiet_start_hour: 5 }, 'quiet_end_hour', /same hour \(5\)/);
    await refused({ heart_rate_hi: 120 }, '(root)', /Unrecognized key: "heart_rate_hi"/);
    await refused({}, '(root)', /at least one setting/);
    await refused({ heart_rate_high: '120' }, 'heart_rate_high', /number/);
    const { settings } = (await get(token)).json() as Json;
    expect(settings.heart_rate_high.value).toBe(90);
    expect(settings.heart_rate_low).toMatchObject({ value: 40, source: 'unit' });
    expect(settings.quiet_start_hour).toMatchObject({ value: 23, source: 'unit' });
    const audited = await hub.store.db
      .selectFrom('audit_entries')
      .select('id')
      .where('action', '=', 'settings_changed')
      .execute();
    expect(audited).toHaveLength(1);
  });

  it('[SETTINGS-SCOPE] other roles get 403 with the roles wanted; an elder outside the unit or unknown, 404 with why', async () => {
    await district();
    for (const [user, password] of [
      ['family-wang', 'family-password'],
      ['v-0001', 'volunteer-password'],
    ] as const) {
      const token = await hub.login(user, password);
      for (const res of [await get(token), await patch(token, { heart_rate_high: 100 })]) {
        expect(res.statusCode, res.body).toBe(403);
        expect(res.json()).toMatchObject({
          error: 'forbidden',
          message: 'this needs one of the roles: admin, specialist',
        });
      }
    }
    const meilin = await hub.login('spec-meilin', 'spec-password-2');
    for (const res of [await get(meilin), await patch(meilin, { heart_rate_high: 100 })]) {
      expect(res.statusCode, res.body).toBe(404);
      expect(res.json()).toEqual({ error: 'not_found', message: 'no elder e-0001 in your org unit' });
    }
    const unknown = await get(await specialist(), '/api/v1/elders/e-9999/settings');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ error: 'not_found', message: 'no elder e-9999 in your org unit' });
    // The street's admin reaches the community's elder.
    const admin = await hub.login('admin-lianhua', 'admin-password-2');
    expect((await patch(admin, { heart_rate_high: 120 })).statusCode).toBe(200);
    expect(hub.district.elder('e-0001')?.settings.heart_rate_high).toBe(120);
  });

  it('[SETTINGS-AUDIT] every change is in the audit log: who, when, each setting old → new', async () => {
    await district();
    const token = await specialist();
    const before = Date.now();
    expect((await patch(token, { heart_rate_high: 110, spo2_low: 92 })).statusCode).toBe(200);
    expect((await patch(token, { heart_rate_high: null })).statusCode).toBe(200);
    const admin = await hub.login('admin-lianhua', 'admin-password-2');
    const log = await until(
      async () => (await get(admin, '/api/v1/audit?action=settings_changed&elder_id=e-0001')).json() as Json,
      (body) => body.entries?.length === 2,
    );
    const entries = [...log.entries].reverse();
    expect(entries.map((e: Json) => [e.actor, e.actor_role, e.action, e.org_unit_id])).toEqual([
      ['spec-jingtian', 'specialist', 'settings_changed', 'jingtian'],
      ['spec-jingtian', 'specialist', 'settings_changed', 'jingtian'],
    ]);
    expect(entries[0].at).toBeGreaterThanOrEqual(before);
    expect(entries[0].detail.changes).toEqual([
      {
        setting: 'heart_rate_high',
        old: { value: 130, source: 'unit' },
        new: { value: 110, source: 'elder' },
      },
      { setting: 'spo2_low', old: { value: 88, source: 'unit' }, new: { value: 92, source: 'elder' } },
    ]);
    expect(entries[1].detail.changes).toEqual([
      {
        setting: 'heart_rate_high',
        old: { value: 110, source: 'elder' },
        new: { value: 130, source: 'unit' },
      },
    ]);
  });

  it('[SETTINGS-PRIVACY] the elder’s own settings are in their export and go with their erasure', async () => {
    await district();
    expect((await patch(await specialist(), { heart_rate_high: 110 })).statusCode).toBe(200);
    const admin = await hub.login('admin-lianhua', 'admin-password-2');
    const exported = await get(admin, '/api/v1/elders/e-0001/export');
    expect(exported.statusCode).toBe(200);
    expect(exported.json().care_settings).toEqual([
      expect.objectContaining({ name: 'heart_rate_high', value: 110, updated_by: 'spec-jingtian' }),
    ]);
    const erased = await hub.app.inject({
      method: 'POST',
      url: '/api/v1/elders/e-0001/erase',
      headers: hub.as(admin),
      payload: { confirm: 'e-0001' },
    });
    expect(erased.statusCode, erased.body).toBe(200);
    const left = await hub.store.db.selectFrom('care_settings').select('owner_id').execute();
    expect(left.map((r) => r.owner_id)).toEqual(['lianhua']);
  });

  /** Three watch readings of one heart rate over 2.5 minutes (device time): a streak long enough to raise. */
  function heartRate(bpm: number) {
    const end = Date.now();
    for (const back of [150_000, 75_000, 0]) {
      const at = end - back;
      hub.ingest.readings.publish({
        deviceId: 'w-0001',
        deviceType: 'watch',
        elderId: 'e-0001',
        ts: at,
        receivedAt: end,
        clockSkewed: false,
        data: { ts: at, heart_rate: bpm },
      });
    }
  }
  const vitalsAlerts = () =>
    hub.store.db
      .selectFrom('alerts')
      .select(['kind', 'severity', 'details'])
      .where('kind', '=', 'vitals')
      .execute();

  it('[SETTINGS-VITALS-LIVE] a lower heart-rate limit makes the running vitals detector alert on a rate it let pass before', async () => {
    await district();
    heartRate(118);
    await new Promise((r) => setTimeout(r, 500));
    expect(await vitalsAlerts(), 'below the hub limit of 130: no alert').toEqual([]);
    expect((await patch(await specialist(), { heart_rate_high: 110 })).statusCode).toBe(200);
    heartRate(118);
    const raised = await until(vitalsAlerts, (rows) => rows.length > 0, 5000);
    expect(raised, 'no vitals alert at the new limit of 110 within 5 s').toHaveLength(1);
    const details = JSON.parse(raised[0]!.details as string) as Json;
    expect(details.watch_heart_rate.limits).toMatchObject({ low: 40, high: 110 });
  });

  it('[SETTINGS-OTHER-NODE] a change written by another node reaches this one’s detectors at its catch-up', async () => {
    await district();
    await hub.store.db
      .insertInto('care_settings')
      .values({
        owner_kind: 'elder',
        owner_id: 'e-0001',
        name: 'geofence_radius_m',
        value: 800,
        updated_at: Date.now(),
        updated_by: 'spec-jingtian',
      })
      .execute();
    expect(hub.district.elder('e-0001')?.settings.geofence_radius_m).toBeUndefined();
    await hub.district.catchUp();
    expect(hub.district.elder('e-0001')?.settings.geofence_radius_m).toBe(800);
  });
});
